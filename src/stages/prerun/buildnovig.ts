// One STAGE1 `buildnovig` job (spec 3.7, 6.9): runs the tarball command,
// writes `<pkg>.buildnovig-out.txt` and `<pkg>.buildnovig-summary.dcf` into
// the job directory, and a `<pkg>.buildnovig-MISSING` marker when the
// tarball was not made.

import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { formatBbsDate } from "../../util/bbs-date.js";
import { writeFileAtomic } from "../../util/fs.js";

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
  const prefix = join(job.jobDir, `${job.package}.buildnovig`);
  const startedAt = new Date();
  const run = await execa(job.command, {
    shell: true,
    cwd: job.cwd,
    reject: false,
    stdin: "ignore",
    all: true,
    timeout: job.timeoutMs,
    forceKillAfterDelay: job.killGraceMs,
    ...(job.signal === undefined ? {} : { cancelSignal: job.signal }),
  });
  const endedAt = new Date();
  const elapsedSeconds = (endedAt.getTime() - startedAt.getTime()) / 1000;
  writeFileSync(`${prefix}-out.txt`, `${run.all ?? ""}`);
  const size = statSync(join(job.cwd, job.product), { throwIfNoEntry: false })?.size;
  const timedOut = run.timedOut === true;
  const status = timedOut ? "TIMEOUT" : run.exitCode === 0 && size !== undefined ? "OK" : "ERROR";
  if (size === undefined) writeFileSync(`${prefix}-MISSING`, "");
  const lines = [
    `Package: ${job.package}`,
    `Version: ${job.version}`,
    `Command: ${job.command}`,
    `StartedAt: ${formatBbsDate(startedAt)}`,
    `EndedAt: ${formatBbsDate(endedAt)}`,
    `EllapsedTime: ${elapsedSeconds.toFixed(1)} seconds`,
    `RetCode: ${timedOut || run.exitCode === undefined ? "None" : String(run.exitCode)}`,
    `Status: ${status}`,
    `PackageFile: ${size === undefined ? "None" : job.product}`,
    `PackageFileSize: ${size === undefined ? "NA" : `${size} bytes`}`,
  ];
  writeFileAtomic(`${prefix}-summary.dcf`, `${lines.join("\n")}\n`);
  return { status, elapsedSeconds };
}
