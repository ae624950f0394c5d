// A cgroup v2 per job: every process the job starts stays in its cgroup
// whatever it does (double fork, setsid, `env -i`, closing its descriptors),
// so ending the job means killing the cgroup (cgroup.kill, Linux 5.14+; else
// SIGKILL to every pid in cgroup.procs until it is empty).
//
// Used where the machine allows it: a cgroup2 mount, and our own cgroup
// writable (root, or a delegated subtree). Probed once per bbs process by
// moving a real process into a sub-cgroup; anywhere else (a container with a
// read-only /sys/fs/cgroup, macOS) jobs fall back to the /proc sweep.
//
// Job cgroups are `<our cgroup>/bbs-job-<tag>`: the tag names the bbs process
// that owns it (pid and start time, see process.ts), so the cgroups of a bbs
// killed -9 can be found and killed later.

import { spawnSync } from "node:child_process";
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { jobTagFileName } from "./procfs.js";
import type { SpawnPlan } from "../util/process-platform.js";

export interface CgroupSupport {
  readonly available: boolean;
  /** Why not (for logs and docs); empty when available. */
  readonly reason: string;
  /** Directory of our own cgroup (job cgroups are made inside it). */
  readonly base: string;
  /** cgroup.kill exists (kills a whole cgroup at once). */
  readonly hasKill: boolean;
}

let probed: CgroupSupport | undefined;

/** The cgroup2 mount point, from /proc/self/mountinfo. */
function cgroup2Mount(): string | undefined {
  let text: string;
  try {
    text = readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return undefined;
  }
  for (const line of text.split("\n")) {
    const [before, after] = line.split(" - ");
    if (after === undefined || before === undefined) continue;
    if (after.split(" ")[0] === "cgroup2") return before.split(" ")[4];
  }
  return undefined;
}

/** Our own cgroup v2 path (the `0::` line of /proc/self/cgroup). */
function ownCgroup(): string | undefined {
  try {
    const line = readFileSync("/proc/self/cgroup", "utf8")
      .split("\n")
      .find((entry) => entry.startsWith("0::"));
    return line?.slice(3);
  } catch {
    return undefined;
  }
}

const unavailable = (reason: string): CgroupSupport => ({ available: false, reason, base: "", hasKill: false });

/** Can jobs be put in cgroups here? Probed once (mkdir, move a real process in, rmdir). */
export function cgroupSupport(): CgroupSupport {
  probed ??= probe();
  return probed;
}

function probe(): CgroupSupport {
  if (process.platform !== "linux") return unavailable("not Linux");
  const mount = cgroup2Mount();
  if (mount === undefined) return unavailable("no cgroup2 file system mounted");
  const own = ownCgroup();
  if (own === undefined) return unavailable("no cgroup v2 entry in /proc/self/cgroup");
  const base = join(mount, own);
  const probeDir = join(base, `bbs-probe-${process.pid}`);
  try {
    mkdirSync(probeDir);
  } catch (error) {
    return unavailable(`cannot create a cgroup in ${base}: ${(error as Error).message}`);
  }
  try {
    const moved = spawnSync("/bin/sh", ["-c", 'echo $$ > "$0/cgroup.procs" && cat /proc/self/cgroup', probeDir], {
      encoding: "utf8",
    });
    const expected = `0::${join(own, `bbs-probe-${process.pid}`)}`;
    if (moved.status !== 0 || !moved.stdout.split("\n").includes(expected))
      return unavailable(`cannot move a process into ${probeDir}: ${moved.stderr.trim() || "not moved"}`);
    return { available: true, reason: "", base, hasKill: existsSync(join(probeDir, "cgroup.kill")) };
  } finally {
    removeCgroup(probeDir);
  }
}

/** Pids in a cgroup and its sub-cgroups (a job that is itself a bbs makes its own). */
export function cgroupPids(dir: string): number[] {
  const pids: number[] = [];
  try {
    for (const line of readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n")) if (line) pids.push(Number(line));
    for (const entry of readdirSync(dir, { withFileTypes: true }))
      if (entry.isDirectory()) pids.push(...cgroupPids(join(dir, entry.name)));
  } catch {
    // gone
  }
  return pids;
}

export function signalCgroup(dir: string, signal: NodeJS.Signals): void {
  for (const pid of cgroupPids(dir)) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone
    }
  }
}

/** SIGKILLs everything in the cgroup (its sub-cgroups included). */
export function killCgroup(dir: string): void {
  try {
    writeFileSync(join(dir, "cgroup.kill"), "1");
    return;
  } catch {
    // no cgroup.kill (before Linux 5.14): signal each pid below
  }
  signalCgroup(dir, "SIGKILL");
}

/** Removes a job cgroup once it is empty, sub-cgroups first; false while processes remain. */
export function removeCgroup(dir: string): boolean {
  try {
    for (const entry of readdirSync(dir, { withFileTypes: true }))
      if (entry.isDirectory()) removeCgroup(join(dir, entry.name));
    rmdirSync(dir);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT";
  }
}

/** A new job cgroup for `tag` (undefined when it cannot be made: the job falls back to the sweep). */
export function createJobCgroup(tag: string): string | undefined {
  const support = cgroupSupport();
  if (!support.available) return undefined;
  const dir = join(support.base, jobTagFileName(tag));
  try {
    mkdirSync(dir);
    return dir;
  } catch {
    return undefined;
  }
}

/**
 * The spawn wrapped so that the process moves itself into `dir` before it
 * execs the command: nothing it starts can be outside the cgroup, not even
 * for the moment between the spawn and a move made from here.
 */
export function enterCgroupPlan(plan: SpawnPlan, dir: string): SpawnPlan {
  // A program that cannot be found must stay a spawn error (ENOENT), not the wrapper's exit 127.
  if (!isExecutable(plan.file)) return plan;
  return {
    ...plan,
    file: "/bin/sh",
    args: ["-c", '{ echo $$ > "$0/cgroup.procs"; } 2>/dev/null; exec "$@"', dir, plan.file, ...plan.args],
  };
}

/** Would execvp() find `file` (a path, or a name looked up in PATH)? */
function isExecutable(file: string): boolean {
  const candidates = file.includes("/")
    ? [file]
    : (process.env["PATH"] ?? "").split(":").map((dir) => join(dir || ".", file));
  return candidates.some((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return statSync(candidate).isFile();
    } catch {
      return false;
    }
  });
}

/** Job cgroups (directories) directly under our own cgroup, with the tag each names. */
export function listJobCgroups(): Array<{ dir: string; tag: string }> {
  const support = cgroupSupport();
  if (!support.available) return [];
  const found: Array<{ dir: string; tag: string }> = [];
  for (const entry of readdirSync(support.base, { withFileTypes: true })) {
    const match = /^bbs-job-([0-9a-f.]+)$/.exec(entry.name);
    if (entry.isDirectory() && match?.[1] !== undefined)
      found.push({ dir: join(support.base, entry.name), tag: match[1] });
  }
  return found;
}
