// Subscribers that make an engine run machine-readable and remembered: an
// NDJSON line per job start and end (plus run-level events), and a row per
// job attempt in the SQLite history. Both are plain engine listeners; a
// live view subscribes the same way.

import type { JobInputs } from "../history/inputs.js";
import type { HistoryStore } from "../history/store.js";
import type { NdjsonWriter } from "../history/ndjson.js";
import { statusOf, type JobEngine } from "./engine.js";
import type { EngineEvent, EngineReport, JobOutcome, JobRecord, JobSpec } from "./types.js";

/** Optional fields an outcome may carry; the recorders use them when present. */
export interface RecordableOutcome extends JobOutcome {
  readonly retCode?: number | null;
  /** BBS's EllapsedTime (from the first start, re-runs included). */
  readonly elapsedSeconds?: number;
  readonly command?: string;
  readonly version?: string | null;
  readonly commit?: string | null;
  /** Processes of the job alive when its command ended (killed then; see jobs/process.ts). */
  readonly survivors?: number;
}

type Scalar = string | number | boolean | null;

/**
 * Processes of the run's jobs alive when their job ended: those counted in
 * each job's record, plus the escaped ones the shared sweeper found later
 * (the /proc fallback defers them; a cgroup counts them in the job's record).
 */
export function runSurvivors<O extends RecordableOutcome>(report: EngineReport<O>): number {
  let total = report.escapedKilled;
  for (const record of report.records.values()) total += record.outcome?.survivors ?? 0;
  return total;
}

function elapsedOf<O extends RecordableOutcome>(record: JobRecord<O>): number | null {
  if (record.outcome?.elapsedSeconds !== undefined) return record.outcome.elapsedSeconds;
  return record.elapsedMs === undefined ? null : record.elapsedMs / 1000;
}

export interface LogEventsOptions<O extends RecordableOutcome> {
  readonly runId?: string;
  /** Fields added to both lines of a job (its start and its end): package, stage, node... */
  readonly jobFields?: (job: JobSpec<O>) => Record<string, Scalar>;
  /** Fields added to a job's end line. */
  readonly details?: (job: JobSpec<O>, record: JobRecord<O>) => Record<string, Scalar>;
}

/**
 * Writes one NDJSON line per run start/end, pool opening, cancellation, job
 * start and job end. Job lines carry the job's slot (1-based in its pool;
 * null on the end line of a job skipped without running). Returns the
 * unsubscribe function.
 */
export function logEventsTo<O extends RecordableOutcome>(
  engine: JobEngine<O>,
  writer: NdjsonWriter,
  options: LogEventsOptions<O> = {},
): () => void {
  const base = options.runId === undefined ? {} : { runId: options.runId };
  return engine.subscribe((event: EngineEvent<O>) => {
    const at = event.at.toISOString();
    switch (event.type) {
      case "run-started":
        writer.write({
          at,
          event: event.type,
          ...base,
          total: event.total,
          restored: event.restored,
          schedule: event.schedule,
        });
        return;
      case "pool-opened":
        writer.write({ at, event: event.type, ...base, pool: event.pool });
        return;
      case "cancel-requested":
        writer.write({ at, event: event.type, ...base, reason: event.reason });
        return;
      case "job-started":
        writer.write({
          at,
          event: event.type,
          ...base,
          job: event.job.id,
          pool: event.job.pool,
          label: event.job.label ?? null,
          slot: event.slot,
          ...(options.jobFields?.(event.job) ?? {}),
        });
        return;
      case "job-finished": {
        const { job, record } = event;
        writer.write({
          at,
          event: event.type,
          ...base,
          job: job.id,
          pool: job.pool,
          label: job.label ?? null,
          slot: record.slot ?? null,
          ...(options.jobFields?.(job) ?? {}),
          state: record.state,
          status: statusOf(record),
          retCode: record.outcome?.retCode ?? null,
          elapsed: elapsedOf(record),
          survivors: record.outcome?.survivors ?? null,
          ...(record.error === undefined ? {} : { error: record.error }),
          ...(options.details?.(job, record) ?? {}),
        });
        return;
      }
      case "run-finished": {
        const counts: Record<string, number> = {};
        for (const record of event.report.records.values())
          counts[statusOf(record)] = (counts[statusOf(record)] ?? 0) + 1;
        writer.write({
          at,
          event: event.type,
          ...base,
          cancelled: event.report.cancelled,
          counts,
          escapedKilled: event.report.escapedKilled,
          survivors: runSurvivors(event.report),
        });
        return;
      }
      case "job-queued":
        return;
    }
  });
}

/** Where a job goes in the history: its stage and package (default: its pool and label). */
export interface HistoryJobKey {
  readonly stage: string;
  readonly package: string;
}

/**
 * Records every job attempt in the history: a `running` row when it starts,
 * completed when it ends (cancelled/failed jobs keep those words as status).
 * Jobs without a run function (skipped) and restored jobs get no row: they
 * did not run. Returns the unsubscribe function.
 */
export function recordJobsTo<O extends RecordableOutcome>(
  engine: JobEngine<O>,
  store: HistoryStore,
  options: {
    runId: string;
    node: string;
    key?: (job: JobSpec<O>) => HistoryJobKey;
    /** The job's inputs (incremental runs): stored with its row. */
    inputs?: (
      job: JobSpec<O>,
    ) => { readonly inputHash: string; readonly inputs: JobInputs; readonly reusedFrom?: string } | undefined;
  },
): () => void {
  const rows = new Map<string, number>();
  const keyOf = options.key ?? ((job: JobSpec<O>) => ({ stage: job.pool, package: job.label ?? job.id }));
  return engine.subscribe((event: EngineEvent<O>) => {
    if (event.type === "job-started") {
      const key = keyOf(event.job);
      rows.set(
        event.job.id,
        store.startJob({
          runId: options.runId,
          node: options.node,
          stage: key.stage,
          package: key.package,
          startedAt: event.at,
          ...(options.inputs?.(event.job) ?? {}),
        }),
      );
      return;
    }
    if (event.type !== "job-finished") return;
    const row = rows.get(event.job.id);
    if (row === undefined) return;
    rows.delete(event.job.id);
    const { record } = event;
    const outcome = record.outcome;
    if (outcome && (outcome.command !== undefined || outcome.version !== undefined || outcome.commit !== undefined)) {
      store.describeJob(row, { command: outcome.command, version: outcome.version, commit: outcome.commit });
    }
    store.finishJob(row, {
      endedAt: record.endedAt ?? event.at,
      elapsedSeconds: elapsedOf(record) ?? 0,
      retCode: outcome?.retCode ?? null,
      status: statusOf(record),
      error: record.error,
      survivors: outcome?.survivors ?? null,
    });
  });
}

/**
 * Cancels the engine on SIGINT/SIGTERM (running jobs' process groups are
 * terminated, then killed after their grace). Returns a function removing
 * the handlers.
 */
export function cancelOnSignals<O extends JobOutcome>(
  engine: JobEngine<O>,
  signals: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM"],
): () => void {
  const handler = (signal: NodeJS.Signals): void => engine.cancel(`received ${signal}`);
  for (const signal of signals) process.on(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
  };
}
