// The target repo (make-target-repo, docs/formats.md#target-repo): `<run>/src/contrib/` with a
// plain tarball of each meat-index package's injected tree (a `buildnovig`
// job: `tar zcf <pkg>_<ver>.tar.gz <pkg>` in prerun's meat, no vignettes, no R CMD
// build), the jobs' out and summary files, and PACKAGES with the git fields,
// identical to tools::write_PACKAGES.
//
// Builders wait for `src/contrib/PACKAGES`: the directory is assembled under a
// temporary name next to `src/contrib`, PACKAGES written last, and swapped in
// with a rename, so PACKAGES never appears before the tarballs it lists, and
// a re-run replaces the whole directory at once (BBS's `rm -f *` emptied it
// first).

import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { ResolvedConfig } from "../../config/load.js";
import { sortCaseInsensitively, type MeatIndexRecord } from "../../rpkg/meat-index.js";
import { BBS_GIT_FIELDS, writePackagesIndex } from "../../rpkg/packages-index.js";
import { swapDirectory, temporaryPathFor } from "../../util/fs.js";
import { runBuildnovigJob, type BuildnovigResult } from "./buildnovig.js";
import { runParallel } from "./parallel.js";
import type { PrerunListener } from "./progress.js";
import { formatElapsed } from "../../util/log-format.js";
import { BUILDNOVIG_STAGE } from "../../layout/central.js";

export const TARGET_REPO_DIR = join("src", "contrib");

export interface MakeTargetRepoOptions {
  config: ResolvedConfig;
  runDir: string;
  /** The meat index (its packages' trees are in prerunMeatDir). */
  records: readonly MeatIndexRecord[];
  signal?: AbortSignal;
  emit?: PrerunListener;
}

export interface TargetRepo {
  contribDir: string;
  tarballs: number;
  /** Packages whose tarball job failed. */
  failed: string[];
  /** Tarballs write_PACKAGES could not index. */
  problems: string[];
}

/** `<pkg>_<version>.tar.gz` */
export function sourceTarballName(record: Pick<MeatIndexRecord, "package" | "version">): string {
  return `${record.package}_${record.version}.tar.gz`;
}

export async function makeTargetRepo(options: MakeTargetRepoOptions): Promise<TargetRepo> {
  const v = options.config.values;
  const contribDir = join(options.runDir, TARGET_REPO_DIR);
  const staging = temporaryPathFor(contribDir);
  mkdirSync(staging, { recursive: true });
  try {
    const records = sortCaseInsensitively(options.records, (record) => record.package);
    const tasks = records.map((record) => ({
      id: record.package,
      run: async (signal: AbortSignal): Promise<BuildnovigResult> => {
        const tarball = sourceTarballName(record);
        const result = await runBuildnovigJob({
          package: record.package,
          version: record.version,
          command: `${v["tools.tar"]} zcf ${tarball} ${record.package}`,
          cwd: v.prerunMeatDir,
          product: tarball,
          jobDir: staging,
          timeoutMs: v["timeouts.buildnovig"] * 1000,
          killGraceMs: v["timeouts.killGrace"] * 1000,
          signal,
        });
        // The tarball is made in meat, as BBS does, and delivered into the repository.
        if (result.status === "OK") moveFile(join(v.prerunMeatDir, tarball), join(staging, tarball));
        return result;
      },
    }));
    const results = await runParallel(tasks, {
      pool: BUILDNOVIG_STAGE,
      slots: v["slots.prerun"],
      notRun: () => ({ status: "ERROR", elapsedSeconds: 0 }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      onFinished: (name, result, done, total) =>
        options.emit?.({
          type: "package",
          at: new Date(),
          step: "target-repo",
          package: name,
          status: result.status,
          detail: `[${formatElapsed(result.elapsedSeconds)}]`,
          done,
          total,
        }),
    });
    const failed = records
      .filter((record) => results.get(record.package)?.status !== "OK")
      .map((record) => record.package);
    // PACKAGES (and PACKAGES.gz) last: it is what builders wait for.
    const index = await writePackagesIndex(staging, { fields: BBS_GIT_FIELDS });
    swapDirectory(staging, contribDir);
    return {
      contribDir,
      tarballs: index.entries.length,
      failed,
      problems: index.problems.map((problem) => `${problem.file}: ${problem.message}`),
    };
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

function moveFile(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
    copyFileSync(from, to);
    rmSync(from, { force: true });
  }
  if (!existsSync(to)) throw new Error(`${to} missing after the move`);
}
