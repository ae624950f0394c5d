// Turns a job list into the arrays the engine runs on: dependency edges in
// compressed form, dependencies that name no job (BBS serialized those jobs
// on an idle node; here they are satisfied and reported), cycles broken by
// dropping back edges (reported too), and each job's critical-path rank: its
// own estimate plus the longest chain of estimates of everything that
// transitively waits on it, across pools. Everything is O(jobs + edges).

import { BbsError } from "../util/errors.js";
import type { JobOutcome, JobSpec } from "./types.js";

export interface CompiledGraph {
  readonly size: number;
  readonly indexById: ReadonlyMap<string, number>;
  readonly poolOf: Int32Array;
  readonly estimate: Float64Array;
  /** Dependents of job i: dependents[dependentStart[i] .. dependentStart[i+1]). */
  readonly dependentStart: Int32Array;
  readonly dependents: Int32Array;
  /** Dependencies each job waits for (restored, unknown and dropped ones excluded). */
  readonly waitCount: Int32Array;
  readonly restored: Uint8Array;
  readonly rank: Float64Array;
  /** Like rank, with likely-skipped jobs costing nothing: what time forecasts use. */
  readonly forecastRank: Float64Array;
  /** The jobs still to run, dependencies before dependents. */
  readonly topologicalOrder: readonly number[];
  readonly unknownDeps: Map<string, string[]>;
  readonly ignoredCycleEdges: Array<readonly [string, string]>;
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function estimatesWithFallback<O extends JobOutcome>(
  jobs: readonly JobSpec<O>[],
  poolOf: Int32Array,
  pools: number,
): Float64Array {
  const known: number[][] = Array.from({ length: pools }, () => []);
  jobs.forEach((job, index) => {
    if (job.run && job.estimate !== undefined && Number.isFinite(job.estimate) && job.estimate >= 0) {
      known[poolOf[index] as number]?.push(job.estimate);
    }
  });
  const fallback = known.map((values) => median(values) ?? 1);
  const estimate = new Float64Array(jobs.length);
  jobs.forEach((job, index) => {
    if (!job.run) estimate[index] = 0;
    else if (job.estimate !== undefined && Number.isFinite(job.estimate) && job.estimate >= 0)
      estimate[index] = job.estimate;
    else estimate[index] = fallback[poolOf[index] as number] as number;
  });
  return estimate;
}

interface EdgeList {
  from: number[];
  to: number[];
}

function toAdjacency(
  size: number,
  edges: EdgeList,
  keep: (edge: number) => boolean,
): { start: Int32Array; targets: Int32Array; ids: Int32Array } {
  const start = new Int32Array(size + 1);
  let kept = 0;
  for (let edge = 0; edge < edges.from.length; edge += 1) {
    if (!keep(edge)) continue;
    start[(edges.from[edge] as number) + 1] = (start[(edges.from[edge] as number) + 1] as number) + 1;
    kept += 1;
  }
  for (let index = 0; index < size; index += 1)
    start[index + 1] = (start[index + 1] as number) + (start[index] as number);
  const fill = start.slice(0, size);
  const targets = new Int32Array(kept);
  const ids = new Int32Array(kept);
  for (let edge = 0; edge < edges.from.length; edge += 1) {
    if (!keep(edge)) continue;
    const from = edges.from[edge] as number;
    const slot = fill[from] as number;
    targets[slot] = edges.to[edge] as number;
    ids[slot] = edge;
    fill[from] = slot + 1;
  }
  return { start, targets, ids };
}

/** Kahn's algorithm; returns the topological order found (shorter than size if there are cycles). */
function topologicalOrder(size: number, start: Int32Array, targets: Int32Array, live: Uint8Array): number[] {
  const indegree = new Int32Array(size);
  for (const target of targets) indegree[target] = (indegree[target] as number) + 1;
  const order: number[] = [];
  for (let index = 0; index < size; index += 1) if (live[index] && indegree[index] === 0) order.push(index);
  for (let head = 0; head < order.length; head += 1) {
    const node = order[head] as number;
    for (let slot = start[node] as number; slot < (start[node + 1] as number); slot += 1) {
      const target = targets[slot] as number;
      indegree[target] = (indegree[target] as number) - 1;
      if (indegree[target] === 0) order.push(target);
    }
  }
  return order;
}

/** Marks back edges (found by depth-first search in the given order) among nodes left out of a topological order. */
function markBackEdges(
  size: number,
  adjacency: { start: Int32Array; targets: Int32Array; ids: Int32Array },
  inCycleZone: Uint8Array,
  dropped: Uint8Array,
): void {
  const WHITE = 0;
  const GRAY = 1;
  const BLACK = 2;
  const color = new Uint8Array(size);
  for (let root = 0; root < size; root += 1) {
    if (!inCycleZone[root] || color[root] !== WHITE) continue;
    const stack: number[] = [root];
    const cursor: number[] = [adjacency.start[root] as number];
    color[root] = GRAY;
    while (stack.length > 0) {
      const node = stack[stack.length - 1] as number;
      const slot = cursor[cursor.length - 1] as number;
      if (slot >= (adjacency.start[node + 1] as number)) {
        color[node] = BLACK;
        stack.pop();
        cursor.pop();
        continue;
      }
      cursor[cursor.length - 1] = slot + 1;
      const target = adjacency.targets[slot] as number;
      if (!inCycleZone[target]) continue;
      if (color[target] === GRAY) dropped[adjacency.ids[slot] as number] = 1;
      else if (color[target] === WHITE) {
        color[target] = GRAY;
        stack.push(target);
        cursor.push(adjacency.start[target] as number);
      }
    }
  }
}

/**
 * For each job, its cost plus the longest chain of costs of the jobs that
 * transitively wait on it (dependents processed before their dependencies,
 * walking the topological order backwards).
 */
function chainLengths(
  order: readonly number[],
  start: Int32Array,
  targets: Int32Array,
  cost: Float64Array,
): Float64Array {
  const length = new Float64Array(cost.length);
  for (let position = order.length - 1; position >= 0; position -= 1) {
    const node = order[position] as number;
    let longest = 0;
    for (let slot = start[node] as number; slot < (start[node + 1] as number); slot += 1) {
      longest = Math.max(longest, length[targets[slot] as number] as number);
    }
    length[node] = (cost[node] as number) + longest;
  }
  return length;
}

export function compileGraph<O extends JobOutcome>(
  jobs: readonly JobSpec<O>[],
  poolIndex: ReadonlyMap<string, number>,
  restoredIds: ReadonlySet<string>,
): CompiledGraph {
  const size = jobs.length;
  const indexById = new Map<string, number>();
  const poolOf = new Int32Array(size);
  const restored = new Uint8Array(size);
  jobs.forEach((job, index) => {
    if (indexById.has(job.id)) {
      throw new BbsError("BBS_INTERNAL", `job ${job.id} is listed twice`, {
        hint: "each job id (stage:package) must be unique in a run",
      });
    }
    const pool = poolIndex.get(job.pool);
    if (pool === undefined) {
      throw new BbsError("BBS_INTERNAL", `job ${job.id} names pool ${job.pool}, which has no slots configured`, {
        hint: `known pools: ${[...poolIndex.keys()].join(", ")}`,
      });
    }
    indexById.set(job.id, index);
    poolOf[index] = pool;
    if (restoredIds.has(job.id)) restored[index] = 1;
  });

  const edges: EdgeList = { from: [], to: [] };
  const unknownDeps = new Map<string, string[]>();
  const ignoredCycleEdges: Array<readonly [string, string]> = [];
  jobs.forEach((job, index) => {
    if (restored[index]) return;
    const seen = new Set<string>();
    const all = job.after === undefined ? (job.deps ?? []) : [...(job.deps ?? []), job.after];
    for (const dep of all) {
      if (seen.has(dep)) continue;
      seen.add(dep);
      if (dep === job.id) {
        ignoredCycleEdges.push([job.id, dep]);
        continue;
      }
      const from = indexById.get(dep);
      if (from !== undefined && !restored[from]) {
        edges.from.push(from);
        edges.to.push(index);
      } else if (from === undefined && !restoredIds.has(dep)) {
        const list = unknownDeps.get(job.id) ?? [];
        list.push(dep);
        unknownDeps.set(job.id, list);
      }
    }
  });

  const live = new Uint8Array(size).map((_, index) => (restored[index] ? 0 : 1));
  const dropped = new Uint8Array(edges.from.length);
  let adjacency = toAdjacency(size, edges, () => true);
  let order = topologicalOrder(size, adjacency.start, adjacency.targets, live);
  const liveCount = live.reduce((sum, flag) => sum + flag, 0);
  if (order.length < liveCount) {
    const ordered = new Uint8Array(size);
    for (const node of order) ordered[node] = 1;
    const cycleZone = live.map((flag, index) => (flag && !ordered[index] ? 1 : 0));
    markBackEdges(size, adjacency, cycleZone, dropped);
    for (let edge = 0; edge < dropped.length; edge += 1) {
      if (dropped[edge])
        ignoredCycleEdges.push([jobs[edges.to[edge] as number]?.id ?? "", jobs[edges.from[edge] as number]?.id ?? ""]);
    }
    adjacency = toAdjacency(size, edges, (edge) => !dropped[edge]);
    order = topologicalOrder(size, adjacency.start, adjacency.targets, live);
  }

  const waitCount = new Int32Array(size);
  for (const target of adjacency.targets) waitCount[target] = (waitCount[target] as number) + 1;
  const estimate = estimatesWithFallback(jobs, poolOf, poolIndex.size);
  const rank = chainLengths(order, adjacency.start, adjacency.targets, estimate);
  const forecastCost = estimate.map((seconds, index) => (jobs[index]?.likelySkipped ? 0 : seconds));
  const forecastRank = chainLengths(order, adjacency.start, adjacency.targets, forecastCost);

  return {
    size,
    indexById,
    poolOf,
    estimate,
    dependentStart: adjacency.start,
    dependents: adjacency.targets,
    waitCount,
    restored,
    rank,
    forecastRank,
    topologicalOrder: order,
    unknownDeps,
    ignoredCycleEdges,
  };
}
