// What a bbs process killed with kill -9 leaves behind: its jobs' process
// groups keep running. A later bbs stops them by their job tags.

import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { jobTagPrefix, newJobTag } from "../../src/jobs/process.js";
import { killLeftoverJobs } from "../../src/jobs/sweeper.js";
import { eventually, isAlive, liveTagged } from "./helpers.js";

function orphan(tag: string, command: string): number {
  const child = spawn("/bin/sh", ["-c", command], { detached: true, stdio: "ignore", env: { ...process.env, BBS_JOB_TAG: tag } });
  child.unref();
  return child.pid as number;
}

describe("killLeftoverJobs", () => {
  it("stops the processes tagged by a dead bbs, with SIGKILL for those ignoring SIGTERM, and nothing else", async () => {
    const dead = "424242-deadbeef";
    const polite = orphan(`${dead}-1`, "sleep 1000 & wait");
    const stubborn = orphan(`${dead}-2`, "trap '' TERM; sleep 1000 & while :; do wait; done");
    const other = orphan(`${dead}0-1`, "sleep 1000 & wait"); // another prefix that merely starts alike
    await eventually(() => liveTagged(`${dead}-1`).length >= 2 && liveTagged(`${dead}-2`).length >= 2);
    const killed = await killLeftoverJobs(dead, 300);
    expect(killed.map((process) => process.tag).sort()).toEqual([`${dead}-1`, `${dead}-1`, `${dead}-2`, `${dead}-2`]);
    expect(await eventually(() => liveTagged(`${dead}-1`).length === 0 && liveTagged(`${dead}-2`).length === 0)).toBe(true);
    expect(isAlive(polite) || isAlive(stubborn)).toBe(false);
    expect(isAlive(other)).toBe(true);
    process.kill(-other, "SIGKILL");
  });

  it("tags of this process start with its prefix; an empty prefix kills nothing", async () => {
    expect(newJobTag().startsWith(`${jobTagPrefix()}-`)).toBe(true);
    expect(await killLeftoverJobs("", 100)).toEqual([]);
  });
});
