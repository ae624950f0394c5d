// How a job holds on to every process it starts, as an extension of the
// runner (util/runner.ts), whose tree kill reaches only the process group:
//
// - cgroup (where the machine allows it, see cgroup.ts): the job runs in a
//   cgroup of its own; stopping it signals every pid in it, ending it kills
//   the cgroup. Nothing escapes, whatever it does.
// - sweep (the fallback, or forced): every process of the job carries its tag
//   in its environment (BBS_JOB_TAG) and as an inherited descriptor on a
//   deleted file named after it (JOB_TAG_FD, which `setsid env -i` keeps);
//   /proc is scanned for both, at once or by the engine's shared sweeper.
//   Not covered: a process that leaves the group, clears its environment
//   *and* closes its inherited descriptors (a thorough daemon).

import { closeSync, openSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Containment, ContainmentEnd } from "../util/runner.js";
import { cgroupPids, createJobCgroup, enterCgroupPlan, killCgroup, removeCgroup, signalCgroup } from "./cgroup.js";
import {
  HAS_PROCFS,
  JOB_TAG_FD,
  JOB_TAG_VARIABLE,
  findJobProcesses,
  isLive,
  jobTagFileName,
  readProcStat,
} from "./procfs.js";
import type { ProcessPlatform } from "../util/process-platform.js";
import { killTaggedNow, signalTagged, type ProcessSweeper } from "./sweeper.js";

/** `auto`: a cgroup where the machine allows it, else the sweep. `sweep`: the /proc sweep only. */
export type ContainmentMode = "auto" | "sweep";

export interface JobContainment extends Containment {
  /** tree: only the platform's tree kill (Windows: taskkill /T; no /proc, no cgroups). */
  readonly kind: "cgroup" | "sweep" | "tree";
}

/** Cgroups whose processes were killed but that could not be removed yet: retried, and at exit. */
const leftCgroups = new Set<string>();
let retryTimer: NodeJS.Timeout | undefined;

function removeLater(dir: string): void {
  if (removeCgroup(dir)) return;
  leftCgroups.add(dir);
  if (leftCgroups.size === 1) process.on("exit", removeLeftCgroups);
  scheduleRetry(1);
}

function scheduleRetry(attempt: number): void {
  if (retryTimer !== undefined || leftCgroups.size === 0) return;
  retryTimer = setTimeout(
    () => {
      retryTimer = undefined;
      removeLeftCgroups();
      if (attempt < 100) scheduleRetry(attempt + 1);
    },
    Math.min(50 * attempt, 1000),
  );
  retryTimer.unref();
}

function removeLeftCgroups(): void {
  for (const dir of leftCgroups) {
    killCgroup(dir);
    if (removeCgroup(dir)) leftCgroups.delete(dir);
  }
}

function countEnded(pids: readonly number[], leaderPid: number | undefined): ContainmentEnd {
  let survivors = 0;
  let escaped = 0;
  for (const pid of new Set(pids)) {
    const stat = readProcStat(pid);
    if (!isLive(stat)) continue;
    survivors += 1;
    if (stat.pgid !== leaderPid) escaped += 1;
  }
  return { survivors, escaped };
}

function cgroupContainment(tag: string, dir: string): JobContainment {
  return {
    kind: "cgroup",
    env: { [JOB_TAG_VARIABLE]: tag },
    wrap: (plan) => enterCgroupPlan(plan, dir),
    signal: (signal) => (signal === "SIGKILL" ? killCgroup(dir) : signalCgroup(dir, signal)),
    alive: () => cgroupPids(dir).length > 0,
    end: (leaderPid) => {
      const counted = countEnded(cgroupPids(dir), leaderPid);
      killCgroup(dir);
      removeLater(dir);
      return counted;
    },
  };
}

function openTagFile(tag: string): number | undefined {
  const path = join(tmpdir(), jobTagFileName(tag));
  let fd: number | undefined;
  try {
    fd = openSync(path, "w");
    unlinkSync(path);
    return fd;
  } catch {
    if (fd !== undefined) closeSync(fd);
    return undefined; // no marker descriptor: the environment tag still works
  }
}

function sweepContainment(tag: string, sweeper: ProcessSweeper | undefined): JobContainment {
  const fd = openTagFile(tag);
  const tags = (pgid: number | undefined): Map<string, number> => new Map([[tag, pgid ?? -1]]);
  return {
    kind: "sweep",
    env: { [JOB_TAG_VARIABLE]: tag },
    inheritFds: fd === undefined ? new Map() : new Map([[JOB_TAG_FD, fd]]),
    signal: (signal, leaderPid) => void signalTagged(tags(leaderPid), signal),
    alive: (leaderPid) =>
      findJobProcesses({ pgids: new Set([leaderPid]), hasTag: (found) => found === tag }).length > 0,
    end: (leaderPid) => {
      if (leaderPid === undefined) return { survivors: 0, escaped: 0 };
      // Members of the group now; escaped ones too unless the sweeper looks for them later (batched).
      const left = findJobProcesses({
        pgids: new Set([leaderPid]),
        hasTag: sweeper ? undefined : (found) => found === tag,
      });
      const counted = countEnded(
        left.map((found) => found.pid),
        leaderPid,
      );
      try {
        process.kill(-leaderPid, "SIGKILL");
      } catch {
        // the group is empty
      }
      if (sweeper) sweeper.release(tag, leaderPid);
      else killTaggedNow(tags(leaderPid));
      return counted;
    },
  };
}

function treeContainment(tag: string): JobContainment {
  return {
    kind: "tree",
    env: { [JOB_TAG_VARIABLE]: tag },
    signal: () => undefined,
    alive: () => undefined,
    end: () => ({ survivors: 0, escaped: 0 }),
  };
}

/** The containment of one job run with this tag. */
export function jobContainment(
  tag: string,
  options: { mode?: ContainmentMode; sweeper?: ProcessSweeper; platform?: ProcessPlatform } = {},
): JobContainment {
  if (options.platform?.name === "windows" || !HAS_PROCFS) return treeContainment(tag);
  const dir = options.mode === "sweep" ? undefined : createJobCgroup(tag);
  return dir === undefined ? sweepContainment(tag, options.sweeper) : cgroupContainment(tag, dir);
}
