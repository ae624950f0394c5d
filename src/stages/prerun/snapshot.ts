// The snapshot: the moment prerun takes the sources (BBS's "snapshot date",
// printed in gitlog/git-log.dcf) and, with `--snapshot-date`, the cutoff
// before which each package's last commit is taken (BBS meant to do that
// and never did: it merged whatever the branch head was).

import { formatBbsDate, tryParseBbsDate } from "../../util/bbs-date.js";
import { BbsError } from "../../util/errors.js";

export interface Snapshot {
  /** When the sources were taken, or the cutoff. */
  time: Date;
  /** The `--snapshot-date` cutoff, if any. */
  cutoff?: Date;
}

/** BBS's snapshot date text, without seconds: `2024-10-24 13:55 -0400 (Thu, 24 Oct 2024)` (local time). */
export function formatSnapshotDate(time: Date): string {
  return formatBbsDate(time, { seconds: false });
}

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const ZONED_ISO = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/**
 * Parses a `--snapshot-date` value: `YYYY-MM-DD` (midnight), `YYYY-MM-DD HH:MM[:SS]`
 * (both in the local time zone), ISO 8601 with `Z` or an offset, or a BBS date
 * (`2024-10-24 13:55 -0400 (Thu, 24 Oct 2024)`, as in git-log.dcf).
 */
export function parseSnapshotDate(text: string): Date {
  const value = text.trim();
  const local = LOCAL_DATE.exec(value);
  if (local !== null) {
    const [, y, mo, d, h = "0", mi = "0", s = "0"] = local;
    const date = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
    if (date.getFullYear() === Number(y) && date.getMonth() === Number(mo) - 1 && date.getDate() === Number(d))
      return date;
  } else if (ZONED_ISO.test(value)) {
    const date = new Date(value.replace(" ", "T"));
    if (!Number.isNaN(date.getTime())) return date;
  } else {
    const bbs = tryParseBbsDate(value);
    if (bbs !== undefined) return bbs.date;
  }
  throw new BbsError("BBS_USAGE", `--snapshot-date: "${text}" is not a date`, {
    hint: 'give "YYYY-MM-DD", "YYYY-MM-DD HH:MM" (local time), ISO 8601 with an offset ("2024-10-24T13:55:00-04:00") or a BBS date',
  });
}
