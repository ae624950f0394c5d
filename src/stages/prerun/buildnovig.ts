// One STAGE1 `buildnovig` job (docs/formats.md#target-repo) on the job engine's command
// runner: BBS's out file (command header + output), the summary with
// PackageFile / PackageFileSize, and a `<pkg>.buildnovig-MISSING` marker
// when the tarball was not made (or the job failed: its partial archive is
// removed rather than published).

import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { runCommandJob } from "../../jobs/command-job.js";
import { filesToDeliver, jobFiles } from "../../jobs/outfile.js";
import { packageFileExtras, writeSummary } from "../../results/summary.js";
import { BUILDNOVIG_STAGE } from "../../layout/central.js";

export interface BuildnovigJob {
  package: string;
  version: string;
  /** Shell command, run in `cwd`. */
  command: string;
  cwd: string;
  /** The tarball's name, made in `cwd`. */
  product: string;
  /** Where the out, summary and MISSING files go. */
  jobDir: string;
  timeoutMs: number;
  killGraceMs: number;
  signal?: AbortSignal;
}

export interface BuildnovigResult {
  status: "OK" | "ERROR" | "TIMEOUT";
  elapsedSeconds: number;
}

export async function runBuildnovigJob(job: BuildnovigJob): Promise<BuildnovigResult> {
  const files = jobFiles(job.jobDir, job.package, BUILDNOVIG_STAGE);
  const run = await runCommandJob({
    command: job.command,
    cwd: job.cwd,
    outputFile: files.outFile,
    timeoutMs: job.timeoutMs,
    killGraceMs: job.killGraceMs,
    ...(job.signal === undefined ? {} : { signal: job.signal }),
  });
  const productPath = join(job.cwd, job.product);
  const status = run.timedOut ? "TIMEOUT" : run.retCode === 0 && existsSync(productPath) ? "OK" : "ERROR";
  // A failed tar leaves a truncated archive behind; BBS delivered it. It is no product.
  if (status !== "OK") rmSync(productPath, { force: true });
  writeSummary(files.summaryFile, {
    package: job.package,
    version: job.version,
    command: job.command,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    elapsedSeconds: run.elapsedSeconds,
    retCode: run.retCode,
    status,
    extras: packageFileExtras(productPath, job.product),
  });
  // The -MISSING marker when there is no tarball (the tarball itself is moved by the caller).
  filesToDeliver(files, productPath);
  return { status, elapsedSeconds: run.elapsedSeconds };
}
