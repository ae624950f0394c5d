// Runs a tool (rsync, ssh, git, R...) as data: the result says how the process ended, never
// throws for a non-zero exit. Each process leads its own process group
// (detached), so a timeout or an abort kills rsync *and* the ssh it started:
// SIGTERM to the group first (rsync then removes its temporary file), SIGKILL to
// whatever is left after a grace period. Groups still alive when bbs exits are
// killed too, so an interrupted bbs leaves no transfer running behind it.

import { execa } from "execa";

export interface ToolResult {
  /** The command as run: program first. */
  argv: readonly string[];
  /** Exit status; undefined when the process was killed by a signal or never started. */
  exitCode: number | undefined;
  signal: string | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
  /** Why the program could not be started (e.g. `spawn rsync ENOENT`). */
  spawnError: string | undefined;
  durationMs: number;
}

export interface RunToolOptions {
  cwd?: string;
  /** Kill the process group after this many milliseconds. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Between SIGTERM and SIGKILL (default 5 s). */
  killGraceMs?: number;
  /** Added to the inherited environment. */
  env?: Readonly<Record<string, string>>;
}

const DEFAULT_KILL_GRACE_MS = 5_000;

/** Process groups started here and not yet reaped. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const pid of liveGroups) killGroup(pid, "SIGKILL");
  });
}

export async function runTool(
  file: string,
  args: readonly string[],
  options: RunToolOptions = {},
): Promise<ToolResult> {
  const argv = [file, ...args];
  const started = performance.now();
  if (options.signal?.aborted) {
    return {
      argv,
      exitCode: undefined,
      signal: undefined,
      stdout: "",
      stderr: "",
      timedOut: false,
      aborted: true,
      spawnError: undefined,
      durationMs: 0,
    };
  }
  installExitHook();
  const subprocess = execa(file, args, {
    cwd: options.cwd,
    // English messages from rsync and ssh: hints are chosen by matching them.
    env: { LC_ALL: "C", ...options.env },
    detached: true,
    cleanup: false,
    reject: false,
    stdin: "ignore",
    stripFinalNewline: false,
  });
  const pid = subprocess.pid;
  if (pid !== undefined) liveGroups.add(pid);

  let timedOut = false;
  let aborted = false;
  let graceTimer: NodeJS.Timeout | undefined;
  const terminate = (): void => {
    if (pid === undefined || graceTimer !== undefined) return;
    killGroup(pid, "SIGTERM");
    graceTimer = setTimeout(() => killGroup(pid, "SIGKILL"), options.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
  };
  const timeoutTimer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          terminate();
        }, options.timeoutMs);
  const onAbort = (): void => {
    aborted = true;
    terminate();
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });

  try {
    const result = await subprocess;
    const spawnError =
      pid === undefined ? (result.originalMessage ?? result.shortMessage ?? "could not start") : undefined;
    return {
      argv,
      exitCode: result.exitCode,
      signal: result.signal,
      stdout: typeof result.stdout === "string" ? result.stdout : "",
      stderr: typeof result.stderr === "string" ? result.stderr : "",
      timedOut,
      aborted,
      spawnError,
      durationMs: performance.now() - started,
    };
  } finally {
    clearTimeout(timeoutTimer);
    options.signal?.removeEventListener("abort", onAbort);
    if (pid !== undefined) {
      // The leader may be gone while a member (ssh) lingers: nothing of a killed
      // transfer may outlive it.
      if (graceTimer !== undefined) {
        clearTimeout(graceTimer);
        killGroup(pid, "SIGKILL");
      }
      liveGroups.delete(pid);
    }
  }
}
