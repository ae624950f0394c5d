// The process table as Linux's /proc shows it. Used to find what is left of a
// job after its command ended when no cgroup holds it (jobs/cgroup.ts):
// members of its process group, and processes that left the group (setsid,
// daemons) but still carry the job's tag, in their environment (the way
// Jenkins' ProcessTreeKiller finds them) or as an inherited descriptor on a
// file named after it (which `env -i` does not clear: JOB_TAG_FD).
// On systems without /proc (macOS) only process-group kills are available.

import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";

/** The environment variable carrying a job's tag into every process it starts. */
export const JOB_TAG_VARIABLE = "BBS_JOB_TAG";

export const HAS_PROCFS = existsSync("/proc/self/stat");

/**
 * The descriptor every process of a job inherits, open on a deleted file
 * `bbs-job-<tag>`: found in /proc/<pid>/fd after `setsid env -i`. High enough
 * to stay out of the way of scripts (`exec 3>...`) and of R (which uses 3).
 */
export const JOB_TAG_FD = 9;
/** The marker file's name for a tag (the file is deleted as soon as it is open). */
export function jobTagFileName(tag: string): string {
  return `bbs-job-${tag}`;
}
const TAG_FILE_PATTERN = /\/bbs-job-([0-9a-f.]+) \(deleted\)$/;

export interface ProcStat {
  readonly pid: number;
  /** One letter: R running, S sleeping, D disk, Z zombie, T stopped... */
  readonly state: string;
  readonly ppid: number;
  readonly pgid: number;
  readonly sid: number;
  /** Start time in clock ticks since boot: with the pid, identifies a process across pid reuse. */
  readonly startTime: number;
  readonly command: string;
}

/** Every pid in /proc (empty without procfs). */
export function listPids(): number[] {
  if (!HAS_PROCFS) return [];
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const first = entry.charCodeAt(0);
    if (first >= 48 && first <= 57) pids.push(Number(entry));
  }
  return pids;
}

/** /proc/<pid>/stat, or undefined when the process is gone or unreadable. */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return undefined;
  }
  // The command is in parentheses and may itself contain spaces and parentheses.
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  const fields = text.slice(close + 2).split(" ");
  return {
    pid,
    command: text.slice(open + 1, close),
    state: fields[0] ?? "?",
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    sid: Number(fields[3]),
    startTime: Number(fields[19]),
  };
}

const TAG_PREFIX = Buffer.from(`${JOB_TAG_VARIABLE}=`);

/** The job tag in a process's environment (undefined: none, gone, zombie, or not ours to read). */
export function readJobTag(pid: number): string | undefined {
  let environ: Buffer;
  try {
    environ = readFileSync(`/proc/${pid}/environ`);
  } catch {
    return undefined;
  }
  let start = 0;
  while (start < environ.length) {
    let end = environ.indexOf(0, start);
    if (end === -1) end = environ.length;
    if (
      end - start > TAG_PREFIX.length &&
      environ.compare(TAG_PREFIX, 0, TAG_PREFIX.length, start, start + TAG_PREFIX.length) === 0
    ) {
      return environ.toString("utf8", start + TAG_PREFIX.length, end);
    }
    start = end + 1;
  }
  return undefined;
}

/** Job tags named by the descriptors a process holds open (the marker files of JOB_TAG_FD). */
export function readFdTags(pid: number): string[] {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  const tags: string[] = [];
  for (const fd of fds) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    const match = TAG_FILE_PATTERN.exec(target);
    if (match?.[1] !== undefined) tags.push(match[1]);
  }
  return tags;
}

/** The first of a process's tags (environment first, then descriptors) that `accept` takes. */
function acceptedTag(pid: number, accept: (tag: string) => boolean): string | undefined {
  const fromEnv = readJobTag(pid);
  if (fromEnv !== undefined && accept(fromEnv)) return fromEnv;
  return readFdTags(pid).find(accept);
}

/** A live (not zombie) process: zombies cannot run, they only wait to be reaped. */
export function isLive(stat: ProcStat | undefined): stat is ProcStat {
  return stat !== undefined && stat.state !== "Z" && stat.state !== "X";
}

/**
 * Live processes that belong to a job: in one of `pgids`, or carrying (in
 * their environment or as a descriptor) a tag accepted by `hasTag`. `self` (this process) is never returned.
 */
export function findJobProcesses(match: {
  pgids?: ReadonlySet<number>;
  hasTag?: (tag: string) => boolean;
}): Array<ProcStat & { tag: string | undefined }> {
  const found: Array<ProcStat & { tag: string | undefined }> = [];
  for (const pid of listPids()) {
    if (pid === process.pid) continue;
    let stat: ProcStat | undefined;
    if (match.pgids && match.pgids.size > 0) {
      stat = readProcStat(pid);
      if (!isLive(stat)) continue;
      if (match.pgids.has(stat.pgid)) {
        found.push({ ...stat, tag: undefined });
        continue;
      }
    }
    if (!match.hasTag) continue;
    const tag = acceptedTag(pid, match.hasTag);
    if (tag === undefined) continue;
    stat ??= readProcStat(pid);
    if (isLive(stat)) found.push({ ...stat, tag });
  }
  return found;
}

/** Sends `signal` to `pid`; false when it is already gone. */
export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}
