// The inject step (create-local-meat-dir + inject-fields-into-meat, docs/bbs-rules.md#field-injection):
// the meat-index packages' trees are synced from MEAT0 into prerun's own meat
// (`prerunMeatDir`; BBS used the builder's meat, which a `bbs run` still
// building on the central node was using) without their git files (rsync with `tools.rsyncOptions`, as
// BBS; anything else in meat is removed), then their DESCRIPTION files get
// the git fields of their gitlog file and `Repository: Bioconductor <ver>`.
// Unlike BBS, whole values are injected (BBS kept the first word only, so
// git_last_commit_date lost its time), and a field's continuation lines go
// with it.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProcess } from "../../jobs/process.js";
import { quoteForShell } from "../../transport/shell.js";
import type { ResolvedConfig } from "../../config/load.js";
import { injectDescriptionFields } from "../../rpkg/description.js";
import { BbsError } from "../../util/errors.js";
import { readGitLog } from "./gitlog.js";
import { gitLogFileName } from "../../layout/central.js";
import { interruptedError } from "./progress.js";

/** The fields injected into a package's DESCRIPTION, in order. */
export function injectedFields(gitlogFile: string, repository: string | undefined): [string, string][] {
  const entry = readGitLog(gitlogFile);
  const fields: [string, string][] = [
    ["git_url", entry.gitUrl],
    ["git_branch", entry.gitBranch],
    ["git_last_commit", entry.gitLastCommit],
    ["git_last_commit_date", entry.gitLastCommitDate],
  ];
  if (repository !== undefined) fields.push(["Repository", repository]);
  return fields;
}

/** `Repository: Bioconductor <version>` for Bioconductor builds; none for cran. */
export function repositoryField(config: ResolvedConfig): string | undefined {
  return config.values.buildType === "cran" ? undefined : `Bioconductor ${config.values.biocVersion}`;
}

/**
 * Syncs `packages` from `meat0Dir` into `prerunMeatDir` (nothing else is kept
 * there), with `tools.rsync` and `tools.rsyncOptions`; rsync's output goes to
 * `logFile`. Throws BBS_COMMAND_FAILED when rsync fails.
 */
export async function syncMeat(
  config: ResolvedConfig,
  packages: readonly string[],
  logFile: string,
  signal?: AbortSignal,
): Promise<void> {
  const v = config.values;
  mkdirSync(v.prerunMeatDir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), "bbs-meat-filter-"));
  const filter = join(work, "filter");
  // Rules after the options' own excludes (.git...): first match wins in rsync.
  writeFileSync(filter, `${packages.map((name) => `+ /${name}/`).join("\n")}\n- /*\n`);
  const command = [
    v["tools.rsync"],
    v["tools.rsyncOptions"],
    "-pt",
    quoteForShell(`--filter=merge ${filter}`),
    `${quoteForShell(v.meat0Dir)}/`,
    `${quoteForShell(v.prerunMeatDir)}/`,
  ].join(" ");
  try {
    writeFileSync(logFile, `$ ${command}\n`);
    const result = await runProcess({ command, outputFile: logFile, ...(signal === undefined ? {} : { signal }) });
    if (result.cancelled) throw interruptedError("inject");
    if (result.exitCode !== 0) {
      const last = readFileSync(logFile, "utf8").trim().split("\n").pop() ?? "";
      throw new BbsError(
        "BBS_COMMAND_FAILED",
        `rsync of ${v.meat0Dir} into ${v.prerunMeatDir} failed (${result.spawnError ?? `exit ${result.exitCode ?? result.signal ?? "none"}`}): ${last}`,
        {
          hint: `check tools.rsync and tools.rsyncOptions; rsync's output is in ${logFile}`,
        },
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Injects the git fields and Repository into each package's DESCRIPTION in meat. */
export function injectFields(
  meatDir: string,
  gitlogDir: string,
  packages: readonly string[],
  repository: string | undefined,
): void {
  for (const name of packages) {
    injectDescriptionFields(
      join(meatDir, name, "DESCRIPTION"),
      injectedFields(join(gitlogDir, gitLogFileName(name)), repository),
    );
  }
}
