// Checks of the `schedule:` section, and the one place a schedule becomes a
// cron expression. The expression is judged by a real cron parser
// (cron-parser), the time zone by the platform's IANA database (Intl): bbs
// parses neither by hand, so what `config check` accepts is what cron runs.

import { CronExpressionParser } from "cron-parser";
import { position, type Entry } from "./layer-file.js";
import type { ConfigProblem } from "./problems.js";
import { SCHEDULED_COMMANDS, type ScheduledCommand } from "./schedule-keys.js";
import type { KeyName } from "./schema.js";

/** A command's schedule, parsed: the normalised cron expression and the fields Task Scheduler needs. */
export interface ParsedSchedule {
  /** Five fields, as cron-parser normalises them (`0 17 * * 0-5`). */
  expression: string;
  hour: number;
  minute: number;
  /** 0 = Sunday ... 6 = Saturday (cron's 7 folded onto 0). */
  daysOfWeek: number[];
  everyDay: boolean;
}

export type ScheduleParse = { ok: true; value: ParsedSchedule } | { ok: false; message: string; hint: string };

/** `17:55` + `sun-fri` -> the cron parser's reading of `55 17 * * sun-fri`. */
export function parseSchedule(time: string, days: string): ScheduleParse {
  const [hour = "", minute = ""] = time.split(":");
  if (days.trim() === "" || /\s/.test(days.trim())) {
    return {
      ok: false,
      message: `days "${days}" must be one cron day-of-week field`,
      hint: "write it without spaces: `*`, `sun-fri`, `1-5` or `mon,wed,fri`",
    };
  }
  const source = `${minute} ${hour} * * ${days.trim()}`;
  try {
    const parsed = CronExpressionParser.parse(source, { strict: false });
    const fields = parsed.fields;
    const hours = fields.hour.values;
    const minutes = fields.minute.values;
    const dow = [...new Set(fields.dayOfWeek.values.map((d) => Number(d) % 7))].sort((a, b) => a - b);
    if (hours.length !== 1 || minutes.length !== 1) {
      return { ok: false, message: `time "${time}" is not one time of day`, hint: 'write e.g. "17:55"' };
    }
    return {
      ok: true,
      value: {
        expression: parsed.stringify(false),
        hour: Number(hours[0]),
        minute: Number(minutes[0]),
        daysOfWeek: dow,
        everyDay: dow.length === 7,
      },
    };
  } catch (error) {
    return {
      ok: false,
      message: `"${time}" on days "${days}" is not a valid schedule: ${error instanceof Error ? error.message : String(error)}`,
      hint: "time is HH:MM (00:00 to 23:59); days is cron's day-of-week field (`*`, `sun-fri`, `1-5`)",
    };
  }
}

/** True when the platform knows the IANA zone. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function timeKey(command: ScheduledCommand): KeyName {
  return `schedule.${command}.time` as KeyName;
}

function daysKey(command: ScheduledCommand): KeyName {
  return `schedule.${command}.days` as KeyName;
}

export function checkScheduleRules(merged: ReadonlyMap<KeyName, Entry>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const zone = merged.get("schedule.timeZone");
  if (zone && typeof zone.value === "string" && !isTimeZone(zone.value)) {
    problems.push({
      file: zone.source,
      ...position(zone),
      key: "schedule.timeZone",
      message: `"${zone.value}" is not a time zone`,
      hint: "use an IANA name such as America/New_York, Europe/Paris or UTC (`timedatectl list-timezones`)",
    });
  }
  for (const command of SCHEDULED_COMMANDS) {
    const time = merged.get(timeKey(command));
    const days = merged.get(daysKey(command));
    if (time === undefined || typeof time.value !== "string" || !/^[0-9]{1,2}:[0-9]{2}$/.test(time.value)) continue;
    const daysText = typeof days?.value === "string" ? days.value : "*";
    const parsed = parseSchedule(time.value, daysText);
    if (!parsed.ok) {
      // Judge the time alone first, so the message points at the key that is wrong.
      const timeAlone = parseSchedule(time.value, "*");
      const blame = timeAlone.ok && days !== undefined ? days : time;
      const key = blame === time ? timeKey(command) : daysKey(command);
      const reason = timeAlone.ok ? parsed : timeAlone;
      if (!reason.ok)
        problems.push({ file: blame.source, ...position(blame), key, message: reason.message, hint: reason.hint });
    }
  }
  return problems;
}
