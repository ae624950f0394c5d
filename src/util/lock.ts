// An exclusive lock file for a work directory or a build, so that two `bbs`
// processes never run the same step at once.
//
// - Creation is atomic: the holder's description is written to a temporary
//   file which is then hard-linked to the lock path (link(2) fails if the path
//   exists), so a reader never sees a half-written lock.
// - The lock names its holder (pid, hostname, start time, command); a second
//   acquirer gets BBS_LOCKED saying who holds it.
// - A stale lock (holder process dead on this host, or its pid reused by an
//   unrelated process, told apart by the process start time on Linux) is taken
//   over. Removing a stale lock is guarded by a second lock file named after
//   the stale lock's inode: only one process can create that guard, so two
//   processes noticing the same stale lock never both take it over, and a
//   process that noticed it late never deletes the lock its winner created.
// - The lock is released by `release()` and on process exit.

import { randomBytes } from "node:crypto";
import {
  closeSync,
  fstatSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { hostname as osHostname } from "node:os";
import { dirname } from "node:path";
import { formatBbsDate } from "./bbs-date.js";
import { BbsError } from "./errors.js";
import { rethrowFsError } from "./fs-errors.js";
import { temporaryPathFor } from "./fs.js";

/** What a lock file says about its holder (stored as JSON). */
export interface LockHolder {
  pid: number;
  hostname: string;
  /** When the lock was acquired (ISO 8601, UTC). */
  startedAt: string;
  /** The command line of the holder. */
  command: string;
  /** Linux: the holder's start time in clock ticks since boot (/proc/<pid>/stat), to detect a reused pid. */
  processStart?: string;
  /** Random token identifying this acquisition. */
  token: string;
}

export interface AcquireLockOptions {
  /** Holder's command line shown to a second acquirer (default: this process's argv). */
  command?: string;
  /** What the lock protects, for messages (e.g. "prerun of build bioc-3.21"); default: the lock path. */
  description?: string;
  /** Release the lock when the process exits (default true). */
  releaseOnExit?: boolean;
}

export interface Lock {
  readonly path: string;
  readonly holder: LockHolder;
  /** The dead holder whose stale lock was taken over, if any. */
  readonly tookOverFrom: LockHolder | undefined;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

/** `alive`: the holder runs; `dead`: it does not (stale lock); `unknown`: it runs on another host. */
export type HolderState = "alive" | "dead" | "unknown";

const MAX_ATTEMPTS = 10;

/** Acquires the lock at `path` or throws BBS_LOCKED naming the holder. */
export function acquireLock(path: string, options: AcquireLockOptions = {}): Lock {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    rethrowFsError(error, { path: dirname(path), doing: `creating the directory of the lock ${path}` });
  }
  const holder = describeThisProcess(options.command);
  let tookOverFrom: LockHolder | undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    if (createExclusively(path, holder)) return makeLock(path, holder, tookOverFrom, options.releaseOnExit ?? true);
    const current = readLockFile(path);
    if (current === undefined) continue; // released between our attempt and our read
    if (current.holder === undefined) {
      throw new BbsError(
        "BBS_LOCKED",
        `${options.description ?? path} is locked, but the lock file ${path} is unreadable`,
        {
          hint: `if no bbs process is running for it, remove ${path}`,
        },
      );
    }
    const state = holderState(current.holder);
    if (state !== "dead") throw lockedError(path, current.holder, state, options.description);
    if (removeIfStale(path, current.inode, current.holder.token, 0)) tookOverFrom = current.holder;
    else pause(10 * (attempt + 1)); // another process is taking it over: give it a moment
  }
  throw new BbsError(
    "BBS_LOCKED",
    `could not acquire ${options.description ?? path}: other processes keep taking the lock ${path}`,
    {
      hint: "another bbs process is starting the same work; retry in a moment",
    },
  );
}

function pause(milliseconds: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, milliseconds);
}

/** The holder of the lock at `path`, or undefined when there is no (readable) lock. */
export function readLock(path: string): LockHolder | undefined {
  return readLockFile(path)?.holder;
}

/** Whether the holder of a lock is still running (judged from this host). */
export function holderState(holder: LockHolder): HolderState {
  if (holder.hostname !== osHostname()) return "unknown";
  if (holder.pid === process.pid) return "alive";
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return "dead";
    // EPERM: the process exists but belongs to another user.
  }
  const stat = readProcStat(holder.pid);
  if (stat === undefined) return "alive"; // no /proc (macOS): trust kill(0)
  if (stat.state === "Z" || stat.state === "X") return "dead";
  if (holder.processStart !== undefined && stat.startTicks !== holder.processStart) return "dead"; // pid reused
  return "alive";
}

function describeThisProcess(command: string | undefined): LockHolder {
  const processStart = readProcStat(process.pid)?.startTicks;
  return {
    pid: process.pid,
    hostname: osHostname(),
    startedAt: new Date().toISOString(),
    command: command ?? process.argv.join(" "),
    ...(processStart === undefined ? {} : { processStart }),
    token: randomBytes(12).toString("hex"),
  };
}

/** Creates `path` holding `holder`, atomically; false if `path` exists. */
function createExclusively(path: string, holder: LockHolder): boolean {
  const content = `${JSON.stringify(holder, null, 2)}\n`;
  const temporary = temporaryPathFor(path);
  try {
    // Inside the try: on a full disk open(2) succeeds and write(2) fails, and the
    // temporary file must not stay behind (.propagate.lock.tmp-*).
    writeWhole(openSync(temporary, "w", 0o644), content);
    linkSync(temporary, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP") return createWithoutLink(path, content);
    rethrowFsError(error, { path: temporary, doing: `creating the lock ${path}` });
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** For filesystems without hard links: O_EXCL creation (readers may briefly see it empty). */
function createWithoutLink(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    rethrowFsError(error, { path, doing: `creating the lock ${path}` });
  }
  try {
    writeWhole(fd, content);
  } catch (error) {
    // A half-written lock would lock the work forever with an unreadable holder.
    rmSync(path, { force: true });
    rethrowFsError(error, { path, doing: `creating the lock ${path}` });
  }
  return true;
}

function writeWhole(fd: number, content: string): void {
  try {
    const buffer = Buffer.from(content, "utf8");
    let offset = 0;
    while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

interface LockFile {
  inode: number;
  holder: LockHolder | undefined;
}

/** Reads a lock file and its inode from one open file; undefined if it does not exist. */
function readLockFile(path: string): LockFile | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const inode = fstatSync(fd).ino;
    const chunks: Buffer[] = [];
    const buffer = Buffer.alloc(4096);
    for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) chunks.push(Buffer.from(buffer.subarray(0, n)));
    return { inode, holder: parseHolder(Buffer.concat(chunks).toString("utf8")) };
  } finally {
    closeSync(fd);
  }
}

function parseHolder(text: string): LockHolder | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const { pid, hostname, startedAt, command, processStart, token } = record;
  if (typeof pid !== "number" || !Number.isInteger(pid) || pid <= 0) return undefined;
  if (typeof hostname !== "string" || typeof startedAt !== "string" || typeof command !== "string") return undefined;
  if (typeof token !== "string") return undefined;
  if (processStart !== undefined && typeof processStart !== "string") return undefined;
  return { pid, hostname, startedAt, command, ...(processStart === undefined ? {} : { processStart }), token };
}

/**
 * Removes the stale file at `path` if it is still the one observed (same inode
 * and token), under a guard file only one process can create. Returns true if
 * this call removed it. A guard left by a taker that died is itself stale and
 * is cleared the same way, one level down.
 */
function removeIfStale(path: string, inode: number, token: string, depth: number): boolean {
  if (depth > 4) return false;
  const guard = `${path}.takeover-${inode}`;
  const guardHolder = describeThisProcess("stale lock takeover");
  if (!createExclusively(guard, guardHolder)) {
    const other = readLockFile(guard);
    if (other?.holder !== undefined && holderState(other.holder) === "dead") {
      removeIfStale(guard, other.inode, other.holder.token, depth + 1);
    }
    return false; // another process is taking it over (or was): re-examine the lock
  }
  try {
    const current = readLockFile(path);
    if (current === undefined || current.inode !== inode || current.holder?.token !== token) return false;
    rmSync(path);
    return true;
  } finally {
    removeOwnFile(guard, guardHolder.token);
  }
}

/** Removes `path` only if it still holds the acquisition `token`. */
function removeOwnFile(path: string, token: string): void {
  const current = readLockFile(path);
  if (current?.holder?.token === token) rmSync(path, { force: true });
}

function makeLock(
  path: string,
  holder: LockHolder,
  tookOverFrom: LockHolder | undefined,
  releaseOnExit: boolean,
): Lock {
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.removeListener("exit", release);
    removeOwnFile(path, holder.token);
  };
  if (releaseOnExit) process.once("exit", release);
  return { path, holder, tookOverFrom, release };
}

function lockedError(path: string, holder: LockHolder, state: HolderState, description: string | undefined): BbsError {
  const since = Number.isNaN(Date.parse(holder.startedAt))
    ? holder.startedAt
    : formatBbsDate(new Date(holder.startedAt));
  const hint =
    state === "unknown"
      ? `the holder runs on another host (${holder.hostname}); if it is no longer running there, remove ${path}`
      : `wait for it to finish or stop it (kill ${holder.pid}); the lock is released when it exits (lock file: ${path})`;
  return new BbsError(
    "BBS_LOCKED",
    `${description ?? path} is locked by pid ${holder.pid} on ${holder.hostname}, running since ${since}: ${holder.command}`,
    { hint },
  );
}

interface ProcStat {
  state: string;
  startTicks: string;
}

/** State and start time of a process from /proc/<pid>/stat (Linux); undefined elsewhere or if gone. */
function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may contain spaces or ')'.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const state = fields[0];
  const startTicks = fields[19]; // field 22 of the whole line
  if (state === undefined || startTicks === undefined) return undefined;
  return { state, startTicks };
}

/** True when `path` exists and is a lock file whose holder is not known to be dead. */
export function isLocked(path: string): boolean {
  try {
    statSync(path);
  } catch {
    return false;
  }
  const holder = readLock(path);
  return holder === undefined || holderState(holder) !== "dead";
}
