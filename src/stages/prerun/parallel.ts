// The parallel part of prerun (git clones, tarball jobs): tasks run on a
// fixed number of slots, each reported as it ends. Kept in this one function
// so that prerun and the stages share one scheduler.

import pLimit from "p-limit";

export interface ParallelTask<R> {
  /** Unique among the tasks (the package name). */
  readonly id: string;
  readonly run: (signal: AbortSignal) => Promise<R>;
}

export interface ParallelOptions<R> {
  readonly slots: number;
  readonly signal?: AbortSignal;
  /** Called as each task ends, with the count of tasks ended so far. */
  readonly onFinished?: (id: string, result: R, done: number, total: number) => void;
}

/**
 * Runs every task, at most `slots` at once, in the given order; resolves to
 * their results by id. A task that throws rejects the whole run (tasks report
 * their own failures as results).
 */
export async function runParallel<R>(tasks: readonly ParallelTask<R>[], options: ParallelOptions<R>): Promise<Map<string, R>> {
  const limit = pLimit(Math.max(1, options.slots));
  const signal = options.signal ?? new AbortController().signal;
  const results = new Map<string, R>();
  let done = 0;
  await Promise.all(
    tasks.map((task) =>
      limit(async () => {
        const result = await task.run(signal);
        results.set(task.id, result);
        done += 1;
        options.onFinished?.(task.id, result, done, tasks.length);
      }),
    ),
  );
  return results;
}
