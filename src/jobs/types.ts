// The job engine's public vocabulary. One engine runs every stage (install,
// build, check, buildbin) and prerun's clones and tarballs: a job is an id, a
// pool (its stage, with its own slots), dependencies on other jobs, an
// estimated duration and an async function returning the job's outcome.

import type { ProcessSweeper } from "./sweeper.js";

/** `barrier`: BBS (pool N+1 starts when pool N is finished). `pipeline`: a job starts when its dependencies are processed. */
export type Schedule = "pipeline" | "barrier";

/**
 * How ready jobs of a pool are ordered (see priority.ts): `bottleneck` feeds
 * the pool with the most work per slot (Johnson's rule upstream, longest
 * path first in it); `critical-path` is longest path first everywhere;
 * `given` is the job list's order (BBS).
 */
export type JobOrder = "bottleneck" | "critical-path" | "given";

/** What a job's run function returns. `status` is the stage's (OK, ERROR, TIMEOUT, WARNINGS, skipped...). */
export interface JobOutcome {
  readonly status: string;
}

export interface JobSpec<O extends JobOutcome = JobOutcome> {
  /** Unique in the run, e.g. `install:IRanges`. */
  readonly id: string;
  /** The pool (stage) whose slots it takes. */
  readonly pool: string;
  /**
   * Jobs that must be *processed* first, whatever their outcome (BBS). Ids
   * with no job and no restored result are treated as satisfied and reported.
   */
  readonly deps?: readonly string[];
  /** The same package's previous-stage job (build after install...): a dependency whose record is handed to run() as `previous`. */
  readonly after?: string;
  /** Expected duration in seconds (from history); missing: the pool's median estimate. */
  readonly estimate?: number;
  /** No run function: the job is "skipped" as soon as it is ready, without a slot (BBS: a job with no command). */
  readonly run?: (context: JobContext<O>) => Promise<O>;
  /** What views and logs show (the package name). */
  readonly label?: string;
  /**
   * Asked once the job is ready (its dependencies processed, `previous`
   * known): true records it as skipped without taking a slot, like a job
   * with no run function (BBS: no CHECK after a failed BUILD).
   */
  readonly skipWhen?: (context: Pick<JobContext<O>, "previous" | "result">) => boolean;
  /**
   * Expected to be skipped by its skipWhen (e.g. a CHECK after a BUILD that
   * failed on recent nights): time forecasts count it as taking no time until
   * it is actually queued to run. Priorities still use its estimate.
   */
  readonly likelySkipped?: boolean;
}

export interface JobContext<O extends JobOutcome = JobOutcome> {
  readonly job: JobSpec<O>;
  /** Aborted when the run is cancelled: stop the job's processes (runProcess({signal})). */
  readonly signal: AbortSignal;
  /** Shared sweeper for escaped processes (runProcess({sweeper})). */
  readonly sweeper: ProcessSweeper;
  /** The record of `job.after` (this run or restored), if any. */
  readonly previous: JobRecord<O> | undefined;
  /** Any processed or restored job's record. */
  result(id: string): JobRecord<O> | undefined;
}

/**
 * done: run() returned an outcome. skipped: no run function. failed: run()
 * threw (a bug or an environment failure, not a package failure).
 * cancelled: the run was cancelled while it ran. restored: given as already
 * done (resume). not-run: cancelled before it started.
 */
export type JobState = "done" | "skipped" | "failed" | "cancelled" | "restored" | "not-run";

export interface JobRecord<O extends JobOutcome = JobOutcome> {
  readonly id: string;
  readonly pool: string;
  readonly state: JobState;
  readonly outcome?: O;
  readonly error?: string;
  readonly startedAt?: Date;
  readonly endedAt?: Date;
  readonly elapsedMs?: number;
  /** 1-based slot of its pool it ran in. */
  readonly slot?: number;
}

export interface PoolSpec {
  readonly name: string;
  readonly slots: number;
}

export interface EngineOptions<O extends JobOutcome = JobOutcome> {
  /** Every pool jobs may name, in stage order (the barrier order). */
  readonly pools: readonly PoolSpec[];
  /** Default `pipeline`. */
  readonly schedule?: Schedule;
  /** Default: `bottleneck` for pipeline, `given` for barrier (BBS). */
  readonly order?: JobOrder;
  /** Results of jobs already done (resume, or earlier stages): they are not run and satisfy dependencies. */
  readonly completed?: Iterable<readonly [string, O]>;
  /** Cap on jobs running at once over all pools (default: none, each pool has its slots). */
  readonly maxConcurrent?: number;
  /** Aborting it cancels the run (like engine.cancel()). */
  readonly signal?: AbortSignal;
  /** How often the sweeper looks for escaped processes of ended jobs (default 2 s). */
  readonly sweepIntervalMs?: number;
}

export type EngineEvent<O extends JobOutcome = JobOutcome> =
  | {
      readonly type: "run-started";
      readonly at: Date;
      readonly total: number;
      readonly restored: number;
      readonly schedule: Schedule;
    }
  | { readonly type: "pool-opened"; readonly at: Date; readonly pool: string }
  | { readonly type: "job-queued"; readonly at: Date; readonly job: JobSpec<O> }
  /** `slot`: 1-based slot of the job's pool it occupies (BBS's "SLOT i/N"). */
  | { readonly type: "job-started"; readonly at: Date; readonly job: JobSpec<O>; readonly slot: number }
  | { readonly type: "job-finished"; readonly at: Date; readonly job: JobSpec<O>; readonly record: JobRecord<O> }
  | { readonly type: "cancel-requested"; readonly at: Date; readonly reason: string }
  | { readonly type: "run-finished"; readonly at: Date; readonly report: EngineReport<O> };

export type EngineListener<O extends JobOutcome = JobOutcome> = (event: EngineEvent<O>) => void;

export interface EngineReport<O extends JobOutcome = JobOutcome> {
  /** One record per job of the run, restored ones included, in the given job order. */
  readonly records: ReadonlyMap<string, JobRecord<O>>;
  /** Job id -> dependency ids that name no job (treated as satisfied; BBS serialized these jobs). */
  readonly unknownDeps: ReadonlyMap<string, readonly string[]>;
  /** [job, dependency] edges dropped to break dependency cycles. */
  readonly ignoredCycleEdges: ReadonlyArray<readonly [string, string]>;
  readonly cancelled: boolean;
  readonly startedAt: Date;
  readonly endedAt: Date;
  /** Escaped (setsid) processes of ended jobs killed by the sweeper. */
  readonly escapedKilled: number;
  /** Errors thrown by event listeners (the run went on). */
  readonly listenerErrors: readonly string[];
}

export interface PoolProgress {
  readonly name: string;
  readonly slots: number;
  readonly total: number;
  /** Waiting for dependencies (or for a barrier). */
  readonly waiting: number;
  /** Dependencies processed, waiting for a slot. */
  readonly queued: number;
  readonly running: number;
  /** Processed (done, skipped, failed, cancelled, restored). */
  readonly processed: number;
  /** Sum of the estimates of jobs not yet processed, in seconds. */
  readonly remainingEstimate: number;
  /** Count of outcome statuses of processed jobs (OK, ERROR, skipped...). */
  readonly statuses: Readonly<Record<string, number>>;
}

export interface RunningJob {
  readonly id: string;
  readonly pool: string;
  readonly label: string | undefined;
  readonly startedAt: Date;
  readonly estimate: number;
  readonly slot: number;
}

export interface EngineProgress {
  readonly pools: readonly PoolProgress[];
  readonly running: readonly RunningJob[];
  /**
   * Seconds of the longest chain of estimates still ahead (running jobs
   * counted for what is left of their estimate, likely-skipped jobs as 0):
   * no schedule finishes sooner, whatever the slots.
   */
  readonly criticalPathRemaining: number;
  /** The engine's cap on jobs running at once over all pools, if any. */
  readonly maxConcurrent: number | undefined;
}
