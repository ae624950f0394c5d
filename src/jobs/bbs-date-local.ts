// TEMPORARY: to be replaced by src/util/bbs-date.ts (formatBbsDate) at merge
// time. A minimal local copy so the job files can be written before that
// module lands; nothing outside src/jobs/ may import it.
//
// BBS's date format: `2024-10-24 15:03:12 -0400 (Thu, 24 Oct 2024)`, in the
// local time of the machine. BBS printed the offset as `-0` + hours west of
// UTC + `00` (wrong east of UTC, at >= 10 h, and for half-hour zones); this
// prints the real offset, `+0100`, `+0530`, `-1000`.

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;

function pad2(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

/** `-0400`-style offset of `date` in the process's time zone (DST-aware). */
function utcOffset(date: Date): string {
  const minutesEast = -date.getTimezoneOffset();
  const sign = minutesEast < 0 ? "-" : "+";
  const absolute = Math.abs(minutesEast);
  return `${sign}${pad2(Math.floor(absolute / 60))}${pad2(absolute % 60)}`;
}

/** Formats `date` as BBS does, with a correct UTC offset. */
export function formatBbsDate(date: Date): string {
  const day = `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())}`;
  const time = `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
  const weekday = WEEKDAYS[date.getDay()] ?? "";
  const month = MONTHS[date.getMonth()] ?? "";
  return `${day} ${time} ${utcOffset(date)} (${weekday}, ${pad2(date.getDate())} ${month} ${date.getFullYear()})`;
}

const BBS_DATE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?::(\d{2}))? ([+-])(\d{2})(\d{2})\b/;

/** Parses a BBS date back to an instant; undefined when `text` is not one. */
export function parseBbsDate(text: string): Date | undefined {
  const match = BBS_DATE.exec(text.trim());
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, sign, offsetHours, offsetMinutes] = match;
  const offset = (Number(offsetHours) * 60 + Number(offsetMinutes)) * (sign === "-" ? -1 : 1);
  const utc = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second ?? 0));
  return new Date(utc - offset * 60_000);
}
