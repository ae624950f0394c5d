// Crontab lines for a Unix node, as BBS's crontabs start its scripts (a login
// shell, a dated log per command and day: `<node>-<YYYYMMDD>-<command>.log`),
// and the merge of those lines into an existing crontab between two marker
// comments, so installing twice changes nothing and other lines stay.

import { posix } from "node:path";
import { BbsError } from "../util/errors.js";
import type { ScheduledTask } from "./tasks.js";
import { logFileName } from "./tasks.js";

const DAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;

/** `Sun-Fri`, `every day`, `Mon,Wed,Fri`: the days of a task for people. */
export function describeDays(daysOfWeek: readonly number[]): string {
  if (daysOfWeek.length === 7) return "every day";
  const runs: string[] = [];
  let start = 0;
  while (start < daysOfWeek.length) {
    let end = start;
    while (end + 1 < daysOfWeek.length && daysOfWeek[end + 1] === (daysOfWeek[end] ?? 0) + 1) end++;
    const first = DAY_NAMES[daysOfWeek[start] ?? 0] ?? "?";
    const last = DAY_NAMES[daysOfWeek[end] ?? 0] ?? "?";
    runs.push(end - start >= 2 ? `${first}-${last}` : end > start ? `${first},${last}` : first);
    start = end + 1;
  }
  return runs.join(",");
}

/** POSIX shell quoting of one word. */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The shell command of a task: make the log directory, run bbs, append everything to the dated log. */
export function taskShellCommand(task: ScheduledTask): string {
  const log = posix.join(task.logDir, logFileName(task, "DATE_PLACEHOLDER"));
  const [before, after] = log.split("DATE_PLACEHOLDER") as [string, string];
  // The date is the shell's, at start time, as BBS's `date +%Y%m%d`; the rest of the path is quoted.
  const logWord = `${shellWord(before)}"$(date +%Y%m%d)"${shellWord(after)}`;
  const bbs = [task.program, ...task.args].map(shellWord).join(" ");
  return `mkdir -p ${shellWord(task.logDir)} && ${bbs} >>${logWord} 2>&1`;
}

/** One crontab entry: a comment saying what and when, then the line (`%` escaped, as cron requires). */
export function crontabEntry(task: ScheduledTask): string[] {
  const command = `/bin/bash --login -c ${shellWord(taskShellCommand(task))}`;
  const when = `${task.time} ${describeDays(task.schedule.daysOfWeek)} ${task.timeZone}`;
  return [
    `# bbs ${task.command} on ${task.nodeId}, ${when}`,
    `${task.schedule.expression} ${command.replaceAll("%", "\\%")}`,
  ];
}

export function beginMarker(blockId: string): string {
  return `# >>> bbs schedule ${blockId} >>> (written by \`bbs schedule --install\`; edit the config, not these lines)`;
}

export function endMarker(blockId: string): string {
  return `# <<< bbs schedule ${blockId} <<<`;
}

/** The block of one node's tasks, between its markers. */
export function crontabBlock(blockId: string, tasks: readonly ScheduledTask[]): string {
  const zones = [...new Set(tasks.map((task) => task.timeZone))];
  return [
    beginMarker(blockId),
    `# times are the node's system clock, which must be ${zones.join(", ") || "(no task)"} (schedule.timeZone)`,
    ...tasks.flatMap(crontabEntry),
    endMarker(blockId),
  ].join("\n");
}

/**
 * `current` with the block of `blockId` replaced by `block` (or removed when
 * undefined); a block not there yet goes at the end. Every other line is kept
 * as it was, including other builds' blocks.
 */
export function mergeCrontab(current: string, blockId: string, block: string | undefined): string {
  const lines = current === "" ? [] : current.replace(/\n$/, "").split("\n");
  const begin = `# >>> bbs schedule ${blockId} >>>`;
  const end = endMarker(blockId);
  const kept: string[] = [];
  let inside = false;
  let insertAt: number | undefined;
  let beganAt = 0;
  for (const [index, line] of lines.entries()) {
    if (!inside && line.startsWith(begin)) {
      beganAt = index + 1;
      inside = true;
      insertAt ??= kept.length;
      continue;
    }
    if (inside) {
      if (line === end) inside = false;
      continue;
    }
    kept.push(line);
  }
  if (inside) {
    // Without its end the block's extent is unknown: dropping "the rest" could delete someone's lines.
    throw new BbsError("BBS_INPUT_INVALID", `the crontab has "${begin}" on line ${beganAt} but no "${end}"`, {
      hint: "fix the crontab by hand (`crontab -e`): add the end marker after bbs's lines or remove the begin marker, then install again",
    });
  }
  if (block !== undefined) {
    const at = insertAt ?? kept.length;
    kept.splice(at, 0, ...block.split("\n"));
  }
  return kept.length === 0 ? "" : `${kept.join("\n")}\n`;
}
