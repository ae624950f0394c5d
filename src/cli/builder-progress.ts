// Runs a builder (`bbs run`, `bbs rerun`) with its progress on the terminal:
// a live block on a TTY, timestamped lines elsewhere, the results at the end,
// and, when only the deliveries failed, the results before the error.

import type { ResolvedConfig } from "../config/load.js";
import { DeliveryFailedError, runBuilder, type RunBuilderOptions, type RunResult } from "../stages/run/builder.js";
import { LineProgress, LiveProgress, resultLines, type ProgressView } from "../stages/run/progress.js";
import { withInterruptSignal } from "./interrupt.js";

export async function runBuilderWithProgress(
  config: ResolvedConfig,
  options: Omit<RunBuilderOptions, "signal" | "onEvent">,
): Promise<RunResult> {
  const write = (text: string) => void process.stdout.write(text);
  const view: ProgressView =
    process.stdout.isTTY === true
      ? new LiveProgress(
          write,
          () => process.stdout.columns || 100,
          () => process.stdout.rows || 30,
        )
      : new LineProgress(write);
  let result: RunResult;
  try {
    result = await withInterruptSignal((signal) =>
      runBuilder(config, { ...options, signal, onEvent: (event) => view.onEvent(event) }),
    );
  } catch (error) {
    // A run whose deliveries failed still finished: show its results before the error.
    const partial = error instanceof DeliveryFailedError ? error.result : undefined;
    view.finish(partial === undefined ? [] : resultLines(partial));
    throw error;
  }
  view.finish(resultLines(result));
  return result;
}
