// Runs one shell command the way a build job needs it: `/bin/sh -c` (BBS ran
// with shell=True), stdout and stderr merged and appended to one file, as
// the leader of its own process group, and never leaving anything behind.
//
// - A timeout (or cancellation) sends SIGTERM to the whole group, and SIGKILL
//   to what is still alive after a grace period.
// - When the command ends, in time or not, every process still in its group
//   is SIGKILLed (BBS did this after BUILD and CHECK only; we do it always).
// - Processes that left the group with setsid() are found by the tag the job
//   puts in their environment (BBS_JOB_TAG) and SIGKILLed too: at once, or by
//   a shared ProcessSweeper shortly after (see sweeper.ts).
// Not covered: a process that both leaves the group and wipes its
// environment (`setsid env -i ...`); only cgroups could follow that one.
//
// The result is data (execa style), never an exception for a failing command.

import { spawn } from "node:child_process";
import { closeSync, openSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { HAS_PROCFS, JOB_TAG_VARIABLE, findJobProcesses, readProcStat, signalProcess } from "./procfs.js";
import { killTaggedNow, signalTagged, type ProcessSweeper } from "./sweeper.js";

export interface RunProcessOptions {
  /** Run by `/bin/sh -c`; with `argv`, only what logs and headers show. */
  readonly command: string;
  /**
   * Program and arguments, run without a shell (the SPB: nothing a submission
   * controls is ever parsed by a shell). `command` then only describes it.
   */
  readonly argv?: readonly string[];
  /** stdout+stderr are appended to this file; omitted: discarded. */
  readonly outputFile?: string;
  /** Empty the output file first (instead of appending). */
  readonly truncateOutput?: boolean;
  /** Text written to the output file before the command's output (BBS's command header). */
  readonly outputHeader?: string;
  readonly cwd?: string;
  /** Variables added to (or, with `undefined`, removed from) the environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** false: `env` is the whole environment instead of additions to this process's. */
  readonly extendEnv?: boolean;
  /** Time allowed from now. */
  readonly timeoutMs?: number;
  /** Absolute end of the allowed time (epoch ms); wins over timeoutMs. Re-runs share the first start's deadline. */
  readonly deadline?: number;
  /** Between SIGTERM and SIGKILL (default 10 s). */
  readonly killGraceMs?: number;
  /** Aborting it stops the command like a timeout does, with `cancelled` set. */
  readonly signal?: AbortSignal;
  /** Hand escaped processes to this sweeper instead of scanning /proc at once. */
  readonly sweeper?: ProcessSweeper;
}

export interface ProcessResult {
  readonly command: string;
  /** The group leader's pid (undefined if it could not start). */
  readonly pid: number | undefined;
  /** null when killed by a signal or not started. */
  readonly exitCode: number | null;
  /** The signal that ended the leader, if any. */
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly cancelled: boolean;
  /** Why the command could not start (missing cwd...). */
  readonly spawnError: string | undefined;
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly elapsedMs: number;
  /** Escaped (setsid) processes killed at once; 0 when a sweeper takes care of them later. */
  readonly escapedKilled: number;
}

const DEFAULT_KILL_GRACE_MS = 10_000;
// `<pid>.<start time>.<random>.<n>`: the owner (this bbs process) is named in
// every tag, so processes left by a bbs that died (kill -9) can be found.
const TAG_PREFIX = `${process.pid}.${readProcStat(process.pid)?.startTime ?? 0}.${randomBytes(4).toString("hex")}`;
let tagCounter = 0;

/** A tag unique to one command run, across bbs processes. */
export function newJobTag(): string {
  tagCounter += 1;
  return `${TAG_PREFIX}.${tagCounter}`;
}

/**
 * Is the job with this tag an orphan: does it name its bbs process (a tag of
 * this format) and is that process gone? A tag of another format (an older
 * bbs, another tool) names no owner we can check: it is left alone, never
 * taken for an orphan.
 */
function isOrphanTag(tag: string): boolean {
  const match = /^(\d+)\.(\d+)\.[0-9a-f]+\.\d+$/.exec(tag);
  if (match === null) return false;
  const owner = readProcStat(Number(match[1]));
  return owner === undefined || String(owner.startTime) !== match[2];
}

/**
 * SIGKILLs the process groups and processes of jobs whose bbs process is gone
 * (a `bbs run` killed -9 leaves its R processes running). Jobs of live bbs
 * processes (another build on the same machine) are left alone. Call it
 * before resuming a run. Linux only (needs /proc); returns what was killed.
 */
export function killOrphanedJobs(): Array<{ pid: number; command: string; tag: string }> {
  const orphans = findJobProcesses({ hasTag: isOrphanTag });
  for (const orphan of orphans) {
    signalGroup(orphan.pgid, "SIGKILL");
    signalProcess(orphan.pid, "SIGKILL");
  }
  return orphans.map((orphan) => ({ pid: orphan.pid, command: orphan.command, tag: orphan.tag ?? "" }));
}

function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is empty
  }
}

/** Is anything of the job still running (zombies do not count)? */
function jobStillAlive(pgid: number, tag: string): boolean {
  if (!HAS_PROCFS) return signalGroup(pgid, 0);
  return findJobProcesses({ pgids: new Set([pgid]), hasTag: (found) => found === tag }).length > 0;
}

function buildEnv(options: RunProcessOptions, tag: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = options.extendEnv === false ? {} : { ...process.env };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  env[JOB_TAG_VARIABLE] = tag;
  return env;
}

export function runProcess(options: RunProcessOptions): Promise<ProcessResult> {
  const tag = newJobTag();
  const graceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const deadline = options.deadline ?? (options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs);
  const startedAt = new Date();
  const t0 = performance.now();

  const notStarted = (reason: { timedOut?: boolean; cancelled?: boolean; spawnError?: string }): ProcessResult => ({
    command: options.command,
    pid: undefined,
    exitCode: null,
    signal: null,
    timedOut: reason.timedOut ?? false,
    cancelled: reason.cancelled ?? false,
    spawnError: reason.spawnError,
    startedAt,
    endedAt: new Date(),
    elapsedMs: performance.now() - t0,
    escapedKilled: 0,
  });
  if (options.signal?.aborted) return Promise.resolve(notStarted({ cancelled: true }));
  if (deadline !== undefined && deadline <= Date.now()) return Promise.resolve(notStarted({ timedOut: true }));

  return new Promise<ProcessResult>((resolve) => {
    let outputFd: number | undefined;
    let child: ReturnType<typeof spawn>;
    try {
      outputFd =
        options.outputFile === undefined ? undefined : openSync(options.outputFile, options.truncateOutput ? "w" : "a");
      if (outputFd !== undefined && options.outputHeader) writeSync(outputFd, options.outputHeader);
      const output = outputFd ?? "ignore";
      // detached: the child calls setsid(), so it leads a new process group (pgid = its pid).
      const [file, ...args] = options.argv ?? ["/bin/sh", "-c", options.command];
      if (file === undefined) throw new Error("runProcess: empty argv");
      child = spawn(file, args, {
        cwd: options.cwd,
        env: buildEnv(options, tag),
        detached: true,
        stdio: ["ignore", output, output],
      });
    } catch (error) {
      resolve(notStarted({ spawnError: (error as Error).message }));
      return;
    } finally {
      // The child has its own copy of the descriptor once spawn() returned.
      if (outputFd !== undefined) closeSync(outputFd);
    }

    const pgid = child.pid;
    let stopping: "timeout" | "cancel" | undefined;
    let forceKilled = false;
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];

    const finish = (spawnError?: string): void => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      let escapedKilled = 0;
      if (pgid !== undefined) {
        signalGroup(pgid, "SIGKILL");
        if (options.sweeper) options.sweeper.release(tag, pgid);
        else escapedKilled = killTaggedNow(new Map([[tag, pgid]])).killed.length;
      }
      resolve({
        command: options.command,
        pid: pgid,
        exitCode: exited?.code ?? null,
        signal: exited?.signal ?? null,
        timedOut: stopping === "timeout",
        cancelled: stopping === "cancel",
        spawnError,
        startedAt,
        endedAt: new Date(),
        elapsedMs: performance.now() - t0,
        escapedKilled,
      });
    };

    // After SIGTERM, wait for the job to wind down (an R process removing its
    // 00LOCK) but no longer than the grace period.
    const waitForWindDown = (): void => {
      if (settled || pgid === undefined) return;
      if (!jobStillAlive(pgid, tag)) {
        if (exited) finish();
        else timers.push(setTimeout(waitForWindDown, 100));
        return;
      }
      timers.push(setTimeout(waitForWindDown, 100));
    };

    const stop = (reason: "timeout" | "cancel"): void => {
      if (stopping || settled || pgid === undefined) return;
      stopping = reason;
      signalGroup(pgid, "SIGTERM");
      signalTagged(new Map([[tag, pgid]]), "SIGTERM");
      timers.push(
        setTimeout(() => {
          forceKilled = true;
          signalGroup(pgid, "SIGKILL");
          signalTagged(new Map([[tag, pgid]]), "SIGKILL");
          if (exited) finish();
        }, graceMs),
      );
      timers.push(setTimeout(waitForWindDown, 100));
    };

    function onAbort(): void {
      stop("cancel");
    }

    child.once("error", (error) => {
      // Only start failures arrive here with no exit event to follow.
      if (child.pid === undefined) finish(error.message);
    });
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      // While stopping, the rest of the group gets its grace period first
      // (finish() then comes from waitForWindDown or the SIGKILL timer).
      if (!stopping || forceKilled) finish();
    });
    if (pgid === undefined) return; // the "error" event follows
    if (deadline !== undefined) timers.push(setTimeout(() => stop("timeout"), Math.max(0, deadline - Date.now())));
    options.signal?.addEventListener("abort", onAbort, { once: true });
  });
}
