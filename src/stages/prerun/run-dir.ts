// Runs and their central directories (docs/architecture.md, "Runs are
// identified and never wiped"):
//
//   <central.runsDir>/<run-id>/      one directory per run, BBS's central layout inside
//   <central.runsDir>/<run-id>/run.json
//   <central.dir> -> <run-id dir>    a symlink to the current run, switched atomically
//
// A run id is the snapshot time in the central node's local time,
// `YYYYMMDD-HHMMSS` (`-2`, `-3`... appended in the rare case that id exists).
// BBS's prerun began with `rm -rf $BBS_CENTRAL_RDIR`; here the previous runs
// stay, and only the oldest beyond `central.keepRuns` are deleted, at the end
// of a prerun that succeeded.

import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { z } from "zod";
import { BbsError } from "../../util/errors.js";
import { temporaryPathFor } from "../../util/fs.js";
import { readJsonFile, writeJsonFile } from "./state.js";
import { RUN_INFO_FILE } from "../../layout/central.js";

const RUN_ID = /^\d{8}-\d{6}(?:-\d+)?$/;

/** Whether `name` is a run id (a run directory's name). */
export function isRunId(name: string): boolean {
  return RUN_ID.test(name);
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, "0");
}

/** `YYYYMMDD-HHMMSS` of `time` in the process's local time zone. */
export function runIdFor(time: Date): string {
  return (
    `${pad(time.getFullYear(), 4)}${pad(time.getMonth() + 1)}${pad(time.getDate())}-` +
    `${pad(time.getHours())}${pad(time.getMinutes())}${pad(time.getSeconds())}`
  );
}

const runInfoSchema = z.object({
  runId: z.string(),
  /** BBS format, no seconds: `2024-10-24 13:55 -0400 (Thu, 24 Oct 2024)`. */
  snapshotDate: z.string(),
  /** ISO 8601 (UTC). */
  snapshotTime: z.string(),
  /** The `--snapshot-date` cutoff (ISO 8601), when the sources are the last commits before it. */
  cutoff: z.string().nullable(),
  biocVersion: z.string(),
  buildType: z.string(),
  /** Packages in meat-index.dcf (0 until the index step ran). */
  packages: z.number().int(),
  /** Packages in skipped-index.dcf. */
  skipped: z.number().int(),
  /** `preparing` until the target repo is published, then `prepared`. */
  status: z.enum(["preparing", "prepared"]),
  prerun: z.object({
    startedAt: z.string(),
    endedAt: z.string().nullable(),
    /** When each step last ended (ISO 8601). */
    steps: z.record(z.string(), z.string()),
  }),
});

/** run.json at the root of a run directory: what builders and postrun learn about the run. */
export type RunInfo = z.infer<typeof runInfoSchema>;

export function writeRunInfo(runDir: string, info: RunInfo): void {
  writeJsonFile(join(runDir, RUN_INFO_FILE), info);
}

export function readRunInfo(runDir: string): RunInfo {
  return readJsonFile(
    join(runDir, RUN_INFO_FILE),
    runInfoSchema,
    "run `bbs prerun` to start a new run",
    "does not exist: the directory was not made by `bbs prerun`",
  );
}

/** Creates `<runsDir>/<run id>/` for a snapshot time; the id gets `-2`, `-3`... if taken. */
export function createRunDir(runsDir: string, snapshotTime: Date): { runId: string; runDir: string } {
  mkdirSync(runsDir, { recursive: true });
  const base = runIdFor(snapshotTime);
  for (let n = 1; ; n += 1) {
    const runId = n === 1 ? base : `${base}-${n}`;
    const runDir = join(runsDir, runId);
    try {
      mkdirSync(runDir);
      return { runId, runDir };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}

/**
 * Points `centralDir` at `runDir` atomically: a new symlink under a temporary
 * name renamed over the old one (a relative link, so the central directory
 * and its runs can be moved together). A real directory found at `centralDir`
 * (a BBS central directory, or one from before runs existed) is moved into
 * `runsDir` as `legacy-<time>` rather than deleted; its new path is returned.
 */
export function switchCurrentRun(centralDir: string, runDir: string, runsDir: string): { movedLegacyDir?: string } {
  mkdirSync(dirname(centralDir), { recursive: true });
  let movedLegacyDir: string | undefined;
  const stat = lstatSync(centralDir, { throwIfNoEntry: false });
  if (stat !== undefined && !stat.isSymbolicLink()) {
    if (!stat.isDirectory()) {
      throw new BbsError(
        "BBS_PRECONDITION",
        `central.dir ${centralDir} exists and is neither a directory nor a symlink`,
        {
          hint: "move the file away; bbs makes central.dir a symlink to the current run directory",
        },
      );
    }
    movedLegacyDir = join(runsDir, `legacy-${runIdFor(stat.mtime)}`);
    renameSync(centralDir, movedLegacyDir);
  }
  const link = temporaryPathFor(centralDir);
  symlinkSync(relative(dirname(resolve(centralDir)), resolve(runDir)), link);
  try {
    renameSync(link, centralDir);
  } catch (error) {
    rmSync(link, { force: true });
    throw error;
  }
  return movedLegacyDir === undefined ? {} : { movedLegacyDir };
}

/** The directory of the current run (what `centralDir` points to); BBS_PRECONDITION when there is none. */
export function currentRunDir(centralDir: string): string {
  const stat = lstatSync(centralDir, { throwIfNoEntry: false });
  if (stat === undefined || !stat.isSymbolicLink()) {
    throw new BbsError(
      "BBS_PRECONDITION",
      stat === undefined
        ? `there is no current run: central.dir ${centralDir} does not exist`
        : `central.dir ${centralDir} is not a run (a symlink to a run directory)`,
      {
        hint: "run `bbs prerun` (all steps) first: it starts a run; `--only <step>` re-runs one step of the current run",
      },
    );
  }
  const target = resolve(dirname(centralDir), readlinkSync(centralDir));
  if (!existsSync(target) || !statSync(target).isDirectory()) {
    throw new BbsError("BBS_PRECONDITION", `central.dir ${centralDir} points to ${target}, which does not exist`, {
      hint: "run `bbs prerun` (all steps) to start a new run",
    });
  }
  return realpathSync(target);
}

/** A run's status from its run.json; a run without a readable one never finished its first step. */
function runStatus(runDir: string): RunInfo["status"] {
  try {
    return readRunInfo(runDir).status;
  } catch {
    return "preparing";
  }
}

export interface PruneOptions {
  /** The run being prepared now: never deleted. */
  currentRunId: string;
  /** Runs a build is still working on (e.g. a `bbs run` on this node): never deleted. */
  inUse?: ReadonlySet<string>;
  /** Only delete runs left `preparing` by a prerun that did not finish (none by age). */
  unfinishedOnly?: boolean;
}

/**
 * Deletes run directories of `runsDir`; returns the deleted ids. Runs left
 * `preparing` by a prerun that was interrupted or failed were never built
 * (builders wait for `prepared`) and go first, whatever their age; of the
 * prepared runs the newest `keep` stay besides the current one. Runs in use
 * and entries that are not run directories (legacy directories, the lock)
 * are left alone.
 */
export function pruneRuns(runsDir: string, keep: number, options: PruneOptions): string[] {
  const candidates = readdirSync(runsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && isRunId(entry.name) && entry.name !== options.currentRunId)
    .map((entry) => entry.name)
    .filter((runId) => options.inUse?.has(runId) !== true)
    .sort(compareRunIds);
  const unfinished = candidates.filter((runId) => runStatus(join(runsDir, runId)) === "preparing");
  const prepared = candidates.filter((runId) => !unfinished.includes(runId));
  const byAge = options.unfinishedOnly === true ? [] : prepared.slice(0, Math.max(0, prepared.length - keep));
  const removed = [...unfinished, ...byAge].sort(compareRunIds);
  for (const runId of removed) rmSync(join(runsDir, runId), { recursive: true, force: true });
  return removed;
}

/** Orders run ids by time, then by their `-n` suffix. */
export function compareRunIds(a: string, b: string): number {
  const [timeA = "", suffixA = "1"] = splitRunId(a);
  const [timeB = "", suffixB = "1"] = splitRunId(b);
  return timeA < timeB ? -1 : timeA > timeB ? 1 : Number(suffixA) - Number(suffixB);
}

function splitRunId(runId: string): [string, string | undefined] {
  const name = basename(runId);
  return [name.slice(0, 15), name.length > 16 ? name.slice(16) : undefined];
}
