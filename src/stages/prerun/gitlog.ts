// The gitlog directory of a run (docs/formats.md#gitlog):
//
//   gitlog/git-log.dcf          Snapshot Date: 2024-10-24 13:55 -0400 (Thu, 24 Oct 2024)
//   gitlog/git-log-<pkg>.dcf    git_url, git_branch, git_last_commit (%h), git_last_commit_date
//
// one file per package of the meat index and of the skipped index (a package
// whose clone failed has no commit, hence no file). The commit date is the
// author date (BBS's `%ad`) in the central node's local time. BBS printed it
// with the snapshot date's UTC offset whatever the commit's (wrong across a
// DST change); here the offset is the commit instant's own.

import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { formatBbsDate } from "../../util/bbs-date.js";
import { BbsError } from "../../util/errors.js";
import { readInputFile, swapDirectory, temporaryPathFor, writeFileAtomic } from "../../util/fs.js";
import { formatDcfRecord, parseDcf } from "../../rpkg/dcf.js";
import { GITLOG_DIR, SNAPSHOT_GITLOG_FILE, gitLogFileName } from "../../layout/central.js";

export interface GitLogEntry {
  gitUrl: string;
  gitBranch: string;
  /** Abbreviated SHA (`%h`). */
  gitLastCommit: string;
  /** BBS date with seconds. */
  gitLastCommitDate: string;
}

const FIELDS = [
  ["git_url", "gitUrl"],
  ["git_branch", "gitBranch"],
  ["git_last_commit", "gitLastCommit"],
  ["git_last_commit_date", "gitLastCommitDate"],
] as const satisfies readonly (readonly [string, keyof GitLogEntry])[];

/** The text of a package's gitlog file: four `field: value` lines. */
export function formatGitLog(entry: GitLogEntry): string {
  return formatDcfRecord(FIELDS.map(([field, key]) => [field, entry[key]] as const));
}

/** The gitlog entry of a commit: `commitDate` is an ISO 8601 instant, printed in `timeZone` (default: local). */
export function gitLogEntry(
  source: { url: string; branch: string; shortCommit: string; commitDate: string },
  timeZone?: string,
): GitLogEntry {
  const date = new Date(source.commitDate);
  if (Number.isNaN(date.getTime()))
    throw new BbsError("BBS_INTERNAL", `invalid commit date ${JSON.stringify(source.commitDate)}`);
  return {
    gitUrl: source.url,
    gitBranch: source.branch,
    gitLastCommit: source.shortCommit,
    gitLastCommitDate: formatBbsDate(date, timeZone === undefined ? {} : { timeZone }),
  };
}

/**
 * Writes `<runDir>/gitlog/` anew: assembled next to it and swapped in, so
 * files of packages no longer indexed do not linger and readers never see a
 * half-written directory.
 */
export function writeGitLogDir(
  runDir: string,
  snapshotDate: string,
  entries: ReadonlyMap<string, GitLogEntry>,
): string {
  const dir = join(runDir, GITLOG_DIR);
  const staging = temporaryPathFor(dir);
  mkdirSync(staging, { recursive: true });
  try {
    writeFileAtomic(join(staging, SNAPSHOT_GITLOG_FILE), formatDcfRecord([["Snapshot Date", snapshotDate]]));
    for (const [pkg, entry] of entries) writeFileAtomic(join(staging, gitLogFileName(pkg)), formatGitLog(entry));
    swapDirectory(staging, dir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  return dir;
}

/** Reads a package's gitlog file (whole values: BBS kept only the first word of each). */
export function readGitLog(path: string): GitLogEntry {
  const [record] = parseDcf(readInputFile(path, "run `bbs prerun --only index` to write the gitlog files"), {
    source: path,
  });
  const value = (field: string): string => {
    const found = record?.fields.get(field);
    if (found === undefined || found === "") {
      throw new BbsError("BBS_INPUT_INVALID", `${path} has no ${field} field`, {
        hint: "run `bbs prerun --only index` to rewrite the gitlog files",
      });
    }
    return found;
  };
  const entry = {} as GitLogEntry;
  for (const [field, key] of FIELDS) entry[key] = value(field);
  return entry;
}
