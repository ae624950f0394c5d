// The one process runner of bbs: build jobs (jobs/process.ts) and tools (git,
// rsync, ssh, R helpers: util/tool.ts) all start and stop processes here.
// execa style: the result is data, never an exception for a failing command.
//
// - The command is an argv, or a command line the user configured (run by
//   the platform's shell, see process-platform.ts).
// - Output goes to a file (stdout and stderr merged, appended, optionally
//   after a header), is captured (each stream up to a cap), is this
//   process's own (inherited), or is discarded.
// - A timeout, a deadline or an AbortSignal stops the whole tree: SIGTERM
//   first, SIGKILL to whatever is still alive after a grace period.
// - When the command ends, in time or not, what is left of its tree is killed.
// - A Containment (jobs/containment.ts: cgroup or /proc sweep) extends what
//   "the tree" means beyond the process group: processes that left it.

import { closeSync, openSync, writeSync } from "node:fs";
import type { ChildProcess, StdioOptions } from "node:child_process";
import { Readable } from "node:stream";
import {
  currentPlatform,
  nodeSpawner,
  type CommandSpec,
  type ProcessPlatform,
  type SpawnPlan,
  type Spawner,
  type TreeSignal,
} from "./process-platform.js";

/** What a containment found when the command ended. */
export interface ContainmentEnd {
  /** Processes of the command still alive after its leader ended (and the grace, when stopped); all were killed. */
  readonly survivors: number;
  /** Of those, the ones outside the leader's process group (setsid, daemons). */
  readonly escaped: number;
}

/** One command run's hold on its processes beyond what the platform's tree kill reaches. */
export interface Containment {
  /** Wraps the spawn (e.g. enter a cgroup before exec). */
  wrap?(plan: SpawnPlan): SpawnPlan;
  /** Variables added to the environment (a tag its processes carry). */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra descriptors the child inherits: stdio index -> open descriptor (closed here after the spawn). */
  readonly inheritFds?: ReadonlyMap<number, number>;
  /** Signals what the tree kill does not reach. */
  signal(signal: TreeSignal, leaderPid: number): void;
  /** Is anything of the command alive? undefined: ask the platform. */
  alive(leaderPid: number): boolean | undefined;
  /** The command ended and its tree was SIGKILLed: kill and count what is left. */
  end(leaderPid: number | undefined): ContainmentEnd;
}

export interface OutputToFile {
  readonly file: string;
  /** Empty the file first (instead of appending). */
  readonly truncate?: boolean;
  /** Written before the command's output (BBS's command header). */
  readonly header?: string;
}

export interface CapturedOutput {
  readonly capture: true;
  /** Bytes kept per stream (default 64 MiB); the rest is dropped and `outputTruncated` set. */
  readonly maxBytes?: number;
}

/** stdout and stderr are this process's (a terminal: the child's live views reach it). */
export interface InheritedOutput {
  readonly inherit: true;
}

export interface RunCommandOptions {
  readonly command: CommandSpec;
  /** Omitted: discarded. */
  readonly output?: OutputToFile | CapturedOutput | InheritedOutput;
  readonly cwd?: string;
  /** Variables added to (or, with `undefined`, removed from) the environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** false: `env` is the whole environment instead of additions to this process's. */
  readonly extendEnv?: boolean;
  /** Time allowed from now. */
  readonly timeoutMs?: number;
  /** Absolute end of the allowed time (epoch ms); wins over timeoutMs. */
  readonly deadline?: number;
  /** Between SIGTERM and SIGKILL (default 10 s). */
  readonly killGraceMs?: number;
  /** Aborting it stops the command like a timeout does, with `cancelled` set. */
  readonly signal?: AbortSignal;
  readonly containment?: Containment;
  /** Default: the platform bbs runs on. */
  readonly platform?: ProcessPlatform;
  /** Default: child_process.spawn. */
  readonly spawner?: Spawner;
}

export interface RunResult {
  /** The program and arguments as spawned (after the platform's shell and any wrapper). */
  readonly spawned: readonly string[];
  /** The leader's pid (undefined if it could not start). */
  readonly pid: number | undefined;
  /** null when killed by a signal or not started. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly cancelled: boolean;
  /** Why the command could not start (missing cwd, program not found...). */
  readonly spawnError: string | undefined;
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly elapsedMs: number;
  /** Captured output (empty unless captured). */
  readonly stdout: string;
  readonly stderr: string;
  readonly outputTruncated: boolean;
  readonly survivors: number;
  readonly escaped: number;
}

const DEFAULT_KILL_GRACE_MS = 10_000;
const DEFAULT_CAPTURE_BYTES = 64 * 1024 * 1024;
/** After the leader exited and its tree was killed, how long captured pipes may stay open (held by an escaped process). */
const PIPE_DRAIN_MS = 2_000;
const POLL_MS = 100;

/** Trees started here and not yet ended: killed if bbs exits first. */
const liveTrees = new Map<number, { platform: ProcessPlatform; spawner: Spawner }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const [pid, { platform, spawner }] of liveTrees) platform.signalTree(pid, "SIGKILL", spawner);
  });
}

/** A child in our own process group: only it is signalled (the group is ours). */
function signalLeaderOnly(pid: number, signal: TreeSignal): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone
  }
}

function buildEnv(options: RunCommandOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = options.extendEnv === false ? {} : { ...process.env };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return { ...env, ...options.containment?.env };
}

class Capture {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  truncated = false;
  constructor(private readonly maxBytes: number) {}
  add(chunk: Buffer): void {
    const room = this.maxBytes - this.bytes;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (kept.length < chunk.length) this.truncated = true;
    this.chunks.push(kept);
    this.bytes += kept.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

export function runCommand(options: RunCommandOptions): Promise<RunResult> {
  const platform = options.platform ?? currentPlatform();
  const spawner = options.spawner ?? nodeSpawner;
  const containment = options.containment;
  const graceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const deadline = options.deadline ?? (options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs);
  const startedAt = new Date();
  const t0 = performance.now();
  let plan = platform.plan(options.command);
  const treeOf = (): ProcessPlatform =>
    plan.detached || platform.name === "windows" ? platform : { ...platform, signalTree: signalLeaderOnly };
  if (containment?.wrap) plan = containment.wrap(plan);
  const spawned = [plan.file, ...plan.args];
  const tree = treeOf();
  const output = options.output;
  // An inherited terminal: the child stays in our process group, where the terminal's Ctrl-C reaches it.
  if (output !== undefined && "inherit" in output) plan = { ...plan, detached: false };
  const captured = output !== undefined && "capture" in output;
  const stdoutCapture = new Capture(captured ? (output.maxBytes ?? DEFAULT_CAPTURE_BYTES) : 0);
  const stderrCapture = new Capture(captured ? (output.maxBytes ?? DEFAULT_CAPTURE_BYTES) : 0);

  const result = (fields: {
    pid?: number;
    exited?: { code: number | null; signal: NodeJS.Signals | null };
    timedOut?: boolean;
    cancelled?: boolean;
    spawnError?: string;
    end?: ContainmentEnd;
  }): RunResult => ({
    spawned,
    pid: fields.pid,
    exitCode: fields.exited?.code ?? null,
    signal: fields.exited?.signal ?? null,
    timedOut: fields.timedOut ?? false,
    cancelled: fields.cancelled ?? false,
    spawnError: fields.spawnError,
    startedAt,
    endedAt: new Date(),
    elapsedMs: performance.now() - t0,
    stdout: stdoutCapture.text(),
    stderr: stderrCapture.text(),
    outputTruncated: stdoutCapture.truncated || stderrCapture.truncated,
    survivors: fields.end?.survivors ?? 0,
    escaped: fields.end?.escaped ?? 0,
  });
  const closeInherited = (): void => {
    for (const fd of containment?.inheritFds?.values() ?? []) closeSync(fd);
  };
  if (options.signal?.aborted || (deadline !== undefined && deadline <= Date.now())) {
    closeInherited();
    const end = containment?.end(undefined);
    return Promise.resolve(
      result({ cancelled: options.signal?.aborted === true, timedOut: !options.signal?.aborted, end }),
    );
  }

  return new Promise<RunResult>((resolve) => {
    let outputFd: number | undefined;
    let child: ChildProcess;
    try {
      if (output !== undefined && "file" in output) {
        outputFd = openSync(output.file, output.truncate ? "w" : "a");
        if (output.header) writeSync(outputFd, output.header);
      }
      const inherited = output !== undefined && "inherit" in output;
      const sink = captured ? "pipe" : inherited ? "inherit" : (outputFd ?? "ignore");
      const stdio: StdioOptions = ["ignore", sink, sink];
      for (const [index, fd] of containment?.inheritFds ?? []) {
        while (stdio.length < index) stdio.push("ignore");
        stdio[index] = fd;
      }
      child = spawner(plan.file, plan.args, {
        cwd: options.cwd,
        env: buildEnv(options),
        detached: plan.detached,
        windowsHide: true,
        windowsVerbatimArguments: plan.windowsVerbatimArguments,
        stdio,
      });
    } catch (error) {
      resolve(result({ spawnError: (error as Error).message, end: containment?.end(undefined) }));
      return;
    } finally {
      // The child has its own copies of the descriptors once spawn() returned.
      if (outputFd !== undefined) closeSync(outputFd);
      closeInherited();
    }

    const pid = child.pid;
    let stopping: "timeout" | "cancel" | undefined;
    let forceKilled = false;
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    let openStreams = 0;
    let onStreamsClosed: (() => void) | undefined;
    if (captured) {
      for (const [stream, capture] of [
        [child.stdout, stdoutCapture],
        [child.stderr, stderrCapture],
      ] as const) {
        if (!(stream instanceof Readable)) continue;
        openStreams += 1;
        stream.on("data", (chunk: Buffer) => capture.add(chunk));
        stream.once("close", () => {
          openStreams -= 1;
          if (openStreams === 0) onStreamsClosed?.();
        });
      }
    }
    if (pid !== undefined) {
      installExitHook();
      liveTrees.set(pid, { platform: tree, spawner });
    }

    const alive = (): boolean => pid !== undefined && (containment?.alive(pid) ?? tree.treeAlive(pid));
    const signalAll = (signal: TreeSignal): void => {
      if (pid === undefined) return;
      tree.signalTree(pid, signal, spawner);
      containment?.signal(signal, pid);
    };

    const finish = (spawnError?: string): void => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      // Count (and kill) what is left before the tree kill makes it uncountable.
      const end = containment?.end(pid);
      if (pid !== undefined) {
        tree.signalTree(pid, "SIGKILL", spawner);
        liveTrees.delete(pid);
      }
      const done = (): void =>
        resolve(
          result({ pid, exited, timedOut: stopping === "timeout", cancelled: stopping === "cancel", spawnError, end }),
        );
      if (openStreams === 0) {
        done();
        return;
      }
      const drain = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        done();
      }, PIPE_DRAIN_MS);
      onStreamsClosed = () => {
        clearTimeout(drain);
        done();
      };
    };

    // After SIGTERM, wait for the tree to wind down (an R process removing
    // its 00LOCK) but no longer than the grace period.
    const waitForWindDown = (): void => {
      if (settled) return;
      if (!alive() && exited) finish();
      else timers.push(setTimeout(waitForWindDown, POLL_MS));
    };

    const stop = (reason: "timeout" | "cancel"): void => {
      if (stopping || settled || pid === undefined) return;
      stopping = reason;
      signalAll("SIGTERM");
      timers.push(
        setTimeout(() => {
          forceKilled = true;
          signalAll("SIGKILL");
          if (exited) finish();
        }, graceMs),
      );
      timers.push(setTimeout(waitForWindDown, POLL_MS));
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
      // While stopping, the rest of the tree gets its grace period first
      // (finish() then comes from waitForWindDown or the SIGKILL timer).
      if (!stopping || forceKilled) finish();
    });
    if (pid === undefined) return; // the "error" event follows
    if (deadline !== undefined) timers.push(setTimeout(() => stop("timeout"), Math.max(0, deadline - Date.now())));
    options.signal?.addEventListener("abort", onAbort, { once: true });
  });
}
