// Shared helpers of the job-engine tests: temporary directories and the
// process table (a process "survives" if it is live, i.e. not a zombie: in
// containers whose init does not reap orphans, killed orphans stay as zombies).

import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { findJobProcesses, isLive, readProcStat } from "../../src/jobs/procfs.js";

const dirs: string[] = [];

export function tempDir(prefix = "bbs-jobs-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function isAlive(pid: number): boolean {
  return isLive(readProcStat(pid));
}

/** Live processes carrying a job tag. */
export function liveTagged(tag: string): number[] {
  return findJobProcesses({ hasTag: (found) => found === tag }).map((process) => process.pid);
}

/** Polls `condition` (SIGKILL is delivered asynchronously); returns its last value. */
export async function eventually(condition: () => boolean, attempts = 100, delayMs = 50): Promise<boolean> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
  return condition();
}

export function readLines(path: string): string[] {
  try {
    return readFileSync(path, "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "");
  } catch {
    return [];
  }
}

export async function waitForLines(path: string, count: number): Promise<string[]> {
  await eventually(() => readLines(path).length >= count, 400, 25);
  return readLines(path);
}

/** Live (non-zombie) processes whose command line contains `text`. */
export function processesWith(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "latin1");
      if (/^\S+ \(.*\) [ZX] /s.test(stat)) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, "latin1").replace(/\0/g, " ").includes(text))
        found.push(Number(entry));
    } catch {
      // gone
    }
  }
  return found;
}
