// BBS's date format, used in summary .dcf files (StartedAt/EndedAt), gitlog
// files (Snapshot Date, git_last_commit_date) and BBS_EndOfRun.txt:
//
//   2024-10-24 15:03:12 -0400 (Thu, 24 Oct 2024)      with seconds
//   2024-10-24 15:03 -0400 (Thu, 24 Oct 2024)         without seconds (snapshot date)
//
// The wall-clock time is in a given IANA time zone (builds run in
// America/New_York). BBS printed the offset as "-0" + whole hours west + "00",
// which is wrong east of UTC, for half-hour zones and for offsets >= 10 h; here
// the offset is the real one, sign and minutes included (+0100, -0430, +1000).
// Intl does the time-zone arithmetic; weekday and month names are the C
// locale's English abbreviations whatever the process locale.

import { BbsError } from "./errors.js";

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;

export interface BbsDateOptions {
  /** IANA time zone of the printed wall-clock time (default: the process's local zone). */
  timeZone?: string;
  /** Print `:SS` after the minutes (default true; the snapshot date has none). */
  seconds?: boolean;
}

/** A BBS date read back from a file. */
export interface BbsDate {
  /** The instant (seconds precision, or minutes when the text had no seconds). */
  date: Date;
  /** The UTC offset printed in the text, in minutes east of UTC (`-0400` is -240). */
  offsetMinutes: number;
  hasSeconds: boolean;
}

let cachedZone: { readonly tz: string | undefined; readonly zone: string } | undefined;

/**
 * The process's local IANA time zone (honours $TZ). Cached, keyed by $TZ:
 * resolving it builds an Intl.DateTimeFormat, which costs more than the rest
 * of formatting one date, and a night formats thousands.
 */
export function localTimeZone(): string {
  const tz = process.env.TZ;
  if (cachedZone === undefined || cachedZone.tz !== tz)
    cachedZone = { tz, zone: new Intl.DateTimeFormat().resolvedOptions().timeZone };
  return cachedZone.zone;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      });
    } catch (error) {
      throw new BbsError("BBS_CONFIG_INVALID", `unknown time zone "${timeZone}"`, {
        hint: 'use an IANA time zone name such as "America/New_York", "Europe/Paris" or "UTC"',
        cause: error,
      });
    }
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

interface WallClock {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(date: Date, timeZone: string): WallClock {
  const wall: WallClock = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatterFor(timeZone).formatToParts(date)) {
    if (part.type === "year" || part.type === "month" || part.type === "day") wall[part.type] = Number(part.value);
    else if (part.type === "hour" || part.type === "minute" || part.type === "second")
      wall[part.type] = Number(part.value);
  }
  return wall;
}

function wallClockAsUtcMillis(wall: WallClock): number {
  const millis = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  // Date.UTC maps years 0-99 to 1900-1999; set the year explicitly.
  const date = new Date(millis);
  date.setUTCFullYear(wall.year);
  return date.getTime();
}

/** Wall-clock time of `date` (truncated to whole seconds) in `timeZone`, and the zone's offset then. */
function zoned(date: Date, timeZone: string): { wall: WallClock; offsetMinutes: number } {
  const wholeSeconds = Math.floor(date.getTime() / 1000) * 1000;
  const wall = wallClock(new Date(wholeSeconds), timeZone);
  return { wall, offsetMinutes: Math.round((wallClockAsUtcMillis(wall) - wholeSeconds) / 60_000) };
}

/** Offset of `timeZone` from UTC at `date`, in minutes east of UTC (New York in winter: -300). */
export function utcOffsetMinutes(date: Date, timeZone: string = localTimeZone()): number {
  return zoned(date, timeZone).offsetMinutes;
}

/** `+HHMM` / `-HHMM` for an offset in minutes east of UTC: 60 -> `+0100`, -270 -> `-0430`. */
export function formatUtcOffset(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? "-" : "+";
  const absolute = Math.abs(offsetMinutes);
  return `${sign}${pad2(Math.floor(absolute / 60))}${pad2(absolute % 60)}`;
}

function pad2(value: number): string {
  return String(value).padStart(2, "0");
}

function pad4(value: number): string {
  return String(value).padStart(4, "0");
}

/**
 * Formats `date` as BBS does: `%Y-%m-%d %H:%M[:%S] <offset> (%a, %d %b %Y)`, in
 * `options.timeZone` (default: the local zone), with a correct UTC offset.
 */
export function formatBbsDate(date: Date, options: BbsDateOptions = {}): string {
  if (Number.isNaN(date.getTime())) throw new BbsError("BBS_INTERNAL", "formatBbsDate: invalid Date");
  const { wall, offsetMinutes: offset } = zoned(date, options.timeZone ?? localTimeZone());
  const weekday = WEEKDAYS[new Date(wallClockAsUtcMillis(wall)).getUTCDay()];
  const month = MONTHS[wall.month - 1];
  const time = `${pad2(wall.hour)}:${pad2(wall.minute)}${options.seconds === false ? "" : `:${pad2(wall.second)}`}`;
  return (
    `${pad4(wall.year)}-${pad2(wall.month)}-${pad2(wall.day)} ${time} ${formatUtcOffset(offset)} ` +
    `(${weekday}, ${pad2(wall.day)} ${month} ${pad4(wall.year)})`
  );
}

// The offset is `+HHMM`/`-HHMM`, or what BBS's naive formatting wrote: "-0" +
// hours west + "00" (`-0400`, but `-0-100` east of UTC and `-01000` at 10 h).
const BBS_DATE_RE =
  /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?::(\d{2}))? (?:([+-])(\d{2})(\d{2})|-0(-?\d{1,2})00) \(([A-Z][a-z]{2}), (\d{2}) ([A-Z][a-z]{2}) (\d{4})\)$/;

/**
 * Reads a BBS date back, or returns undefined when `text` is not one. Accepts
 * the offsets written by BBS's naive formatting as well as correct ones.
 */
export function tryParseBbsDate(text: string): BbsDate | undefined {
  const match = BBS_DATE_RE.exec(text.trim());
  if (match === null) return undefined;
  const [, y, mo, d, h, mi, s, sign, oh, om, legacyWest, weekdayName, d2, monthName, y2] = match;
  const wall: WallClock = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h),
    minute: Number(mi),
    second: s === undefined ? 0 : Number(s),
  };
  if (wall.month < 1 || wall.month > 12 || wall.hour > 23 || wall.minute > 59 || wall.second > 60) return undefined;
  const offsetMinutes =
    legacyWest !== undefined ? -Number(legacyWest) * 60 : (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om));
  const wallMillis = wallClockAsUtcMillis(wall);
  const wallDate = new Date(wallMillis);
  // The parenthesised date repeats the wall-clock date: a mismatch means a corrupt value.
  if (wallDate.getUTCDate() !== wall.day) return undefined;
  if (Number(d2) !== wall.day || Number(y2) !== wall.year || MONTHS[wall.month - 1] !== monthName) return undefined;
  if (WEEKDAYS[wallDate.getUTCDay()] !== weekdayName) return undefined;
  return { date: new Date(wallMillis - offsetMinutes * 60_000), offsetMinutes, hasSeconds: s !== undefined };
}

/**
 * Reads a BBS date back. Throws BBS_INPUT_INVALID naming `where` (e.g.
 * `"IRanges.checksrc-summary.dcf, field StartedAt"`) when `text` is not one.
 */
export function parseBbsDate(text: string, where = "date"): BbsDate {
  const parsed = tryParseBbsDate(text);
  if (parsed === undefined) {
    throw new BbsError("BBS_INPUT_INVALID", `${where}: "${text}" is not a BBS date`, {
      hint: 'expected "YYYY-MM-DD HH:MM[:SS] +HHMM (Day, DD Mon YYYY)", e.g. "2024-10-24 15:03:12 -0400 (Thu, 24 Oct 2024)"',
    });
  }
  return parsed;
}
