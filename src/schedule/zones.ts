// Whether two IANA zones keep the same clock: cron and Task Scheduler start a
// task on the node's system clock, so a schedule written for another zone
// would start at the wrong hour (Debian's cron ignores CRON_TZ). Zones are
// compared by their UTC offsets over a year, so aliases (UTC and Etc/UTC,
// US/Eastern and America/New_York) count as the same.

/** The zone this process's clock is in: TZ when set, else the system's. */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

function offsetAt(zone: string, at: Date): string {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" }).formatToParts(at);
  return parts.find((p) => p.type === "timeZoneName")?.value ?? "";
}

/** Same UTC offset on every day of the year after `from` (so DST changes a week apart differ). */
export function sameClock(a: string, b: string, from: Date = new Date()): boolean {
  if (a === b) return true;
  const day = 24 * 3600 * 1000;
  for (let i = 0; i <= 366; i++) {
    const at = new Date(from.getTime() + i * day);
    if (offsetAt(a, at) !== offsetAt(b, at)) return false;
  }
  return true;
}
