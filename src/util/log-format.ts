// How bbs's commands write their logs, the same everywhere so an operator can
// grep and sort the logs of prerun, run, postrun and propagate alike: each line
// starts with the local time `YYYY-MM-DD HH:MM:SS`; durations of runs, steps,
// waits and estimates read `42s`, `3m05s`, `2h07m`; elapsed times of single
// jobs and operations (a git clone, a CHECK) `1.5 s`, `2 min 5 s`. The level
// of a line is util/events.levelPrefix.

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** `2026-11-21 15:03:12`, local time. */
export function logTimestamp(at: Date): string {
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
}

/** `42s`, `3m05s`, `2h07m` (whole seconds; negative counts as 0). */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) return `${total}s`;
  if (total < 3600) return `${Math.floor(total / 60)}m${pad(total % 60)}s`;
  return `${Math.floor(total / 3600)}h${pad(Math.floor((total % 3600) / 60))}m`;
}

/** `0.4 s`, `59.9 s`, `2 min 5 s`: a single job's or operation's elapsed time, to the tenth of a second. */
export function formatElapsed(seconds: number): string {
  const value = Math.max(0, seconds);
  if (value < 60) return `${value.toFixed(1)} s`;
  const total = Math.round(value);
  return `${Math.floor(total / 60)} min ${total % 60} s`;
}
