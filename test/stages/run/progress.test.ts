// What `bbs run` prints: the ETA from recorded durations, the stage lines
// and the running jobs of the live view, and the timestamped lines of a
// cron log (the append-only reporter of its events). Fed with a real engine
// running stand-in jobs (no R).

import { describe, expect, it } from "vitest";
import { JobEngine } from "../../../src/jobs/engine.js";
import type { EngineProgress, JobSpec } from "../../../src/jobs/types.js";
import type { JobInfo } from "../../../src/stages/run/plan.js";
import type { RunResult } from "../../../src/stages/run/builder.js";
import { describeRunEvent, RunEventStream } from "../../../src/stages/run/events.js";
import { LiveRunReporter } from "../../../src/stages/run/live-view.js";
import { estimateRemaining, stageLines } from "../../../src/stages/run/progress.js";
import type { StageOutcome } from "../../../src/stages/run/stage-jobs.js";
import { formatDuration } from "../../../src/util/log-format.js";
import { LineReporter } from "../../../src/util/reporters.js";

const now = new Date("2024-11-21T20:00:00Z");

function progress(
  pools: Array<{ name: string; slots: number; remaining: number }>,
  running: Array<{ pool: string; estimate: number; startedSecondsAgo: number }>,
): EngineProgress {
  return {
    pools: pools.map((pool) => ({
      name: pool.name,
      slots: pool.slots,
      total: 10,
      waiting: 0,
      queued: 0,
      running: 0,
      processed: 0,
      remainingEstimate: pool.remaining,
      statuses: {},
    })),
    running: running.map((job, index) => ({
      id: `${job.pool}:p${index}`,
      pool: job.pool,
      label: `p${index}`,
      startedAt: new Date(now.getTime() - job.startedSecondsAgo * 1000),
      estimate: job.estimate,
      slot: index + 1,
    })),
    criticalPathRemaining: 0,
    maxConcurrent: undefined,
  };
}

describe("ETA", () => {
  it("is each pool's remaining work over its slots, running jobs counted for what is left of them", () => {
    const state = progress(
      [
        { name: "install", slots: 2, remaining: 100 },
        { name: "checksrc", slots: 4, remaining: 400 },
      ],
      [{ pool: "checksrc", estimate: 60, startedSecondsAgo: 20 }],
    );
    expect(estimateRemaining(state, "pipeline", now)).toBe(95); // (400 - 20) / 4
    expect(estimateRemaining(state, "barrier", now)).toBe(145); // 50 + 95
    const late = progress(
      [{ name: "install", slots: 1, remaining: 30 }],
      [{ pool: "install", estimate: 30, startedSecondsAgo: 90 }],
    );
    expect(estimateRemaining(late, "pipeline", now)).toBe(0);
  });

  it("is never less than the critical path still ahead, nor the work over a node-wide cap", () => {
    const chain = { ...progress([{ name: "install", slots: 8, remaining: 80 }], []), criticalPathRemaining: 50 };
    expect(estimateRemaining(chain, "pipeline", now)).toBe(50); // 80 / 8 = 10 < 50
    const capped = {
      ...progress(
        [
          { name: "install", slots: 4, remaining: 100 },
          { name: "checksrc", slots: 4, remaining: 100 },
        ],
        [],
      ),
      maxConcurrent: 2,
    };
    expect(estimateRemaining(capped, "pipeline", now)).toBe(100); // 200 / 2 > 100 / 4
  });

  it("prints durations as people read them", () => {
    expect([formatDuration(42), formatDuration(185), formatDuration(7620), formatDuration(-3)]).toEqual([
      "42s",
      "3m05s",
      "2h07m",
      "0s",
    ]);
  });
});

function engineWith(releases: Map<string, () => void>): {
  engine: JobEngine<StageOutcome>;
  info: Map<string, JobInfo>;
} {
  const job = (stage: string, pkg: string, status: string, after?: string): JobSpec<StageOutcome> => ({
    id: `${stage}:${pkg}`,
    pool: stage,
    label: pkg,
    estimate: 10,
    ...(after === undefined ? {} : { after }),
    run: () =>
      new Promise((resolve) => {
        releases.set(`${stage}:${pkg}`, () =>
          resolve({ status, retCode: status === "OK" ? 0 : 1, elapsedSeconds: 1.5 }),
        );
      }),
  });
  const jobs = [
    job("install", "a", "OK"),
    job("install", "b", "ERROR"),
    job("buildsrc", "a", "OK", "install:a"),
    { id: "install:base", pool: "install", label: "base" },
  ];
  const info = new Map<string, JobInfo>([
    ["install:a", { pkg: "a", stage: "install", version: "1.0" }],
    ["install:b", { pkg: "b", stage: "install", version: "2.0" }],
    ["buildsrc:a", { pkg: "a", stage: "buildsrc", version: "1.0" }],
    ["install:base", { pkg: "base", stage: "install", version: null }],
  ]);
  return {
    engine: new JobEngine(jobs, {
      pools: [
        { name: "install", slots: 2 },
        { name: "buildsrc", slots: 1 },
      ],
    }),
    info,
  };
}

/** What the run returns at its end (its lines close the output). */
function resultOf(runId: string): RunResult {
  return {
    runId,
    node: "n",
    stages: ["install"],
    schedule: "pipeline",
    counts: { install: { OK: 1 } },
    survivors: 0,
    reused: 0,
    statuses: new Map(),
    tickets: [],
    deliveryFailures: [],
    startedAt: now,
    endedAt: now,
  };
}

async function until(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 200 && !condition(); attempt += 1)
    await new Promise((resolve) => setTimeout(resolve, 5));
}

describe("views", () => {
  it("without a terminal: one timestamped line per finished job (installed non-targets left out) and per event", async () => {
    const lines: string[] = [];
    const view = new RunEventStream(
      new LineReporter(describeRunEvent, (text) => lines.push(...text.trimEnd().split("\n"))),
    );
    const releases = new Map<string, () => void>();
    const { engine, info } = engineWith(releases);
    view.onEvent({ type: "note", at: now, level: "warning", message: "something odd" });
    view.onEvent({
      type: "planned",
      at: now,
      runId: "r",
      where: "/c",
      stages: ["install", "buildsrc"],
      schedule: "pipeline",
      targets: 2,
      jobs: 4,
      restored: 0,
      installQueue: { targets: 2, nonTargets: 0, alreadyInstalled: 1 },
      recordedDurations: 3,
    });
    view.onEvent({ type: "engine", engine, info });
    const done = engine.run();
    await until(() => releases.has("install:b"));
    releases.get("install:b")?.();
    releases.get("install:a")?.();
    await until(() => releases.has("buildsrc:a"));
    releases.get("buildsrc:a")?.();
    await done;
    view.finish(resultOf("x"));
    const stamp = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} /;
    for (const line of lines) expect(line).toMatch(stamp);
    const text = lines.map((line) => line.replace(stamp, "").trimEnd());
    expect(text[1]).toMatch(/^run r \(\/c\): 2 target packages; stages INSTALL, BUILD; schedule pipeline; 4 jobs/);
    // the history's durations are what the run expects, and it says so
    expect(text[2]).toMatch(/^expected to take about \d+s \(durations of 3\/4 jobs from earlier runs\)$/);
    expect(text.filter((_, i) => i !== 1 && i !== 2)).toEqual([
      "warning: something odd",
      // the installed non-target counts neither as processed nor in the total (issue 14, defect 13)
      "[INSTALL] b 2.0: ERROR (1.5 s)  [INSTALL 1/2]",
      "[INSTALL] a 1.0: OK (1.5 s)  [INSTALL 2/2]",
      "[BUILD] a 1.0: OK (1.5 s)  [BUILD 1/1]",
      "run x on n finished in 0s",
      "  INSTALL   OK 1",
    ]);
  });

  it("on a terminal: stage counts, the running jobs with their slot and elapsed time, redrawn in place", async () => {
    let screen = "";
    const live = new LiveRunReporter(
      (text) => (screen += text),
      () => 120,
      () => 40,
    );
    const view = new RunEventStream(live, (engine, info) => live.watch(engine, info));
    const releases = new Map<string, () => void>();
    const { engine, info } = engineWith(releases);
    view.onEvent({
      type: "planned",
      at: now,
      runId: "r",
      where: "/c",
      stages: ["install", "buildsrc"],
      schedule: "pipeline",
      targets: 2,
      jobs: 4,
      restored: 0,
      installQueue: { targets: 2, nonTargets: 0, alreadyInstalled: 1 },
      recordedDurations: 0,
    });
    view.onEvent({ type: "engine", engine, info });
    expect(screen).toContain(
      "no time estimate yet: no earlier run on this node (the next run uses this one's durations)",
    );
    const done = engine.run();
    await until(() => releases.has("install:a") && releases.has("install:b"));
    releases.get("install:b")?.(); // a failure scrolls above the live block
    await until(() => screen.includes("ERROR"));
    expect(stageLines(engine.progress())[0]).toMatch(/^INSTALL\s+2\/3 {2}skipped 1, ERROR 1 \| 1 running$/);
    view.onEvent({ type: "note", at: now, level: "info", message: "a note" }); // redraws the block below it
    expect(screen).toMatch(/\[INSTALL\] b 2\.0: ERROR/);
    expect(screen).toMatch(/bbs run: \d+s elapsed, ETA unknown \(first run on this node\)/);
    expect(screen).toMatch(/ {2}INSTALL {3}#\d a {23}\s+\d+s \/ ~10s/);
    expect(screen).toContain("\x1b[");
    releases.get("install:a")?.();
    await until(() => releases.has("buildsrc:a"));
    releases.get("buildsrc:a")?.();
    await done;
    view.finish(resultOf("done"));
    expect(screen.trimEnd().endsWith("  INSTALL   OK 1")).toBe(true);
  });
});
