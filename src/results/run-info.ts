// What a reader of a run's results (postrun, the report, notify) needs from
// `run.json` (docs/architecture.md): which run it is and when its snapshot was
// taken. prerun owns the file and its full schema; readers here are lenient on
// purpose: a run directory without run.json (a BBS-era central directory, or
// one copied by hand) still gets a report, with the facts it lacks left out.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { errorMessage } from "../util/errors.js";
import { RUN_INFO_FILE } from "../layout/central.js";

export interface RunFacts {
  /** `YYYYMMDD-HHMMSS`, undefined when run.json is missing or says nothing. */
  runId?: string;
  /** BBS format without seconds: `2024-10-24 13:55 -0400 (Thu, 24 Oct 2024)`. */
  snapshotDate?: string;
  /** The snapshot instant. */
  snapshotTime?: Date;
  biocVersion?: string;
  buildType?: string;
  /** Why run.json could not be used, for the reader's warnings. */
  problem?: string;
}

function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Reads `<runDir>/run.json`, never throwing: problems come back in `problem`. */
export function readRunFacts(runDir: string): RunFacts {
  const path = join(runDir, RUN_INFO_FILE);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    return { problem: missing ? `${path} does not exist` : `${path} cannot be read: ${errorMessage(error)}` };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    return { problem: `${path} is not a JSON object` };
  const record = parsed as Record<string, unknown>;
  const facts: RunFacts = {};
  const runId = stringField(record, "runId");
  const snapshotDate = stringField(record, "snapshotDate");
  const snapshotTimeText = stringField(record, "snapshotTime");
  const biocVersion = stringField(record, "biocVersion");
  const buildType = stringField(record, "buildType");
  if (runId !== undefined) facts.runId = runId;
  if (snapshotDate !== undefined) facts.snapshotDate = snapshotDate;
  if (snapshotTimeText !== undefined) {
    const time = new Date(snapshotTimeText);
    if (!Number.isNaN(time.getTime())) facts.snapshotTime = time;
  }
  if (biocVersion !== undefined) facts.biocVersion = biocVersion;
  if (buildType !== undefined) facts.buildType = buildType;
  return facts;
}
