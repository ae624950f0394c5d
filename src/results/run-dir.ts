// Which run postrun, notify and the report work on: the current one
// (`central.dir`, a symlink to `<central.runsDir>/<run-id>/`), or an older
// one named with `--run <id>` to redo it. A plain directory at `central.dir` (a BBS-era layout, no runs)
// is accepted as it is. run.json, written by prerun, tells the run's id and
// snapshot time; without it they come from the directory's name.

import { existsSync, lstatSync, readFileSync, realpathSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import type { ResolvedConfig } from "../config/load.js";
import { BbsError } from "../util/errors.js";

export const RUN_INFO_FILE = "run.json";

export interface RunMeta {
  runId: string;
  /** The run's snapshot time (run.json), else the time its id names, else the directory's mtime. */
  snapshotTime: Date;
  /** BBS-format snapshot date from run.json, when present. */
  snapshotDate?: string;
}

const RUN_ID = /^(\d{4})(\d\d)(\d\d)-(\d\d)(\d\d)(\d\d)(?:-\d+)?$/;

/** The directory of the run postrun works on. */
export function resolveRunDir(config: ResolvedConfig, runId?: string): string {
  if (runId !== undefined) {
    if (runId === "" || runId.includes("/") || runId.startsWith(".")) {
      throw new BbsError("BBS_USAGE", `--run ${JSON.stringify(runId)} is not a run id`, { hint: "a run id is a directory name of central.runsDir, e.g. 20261121-135500" });
    }
    const dir = join(config.values["central.runsDir"], runId);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new BbsError("BBS_PRECONDITION", `run ${runId} does not exist: no directory ${dir}`, {
        hint: `the runs kept are the directories of ${config.values["central.runsDir"]} (central.keepRuns)`,
      });
    }
    return realpathSync(dir);
  }
  const centralDir = config.values["central.dir"];
  const stat = lstatSync(centralDir, { throwIfNoEntry: false });
  if (stat === undefined || !existsSync(centralDir)) {
    throw new BbsError("BBS_PRECONDITION", `there is no current run: central.dir ${centralDir} does not exist${stat === undefined ? "" : " (dangling symlink)"}`, {
      hint: "run `bbs prerun` first: it starts a run and points central.dir at it",
    });
  }
  return realpathSync(centralDir);
}

/** What postrun needs to know about the run in `runDir`. */
export function readRunMeta(runDir: string): RunMeta {
  const path = join(runDir, RUN_INFO_FILE);
  let info: { runId?: unknown; snapshotTime?: unknown; snapshotDate?: unknown } = {};
  if (existsSync(path)) {
    try {
      info = JSON.parse(readFileSync(path, "utf8")) as typeof info;
    } catch (error) {
      throw new BbsError("BBS_INPUT_INVALID", `${path} is not valid JSON: ${(error as Error).message}`, {
        hint: "run.json is written by `bbs prerun`; restore it or re-run prerun",
      });
    }
  }
  const runId = typeof info.runId === "string" && info.runId !== "" ? info.runId : basename(runDir);
  const fromInfo = typeof info.snapshotTime === "string" ? new Date(info.snapshotTime) : undefined;
  const snapshotTime = fromInfo !== undefined && !Number.isNaN(fromInfo.getTime()) ? fromInfo : (timeOfRunId(runId) ?? statSync(runDir).mtime);
  return { runId, snapshotTime, ...(typeof info.snapshotDate === "string" ? { snapshotDate: info.snapshotDate } : {}) };
}

/** The local time a run id (`YYYYMMDD-HHMMSS`) names. */
export function timeOfRunId(runId: string): Date | undefined {
  const match = RUN_ID.exec(runId);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as [number, number, number, number, number, number, number];
  return new Date(year, month - 1, day, hour, minute, second);
}
