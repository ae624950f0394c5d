// What differs between operating systems when bbs starts and stops a process
// tree, as a parameter of the runner (util/runner.ts) so that the Windows path
// can be unit-tested on Linux with an injected spawner.
//
// - posix: an argv runs as is; a user-configured command line runs by
//   `/bin/sh -c` (BBS ran its commands with shell=True). The child leads its own
//   process group (detached), and the group is signalled as a whole.
// - windows: an argv runs as is (Node quotes it); a command line runs by
//   `cmd.exe /d /s /c "<line>"` with the line passed verbatim (what Python's
//   shell=True, and so BBS, does). There are no process groups to signal: the
//   tree is ended by `taskkill /T /F /PID <pid>`, which walks the leader's
//   descendants while the leader is alive (children orphaned before that are
//   out of its reach: only a Job Object, which needs native code, would follow them).

import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";

/** What to run: a program and its arguments, or a command line the user configured (run by the platform's shell). */
export type CommandSpec = { readonly argv: readonly string[] } | { readonly shellLine: string };

/** The exact spawn call a platform makes for a command. */
export interface SpawnPlan {
  readonly file: string;
  readonly args: readonly string[];
  /** Windows: pass `args` to the program as written (cmd.exe's quoting rules, not the C runtime's). */
  readonly windowsVerbatimArguments: boolean;
  /** posix: the child leads a new process group. */
  readonly detached: boolean;
}

/** child_process.spawn's shape: the runner calls only this (a test injects a double). */
export type Spawner = (file: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export type TreeSignal = "SIGTERM" | "SIGKILL";

export interface ProcessPlatform {
  readonly name: "posix" | "windows";
  /** Line ending of text the platform's tools write (out files, summaries). */
  readonly eol: "\n" | "\r\n";
  plan(command: CommandSpec): SpawnPlan;
  /** Signals the tree led by `pid` (started with this platform's plan). */
  signalTree(pid: number, signal: TreeSignal, spawner: Spawner): void;
  /** Is anything of the tree still running (as far as the platform can tell)? */
  treeAlive(pid: number): boolean;
}

function firstArg(command: CommandSpec): { file: string; args: readonly string[] } {
  if ("shellLine" in command) throw new Error("firstArg: a shell line has no argv");
  const [file, ...args] = command.argv;
  if (file === undefined) throw new Error("runner: an empty argv");
  return { file, args };
}

function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is empty
  }
}

export const posixPlatform: ProcessPlatform = {
  name: "posix",
  eol: "\n",
  plan(command) {
    const { file, args } =
      "shellLine" in command ? { file: "/bin/sh", args: ["-c", command.shellLine] } : firstArg(command);
    return { file, args, windowsVerbatimArguments: false, detached: true };
  },
  signalTree(pid, signal) {
    signalGroup(pid, signal);
  },
  treeAlive(pid) {
    return signalGroup(pid, 0);
  },
};

/** `taskkill` arguments ending the tree of `pid`: /T the tree, /F by force (SIGKILL); without /F a close request. */
export function taskkillArgs(pid: number, signal: TreeSignal): string[] {
  return signal === "SIGKILL" ? ["/T", "/F", "/PID", String(pid)] : ["/T", "/PID", String(pid)];
}

export function windowsPlatform(comSpec = process.env["ComSpec"] ?? "cmd.exe"): ProcessPlatform {
  return {
    name: "windows",
    eol: "\r\n",
    plan(command) {
      if (!("shellLine" in command)) return { ...firstArg(command), windowsVerbatimArguments: false, detached: false };
      // /d: no AutoRun commands; /s /c "...": the outer quotes are stripped and the rest runs as typed.
      return {
        file: comSpec,
        args: ["/d", "/s", "/c", `"${command.shellLine}"`],
        windowsVerbatimArguments: true,
        detached: false,
      };
    },
    signalTree(pid, signal, spawner) {
      try {
        const killer = spawner("taskkill", taskkillArgs(pid, signal), { stdio: "ignore", windowsHide: true });
        killer.on("error", () => undefined); // the tree may be gone already
        killer.unref();
      } catch {
        // taskkill missing: nothing more can be done from here
      }
    },
    treeAlive(pid) {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    },
  };
}

/** The platform bbs runs on. */
export function currentPlatform(): ProcessPlatform {
  return process.platform === "win32" ? windowsPlatform() : posixPlatform;
}

export const nodeSpawner: Spawner = (file, args, options) => spawn(file, [...args], options);
