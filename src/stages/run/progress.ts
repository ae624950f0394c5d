// What `bbs run` computes for its progress from the engine's state: the time
// left (the ETA of the live view and the run's estimate event) and the
// per-stage count lines of the live view (live-view.ts). The events and
// their lines are in events.ts.

import type { EngineProgress, Schedule } from "../../jobs/types.js";
import { STAGE_LABELS, type Stage } from "../../layout/stages.js";

/** `checksrc` -> `CHECK` (an unknown name as it is). */
export function stageLabel(stage: string): string {
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
    return `${stageLabel(pool.name).padEnd(9)} ${`${pool.processed}/${pool.total}`.padStart(9)}  ${statuses || "-"}${open.length > 0 ? ` | ${open.join(", ")}` : ""}`;
  });
}
