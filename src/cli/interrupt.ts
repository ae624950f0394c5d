// SIGINT and SIGTERM as an AbortSignal for the commands that can stop cleanly
// (prerun, run): they kill their child process trees, write what they have and
// release their locks instead of dying where they stand.

/** Runs `body` with a signal aborted by the first SIGINT or SIGTERM; the handlers go when it ends. */
export async function withInterruptSignal<T>(body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals): void => controller.abort(signal);
  // `on`, not `once`: a listener must still be there when a library's signal-exit handler
  // looks (execa's), or it re-raises the signal and the process dies before bbs stops cleanly.
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  try {
    return await body(controller.signal);
  } finally {
    process.removeListener("SIGINT", stop);
    process.removeListener("SIGTERM", stop);
  }
}
