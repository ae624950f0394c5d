// The job engine with a stand-in for R (fake-r-job.sh, real processes). The
// assertions are about orders and states, read from the trace the stand-in
// writes, never about durations. Where a behaviour must be proven (no
// serialization on unknown deps, pipelining across pools), jobs wait for a
// file another job creates: the test would hang-then-fail if the engine
// did not run them concurrently.

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCommandJob } from "../../src/jobs/command-job.js";
import { JobEngine, runJobs } from "../../src/jobs/engine.js";
import type { EngineEvent, EngineOptions, JobSpec, Schedule } from "../../src/jobs/types.js";
import { liveTagged, readLines, tempDir, waitForLines } from "./helpers.js";

const FAKE_R = fileURLToPath(new URL("./fake-r-job.sh", import.meta.url));

interface Outcome {
  status: string;
  retCode: number | null;
}

interface FakeOptions {
  deps?: string[];
  after?: string;
  exit?: number;
  estimate?: number;
  waitFor?: string;
  touch?: string;
  noCommand?: boolean;
  command?: string;
}

function fakeJobs(dir: string) {
  const trace = join(dir, "trace");
  const make = (id: string, pool: string, options: FakeOptions = {}): JobSpec<Outcome> => ({
    id,
    pool,
    deps: options.deps,
    after: options.after,
    estimate: options.estimate,
    label: id,
    run: options.noCommand
      ? undefined
      : async (context) => {
          const command =
            options.command ??
            [FAKE_R, trace, id, String(options.exit ?? 0), options.waitFor ?? "''", options.touch ?? "''"].join(" ");
          const result = await runCommandJob({
            command,
            outputFile: join(dir, `${id.replace(":", ".")}-out.txt`),
            signal: context.signal,
            sweeper: context.sweeper,
            killGraceMs: 500,
          });
          const status = result.timedOut ? "TIMEOUT" : result.retCode === 0 ? "OK" : "ERROR";
          return { status, retCode: result.retCode };
        },
  });
  return { trace, make };
}

function traceLines(trace: string): string[] {
  return readLines(trace);
}

function expectDepsRespected(lines: readonly string[], jobs: readonly JobSpec<Outcome>[]): void {
  const position = (line: string) => lines.indexOf(line);
  for (const job of jobs) {
    if (!job.run || position(`start ${job.id}`) === -1) continue;
    for (const dep of [...(job.deps ?? []), ...(job.after ? [job.after] : [])]) {
      const end = position(`end ${dep}`);
      if (end !== -1) expect(position(`start ${job.id}`), `${job.id} after ${dep}`).toBeGreaterThan(end);
    }
  }
}

const POOLS = [
  { name: "install", slots: 2 },
  { name: "build", slots: 2 },
  { name: "check", slots: 2 },
];

/** A small BBS-like graph: install a..e with deps, build/check of targets, a failing build, a non-target skip. */
function bbsLikeGraph(make: ReturnType<typeof fakeJobs>["make"]): JobSpec<Outcome>[] {
  const installs = [
    make("install:zlibbioc", "install", { noCommand: true }), // a non-target already installed
    make("install:a", "install", { deps: ["install:zlibbioc"] }),
    make("install:b", "install", { deps: ["install:a"] }),
    make("install:c", "install", { deps: ["install:a"], exit: 1 }), // INSTALL ERROR: dependents still run
    make("install:d", "install", { deps: ["install:b", "install:c"] }),
    make("install:e", "install", {}),
  ];
  const targets = ["a", "b", "c", "d", "e"];
  const builds = targets.map((pkg) =>
    make(`build:${pkg}`, "build", { after: `install:${pkg}`, exit: pkg === "d" ? 1 : 0 }),
  );
  const checks = targets.map((pkg) => make(`check:${pkg}`, "check", { after: `build:${pkg}` }));
  return [...installs, ...builds, ...checks];
}

describe("JobEngine", () => {
  it("both schedules give the same statuses and respect dependencies; barrier keeps stage order", async () => {
    const statuses: Record<Schedule, Record<string, string>> = { pipeline: {}, barrier: {} };
    for (const schedule of ["pipeline", "barrier"] as const) {
      const dir = tempDir();
      const { trace, make } = fakeJobs(dir);
      const jobs = bbsLikeGraph(make);
      const report = await runJobs(jobs, { pools: POOLS, schedule });
      for (const [id, record] of report.records) statuses[schedule][id] = record.outcome?.status ?? record.state;
      const lines = traceLines(trace);
      expectDepsRespected(lines, jobs);
      expect(lines.filter((line) => line.startsWith("start"))).toHaveLength(jobs.length - 1);
      if (schedule === "barrier") {
        const stageOf = (line: string) =>
          ["install", "build", "check"].indexOf(line.split(" ")[1]?.split(":")[0] ?? "");
        const lastEnd = (stage: number) =>
          Math.max(...lines.map((line, index) => (line.startsWith("end") && stageOf(line) === stage ? index : -1)));
        const firstStart = (stage: number) =>
          lines.findIndex((line) => line.startsWith("start") && stageOf(line) === stage);
        expect(firstStart(1)).toBeGreaterThan(lastEnd(0));
        expect(firstStart(2)).toBeGreaterThan(lastEnd(1));
      }
    }
    expect(statuses.pipeline).toEqual(statuses.barrier);
    expect(statuses.pipeline).toMatchObject({
      "install:zlibbioc": "skipped",
      "install:c": "ERROR",
      "install:d": "OK",
      "build:d": "ERROR",
      "check:c": "OK",
    });
  });

  it("pipeline: a build starts while unrelated installs still run", async () => {
    const dir = tempDir();
    const { trace, make } = fakeJobs(dir);
    const marker = join(dir, "build-a-started");
    // install:slow finishes only once build:a has started: impossible under a barrier.
    const jobs = [
      make("install:a", "install"),
      make("install:slow", "install", { waitFor: marker }),
      make("build:a", "build", { after: "install:a", touch: marker }),
    ];
    const report = await runJobs(jobs, { pools: POOLS });
    expect(report.records.get("install:slow")?.outcome?.status).toBe("OK");
    const lines = traceLines(trace);
    expect(lines.indexOf("start build:a")).toBeLessThan(lines.indexOf("end install:slow"));
  });

  it("dependencies on unknown jobs are satisfied at once and reported (BBS serialized them)", async () => {
    const dir = tempDir();
    const { make } = fakeJobs(dir);
    const marker = join(dir, "u-ran");
    // long waits for u: under BBS's rule u would start only when long had ended.
    const jobs = [
      make("install:long", "install", { waitFor: marker }),
      make("install:u", "install", { deps: ["install:nowhere"], touch: marker }),
    ];
    const report = await runJobs(jobs, { pools: [{ name: "install", slots: 2 }] });
    expect(report.records.get("install:long")?.outcome?.status).toBe("OK");
    expect(report.records.get("install:u")?.outcome?.status).toBe("OK");
    expect([...report.unknownDeps]).toEqual([["install:u", ["install:nowhere"]]]);
  });

  it("orders ready jobs by critical path, or in the given order (barrier default)", async () => {
    const starts: Record<string, string[]> = {};
    for (const [name, options] of [
      ["critical-path", { schedule: "pipeline", order: "critical-path" }],
      ["barrier", { schedule: "barrier" }],
    ] as const) {
      const dir = tempDir();
      const { trace, make } = fakeJobs(dir);
      // One install slot. c feeds a long chain, so critical-path order starts it first.
      const jobs = [
        make("install:a", "install", { estimate: 5 }),
        make("install:b", "install", { estimate: 1 }),
        make("install:c", "install", { estimate: 1 }),
        make("build:c", "build", { after: "install:c", estimate: 100 }),
        make("build:a", "build", { after: "install:a", estimate: 1 }),
        make("build:b", "build", { after: "install:b", estimate: 1 }),
      ];
      const engine = new JobEngine(jobs, {
        pools: [
          { name: "install", slots: 1 },
          { name: "build", slots: 1 },
        ],
        ...options,
      });
      expect(engine.rankOf("install:c")).toBe(101);
      await engine.run();
      starts[name] = traceLines(trace)
        .filter((line) => line.startsWith("start install"))
        .map((line) => line.slice(6));
    }
    expect(starts["critical-path"]).toEqual(["install:c", "install:a", "install:b"]);
    expect(starts.barrier).toEqual(["install:a", "install:b", "install:c"]);
  });

  it("pipeline default: Johnson's rule feeds the bottleneck pool (shortest feed first), unlike critical path", async () => {
    // install 1 slot, build (the bottleneck: most work per slot) 1 slot.
    // x: install 10, build 20 (critical path 30); y: install 1, build 15 (16).
    // Starting y first lets the bottleneck start at 1 instead of 10.
    const starts: Record<string, string[]> = {};
    for (const order of ["bottleneck", "critical-path"] as const) {
      const dir = tempDir();
      const { trace, make } = fakeJobs(dir);
      const jobs = [
        make("install:x", "install", { estimate: 10 }),
        make("install:y", "install", { estimate: 1 }),
        make("build:x", "build", { after: "install:x", estimate: 20 }),
        make("build:y", "build", { after: "install:y", estimate: 15 }),
      ];
      const options = order === "bottleneck" ? {} : { order };
      await runJobs(jobs, {
        pools: [
          { name: "install", slots: 1 },
          { name: "build", slots: 1 },
        ],
        ...options,
      });
      starts[order] = traceLines(trace)
        .filter((line) => line.startsWith("start install"))
        .map((line) => line.slice(6));
    }
    expect(starts.bottleneck).toEqual(["install:y", "install:x"]);
    expect(starts["critical-path"]).toEqual(["install:x", "install:y"]);
  });

  it("resume: restored jobs are not run, satisfy their dependents and keep their outcome", async () => {
    const dir = tempDir();
    const { trace, make } = fakeJobs(dir);
    const jobs = bbsLikeGraph(make);
    const completed: Array<[string, Outcome]> = [
      ["install:a", { status: "OK", retCode: 0 }],
      ["install:b", { status: "OK", retCode: 0 }],
      ["build:a", { status: "ERROR", retCode: 1 }],
      ["build:from-an-earlier-invocation", { status: "OK", retCode: 0 }],
    ];
    let previousOfCheckA: string | undefined;
    const checkA = jobs.findIndex((job) => job.id === "check:a");
    const original = jobs[checkA] as JobSpec<Outcome>;
    jobs[checkA] = {
      ...original,
      run: async (context) => {
        previousOfCheckA = context.previous?.outcome?.status;
        return { status: "skipped", retCode: null }; // CHECK after a BUILD ERROR
      },
    };
    const report = await runJobs(jobs, { pools: POOLS, completed });
    const started = traceLines(trace)
      .filter((line) => line.startsWith("start"))
      .map((line) => line.slice(6));
    expect(started).not.toContain("install:a");
    expect(started).not.toContain("install:b");
    expect(started).not.toContain("build:a");
    expect(started).toContain("install:d");
    expect(report.records.get("install:a")).toMatchObject({ state: "restored", outcome: { status: "OK" } });
    expect(report.records.get("check:a")).toMatchObject({ state: "done", outcome: { status: "skipped" } });
    expect(previousOfCheckA).toBe("ERROR");
    expect(report.unknownDeps.size).toBe(0);
  });

  it("emits queued, started, finished for each job in that order, and progress adds up", async () => {
    const dir = tempDir();
    const { make } = fakeJobs(dir);
    const jobs = bbsLikeGraph(make);
    const engine = new JobEngine(jobs, { pools: POOLS });
    const events: EngineEvent<Outcome>[] = [];
    const seenRunning: number[] = [];
    const busySlots = new Map<string, Set<number>>();
    engine.subscribe((event) => {
      events.push(event);
      if (event.type === "job-started") {
        seenRunning.push(engine.progress().running.length);
        // A slot of a pool holds one job at a time; numbers go 1..slots.
        const busy = busySlots.get(event.job.pool) ?? new Set<number>();
        expect(busy.has(event.slot)).toBe(false);
        expect(event.slot).toBeGreaterThanOrEqual(1);
        expect(event.slot).toBeLessThanOrEqual(2);
        busy.add(event.slot);
        busySlots.set(event.job.pool, busy);
      }
      if (event.type === "job-finished" && event.record.slot !== undefined)
        busySlots.get(event.job.pool)?.delete(event.record.slot);
    });
    const report = await engine.run();
    expect(events[0]?.type).toBe("run-started");
    expect(events[events.length - 1]?.type).toBe("run-finished");
    for (const job of jobs) {
      const kinds = events.filter((event) => "job" in event && event.job.id === job.id).map((event) => event.type);
      expect(kinds).toEqual(job.run ? ["job-queued", "job-started", "job-finished"] : ["job-finished"]);
    }
    const progress = engine.progress();
    expect(progress.running).toEqual([]);
    for (const pool of progress.pools) {
      expect(pool.processed).toBe(pool.total);
      expect(pool.waiting + pool.queued + pool.running).toBe(0);
      expect(pool.remainingEstimate).toBeCloseTo(0);
    }
    expect(progress.pools.find((pool) => pool.name === "install")?.statuses).toEqual({ skipped: 1, OK: 4, ERROR: 1 });
    expect(Math.max(...seenRunning)).toBeLessThanOrEqual(6);
    expect(report.listenerErrors).toEqual([]);
  });

  it("gives each running job the lowest free slot of its pool, in events, records and progress", async () => {
    const dir = tempDir();
    const { make } = fakeJobs(dir);
    const engine = new JobEngine(bbsLikeGraph(make), { pools: POOLS });
    const busy = new Map<string, Set<number>>();
    const problems: string[] = [];
    engine.subscribe((event) => {
      if (event.type === "job-started") {
        const taken = busy.get(event.job.pool) ?? new Set<number>();
        busy.set(event.job.pool, taken);
        let lowest = 1;
        while (taken.has(lowest)) lowest += 1;
        if (event.slot !== lowest) problems.push(`${event.job.id} got slot ${event.slot}, lowest free ${lowest}`);
        taken.add(event.slot);
        const running = engine.progress().running.find((job) => job.id === event.job.id);
        if (running?.slot !== event.slot) problems.push(`${event.job.id}: progress says slot ${running?.slot}`);
      }
      if (event.type === "job-finished") {
        const slot = event.record.slot;
        if (event.record.state === "skipped") {
          if (slot !== undefined) problems.push(`${event.job.id} skipped but has slot ${slot}`);
          return;
        }
        if (slot === undefined || !busy.get(event.job.pool)?.delete(slot))
          problems.push(`${event.job.id} ended in slot ${slot}, not busy`);
      }
    });
    await engine.run();
    expect(problems).toEqual([]);
  });

  it("skipWhen: a ready job whose previous job failed is skipped without a slot, under both schedules", async () => {
    for (const schedule of ["pipeline", "barrier"] as const) {
      const dir = tempDir();
      const { trace, make } = fakeJobs(dir);
      const failed = (context: { previous: { outcome?: Outcome } | undefined }) =>
        context.previous?.outcome?.status !== "OK";
      const jobs = [
        make("build:ok", "build"),
        make("build:bad", "build", { exit: 1 }),
        { ...make("check:ok", "check", { after: "build:ok" }), skipWhen: failed },
        { ...make("check:bad", "check", { after: "build:bad" }), skipWhen: failed },
      ];
      const engine = new JobEngine(jobs, { pools: POOLS, schedule });
      const startedIds: string[] = [];
      engine.subscribe((event) => {
        if (event.type === "job-started") startedIds.push(event.job.id);
      });
      const report = await engine.run();
      expect(report.records.get("check:ok")?.outcome?.status, schedule).toBe("OK");
      expect(report.records.get("check:bad")?.state, schedule).toBe("skipped");
      expect(startedIds).not.toContain("check:bad");
      expect(traceLines(trace)).not.toContain("start check:bad");
    }
  });

  it("a global cap limits jobs running over all pools", async () => {
    const dir = tempDir();
    const { make } = fakeJobs(dir);
    const engine = new JobEngine(bbsLikeGraph(make), { pools: POOLS, maxConcurrent: 1 });
    let running = 0;
    let most = 0;
    engine.subscribe((event) => {
      if (event.type === "job-started") most = Math.max(most, ++running);
      if (event.type === "job-finished" && event.record.state !== "skipped") running -= 1;
    });
    await engine.run();
    expect(most).toBe(1);
  });

  it("cycles are broken and reported; a throwing job is 'failed' and its dependents still run", async () => {
    const dir = tempDir();
    const { make } = fakeJobs(dir);
    const broken: JobSpec<Outcome> = {
      id: "install:broken",
      pool: "install",
      run: async () => {
        throw new Error("disk full");
      },
    };
    const jobs = [
      make("install:x", "install", { deps: ["install:y"] }),
      make("install:y", "install", { deps: ["install:x"] }),
      broken,
      make("install:after-broken", "install", { deps: ["install:broken"] }),
    ];
    const report = await runJobs(jobs, { pools: [{ name: "install", slots: 2 }] });
    expect(report.ignoredCycleEdges).toEqual([["install:x", "install:y"]]);
    expect(report.records.get("install:x")?.outcome?.status).toBe("OK");
    expect(report.records.get("install:y")?.outcome?.status).toBe("OK");
    expect(report.records.get("install:broken")).toMatchObject({ state: "failed", error: "disk full" });
    expect(report.records.get("install:after-broken")?.outcome?.status).toBe("OK");
  });

  it("cancel kills running process groups, records them, and starts nothing more", async () => {
    const dir = tempDir();
    const { make } = fakeJobs(dir);
    const tagFile = (id: string) => join(dir, `${id}.tag`);
    const sleeper = (id: string, deps?: string[]) =>
      make(id, "install", {
        deps,
        command: `echo "$BBS_JOB_TAG" > ${tagFile(id)}; (sleep 1000 &); setsid sleep 1000 & exec sleep 1000`,
      });
    const jobs = [sleeper("install:a"), sleeper("install:b"), sleeper("install:c", ["install:a"])];
    const controller = new AbortController();
    const engine = new JobEngine(jobs, {
      pools: [{ name: "install", slots: 2 }],
      signal: controller.signal,
    } satisfies EngineOptions<Outcome>);
    const running = engine.run();
    // Cancel once both jobs are really running (their tag files exist).
    await waitForLines(tagFile("install:a"), 1);
    await waitForLines(tagFile("install:b"), 1);
    controller.abort("SIGINT");
    const report = await running;
    expect(report.cancelled).toBe(true);
    expect(report.records.get("install:a")?.state).toBe("cancelled");
    expect(report.records.get("install:b")?.state).toBe("cancelled");
    expect(report.records.get("install:c")?.state).toBe("not-run");
    for (const id of ["install:a", "install:b"]) {
      const tag = readLines(tagFile(id))[0] ?? "";
      expect(tag).not.toBe("");
      expect(liveTagged(tag)).toEqual([]);
    }
  });

  it("a signal aborted before the run starts nothing and reports every job as not-run", async () => {
    const dir = tempDir();
    const { trace, make } = fakeJobs(dir);
    const engine = new JobEngine(bbsLikeGraph(make), { pools: POOLS, signal: AbortSignal.abort("SIGTERM") });
    const events: string[] = [];
    engine.subscribe((event) => events.push(event.type));
    const report = await engine.run();
    expect(report.cancelled).toBe(true);
    expect(new Set([...report.records.values()].map((record) => record.state))).toEqual(new Set(["not-run"]));
    expect(events).toEqual(["run-started", "cancel-requested", "run-finished"]);
    expect(traceLines(trace)).toEqual([]);
  });
});
