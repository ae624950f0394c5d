// `bbs schedule --next`: when each task starts next, on its node's clock and in
// UTC, computed by the cron parser in the node's time zone (DST included), and
// the warnings a schedule deserves: a builder that starts before prerun has
// finished on average (it then waits for the target repo, and gives up after
// run.targetRepoTimeout), from the prerun durations in the central history.

import { existsSync } from "node:fs";
import { CronExpressionParser } from "cron-parser";
import { HistoryStore, PRERUN_RUN_KIND } from "../history/store.js";
import type { ScheduledTask } from "./tasks.js";

export interface NextStart {
  task: ScheduledTask;
  at: Date;
  /** `2026-12-03 17:55 Thu` on the node's clock. */
  local: string;
  /** `2026-12-03 22:55 Thu` in UTC. */
  utc: string;
}

export interface PrerunDurations {
  /** Mean seconds of the finished preruns looked at; undefined when there are none. */
  meanSeconds: number | undefined;
  runs: number;
  source: string;
}

/** How many recent preruns the average covers. */
export const PRERUN_WINDOW = 7;

export function formatIn(date: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    weekday: "short",
    hourCycle: "h23",
  }).formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")} ${get("weekday")}`;
}

export function nextStartOf(task: ScheduledTask, now: Date): Date {
  return CronExpressionParser.parse(task.schedule.expression, { tz: task.timeZone, currentDate: now }).next().toDate();
}

export function nextStarts(tasks: readonly ScheduledTask[], now: Date): NextStart[] {
  return tasks.map((task) => {
    const at = nextStartOf(task, now);
    return { task, at, local: formatIn(at, task.timeZone), utc: formatIn(at, "UTC") };
  });
}

/** The mean duration of the central node's recent finished preruns, from its history database. */
export function prerunDurations(historyDb: string, centralNode: string): PrerunDurations {
  if (!existsSync(historyDb)) return { meanSeconds: undefined, runs: 0, source: `${historyDb} (does not exist yet)` };
  const store = HistoryStore.open(historyDb, { readonly: true });
  try {
    const seconds = store
      .runs({ node: centralNode, kind: PRERUN_RUN_KIND, limit: PRERUN_WINDOW * 3 })
      .filter((run) => run.state === "finished" && run.endedAt !== undefined)
      .slice(0, PRERUN_WINDOW)
      .map((run) => ((run.endedAt as Date).getTime() - run.startedAt.getTime()) / 1000);
    const meanSeconds = seconds.length === 0 ? undefined : seconds.reduce((a, b) => a + b, 0) / seconds.length;
    return { meanSeconds, runs: seconds.length, source: historyDb };
  } finally {
    store.close();
  }
}

export function formatDuration(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

export interface ScheduleWarning {
  nodeId: string;
  message: string;
}

/**
 * For the next prerun, each builder's first run start after it: a warning
 * when that start comes before prerun ends on average, and a stronger one
 * when even the wait for the target repo would end before then.
 */
export function scheduleWarnings(
  starts: readonly NextStart[],
  prerun: PrerunDurations,
  targetRepoTimeout: (nodeId: string) => number,
): ScheduleWarning[] {
  const prerunStart = starts.find((s) => s.task.command === "prerun");
  if (prerunStart === undefined || prerun.meanSeconds === undefined) return [];
  const prerunEnd = prerunStart.at.getTime() + prerun.meanSeconds * 1000;
  const warnings: ScheduleWarning[] = [];
  for (const start of starts.filter((s) => s.task.command === "run")) {
    const runAt = nextStartOf(start.task, new Date(prerunStart.at.getTime() - 1000));
    if (runAt.getTime() >= prerunEnd) continue;
    const lead = (runAt.getTime() - prerunStart.at.getTime()) / 1000;
    const early = (prerunEnd - runAt.getTime()) / 1000;
    const waited = targetRepoTimeout(start.task.nodeId);
    const mean = `prerun takes ${formatDuration(prerun.meanSeconds)} on average (last ${prerun.runs} in ${prerun.source})`;
    const when = `bbs run on ${start.task.nodeId} starts ${formatIn(runAt, start.task.timeZone)} ${start.task.timeZone}, ${lead >= 0 ? `${formatDuration(lead)} after` : `${formatDuration(-lead)} before`} prerun starts`;
    warnings.push({
      nodeId: start.task.nodeId,
      message:
        waited < early
          ? `${when}; ${mean}: it would give up waiting for the target repo (run.targetRepoTimeout ${formatDuration(waited)}) about ${formatDuration(early - waited)} before prerun ends; start it later`
          : `${when}; ${mean}: it would wait about ${formatDuration(early)} for the target repo; start it at or after prerun's usual end`,
    });
  }
  return warnings;
}
