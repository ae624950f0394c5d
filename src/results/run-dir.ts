// Which run postrun and notify work on: the current one (`central.dir`, a
// symlink to `<central.runsDir>/<run-id>/`), or an older one named with
// `--run <id>` to redo it. A plain directory at `central.dir` (a BBS-era
// layout, no runs) is accepted as it is. run.json, written by prerun, tells
// the run's id and snapshot time (run-info.ts); without it they come from the
// directory's name.

import { existsSync, lstatSync, realpathSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import type { ResolvedConfig } from "../config/load.js";
import { BbsError } from "../util/errors.js";
import { readRunFacts } from "./run-info.js";

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
      throw new BbsError("BBS_USAGE", `--run ${JSON.stringify(runId)} is not a run id`, {
        hint: "a run id is a directory name of central.runsDir, e.g. 20261121-135500",
      });
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
    throw new BbsError(
      "BBS_PRECONDITION",
      `there is no current run: central.dir ${centralDir} does not exist${stat === undefined ? "" : " (dangling symlink)"}`,
      {
        hint: "run `bbs prerun` first: it starts a run and points central.dir at it",
      },
    );
  }
  return realpathSync(centralDir);
}

/** The run in `runDir`: run.json's id and snapshot time (read leniently), else what the directory's name and mtime say. */
export function readRunMeta(runDir: string): RunMeta {
  const facts = readRunFacts(runDir);
  const runId = facts.runId ?? basename(runDir);
  const snapshotTime = facts.snapshotTime ?? timeOfRunId(runId) ?? statSync(runDir).mtime;
  return { runId, snapshotTime, ...(facts.snapshotDate === undefined ? {} : { snapshotDate: facts.snapshotDate }) };
}

/** The local time a run id (`YYYYMMDD-HHMMSS`) names. */
export function timeOfRunId(runId: string): Date | undefined {
  const match = RUN_ID.exec(runId);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return new Date(year, month - 1, day, hour, minute, second);
}
