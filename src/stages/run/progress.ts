// What `bbs run` shows while it works. Under cron (no terminal): one
// timestamped line per event and per finished job, greppable in a log. On a
// terminal: a live view redrawn every second (counts per stage and status,
// the running jobs with their elapsed time, an ETA from recorded durations),
// with notes and finished failures scrolling above it.

import type { JobEngine } from "../../jobs/engine.js";
import { statusOf } from "../../jobs/engine.js";
import type { EngineProgress, Schedule } from "../../jobs/types.js";
import { STAGE_LABELS, type Stage } from "../../layout/stages.js";
import type { RunEvent, RunResult } from "./builder.js";
import type { JobInfo } from "./plan.js";
import type { StageOutcome } from "./stage-jobs.js";
import { formatDuration, logTimestamp } from "../../util/log-format.js";

/** `YYYY-MM-DD HH:MM:SS` in local time. */
function label(stage: string): string {
  return STAGE_LABELS[stage as Stage] ?? stage;
}

/**
 * Seconds left, from the engine's estimates: each pool's remaining work
 * (jobs not processed, running ones counted for what is left of their
 * estimate, likely-skipped ones not at all) over its slots; pools overlap
 * under `pipeline` (the largest one counts) and follow each other under
 * `barrier` (they add up); and never less than the longest chain of
 * dependent jobs still ahead (the critical path).
 */
export function estimateRemaining(progress: EngineProgress, schedule: Schedule, now: Date = new Date()): number {
  const perPool = progress.pools.map((pool) => {
    let remaining = pool.remainingEstimate;
    for (const job of progress.running) {
      if (job.pool !== pool.name) continue;
      remaining -= Math.min(job.estimate, (now.getTime() - job.startedAt.getTime()) / 1000);
    }
    return Math.max(0, remaining) / Math.max(1, pool.slots);
  });
  // No schedule beats the longest chain still ahead, the busiest pool's work over
  // its slots, nor (under a node-wide cap) all the work over the cap.
  const work = schedule === "barrier" ? perPool.reduce((sum, value) => sum + value, 0) : Math.max(0, ...perPool);
  const capped =
    progress.maxConcurrent === undefined
      ? 0
      : progress.pools.reduce((sum, pool) => sum + pool.remainingEstimate, 0) / progress.maxConcurrent;
  return Math.max(work, capped, progress.criticalPathRemaining);
}

/** One line per stage: `CHECK     5/9  OK 3, WARNINGS 1, ERROR 1 | 2 running, 2 waiting`. */
export function stageLines(progress: EngineProgress): string[] {
  return progress.pools.map((pool) => {
    const statuses = Object.entries(pool.statuses)
      .map(([status, count]) => `${status} ${count}`)
      .join(", ");
    const open = [
      pool.running > 0 ? `${pool.running} running` : "",
      pool.queued > 0 ? `${pool.queued} ready` : "",
      pool.waiting > 0 ? `${pool.waiting} waiting` : "",
    ].filter((part) => part !== "");
    return `${label(pool.name).padEnd(9)} ${`${pool.processed}/${pool.total}`.padStart(9)}  ${statuses || "-"}${open.length > 0 ? ` | ${open.join(", ")}` : ""}`;
  });
}

/** What a finished job prints: `[CHECK] IRanges 2.32.0: WARNINGS (148.2 s)`. */
export function finishedJobLine(
  info: JobInfo | undefined,
  fallback: string,
  status: string,
  elapsedSeconds: number | undefined,
): string {
  const name = info === undefined ? fallback : `${info.pkg}${info.version === null ? "" : ` ${info.version}`}`;
  const stage = info === undefined ? "" : `[${label(info.stage)}] `;
  return `${stage}${name}: ${status}${elapsedSeconds === undefined ? "" : ` (${elapsedSeconds.toFixed(1)} s)`}`;
}

export function eventLine(event: Exclude<RunEvent, { type: "engine" }>): string {
  switch (event.type) {
    case "note":
      return `${event.level === "warning" ? "warning: " : ""}${event.message}`;
    case "waiting":
      return `waiting for the target repo: ${event.reason}; next look in ${formatDuration(event.nextInSeconds)} (waited ${formatDuration(event.waitedSeconds)})`;
    case "planned": {
      const q = event.installQueue;
      return (
        `run ${event.runId} (${event.where}): ${event.targets} target packages; stages ${event.stages.map(label).join(", ")}; ` +
        `schedule ${event.schedule}; ${event.jobs} jobs${event.restored > 0 ? ` (${event.restored} already done)` : ""}` +
        (event.stages.includes("install")
          ? `; STAGE2 queue: ${q.targets} targets, ${q.nonTargets} non-targets to install, ${q.alreadyInstalled} already installed`
          : "")
      );
    }
    case "stage-done":
      return `${label(event.stage)} done`;
  }
}

export function resultLines(result: RunResult): string[] {
  const lines = [
    `run ${result.runId} on ${result.node} finished in ${formatDuration((result.endedAt.getTime() - result.startedAt.getTime()) / 1000)}`,
  ];
  for (const stage of result.stages) {
    const counts = result.counts[stage] ?? {};
    lines.push(
      `  ${label(stage).padEnd(9)} ${
        Object.entries(counts)
          .map(([status, count]) => `${status} ${count}`)
          .join(", ") || "no jobs"
      }`,
    );
  }
  if (result.reused > 0) lines.push(`  ${result.reused} job(s) reused from earlier runs (incremental)`);
  if (result.survivors > 0)
    lines.push(`  ${result.survivors} process(es) left alive by their job were killed when it ended`);
  return lines;
}

export interface ProgressView {
  onEvent(event: RunEvent): void;
  /** Stops redrawing; prints the final lines. */
  finish(lines: readonly string[]): void;
}

type Write = (text: string) => void;

/**
 * Said once the jobs are known: how long the run should take, and from what.
 * Without recorded durations there is no honest figure (package sizes order the
 * jobs, but say little about minutes), so none is given.
 */
export function expectationLine(
  engine: EngineProgress,
  schedule: Schedule,
  recordedDurations: number,
  jobs: number,
): string {
  if (recordedDurations === 0)
    return "no time estimate yet: no earlier run on this node (the next run uses this one's durations)";
  return `expected to take about ${formatDuration(estimateRemaining(engine, schedule))} (durations of ${recordedDurations}/${jobs} jobs from earlier runs)`;
}

/** No terminal: one timestamped line per event and per finished job. */
export class LineProgress implements ProgressView {
  private planned: Extract<RunEvent, { type: "planned" }> | undefined;

  constructor(private readonly write: Write) {}

  private line(text: string, at: Date = new Date()): void {
    this.write(`${logTimestamp(at)} ${text}\n`);
  }

  onEvent(event: RunEvent): void {
    if (event.type !== "engine") {
      if (event.type === "planned") this.planned = event;
      this.line(eventLine(event), event.at);
      return;
    }
    const { engine, info } = event;
    if (this.planned !== undefined)
      this.line(
        expectationLine(engine.progress(), this.planned.schedule, this.planned.recordedDurations, this.planned.jobs),
      );
    // Non-target packages already installed are no jobs for BBS either: left out of the lines and of
    // the counter (which would otherwise start at [INSTALL 64/76] on a node with 63 of them).
    let installedAlready = 0;
    engine.subscribe((engineEvent) => {
      if (engineEvent.type !== "job-finished") return;
      const record = engineEvent.record;
      if (record.state === "skipped" && engineEvent.job.pool === "install") {
        installedAlready += 1;
        return;
      }
      const elapsed =
        record.outcome?.elapsedSeconds ?? (record.elapsedMs === undefined ? undefined : record.elapsedMs / 1000);
      const pool = engine.progress().pools.find((candidate) => candidate.name === engineEvent.job.pool);
      const left = pool?.name === "install" ? installedAlready : 0;
      const count = pool === undefined ? "" : `  [${label(pool.name)} ${pool.processed - left}/${pool.total - left}]`;
      this.line(
        `${finishedJobLine(info.get(engineEvent.job.id), engineEvent.job.id, statusOf(record), elapsed)}${count}`,
        engineEvent.at,
      );
    });
  }

  finish(lines: readonly string[]): void {
    for (const text of lines) this.line(text);
  }
}

/** A terminal: a live block redrawn every second below scrolling notes. */
export class LiveProgress implements ProgressView {
  private engine: JobEngine<StageOutcome> | undefined;
  private info: ReadonlyMap<string, JobInfo> = new Map();
  private planned: Extract<RunEvent, { type: "planned" }> | undefined;
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly started = new Date();

  constructor(
    private readonly write: Write,
    private readonly columns: () => number,
    private readonly rows: () => number,
  ) {}

  private clear(): void {
    if (this.drawn > 0) this.write(`\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }

  /** Prints a line above the live block. */
  private scroll(text: string): void {
    this.clear();
    this.write(`${logTimestamp(new Date())} ${text}\n`);
    this.draw();
  }

  onEvent(event: RunEvent): void {
    if (event.type === "planned") this.planned = event;
    if (event.type !== "engine") {
      this.scroll(eventLine(event));
      return;
    }
    this.engine = event.engine;
    this.info = event.info;
    if (this.planned !== undefined)
      this.scroll(
        expectationLine(
          event.engine.progress(),
          this.planned.schedule,
          this.planned.recordedDurations,
          this.planned.jobs,
        ),
      );
    event.engine.subscribe((engineEvent) => {
      if (engineEvent.type !== "job-finished") return;
      const status = statusOf(engineEvent.record);
      // Failures scroll by (the live block shows counts only).
      if (status === "ERROR" || status === "TIMEOUT" || status === "failed") {
        this.scroll(
          finishedJobLine(
            this.info.get(engineEvent.job.id),
            engineEvent.job.id,
            status,
            engineEvent.record.outcome?.elapsedSeconds,
          ),
        );
      }
    });
    this.timer = setInterval(() => {
      this.clear();
      this.draw();
    }, 1000);
    this.timer.unref();
  }

  private draw(): void {
    const engine = this.engine;
    if (engine === undefined) return;
    const now = new Date();
    const progress = engine.progress();
    const width = Math.max(40, this.columns());
    const lines = [
      `bbs run: ${formatDuration((now.getTime() - this.started.getTime()) / 1000)} elapsed, ETA ${this.planned?.recordedDurations === 0 ? "unknown (first run on this node)" : formatDuration(estimateRemaining(progress, this.planned?.schedule ?? "pipeline", now))}`,
      ...stageLines(progress),
    ];
    const running = [...progress.running].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
    const room = Math.max(0, this.rows() - lines.length - 2);
    for (const job of running.slice(0, room)) {
      const info = this.info.get(job.id);
      const elapsed = (now.getTime() - job.startedAt.getTime()) / 1000;
      lines.push(
        `  ${label(job.pool).padEnd(9)} #${job.slot} ${(info?.pkg ?? job.id).padEnd(24)} ${formatDuration(elapsed).padStart(7)} / ~${formatDuration(job.estimate)}`,
      );
    }
    if (running.length > room) lines.push(`  ... and ${running.length - room} more running`);
    const text = lines.map((line) => (line.length > width ? `${line.slice(0, width - 1)}…` : line));
    this.write(`${text.join("\n")}\n`);
    this.drawn = text.length;
  }

  finish(lines: readonly string[]): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.clear();
    for (const text of lines) this.write(`${logTimestamp(new Date())} ${text}\n`);
  }
}
