// Checks a published repository the way clients see it: real R reads each
// contrib directory's indexes (available.packages() on a file:// URL, which
// reads PACKAGES.rds, plus PACKAGES.gz and PACKAGES read directly), and every
// format must list exactly the expected package versions; every listed file
// must exist at the destination with the size it has in the staging
// repository. For a destination reached over ssh the index files are fetched
// from it first, and file sizes come from a listing of the destination.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Transport } from "../transport/index.js";
import { runTool } from "../util/tool.js";
import { BbsError } from "../util/errors.js";
import { INDEX_FILES, type ContribDir } from "./layout.js";

/** What a contrib directory must serve: package -> version, and each package file's size. */
export interface ExpectedContrib {
  dir: ContribDir;
  versions: ReadonlyMap<string, string>;
  /** File name -> size in bytes. */
  sizes: ReadonlyMap<string, number>;
}

const FORMATS = ["available.packages", "PACKAGES.rds", "PACKAGES.gz", "PACKAGES"] as const;

const SCRIPT = String.raw`
args <- commandArgs(TRUE)
dirs <- readLines(args[1], encoding = "UTF-8")
out <- file(args[2], open = "w", encoding = "UTF-8")
emit <- function(i, format, m) {
  if (inherits(m, "error")) {
    writeLines(paste(i, format, "ERROR", gsub("[\t\r\n]+", " ", conditionMessage(m)), sep = "\t"), out)
    return(invisible())
  }
  writeLines(paste(i, format, "ROWS", NROW(m), sep = "\t"), out)
  if (NROW(m) > 0) writeLines(paste(i, format, m[, "Package"], m[, "Version"], sep = "\t"), out)
}
for (i in seq_along(dirs)) {
  d <- dirs[i]
  emit(i, "available.packages", tryCatch(available.packages(contriburl = paste0("file://", d), filters = list()), error = identity))
  emit(i, "PACKAGES.rds", tryCatch(readRDS(file.path(d, "PACKAGES.rds")), error = identity))
  emit(i, "PACKAGES.gz", tryCatch({ con <- gzfile(file.path(d, "PACKAGES.gz")); on.exit(close(con)); read.dcf(con) }, error = identity))
  emit(i, "PACKAGES", tryCatch(read.dcf(file.path(d, "PACKAGES")), error = identity))
}
close(out)
`;

/** Runs R over local copies of contrib directories; returns, per directory and format, package -> version (or an error). */
async function readIndexesWithR(
  localDirs: readonly string[],
  rscript: string,
): Promise<Map<number, Map<string, Map<string, string> | string>>> {
  const scratch = mkdtempSync(join(tmpdir(), "bbs-verify-"));
  try {
    writeFileSync(join(scratch, "verify.R"), SCRIPT);
    writeFileSync(join(scratch, "dirs.txt"), localDirs.join("\n") + "\n");
    const run = await runTool(
      rscript,
      ["--vanilla", join(scratch, "verify.R"), join(scratch, "dirs.txt"), join(scratch, "out.tsv")],
      {
        timeoutMs: 600_000,
        env: { LANG: "C.UTF-8", LC_ALL: "C.UTF-8", R_LIBS_USER: "" },
      },
    );
    if (run.exitCode !== 0) {
      throw new BbsError(
        "BBS_VERIFY_FAILED",
        `R could not read the published indexes: ${run.spawnError ?? (run.stderr.trim() || `exit ${run.exitCode ?? run.signal}`)}`,
        {
          hint: "check r.rscriptCmd in the configuration; verification needs R",
        },
      );
    }
    const result = new Map<number, Map<string, Map<string, string> | string>>();
    for (const line of readFileSync(join(scratch, "out.tsv"), "utf8").split("\n")) {
      if (line === "") continue;
      const [index, format, first, second] = line.split("\t") as [string, string, string, string];
      const perDir = result.get(Number(index) - 1) ?? new Map<string, Map<string, string> | string>();
      result.set(Number(index) - 1, perDir);
      if (first === "ERROR") perDir.set(format, second ?? "error");
      else if (first === "ROWS") perDir.set(format, new Map());
      else {
        const listing = perDir.get(format);
        if (listing instanceof Map) listing.set(first, second);
      }
    }
    return result;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function describeVersions(versions: ReadonlyMap<string, string>): string {
  return [...versions].map(([pkg, version]) => `${pkg} ${version}`).join(", ") || "(none)";
}

/**
 * Verifies the contrib directories under `base` (a path relative to the
 * transport root: a release directory, or "" for the public paths). Throws
 * BBS_VERIFY_FAILED listing every discrepancy.
 */
export async function verifyPublished(
  transport: Transport,
  base: string,
  expected: readonly ExpectedContrib[],
  rscript: string,
): Promise<void> {
  const problems: string[] = [];
  const scratch = mkdtempSync(join(tmpdir(), "bbs-verify-copy-"));
  try {
    const localDirs: string[] = [];
    for (const [index, contrib] of expected.entries()) {
      const remote = base === "" ? contrib.dir.path : `${base}/${contrib.dir.path}`;
      const listing = new Map((await transport.list(remote)).map((entry) => [entry.name, entry]));
      for (const file of INDEX_FILES) if (!listing.has(file)) problems.push(`${contrib.dir.path}/${file} is missing`);
      for (const [pkg, version] of contrib.versions) {
        const file = `${pkg}_${version}.${contrib.dir.extension}`;
        const entry = listing.get(file);
        const size = contrib.sizes.get(file);
        if (entry === undefined) problems.push(`${contrib.dir.path}/${file} is listed but missing`);
        else if (size !== undefined && entry.size !== size)
          problems.push(`${contrib.dir.path}/${file} has ${entry.size} bytes, the staging copy ${size}`);
      }
      if (transport.kind === "local") {
        localDirs.push(transport.location(remote));
      } else {
        const copy = join(scratch, String(index));
        for (const file of INDEX_FILES)
          if (listing.has(file)) await transport.get(`${remote}/${file}`, join(copy, file));
        localDirs.push(copy);
      }
    }
    const read = await readIndexesWithR(localDirs, rscript);
    for (const [index, contrib] of expected.entries()) {
      for (const format of FORMATS) {
        const seen = read.get(index)?.get(format);
        if (seen === undefined) problems.push(`${contrib.dir.path}: R gave no result for ${format}`);
        else if (typeof seen === "string") problems.push(`${contrib.dir.path}: R cannot read ${format}: ${seen}`);
        else if (
          describeVersions(new Map([...seen].sort())) !== describeVersions(new Map([...contrib.versions].sort()))
        ) {
          problems.push(
            `${contrib.dir.path}: ${format} lists ${describeVersions(seen)}; expected ${describeVersions(contrib.versions)}`,
          );
        }
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (problems.length > 0) {
    throw new BbsError(
      "BBS_VERIFY_FAILED",
      `${transport.location(base)}: the published repository does not verify (${problems.length} problem(s))`,
      {
        details: problems.slice(0, 50),
        hint: "fix the cause, then run `bbs propagate push` again",
      },
    );
  }
}
