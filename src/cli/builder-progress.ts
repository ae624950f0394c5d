// Runs a builder (`bbs run`, `bbs rerun`) with its progress shown by the
// reporter `--reporter` names (a live block on a terminal, append-only lines,
// NDJSON), the results at the end, and, when only the deliveries failed, the
// results before the error.

import type { ResolvedConfig } from "../config/load.js";
import { DeliveryFailedError, runBuilder, type RunBuilderOptions, type RunResult } from "../stages/run/builder.js";
import { describeRunEvent, RunEventStream } from "../stages/run/events.js";
import { LiveRunReporter } from "../stages/run/live-view.js";
import { withInterruptSignal } from "./interrupt.js";
import { cliReporter } from "./reporter.js";

export async function runBuilderWithProgress(
  config: ResolvedConfig,
  options: Omit<RunBuilderOptions, "signal" | "onEvent">,
  requestedReporter?: string,
): Promise<RunResult> {
  const reporter = cliReporter(requestedReporter, {
    describe: describeRunEvent,
    terminal: (write) =>
      new LiveRunReporter(
        write,
        () => process.stdout.columns || 100,
        () => process.stdout.rows || 30,
      ),
    plainTimestamps: true,
  });
  const stream = new RunEventStream(
    reporter,
    reporter instanceof LiveRunReporter ? (engine, info) => reporter.watch(engine, info) : undefined,
  );
  let result: RunResult;
  try {
    result = await withInterruptSignal((signal) =>
      runBuilder(config, { ...options, signal, onEvent: (event) => stream.onEvent(event) }),
    );
  } catch (error) {
    // A run whose deliveries failed still finished: show its results before the error.
    stream.finish(error instanceof DeliveryFailedError ? error.result : undefined);
    throw error;
  }
  stream.finish(result);
  return result;
}
