// The parallel part of prerun (git clones, tarball jobs) on the job engine
// that runs every stage: one pool of `slots`, jobs in the given order, each
// reported as it ends. Cancelling (the signal) stops the running jobs'
// processes; jobs that never started get `notRun`'s result.

import { JobEngine } from "../../jobs/engine.js";
import type { JobOutcome } from "../../jobs/types.js";
import { BbsError } from "../../util/errors.js";

export interface ParallelTask<R extends JobOutcome> {
  /** Unique among the tasks (the package name). */
  readonly id: string;
  /** Runs the task; `signal` aborts when the run is cancelled. Failures are results, not exceptions. */
  readonly run: (signal: AbortSignal) => Promise<R>;
}

export interface ParallelOptions<R extends JobOutcome> {
  /** The pool's name (the step: `sources`, `buildnovig`). */
  readonly pool: string;
  readonly slots: number;
  readonly signal?: AbortSignal;
  /** The result of a task the cancelled run never started. */
  readonly notRun: (id: string) => R;
  /** Called as each task ends, with the count of tasks ended so far. */
  readonly onFinished?: (id: string, result: R, done: number, total: number) => void;
}

/** Runs every task, at most `slots` at once, in the given order; resolves to their results by id. */
export async function runParallel<R extends JobOutcome>(
  tasks: readonly ParallelTask<R>[],
  options: ParallelOptions<R>,
): Promise<Map<string, R>> {
  const engine = new JobEngine<R>(
    tasks.map((task) => ({
      id: task.id,
      pool: options.pool,
      label: task.id,
      run: (context) => task.run(context.signal),
    })),
    {
      pools: [{ name: options.pool, slots: options.slots }],
      order: "given",
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    },
  );
  let done = 0;
  engine.subscribe((event) => {
    if (event.type !== "job-finished" || event.record.outcome === undefined) return;
    done += 1;
    options.onFinished?.(event.job.id, event.record.outcome, done, tasks.length);
  });
  const report = await engine.run();
  const results = new Map<string, R>();
  for (const task of tasks) {
    const record = report.records.get(task.id);
    if (record?.state === "failed") {
      throw new BbsError(
        "BBS_STEP_FAILED",
        `${options.pool} of ${task.id} failed: ${record.error ?? "unknown error"}`,
        {
          hint: "this is an environment problem (disk, permissions) rather than a package problem; fix it and re-run the step with `bbs prerun --only`",
        },
      );
    }
    results.set(task.id, record?.outcome ?? options.notRun(task.id));
  }
  return results;
}
