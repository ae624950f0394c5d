// What a reader of a run's results (postrun, the report, notify) needs from
// `run.json` (docs/architecture.md): which run it is and when its snapshot was
// taken. prerun owns the file and its full schema; readers here are lenient on
// purpose: a run directory without run.json (a BBS-era central directory, or
// one copied by hand) still gets a report. There, BBS's own files tell the
// run: the snapshot date of `gitlog/git-log.dcf` (written by BBS's prerun at
// the git pull), else when prerun wrote `meat-index.dcf`; the run id is that
// instant as `YYYYMMDD-HHMMSS` in the snapshot's own UTC offset, so each
// night of a BBS central directory (always the same path) is a run of its own
// in the history.

import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { GITLOG_DIR, MEAT_INDEX_FILE, RUN_INFO_FILE, SNAPSHOT_GITLOG_FILE } from "../layout/central.js";
import { formatBbsDate, tryParseBbsDate } from "../util/bbs-date.js";
import { errorMessage } from "../util/errors.js";

export interface RunFacts {
  /** `YYYYMMDD-HHMMSS`, undefined when run.json is missing or says nothing. */
  runId?: string;
  /** BBS format without seconds: `2024-10-24 13:55 -0400 (Thu, 24 Oct 2024)`. */
  snapshotDate?: string;
  /** The snapshot instant. */
  snapshotTime?: Date;
  biocVersion?: string;
  buildType?: string;
  /** Why run.json could not be used, for the reader's warnings (not set when BBS's files told the run). */
  problem?: string;
  /** Where runId and the snapshot come from. */
  source?: "run.json" | "gitlog" | "meat-index";
}

const GIT_LOG_FILE = join(GITLOG_DIR, SNAPSHOT_GITLOG_FILE);

/** `YYYYMMDD-HHMMSS` of an instant, on the wall clock of a UTC offset (minutes east). */
function runIdAt(instant: Date, offsetMinutes: number): string {
  const wall = new Date(instant.getTime() + offsetMinutes * 60_000).toISOString();
  return `${wall.slice(0, 10).replaceAll("-", "")}-${wall.slice(11, 19).replaceAll(":", "")}`;
}

/** The run as BBS's own files tell it, when run.json is absent. */
export function readBbsRunFacts(runDir: string): RunFacts | undefined {
  let gitLog: string | undefined;
  try {
    gitLog = readFileSync(join(runDir, GIT_LOG_FILE), "utf8");
  } catch {
    gitLog = undefined;
  }
  const line = gitLog?.split(/\r?\n/).find((text) => text.startsWith("Snapshot Date:"));
  const parsed = line === undefined ? undefined : tryParseBbsDate(line.slice("Snapshot Date:".length));
  if (line !== undefined && parsed !== undefined) {
    return {
      runId: runIdAt(parsed.date, parsed.offsetMinutes),
      snapshotDate: line.slice("Snapshot Date:".length).trim(),
      snapshotTime: parsed.date,
      source: "gitlog",
    };
  }
  try {
    const written = statSync(join(runDir, MEAT_INDEX_FILE)).mtime;
    const offset = -written.getTimezoneOffset();
    return {
      runId: runIdAt(written, offset),
      snapshotDate: formatBbsDate(written, { seconds: false }),
      snapshotTime: written,
      source: "meat-index",
    };
  } catch {
    return undefined;
  }
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
    if (missing) return readBbsRunFacts(runDir) ?? { problem: `${path} does not exist` };
    return { problem: `${path} cannot be read: ${errorMessage(error)}` };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    return { problem: `${path} is not a JSON object` };
  const record = parsed as Record<string, unknown>;
  const facts: RunFacts = { source: "run.json" };
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
