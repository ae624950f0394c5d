// Runs one build job's command line: through the one process runner
// (util/runner.ts) by the platform's shell (`/bin/sh -c`, or `cmd.exe /d /s
// /c` on Windows: BBS ran with shell=True), stdout and stderr merged and
// appended to one file, as the leader of its own process tree, and never
// leaving anything behind:
//
// - A timeout (or cancellation) sends SIGTERM to the whole tree, and SIGKILL
//   to what is still alive after a grace period.
// - When the command ends, in time or not, every process still alive of it
//   is SIGKILLed (BBS did this after BUILD and CHECK only; we do it always)
//   and counted (`survivors`).
// - "Every process of it" is held by the job's containment (containment.ts):
//   a cgroup where the machine allows it, else the process group plus the
//   job's tag (environment and inherited descriptor), found in /proc at once
//   or by a shared ProcessSweeper shortly after (see sweeper.ts).
//
// The result is data (execa style), never an exception for a failing command.

import { randomBytes } from "node:crypto";
import { runCommand } from "../util/runner.js";
import type { ProcessPlatform, Spawner } from "../util/process-platform.js";
import { killCgroup, listJobCgroups, removeCgroup, cgroupPids } from "./cgroup.js";
import { jobContainment, type ContainmentMode, type JobContainment } from "./containment.js";
import { findJobProcesses, readProcStat, signalProcess } from "./procfs.js";
import type { ProcessSweeper } from "./sweeper.js";

export interface RunProcessOptions {
  /** A command line, run by the platform's shell; with `argv`, only what logs and headers show. */
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
  /** Hand escaped processes to this sweeper instead of scanning /proc at once (sweep containment). */
  readonly sweeper?: ProcessSweeper;
  /** Default `auto` (a cgroup where possible); `sweep` forces the /proc fallback. */
  readonly containment?: ContainmentMode;
  /** Default: the platform bbs runs on (a test passes windowsPlatform() with a spawner double). */
  readonly platform?: ProcessPlatform;
  readonly spawner?: Spawner;
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
  /** Processes of the job alive after its command ended (and the grace, when stopped), all killed then. */
  readonly survivors: number;
  /** Of the survivors, those outside the leader's process group (setsid...); 0 for those a sweeper takes later. */
  readonly escapedKilled: number;
  /** What held the job's processes. */
  readonly containment: JobContainment["kind"];
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
 * before resuming a run. Linux only (needs /proc or cgroups); returns what was killed.
 */
export function killOrphanedJobs(): Array<{ pid: number; command: string; tag: string }> {
  const killed: Array<{ pid: number; command: string; tag: string }> = [];
  for (const { dir, tag } of listJobCgroups()) {
    if (!isOrphanTag(tag)) continue;
    for (const pid of cgroupPids(dir)) killed.push({ pid, command: readProcStat(pid)?.command ?? "", tag });
    killCgroup(dir);
    removeCgroup(dir);
  }
  const seen = new Set(killed.map((hit) => hit.pid));
  for (const orphan of findJobProcesses({ hasTag: isOrphanTag })) {
    try {
      process.kill(-orphan.pgid, "SIGKILL");
    } catch {
      // the group is empty
    }
    signalProcess(orphan.pid, "SIGKILL");
    if (!seen.has(orphan.pid)) killed.push({ pid: orphan.pid, command: orphan.command, tag: orphan.tag ?? "" });
  }
  return killed;
}

export async function runProcess(options: RunProcessOptions): Promise<ProcessResult> {
  const tag = newJobTag();
  const containment = jobContainment(tag, {
    mode: options.containment,
    sweeper: options.sweeper,
    platform: options.platform,
  });
  const run = await runCommand({
    command: options.argv === undefined ? { shellLine: options.command } : { argv: options.argv },
    output:
      options.outputFile === undefined
        ? undefined
        : { file: options.outputFile, truncate: options.truncateOutput, header: options.outputHeader },
    cwd: options.cwd,
    env: options.env,
    extendEnv: options.extendEnv,
    timeoutMs: options.timeoutMs,
    deadline: options.deadline,
    killGraceMs: options.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
    signal: options.signal,
    containment,
    platform: options.platform,
    spawner: options.spawner,
  });
  return {
    command: options.command,
    pid: run.pid,
    exitCode: run.exitCode,
    signal: run.signal,
    timedOut: run.timedOut,
    cancelled: run.cancelled,
    spawnError: run.spawnError,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    elapsedMs: run.elapsedMs,
    survivors: run.survivors,
    escapedKilled: run.escaped,
    containment: containment.kind,
  };
}
