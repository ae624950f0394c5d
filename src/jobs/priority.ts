// Which ready job of a pool goes first.
//
// `bottleneck` (the pipeline default) treats the run as a flow shop whose
// bottleneck is the pool with the most work per slot (on a Bioconductor
// builder: CHECK). The bottleneck must never starve and must not end on a
// long job started late:
//   - in the bottleneck pool, longest critical path first (LPT at the tail);
//   - in the pools before it, Johnson's rule for the two-stage flow shop
//     "until the bottleneck" -> "from the bottleneck on", with
//       p1 = the shortest chain of work from the job to a bottleneck job,
//       p2 = the job's critical path minus p1 (work from the bottleneck on):
//     jobs with p1 < p2 first, shortest p1 first (they feed the bottleneck
//     soon and with much work); then the others, longest p2 first.
// On the 3.18 graph this comes within 1% of the lower bound where plain
// critical-path order stays 6-8% above it (CHECK slots starve early while
// BUILD slots run long builds of deep packages); see docs/benchmarks.md.
// With a single pool it is plain critical-path order.
//
// `critical-path`: longest path (own estimate + everything that transitively
// waits on it, across pools) first, in every pool.
// `given`: the order of the job list (BBS: alphabetical, or graph file order).

import type { CompiledGraph } from "./graph.js";
import type { JobOrder } from "./types.js";

/** Keys above this are Johnson's first group; durations in seconds stay far below. */
const FIRST_GROUP = 1e12;

/** The pool with the most estimated work per slot among jobs still to run. */
export function bottleneckPool(graph: CompiledGraph, slots: readonly number[]): number {
  const work = new Float64Array(slots.length);
  for (const node of graph.topologicalOrder) {
    const pool = graph.poolOf[node] as number;
    work[pool] = (work[pool] as number) + (graph.estimate[node] as number);
  }
  let best = 0;
  for (let pool = 1; pool < slots.length; pool += 1) {
    if ((work[pool] as number) / (slots[pool] as number) > (work[best] as number) / (slots[best] as number))
      best = pool;
  }
  return best;
}

/** Priority keys (higher first) for `order`. */
export function priorityKeys(graph: CompiledGraph, slots: readonly number[], order: JobOrder): Float64Array {
  if (order === "given") return Float64Array.from({ length: graph.size }, (_, index) => -index);
  if (order === "critical-path") return graph.rank;
  const bottleneck = bottleneckPool(graph, slots);
  const toBottleneck = new Float64Array(graph.size).fill(Infinity);
  const topological = graph.topologicalOrder;
  for (let position = topological.length - 1; position >= 0; position -= 1) {
    const node = topological[position] as number;
    if (graph.poolOf[node] === bottleneck) {
      toBottleneck[node] = 0;
      continue;
    }
    let shortest = Infinity;
    for (
      let slot = graph.dependentStart[node] as number;
      slot < (graph.dependentStart[node + 1] as number);
      slot += 1
    ) {
      shortest = Math.min(shortest, toBottleneck[graph.dependents[slot] as number] as number);
    }
    toBottleneck[node] = (graph.estimate[node] as number) + shortest;
  }
  const keys = new Float64Array(graph.size);
  for (let node = 0; node < graph.size; node += 1) {
    const rank = graph.rank[node] as number;
    const p1 = toBottleneck[node] as number;
    if (graph.poolOf[node] === bottleneck || p1 === Infinity) {
      keys[node] = rank;
      continue;
    }
    const p2 = rank - p1;
    keys[node] = p1 < p2 ? 2 * FIRST_GROUP - p1 : p2;
  }
  return keys;
}
