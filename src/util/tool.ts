// Runs a tool (rsync, ssh, git, R...) as data through the one process runner
// (runner.ts): the result says how the process ended, never throws for a
// non-zero exit. The tool leads its own process tree, so a timeout or an abort
// stops rsync *and* the ssh it started: SIGTERM first (rsync then removes its
// temporary file), SIGKILL to whatever is left after a grace period; what is
// left when it ends, and trees still alive when bbs exits, are killed too.

import { runCommand } from "./runner.js";

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
  /** Stop the tree after this many milliseconds. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Between SIGTERM and SIGKILL (default 5 s). */
  killGraceMs?: number;
  /** Added to the inherited environment. */
  env?: Readonly<Record<string, string>>;
}

const DEFAULT_KILL_GRACE_MS = 5_000;

export async function runTool(
  file: string,
  args: readonly string[],
  options: RunToolOptions = {},
): Promise<ToolResult> {
  const argv = [file, ...args];
  const run = await runCommand({
    command: { argv },
    output: { capture: true },
    cwd: options.cwd,
    // English messages from rsync and ssh: hints are chosen by matching them.
    env: { LC_ALL: "C", ...options.env },
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    killGraceMs: options.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
  });
  return {
    argv,
    exitCode: run.exitCode ?? undefined,
    signal: run.signal ?? undefined,
    stdout: run.stdout,
    stderr: run.stderr,
    timedOut: run.timedOut,
    aborted: run.cancelled,
    spawnError: run.spawnError,
    durationMs: run.elapsedMs,
  };
}
