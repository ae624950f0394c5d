// What `bbs run` (and `bbs rerun`) say, as events of the shared model
// (util/events): the builder's own events (RunEvent) and its engine's job
// events become typed records that any reporter prints alike: append-only
// lines, NDJSON, the live view (progress.ts). The builder keeps emitting its
// RunEvents (they carry the engine, which no record can); RunEventStream is
// the one place that turns them into what the operator or a program reads.

import type { JobEngine } from "../../jobs/engine.js";
import { statusOf } from "../../jobs/engine.js";
import type { Schedule } from "../../jobs/types.js";
import { levelPrefix, type EventBase, type Reporter } from "../../util/events.js";
import { formatDuration, formatElapsed } from "../../util/log-format.js";
import type { RunEvent, RunResult } from "./builder.js";
import type { JobInfo } from "./plan.js";
import type { StageOutcome } from "./stage-jobs.js";
import { estimateRemaining, stageLabel } from "./progress.js";

interface RunEventBase extends EventBase {
  readonly command: "run";
}

/** The jobs are planned: what the run will do. */
export interface RunStartEvent extends RunEventBase {
  readonly kind: "run-start";
  readonly runId: string;
  readonly where: string;
  /** Stage labels: `INSTALL`, `BUILD`, `CHECK`, `BUILD BIN`. */
  readonly stages: readonly string[];
  readonly schedule: Schedule;
  readonly targets: number;
  readonly jobs: number;
  readonly restored: number;
  readonly installQueue: { readonly targets: number; readonly nonTargets: number; readonly alreadyInstalled: number };
  readonly recordedDurations: number;
}

/** How long the run should take (`seconds` absent: no earlier run to tell). */
export interface RunEstimateEvent extends RunEventBase {
  readonly kind: "estimate";
  readonly seconds?: number;
  readonly recordedDurations: number;
  readonly jobs: number;
}

export interface RunWaitingEvent extends RunEventBase {
  readonly kind: "waiting";
  readonly reason: string;
  readonly waitedSeconds: number;
  readonly nextInSeconds: number;
}

export interface RunNoteEvent extends RunEventBase {
  readonly kind: "note";
}

interface RunJobFields {
  /** The engine's job id, e.g. `checksrc:IRanges`. */
  readonly job: string;
  readonly package: string;
  /** null: a non-target install. */
  readonly version: string | null;
}

/** A job started (debug: only NDJSON shows it; the live view shows running jobs from the engine). */
export interface RunJobStartEvent extends RunEventBase, RunJobFields {
  readonly kind: "job-start";
  readonly slot: number;
  readonly estimateSeconds: number;
}

/**
 * A job ended. `done`/`total` count its stage's jobs, non-target packages
 * already installed left out (they are no jobs for BBS either; their
 * job-end is debug).
 */
export interface RunJobEndEvent extends RunEventBase, RunJobFields {
  readonly kind: "job-end";
  readonly status: string;
  readonly elapsedSeconds?: number;
  readonly done: number;
  readonly total: number;
}

export interface RunStageEndEvent extends RunEventBase {
  readonly kind: "step-end";
}

/** The run is over: `message` holds the result lines, the fields the same as data. */
export interface RunEndEvent extends RunEventBase {
  readonly kind: "run-end";
  readonly runId: string;
  readonly node: string;
  readonly seconds: number;
  /** Status counts per stage label. */
  readonly counts: Record<string, Record<string, number>>;
  readonly reused: number;
  readonly survivors: number;
}

export type RunReportEvent =
  | RunStartEvent
  | RunEstimateEvent
  | RunWaitingEvent
  | RunNoteEvent
  | RunJobStartEvent
  | RunJobEndEvent
  | RunStageEndEvent
  | RunEndEvent;

/** The line of an event, without its time (append-only adds it). */
export function describeRunEvent(event: RunReportEvent): string {
  switch (event.kind) {
    case "job-start":
    case "job-end": {
      const name = `${event.package}${event.version === null ? "" : ` ${event.version}`}`;
      const stage = event.step === undefined ? "" : `[${event.step}] `;
      const counter =
        event.kind === "job-end" && event.step !== undefined ? `  [${event.step} ${event.done}/${event.total}]` : "";
      return `${stage}${name}: ${event.message}${counter}`;
    }
    case "step-end":
      return `${event.step ?? ""} ${event.message}`;
    default:
      return `${levelPrefix(event.level)}${event.message}`;
  }
}

/** A finished job's status worth showing above a live view. */
export function isFailure(status: string): boolean {
  return status === "ERROR" || status === "TIMEOUT" || status === "failed";
}

/**
 * Said once the jobs are known: how long the run should take, and from what.
 * Without recorded durations there is no honest figure (package sizes order the
 * jobs, but say little about minutes), so none is given.
 */
export function expectationLine(seconds: number | undefined, recordedDurations: number, jobs: number): string {
  if (seconds === undefined)
    return "no time estimate yet: no earlier run on this node (the next run uses this one's durations)";
  return `expected to take about ${formatDuration(seconds)} (durations of ${recordedDurations}/${jobs} jobs from earlier runs)`;
}

function plannedMessage(event: Extract<RunEvent, { type: "planned" }>): string {
  const q = event.installQueue;
  return (
    `run ${event.runId} (${event.where}): ${event.targets} target packages; stages ${event.stages.map(stageLabel).join(", ")}; ` +
    `schedule ${event.schedule}; ${event.jobs} jobs${event.restored > 0 ? ` (${event.restored} already done)` : ""}` +
    (event.stages.includes("install")
      ? `; STAGE2 queue: ${q.targets} targets, ${q.nonTargets} non-targets to install, ${q.alreadyInstalled} already installed`
      : "")
  );
}

export function resultLines(result: RunResult): string[] {
  const lines = [
    `run ${result.runId} on ${result.node} finished in ${formatDuration((result.endedAt.getTime() - result.startedAt.getTime()) / 1000)}`,
  ];
  for (const stage of result.stages) {
    const counts = result.counts[stage] ?? {};
    lines.push(
      `  ${stageLabel(stage).padEnd(9)} ${
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

/** Watches the engine itself (the live view redraws its counts and running jobs from it). */
export type EngineWatch = (engine: JobEngine<StageOutcome>, info: ReadonlyMap<string, JobInfo>) => void;

/** Turns a builder's RunEvents (and its engine's job events) into RunReportEvents for one reporter. */
export class RunEventStream {
  private planned: RunStartEvent | undefined;

  constructor(
    private readonly reporter: Reporter<RunReportEvent>,
    private readonly watch?: EngineWatch,
  ) {}

  onEvent(event: RunEvent): void {
    const base = { command: "run" as const };
    switch (event.type) {
      case "note":
        this.reporter.emit({ ...base, at: event.at, kind: "note", level: event.level, message: event.message });
        return;
      case "waiting":
        this.reporter.emit({
          ...base,
          at: event.at,
          kind: "waiting",
          level: "info",
          message: `waiting for the target repo: ${event.reason}; next look in ${formatDuration(event.nextInSeconds)} (waited ${formatDuration(event.waitedSeconds)})`,
          reason: event.reason,
          waitedSeconds: event.waitedSeconds,
          nextInSeconds: event.nextInSeconds,
        });
        return;
      case "planned":
        this.planned = {
          ...base,
          at: event.at,
          kind: "run-start",
          level: "info",
          message: plannedMessage(event),
          runId: event.runId,
          where: event.where,
          stages: event.stages.map(stageLabel),
          schedule: event.schedule,
          targets: event.targets,
          jobs: event.jobs,
          restored: event.restored,
          installQueue: event.installQueue,
          recordedDurations: event.recordedDurations,
        };
        this.reporter.emit(this.planned);
        return;
      case "stage-done":
        this.reporter.emit({
          ...base,
          at: event.at,
          kind: "step-end",
          level: "info",
          step: stageLabel(event.stage),
          message: "done",
        });
        return;
      case "engine":
        this.onEngine(event.engine, event.info);
        return;
    }
  }

  /** The run ended (its result, or none when it failed); closes the reporter. */
  finish(result: RunResult | undefined): void {
    if (result !== undefined) {
      const counts: Record<string, Record<string, number>> = {};
      for (const stage of result.stages) counts[stageLabel(stage)] = { ...(result.counts[stage] ?? {}) };
      this.reporter.emit({
        at: result.endedAt,
        command: "run",
        kind: "run-end",
        level: "info",
        message: resultLines(result).join("\n"),
        runId: result.runId,
        node: result.node,
        seconds: (result.endedAt.getTime() - result.startedAt.getTime()) / 1000,
        counts,
        reused: result.reused,
        survivors: result.survivors,
      });
    }
    this.reporter.close();
  }

  private onEngine(engine: JobEngine<StageOutcome>, info: ReadonlyMap<string, JobInfo>): void {
    this.watch?.(engine, info);
    if (this.planned !== undefined) {
      const { schedule, recordedDurations, jobs } = this.planned;
      const seconds = recordedDurations === 0 ? undefined : estimateRemaining(engine.progress(), schedule);
      this.reporter.emit({
        at: new Date(),
        command: "run",
        kind: "estimate",
        level: "info",
        message: expectationLine(seconds, recordedDurations, jobs),
        ...(seconds === undefined ? {} : { seconds }),
        recordedDurations,
        jobs,
      });
    }
    // Non-target packages already installed are no jobs for BBS either: left out of the lines and of
    // the counter (which would otherwise start at [INSTALL 64/76] on a node with 63 of them).
    let installedAlready = 0;
    engine.subscribe((engineEvent) => {
      if (engineEvent.type !== "job-started" && engineEvent.type !== "job-finished") return;
      const job = engineEvent.job;
      const known = info.get(job.id);
      const fields = {
        command: "run" as const,
        at: engineEvent.at,
        ...(known === undefined ? {} : { step: stageLabel(known.stage) }),
        job: job.id,
        package: known?.pkg ?? job.id,
        version: known === undefined ? null : known.version,
      };
      if (engineEvent.type === "job-started") {
        this.reporter.emit({
          ...fields,
          kind: "job-start",
          level: "debug",
          message: "started",
          slot: engineEvent.slot,
          estimateSeconds: job.estimate ?? 0,
        });
        return;
      }
      const record = engineEvent.record;
      const alreadyInstalled = record.state === "skipped" && job.pool === "install";
      if (alreadyInstalled) installedAlready += 1;
      const status = statusOf(record);
      const elapsed =
        record.outcome?.elapsedSeconds ?? (record.elapsedMs === undefined ? undefined : record.elapsedMs / 1000);
      const pool = engine.progress().pools.find((candidate) => candidate.name === job.pool);
      const left = job.pool === "install" ? installedAlready : 0;
      this.reporter.emit({
        ...fields,
        kind: "job-end",
        level: alreadyInstalled ? "debug" : "info",
        message: `${status}${elapsed === undefined ? "" : ` (${formatElapsed(elapsed)})`}`,
        status,
        ...(elapsed === undefined ? {} : { elapsedSeconds: elapsed }),
        done: (pool?.processed ?? 0) - left,
        total: (pool?.total ?? 0) - left,
      });
    });
  }
}
