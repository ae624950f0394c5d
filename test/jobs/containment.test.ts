// Defect 14: a descendant that double-forks, calls setsid and clears its
// environment (`setsid env -i sh -c '... &'`) leaves the job's process group
// and loses the job's environment tag. Both containments must still find it:
// the job's cgroup (where this machine allows one) and the /proc sweep (by the
// descriptor it inherited). The survivor is found by a marker in its command
// line, through /proc, never by anything bbs recorded.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cgroupSupport, listJobCgroups } from "../../src/jobs/cgroup.js";
import { runProcess } from "../../src/jobs/process.js";
import { ProcessSweeper } from "../../src/jobs/sweeper.js";
import { eventually, processesWith, tempDir } from "./helpers.js";

/** The adversarial line: a subshell (its command line carries `marker`) and its sleep escape; `readyFile` once both run. */
function escapeLine(marker: string, readyFile: string): string {
  return `setsid env -i sh -c '(sleep 1000 & echo escaped > ${readyFile}; wait; : ${marker}) &'`;
}

const modes = cgroupSupport().available ? (["auto", "sweep"] as const) : (["sweep"] as const);

describe("containment", () => {
  it("says whether this machine allows job cgroups, and why not", () => {
    const support = cgroupSupport();
    expect(typeof support.available).toBe("boolean");
    if (!support.available) expect(support.reason).not.toBe("");
    else expect(support.base).toMatch(/^\//);
  });

  describe.each(modes)("mode %s", (mode) => {
    const expectedKind = mode === "auto" ? "cgroup" : "sweep";

    it("normal end: the setsid env -i escapee is counted as a survivor and killed", async () => {
      const dir = tempDir();
      const marker = `bbs-escape-end-${mode}-${process.pid}`;
      const ready = join(dir, "ready");
      const result = await runProcess({
        command: `${escapeLine(marker, ready)}; while [ ! -s ${ready} ]; do sleep 0.05; done; exit 0`,
        outputFile: join(dir, "out.txt"),
        containment: mode,
      });
      expect(result.containment).toBe(expectedKind);
      expect(result.exitCode).toBe(0);
      expect(result.survivors).toBe(2); // the subshell and its sleep
      expect(result.escapedKilled).toBe(2);
      await eventually(() => processesWith(marker).length === 0);
      expect(processesWith(marker)).toEqual([]);
    });

    it("timeout: the escapee dies with the job", async () => {
      // The job never ends by itself. Its timeout must fall after the escape to
      // test anything: on a machine too slow for that, the next try allows more.
      for (const timeoutMs of [3_000, 15_000, 60_000]) {
        const dir = tempDir();
        const marker = `bbs-escape-timeout-${mode}-${process.pid}-${timeoutMs}`;
        const ready = join(dir, "ready");
        const result = await runProcess({
          command: `${escapeLine(marker, ready)}; exec sleep 1000`,
          outputFile: join(dir, "out.txt"),
          containment: mode,
          timeoutMs,
          killGraceMs: 500,
        });
        expect(result.timedOut).toBe(true);
        expect(result.containment).toBe(expectedKind);
        await eventually(() => processesWith(marker).length === 0);
        expect(processesWith(marker)).toEqual([]);
        if (existsSync(ready)) return;
      }
      throw new Error("the escapee never started before the timeout");
    });

    it("with the engine's sweeper: nothing of the escapee is left after the flush", async () => {
      const dir = tempDir();
      const marker = `bbs-escape-sweeper-${mode}-${process.pid}`;
      const ready = join(dir, "ready");
      const sweeper = new ProcessSweeper({ intervalMs: 600_000 });
      const result = await runProcess({
        command: `${escapeLine(marker, ready)}; while [ ! -s ${ready} ]; do sleep 0.05; done`,
        containment: mode,
        sweeper,
      });
      expect(result.containment).toBe(expectedKind);
      sweeper.flush();
      await eventually(() => processesWith(marker).length === 0);
      expect(processesWith(marker)).toEqual([]);
    });
  });

  it("leaves no job cgroup of this process behind", async () => {
    if (!cgroupSupport().available) return;
    await eventually(() => listJobCgroups().every(({ tag }) => !tag.startsWith(`${process.pid}.`)));
    expect(listJobCgroups().filter(({ tag }) => tag.startsWith(`${process.pid}.`))).toEqual([]);
  });
});
