// The state of one pool (stage) of a run: its slots, its ready jobs in
// priority order, and counts a live view reads.

import { JobHeap } from "./heap.js";
import type { PoolProgress, PoolSpec } from "./types.js";

export interface PoolState {
  readonly name: string;
  readonly slots: number;
  readonly heap: JobHeap;
  /** No-run jobs that became ready while a barrier kept their pool closed. */
  readonly pendingSkips: number[];
  total: number;
  queued: number;
  running: number;
  processed: number;
  remainingEstimate: number;
  readonly statuses: Record<string, number>;
  /** Free slot numbers (1-based), lowest taken first. */
  readonly freeSlots: number[];
}

export function newPoolState(pool: PoolSpec, priority: Float64Array): PoolState {
  return {
    name: pool.name,
    slots: Math.max(1, Math.floor(pool.slots)),
    heap: new JobHeap(priority),
    pendingSkips: [],
    total: 0,
    queued: 0,
    running: 0,
    processed: 0,
    remainingEstimate: 0,
    statuses: {},
    freeSlots: Array.from({ length: Math.max(1, Math.floor(pool.slots)) }, (_, index) => index + 1),
  };
}

/** Takes the lowest free slot number of a pool. */
export function takeSlot(pool: PoolState): number {
  let lowest = 0;
  for (let index = 1; index < pool.freeSlots.length; index += 1)
    if ((pool.freeSlots[index] as number) < (pool.freeSlots[lowest] as number)) lowest = index;
  const [slot] = pool.freeSlots.splice(lowest, 1);
  return slot ?? 0;
}

/** A snapshot of a pool's counts. */
export function poolProgress(pool: PoolState): PoolProgress {
  return {
    name: pool.name,
    slots: pool.slots,
    total: pool.total,
    waiting: pool.total - pool.queued - pool.running - pool.processed,
    queued: pool.queued,
    running: pool.running,
    processed: pool.processed,
    remainingEstimate: pool.remainingEstimate,
    statuses: { ...pool.statuses },
  };
}
