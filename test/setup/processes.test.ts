// The suite's process teardown (processes.ts), run for real: vitest on a test
// file that leaves two processes in sessions of their own (PPID 1 once their
// shell's parent, the worker, is gone). The run fails, naming the process
// that is still alive after the grace period and not the one that ended
// within it, and the survivor is killed.

import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { execa } from "execa";
import { expect, it } from "vitest";
import { repoRoot } from "../fixtures/test-config.js";

function processesWith(text: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "latin1").includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

it("fails the run on a process the suite left alive, lists it and kills it", async () => {
  const marker = `leaky-fixture-${randomUUID()}`;
  const result = await execa(
    "node",
    ["node_modules/vitest/vitest.mjs", "run", "--config", "test/setup/fixtures/leaky.vitest.config.ts"],
    { cwd: repoRoot(), env: { LEAKY_MARKER: marker }, reject: false, all: true },
  );
  expect(result.exitCode, result.all).toBe(1);
  expect(result.all).toContain("1 passed");
  expect(result.all).toMatch(/2 process\(es\) started by the test suite were still alive/);
  expect(result.all).toContain(`sh -c sleep 600; : ${marker}`);
  expect(result.all).not.toContain("leaky-fixture-short");
  expect(processesWith(marker)).toEqual([]);
}, 120_000);
