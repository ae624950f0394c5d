// The job engine: runs a graph of jobs in pools of slots, event-driven (no
// polling loop), each event costing O(dependents + log n).
//
// Readiness is BBS's: a job may start once every dependency is *processed*,
// whatever its outcome. Schedules:
//   pipeline (default)  every pool runs at once; a job starts as soon as it is
//                       ready and its pool has a free slot.
//   barrier (BBS)       pool N+1 opens only when pool N is entirely processed.
// Ready jobs of a pool are ordered by priority.ts: feeding the bottleneck
// pool (pipeline default), longest critical path first, or in the given
// order (barrier default: BBS's alphabetical/file order).
// Differences from BBS, on purpose: dependencies naming no job are satisfied
// (BBS ran such a job only when the node was otherwise idle), cycles are
// broken up front, and both are reported.

import { setMaxListeners } from "node:events";
import { BbsError, errorMessage } from "../util/errors.js";
import { compileGraph, type CompiledGraph } from "./graph.js";
import { newPoolState, poolProgress, takeSlot, type PoolState } from "./pools.js";
import { priorityKeys } from "./priority.js";
import { ProcessSweeper } from "./sweeper.js";
import type {
  EngineEvent,
  EngineListener,
  EngineOptions,
  EngineProgress,
  EngineReport,
  JobContext,
  JobOrder,
  JobOutcome,
  JobRecord,
  JobSpec,
  RunningJob,
  Schedule,
} from "./types.js";

/** The status a record stands for: the outcome's for done/restored jobs, else the engine state (skipped, failed...). */
export function statusOf<O extends JobOutcome>(record: JobRecord<O>): string {
  return record.state === "done" || record.state === "restored"
    ? (record.outcome?.status ?? record.state)
    : record.state;
}

export class JobEngine<O extends JobOutcome = JobOutcome> {
  private readonly jobs: readonly JobSpec<O>[];
  private readonly schedule: Schedule;
  private readonly order: JobOrder;
  private readonly graph: CompiledGraph;
  private readonly pools: PoolState[];
  private readonly records: Array<JobRecord<O> | undefined>;
  private readonly extraResults = new Map<string, JobRecord<O>>();
  private readonly startedAt: Array<Date | undefined>;
  private readonly slotOf: Int32Array;
  /** 1 while a job's estimate is part of its pool's remainingEstimate (likely-skipped ones join when queued). */
  private readonly inRemaining: Uint8Array;
  private readonly runningJobs = new Set<number>();
  private readonly completedOutcomes: ReadonlyMap<string, O>;
  private readonly waiting: Int32Array;
  private readonly listeners = new Set<EngineListener<O>>();
  private readonly listenerErrors: string[] = [];
  private readonly abort = new AbortController();
  private readonly sweeper: ProcessSweeper;
  private readonly maxConcurrent: number;
  private openPools: number;
  private runningTotal = 0;
  private processedTotal = 0;
  private cancelled = false;
  private state: "idle" | "running" | "finished" = "idle";
  private runStartedAt = new Date();
  private finishRun: ((report: EngineReport<O>) => void) | undefined;
  private failRun: ((error: Error) => void) | undefined;
  private readonly onAbort = (): void => this.cancel(String(this.options.signal?.reason ?? "aborted"));

  constructor(
    jobs: readonly JobSpec<O>[],
    private readonly options: EngineOptions<O>,
  ) {
    this.jobs = jobs;
    this.schedule = options.schedule ?? "pipeline";
    this.order = options.order ?? (this.schedule === "barrier" ? "given" : "bottleneck");
    this.maxConcurrent = options.maxConcurrent ?? Infinity;
    const poolIndex = new Map(options.pools.map((pool, index) => [pool.name, index] as const));
    const completed = new Map(options.completed ?? []);
    this.graph = compileGraph(jobs, poolIndex, new Set(completed.keys()));
    const key = priorityKeys(
      this.graph,
      options.pools.map((pool) => Math.max(1, Math.floor(pool.slots))),
      this.order,
    );
    this.pools = options.pools.map((pool) => newPoolState(pool, key));
    this.records = new Array<JobRecord<O> | undefined>(jobs.length);
    this.startedAt = new Array<Date | undefined>(jobs.length);
    this.slotOf = new Int32Array(jobs.length);
    this.inRemaining = new Uint8Array(jobs.length);
    this.waiting = Int32Array.from(this.graph.waitCount);
    // Results of jobs outside this run (an earlier stage run by another invocation).
    for (const [id, outcome] of completed) {
      if (!this.graph.indexById.has(id)) this.extraResults.set(id, { id, pool: "", state: "restored", outcome });
    }
    jobs.forEach((_job, index) => {
      const pool = this.poolOf(index);
      pool.total += 1;
      if (!this.graph.restored[index] && !this.jobs[index]?.likelySkipped) {
        pool.remainingEstimate += this.graph.estimate[index] as number;
        this.inRemaining[index] = 1;
      }
    });
    this.openPools = this.schedule === "barrier" ? 0 : this.pools.length - 1;
    this.sweeper = new ProcessSweeper({ intervalMs: options.sweepIntervalMs });
    // Every running job listens to the one cancellation signal.
    setMaxListeners(0, this.abort.signal);
    this.completedOutcomes = completed;
  }

  /** Subscribes to events (live view, NDJSON log, history); returns the unsubscribe function. */
  subscribe(listener: EngineListener<O>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs every job once; resolves when all are processed (or, after cancel(), when running ones stopped). */
  run(): Promise<EngineReport<O>> {
    if (this.state !== "idle") throw new BbsError("BBS_INTERNAL", "JobEngine.run() may be called only once");
    this.state = "running";
    this.runStartedAt = new Date();
    return new Promise<EngineReport<O>>((resolve, reject) => {
      this.finishRun = resolve;
      this.failRun = reject;
      const restoredCount = this.restoreCompleted();
      this.emit({
        type: "run-started",
        at: this.runStartedAt,
        total: this.jobs.length,
        restored: restoredCount,
        schedule: this.schedule,
      });
      if (this.options.signal?.aborted) {
        this.cancel(String(this.options.signal.reason ?? "aborted"));
        return;
      }
      this.options.signal?.addEventListener("abort", this.onAbort, { once: true });
      if (this.schedule === "barrier")
        this.emit({ type: "pool-opened", at: new Date(), pool: this.pools[0]?.name ?? "" });
      // Collect first: releasing a skipped job can bring later ones to zero.
      const initiallyReady: number[] = [];
      for (let index = 0; index < this.jobs.length; index += 1) {
        if (!this.graph.restored[index] && this.waiting[index] === 0) initiallyReady.push(index);
      }
      for (const index of initiallyReady) this.release(index);
      this.advanceBarrier();
      this.pump();
      this.finishIfDone();
    });
  }

  /**
   * Stops the run: no job starts any more, running jobs see their signal
   * aborted (runProcess kills their process groups) and are recorded as
   * cancelled; jobs never started are recorded as not-run.
   */
  cancel(reason = "cancelled"): void {
    if (this.cancelled || this.state !== "running") return;
    this.cancelled = true;
    this.emit({ type: "cancel-requested", at: new Date(), reason });
    this.abort.abort(reason);
    this.finishIfDone();
  }

  /** Counts per pool and the running jobs, for a live view and an ETA. */
  progress(): EngineProgress {
    const running: RunningJob[] = [...this.runningJobs].map((index) => {
      const job = this.jobs[index] as JobSpec<O>;
      const startedAt = this.startedAt[index] as Date;
      return {
        id: job.id,
        pool: job.pool,
        label: job.label,
        startedAt,
        estimate: this.graph.estimate[index] as number,
        slot: this.slotOf[index] as number,
      };
    });
    return {
      pools: this.pools.map(poolProgress),
      running,
      criticalPathRemaining: this.criticalPathRemaining(),
      maxConcurrent: Number.isFinite(this.maxConcurrent) ? this.maxConcurrent : undefined,
    };
  }

  /** See EngineProgress.criticalPathRemaining. O(jobs), called about once a second by a live view. */
  private criticalPathRemaining(now = Date.now()): number {
    const { forecastRank, estimate } = this.graph;
    let longest = 0;
    for (let index = 0; index < this.jobs.length; index += 1) {
      if (this.records[index] !== undefined) continue;
      const likelySkipped = this.jobs[index]?.likelySkipped === true;
      // A likely-skipped job costs nothing until it is queued to run after all.
      const own = likelySkipped && !this.inRemaining[index] ? 0 : (estimate[index] as number);
      const after = (forecastRank[index] as number) - (likelySkipped ? 0 : (estimate[index] as number));
      const startedAt = this.startedAt[index];
      // A running job counts for what is left of its estimate (it may run over it).
      const left = startedAt === undefined ? own : Math.max(0, own - (now - startedAt.getTime()) / 1000);
      if (after + left > longest) longest = after + left;
    }
    return longest;
  }

  /** The critical-path rank (seconds) the scheduler gave a job. */
  rankOf(id: string): number | undefined {
    const index = this.graph.indexById.get(id);
    return index === undefined ? undefined : this.graph.rank[index];
  }

  // ---- internals -----------------------------------------------------------------

  private poolOf(index: number): PoolState {
    return this.pools[this.graph.poolOf[index] as number] as PoolState;
  }

  private emit(event: EngineEvent<O>): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        if (this.listenerErrors.length < 100) this.listenerErrors.push(`${event.type}: ${errorMessage(error)}`);
      }
    }
  }

  private restoreCompleted(): number {
    let count = 0;
    this.graph.restored.forEach((flag, index) => {
      if (!flag) return;
      const job = this.jobs[index] as JobSpec<O>;
      const outcome = this.completedOutcomes.get(job.id);
      this.record(index, { id: job.id, pool: job.pool, state: "restored", outcome });
      count += 1;
    });
    return count;
  }

  private isOpen(poolIndex: number): boolean {
    return poolIndex <= this.openPools;
  }

  /** Job `index` has all its dependencies processed. */
  private release(index: number): void {
    // An explicit stack: a chain of skipped jobs must not recurse.
    const stack = [index];
    while (stack.length > 0) {
      const next = stack.pop() as number;
      const job = this.jobs[next] as JobSpec<O>;
      const poolIndex = this.graph.poolOf[next] as number;
      const pool = this.pools[poolIndex] as PoolState;
      if (!job.run || this.skipsItself(job)) {
        if (!this.isOpen(poolIndex)) {
          pool.pendingSkips.push(next);
          continue;
        }
        this.record(next, { id: job.id, pool: job.pool, state: "skipped" });
        this.emit({ type: "job-finished", at: new Date(), job, record: this.records[next] as JobRecord<O> });
        this.releaseDependents(next, stack);
        continue;
      }
      if (!this.inRemaining[next]) {
        // A likely-skipped job that will run after all.
        pool.remainingEstimate += this.graph.estimate[next] as number;
        this.inRemaining[next] = 1;
      }
      pool.heap.push(next);
      pool.queued += 1;
      this.emit({ type: "job-queued", at: new Date(), job });
    }
  }

  /** The job's skipWhen says so (a throwing predicate lets the job run: its run function will tell). */
  private skipsItself(job: JobSpec<O>): boolean {
    if (!job.skipWhen) return false;
    try {
      return job.skipWhen({
        previous: job.after === undefined ? undefined : this.resultOf(job.after),
        result: (id) => this.resultOf(id),
      });
    } catch {
      return false;
    }
  }

  private releaseDependents(index: number, ready: number[]): void {
    const { dependentStart, dependents } = this.graph;
    for (let slot = dependentStart[index] as number; slot < (dependentStart[index + 1] as number); slot += 1) {
      const dependent = dependents[slot] as number;
      const left = (this.waiting[dependent] as number) - 1;
      this.waiting[dependent] = left;
      if (left === 0) ready.push(dependent);
    }
  }

  private record(index: number, record: JobRecord<O>): void {
    this.records[index] = record;
    this.processedTotal += 1;
    const pool = this.poolOf(index);
    pool.processed += 1;
    if (this.inRemaining[index]) {
      pool.remainingEstimate -= this.graph.estimate[index] as number;
      this.inRemaining[index] = 0;
    }
    const status = statusOf(record);
    pool.statuses[status] = (pool.statuses[status] ?? 0) + 1;
  }

  /** Barrier: opens the next pools once every earlier one is processed. */
  private advanceBarrier(): void {
    if (this.schedule !== "barrier" || this.cancelled) return;
    for (;;) {
      const current = this.pools[this.openPools];
      if (!current || current.processed < current.total || this.openPools >= this.pools.length - 1) return;
      this.openPools += 1;
      const opened = this.pools[this.openPools] as PoolState;
      this.emit({ type: "pool-opened", at: new Date(), pool: opened.name });
      for (const index of opened.pendingSkips.splice(0)) this.release(index);
    }
  }

  /** Starts every job that may start now. */
  private pump(): void {
    if (this.cancelled) return;
    this.fillSlots();
    if (this.runningTotal > 0 || this.processedTotal === this.jobs.length) return;
    // Nothing runs and nothing can start. Under a barrier this happens when a
    // job waits on a later pool (a graph the barrier cannot run in order):
    // open the next pool rather than hang.
    while (this.runningTotal === 0 && this.schedule === "barrier" && this.openPools < this.pools.length - 1) {
      this.openPools += 1;
      const opened = this.pools[this.openPools] as PoolState;
      this.emit({ type: "pool-opened", at: new Date(), pool: opened.name });
      for (const index of opened.pendingSkips.splice(0)) this.release(index);
      this.fillSlots();
    }
    if (this.runningTotal === 0 && this.processedTotal < this.jobs.length) {
      this.state = "finished";
      this.failRun?.(
        new BbsError(
          "BBS_INTERNAL",
          `job engine stalled with ${this.jobs.length - this.processedTotal} jobs unprocessed`,
        ),
      );
    }
  }

  private fillSlots(): void {
    if (this.maxConcurrent === Infinity) {
      for (let poolIndex = 0; poolIndex <= this.openPools; poolIndex += 1) {
        const pool = this.pools[poolIndex] as PoolState;
        while (pool.running < pool.slots && pool.heap.size > 0) this.start(pool.heap.pop() as number);
      }
      return;
    }
    // With a global cap, the pool whose best job has the longest critical path goes first.
    const { rank } = this.graph;
    while (this.runningTotal < this.maxConcurrent) {
      let best: PoolState | undefined;
      for (let poolIndex = 0; poolIndex <= this.openPools; poolIndex += 1) {
        const pool = this.pools[poolIndex] as PoolState;
        if (pool.running >= pool.slots || pool.heap.size === 0) continue;
        if (!best || (rank[pool.heap.peek() as number] as number) > (rank[best.heap.peek() as number] as number))
          best = pool;
      }
      if (!best) return;
      this.start(best.heap.pop() as number);
    }
  }

  private start(index: number): void {
    const job = this.jobs[index] as JobSpec<O>;
    const pool = this.poolOf(index);
    pool.queued -= 1;
    pool.running += 1;
    this.runningTotal += 1;
    const startedAt = new Date();
    this.startedAt[index] = startedAt;
    this.runningJobs.add(index);
    const slot = takeSlot(pool);
    this.slotOf[index] = slot;
    this.emit({ type: "job-started", at: startedAt, job, slot });
    const context: JobContext<O> = {
      job,
      signal: this.abort.signal,
      sweeper: this.sweeper,
      previous: job.after === undefined ? undefined : this.resultOf(job.after),
      result: (id) => this.resultOf(id),
    };
    const t0 = performance.now();
    const run = job.run as (context: JobContext<O>) => Promise<O>;
    Promise.resolve()
      .then(() => run(context))
      .then(
        (outcome) => this.finishJob(index, startedAt, t0, { outcome }),
        (error: unknown) => this.finishJob(index, startedAt, t0, { error: errorMessage(error) }),
      );
  }

  private resultOf(id: string): JobRecord<O> | undefined {
    const index = this.graph.indexById.get(id);
    return index === undefined ? this.extraResults.get(id) : this.records[index];
  }

  private finishJob(index: number, startedAt: Date, t0: number, result: { outcome?: O; error?: string }): void {
    const job = this.jobs[index] as JobSpec<O>;
    const pool = this.poolOf(index);
    pool.running -= 1;
    this.runningTotal -= 1;
    this.runningJobs.delete(index);
    const slot = this.slotOf[index] as number;
    pool.freeSlots.push(slot);
    const state = this.cancelled ? "cancelled" : result.error !== undefined ? "failed" : "done";
    const record: JobRecord<O> = {
      id: job.id,
      pool: job.pool,
      state,
      outcome: result.outcome,
      error: result.error,
      startedAt,
      endedAt: new Date(),
      elapsedMs: performance.now() - t0,
      slot,
    };
    this.record(index, record);
    this.emit({ type: "job-finished", at: record.endedAt as Date, job, record });
    if (!this.cancelled) {
      const ready: number[] = [];
      this.releaseDependents(index, ready);
      for (const next of ready) this.release(next);
      this.advanceBarrier();
      this.pump();
    }
    this.finishIfDone();
  }

  private finishIfDone(): void {
    if (this.state !== "running") return;
    const done = this.processedTotal === this.jobs.length || (this.cancelled && this.runningTotal === 0);
    if (!done) return;
    this.state = "finished";
    this.options.signal?.removeEventListener("abort", this.onAbort);
    const records = new Map<string, JobRecord<O>>();
    this.jobs.forEach((job, index) => {
      const record = this.records[index] ?? { id: job.id, pool: job.pool, state: "not-run" as const };
      records.set(job.id, record);
    });
    this.sweeper.flush();
    const report: EngineReport<O> = {
      records,
      unknownDeps: this.graph.unknownDeps,
      ignoredCycleEdges: this.graph.ignoredCycleEdges,
      cancelled: this.cancelled,
      startedAt: this.runStartedAt,
      endedAt: new Date(),
      escapedKilled: this.sweeper.killed.length,
      listenerErrors: this.listenerErrors,
    };
    this.emit({ type: "run-finished", at: report.endedAt, report });
    this.finishRun?.(report);
  }
}

/** Runs `jobs` with a fresh engine (for callers that need no events). */
export function runJobs<O extends JobOutcome>(
  jobs: readonly JobSpec<O>[],
  options: EngineOptions<O>,
): Promise<EngineReport<O>> {
  return new JobEngine(jobs, options).run();
}
