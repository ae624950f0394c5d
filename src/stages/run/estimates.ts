// How long each job is expected to take, for the scheduler's priorities and
// the progress view's ETA: the median of the package's last recorded
// durations on this node and stage (HistoryStore.durationEstimates); for a
// package never run here, its source tarball size times the stage's median
// seconds per byte among packages with history (or a default rate when the
// node has no history yet).

import type { Stage } from "../../layout/stages.js";

/** Seconds per MiB of source tarball when a node has no history at all (rough, only the order matters). */
const DEFAULT_SECONDS_PER_MIB: Readonly<Record<Stage, number>> = {
  install: 30,
  buildsrc: 20,
  checksrc: 90,
  buildbin: 30,
};

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * Estimated seconds per package for one stage, from the durations recorded for
 * it (HistoryStore.durationEstimates). Packages with neither history nor a known
 * size get no estimate (the engine uses the pool's median).
 */
export function stageEstimates(
  recorded: ReadonlyMap<string, number>,
  sizes: ReadonlyMap<string, number>,
  stage: Stage,
): Map<string, number> {
  const rates: number[] = [];
  for (const [pkg, seconds] of recorded) {
    const size = sizes.get(pkg);
    if (size !== undefined && size > 0) rates.push(seconds / size);
  }
  const rate = median(rates) ?? DEFAULT_SECONDS_PER_MIB[stage] / (1024 * 1024);
  const estimates = new Map(recorded);
  for (const [pkg, size] of sizes) if (!estimates.has(pkg)) estimates.set(pkg, Math.max(1, size * rate));
  return estimates;
}
