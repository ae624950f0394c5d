// What the engine tells a time forecast: the longest chain of estimates still
// ahead, and pool work that leaves out jobs expected to be skipped (a CHECK
// after a BUILD that fails every night) until they are queued to run after
// all. Jobs here are in-process promises the test settles; no processes.

import { describe, expect, it } from "vitest";
import { JobEngine } from "../../src/jobs/engine.js";
import type { JobSpec } from "../../src/jobs/types.js";

interface Outcome {
  status: string;
}

/** Jobs whose outcome the test decides, one at a time. */
function controlled() {
  const settle = new Map<string, (outcome: Outcome) => void>();
  const started: string[] = [];
  const job = (spec: Omit<JobSpec<Outcome>, "run">): JobSpec<Outcome> => ({
    ...spec,
    run: () =>
      new Promise<Outcome>((resolve) => {
        started.push(spec.id);
        settle.set(spec.id, resolve);
      }),
  });
  const finish = async (id: string, status: string) => {
    for (let turn = 0; turn < 100 && !settle.has(id); turn += 1) await new Promise((resolve) => setImmediate(resolve));
    settle.get(id)?.({ status });
    settle.delete(id);
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { job, finish, started };
}

const pools = ["install", "buildsrc", "checksrc"].map((name) => ({ name, slots: 2 }));
const skipAfterFailedBuild = (context: { previous: { outcome?: Outcome } | undefined }) =>
  context.previous?.outcome?.status !== "OK";

function remaining(engine: JobEngine<Outcome>, pool: string): number | undefined {
  return engine.progress().pools.find((entry) => entry.name === pool)?.remainingEstimate;
}

describe("forecast figures of the job engine", () => {
  it("a likely-skipped CHECK costs nothing, and is skipped when its BUILD fails again", async () => {
    const { job, finish } = controlled();
    const engine = new JobEngine<Outcome>(
      [
        job({ id: "install:A", pool: "install", estimate: 10 }),
        job({ id: "buildsrc:A", pool: "buildsrc", estimate: 20, deps: ["install:A"], after: "install:A" }),
        job({
          id: "checksrc:A",
          pool: "checksrc",
          estimate: 300,
          deps: ["buildsrc:A"],
          after: "buildsrc:A",
          skipWhen: skipAfterFailedBuild,
          likelySkipped: true,
        }),
        job({ id: "install:B", pool: "install", estimate: 5 }),
        job({ id: "checksrc:B", pool: "checksrc", estimate: 40, deps: ["install:B"] }),
      ],
      { pools },
    );
    // A's chain is 10 + 20 (+ 0 for its check); B's is 5 + 40.
    expect(engine.progress().criticalPathRemaining).toBe(45);
    expect(remaining(engine, "checksrc")).toBe(40);
    const done = engine.run();
    await finish("install:A", "OK");
    await finish("buildsrc:A", "ERROR");
    await finish("install:B", "OK");
    await finish("checksrc:B", "OK");
    const report = await done;
    expect(report.records.get("checksrc:A")?.state).toBe("skipped");
    expect(remaining(engine, "checksrc")).toBe(0);
    expect(engine.progress().criticalPathRemaining).toBe(0);
  });

  it("a likely-skipped CHECK whose BUILD succeeds tonight counts again once queued", async () => {
    const { job, finish, started } = controlled();
    const engine = new JobEngine<Outcome>(
      [
        job({ id: "buildsrc:A", pool: "buildsrc", estimate: 20 }),
        job({
          id: "checksrc:A",
          pool: "checksrc",
          estimate: 300,
          deps: ["buildsrc:A"],
          after: "buildsrc:A",
          skipWhen: skipAfterFailedBuild,
          likelySkipped: true,
        }),
      ],
      { pools },
    );
    expect(remaining(engine, "checksrc")).toBe(0);
    expect(engine.progress().criticalPathRemaining).toBe(20);
    const done = engine.run();
    await finish("buildsrc:A", "OK");
    expect(started).toContain("checksrc:A");
    expect(remaining(engine, "checksrc")).toBe(300);
    // Running: at most its whole estimate is left (the clock may have moved a little).
    const ahead = engine.progress().criticalPathRemaining;
    expect(ahead).toBeGreaterThan(290);
    expect(ahead).toBeLessThanOrEqual(300);
    await finish("checksrc:A", "OK");
    await done;
    expect(remaining(engine, "checksrc")).toBe(0);
  });

  it("the critical path follows dependencies across pools, running jobs counted for what is left", async () => {
    const { job, finish } = controlled();
    const engine = new JobEngine<Outcome>(
      [
        job({ id: "install:Base", pool: "install", estimate: 100 }),
        job({ id: "install:Mid", pool: "install", estimate: 100, deps: ["install:Base"] }),
        job({ id: "install:Top", pool: "install", estimate: 100, deps: ["install:Mid"] }),
        job({ id: "install:Leaf", pool: "install", estimate: 50 }),
      ],
      { pools },
    );
    // Two slots: the work over slots says 175 s, the chain Base -> Mid -> Top 300 s.
    expect(remaining(engine, "install")).toBe(350);
    expect(engine.progress().criticalPathRemaining).toBe(300);
    const done = engine.run();
    await finish("install:Leaf", "OK");
    expect(engine.progress().criticalPathRemaining).toBeLessThanOrEqual(300);
    expect(engine.progress().criticalPathRemaining).toBeGreaterThan(290);
    await finish("install:Base", "OK");
    await finish("install:Mid", "OK");
    await finish("install:Top", "OK");
    await done;
  });
});
