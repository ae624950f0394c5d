import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  formatBbsDate,
  formatUtcOffset,
  localTimeZone,
  parseBbsDate,
  tryParseBbsDate,
  utcOffsetMinutes,
} from "../../src/util/bbs-date.js";
import { BbsError } from "../../src/util/errors.js";

const instant = new Date("2024-10-24T19:03:12.750Z");

describe("formatBbsDate", () => {
  it("prints BBS's format with a correct offset in many zones", () => {
    expect(formatBbsDate(instant, { timeZone: "America/New_York" })).toBe(
      "2024-10-24 15:03:12 -0400 (Thu, 24 Oct 2024)",
    );
    expect(formatBbsDate(instant, { timeZone: "Europe/Paris" })).toBe("2024-10-24 21:03:12 +0200 (Thu, 24 Oct 2024)");
    expect(formatBbsDate(instant, { timeZone: "UTC" })).toBe("2024-10-24 19:03:12 +0000 (Thu, 24 Oct 2024)");
    expect(formatBbsDate(instant, { timeZone: "Australia/Sydney" })).toBe(
      "2024-10-25 06:03:12 +1100 (Fri, 25 Oct 2024)",
    );
    expect(formatBbsDate(instant, { timeZone: "Asia/Kolkata" })).toBe("2024-10-25 00:33:12 +0530 (Fri, 25 Oct 2024)");
    expect(formatBbsDate(instant, { timeZone: "America/St_Johns" })).toBe(
      "2024-10-24 16:33:12 -0230 (Thu, 24 Oct 2024)",
    );
    expect(formatBbsDate(instant, { timeZone: "Pacific/Honolulu" })).toBe(
      "2024-10-24 09:03:12 -1000 (Thu, 24 Oct 2024)",
    );
    expect(formatBbsDate(instant, { timeZone: "Pacific/Kiritimati" })).toBe(
      "2024-10-25 09:03:12 +1400 (Fri, 25 Oct 2024)",
    );
  });

  it("follows daylight saving time", () => {
    const winter = new Date("2024-01-15T12:00:00Z");
    expect(formatBbsDate(winter, { timeZone: "America/New_York" })).toBe(
      "2024-01-15 07:00:00 -0500 (Mon, 15 Jan 2024)",
    );
    expect(formatBbsDate(winter, { timeZone: "Europe/London" })).toBe("2024-01-15 12:00:00 +0000 (Mon, 15 Jan 2024)");
    expect(formatBbsDate(new Date("2024-07-15T12:00:00Z"), { timeZone: "Europe/London" })).toBe(
      "2024-07-15 13:00:00 +0100 (Mon, 15 Jul 2024)",
    );
    // Lord Howe Island shifts by 30 minutes.
    expect(formatBbsDate(winter, { timeZone: "Australia/Lord_Howe" })).toBe(
      "2024-01-15 23:00:00 +1100 (Mon, 15 Jan 2024)",
    );
  });

  it("omits the seconds on request (snapshot date)", () => {
    expect(formatBbsDate(instant, { timeZone: "America/New_York", seconds: false })).toBe(
      "2024-10-24 15:03 -0400 (Thu, 24 Oct 2024)",
    );
  });

  it("prints midnight as 00, never 24", () => {
    expect(formatBbsDate(new Date("2024-03-01T05:00:00Z"), { timeZone: "America/New_York" })).toBe(
      "2024-03-01 00:00:00 -0500 (Fri, 01 Mar 2024)",
    );
  });

  it("agrees with GNU date in the local zone and in $TZ zones", () => {
    for (const zone of ["America/New_York", "Asia/Kathmandu", "Europe/Berlin"]) {
      const expected = execFileSync("date", ["-d", "@1729796592", "+%Y-%m-%d %H:%M:%S %z (%a, %d %b %Y)"], {
        env: { ...process.env, TZ: zone, LC_ALL: "C" },
        encoding: "utf8",
      }).trim();
      expect(formatBbsDate(new Date(1729796592_000), { timeZone: zone })).toBe(expected);
    }
    expect(localTimeZone()).toMatch(/\w/);
    expect(formatBbsDate(instant)).toBe(formatBbsDate(instant, { timeZone: localTimeZone() }));
  });

  it("rejects an unknown time zone with a clear error", () => {
    expect(() => formatBbsDate(instant, { timeZone: "Mars/Olympus" })).toThrow(/unknown time zone "Mars\/Olympus"/);
  });
});

describe("offsets", () => {
  it("formats offsets of any sign and size", () => {
    expect(formatUtcOffset(60)).toBe("+0100");
    expect(formatUtcOffset(-270)).toBe("-0430");
    expect(formatUtcOffset(600)).toBe("+1000");
    expect(formatUtcOffset(0)).toBe("+0000");
    expect(formatUtcOffset(-720)).toBe("-1200");
  });

  it("computes a zone's offset at an instant", () => {
    expect(utcOffsetMinutes(new Date("2024-01-15T12:00:00Z"), "America/New_York")).toBe(-300);
    expect(utcOffsetMinutes(new Date("2024-07-15T12:00:00Z"), "America/New_York")).toBe(-240);
    expect(utcOffsetMinutes(new Date("2024-07-15T12:00:00Z"), "Asia/Kolkata")).toBe(330);
  });
});

describe("parseBbsDate", () => {
  it("round-trips what formatBbsDate prints", () => {
    for (const timeZone of ["America/New_York", "Asia/Kolkata", "Pacific/Kiritimati", "America/St_Johns", "UTC"]) {
      const text = formatBbsDate(instant, { timeZone });
      const parsed = parseBbsDate(text);
      expect(parsed.date.getTime()).toBe(Date.parse("2024-10-24T19:03:12Z"));
      expect(parsed.hasSeconds).toBe(true);
      expect(formatUtcOffset(parsed.offsetMinutes)).toBe(text.split(" ")[2]);
    }
  });

  it("reads dates without seconds", () => {
    const parsed = parseBbsDate("2024-10-24 13:55 -0400 (Thu, 24 Oct 2024)");
    expect(parsed.date.toISOString()).toBe("2024-10-24T17:55:00.000Z");
    expect(parsed.hasSeconds).toBe(false);
  });

  it("reads the offsets BBS's naive formatting wrote", () => {
    expect(parseBbsDate("2024-10-24 15:03:12 -0400 (Thu, 24 Oct 2024)").offsetMinutes).toBe(-240);
    expect(parseBbsDate("2024-10-24 21:03:12 -0-200 (Thu, 24 Oct 2024)").date.toISOString()).toBe(
      "2024-10-24T19:03:12.000Z",
    );
    expect(parseBbsDate("2024-10-24 09:03:12 -01000 (Thu, 24 Oct 2024)").date.toISOString()).toBe(
      "2024-10-24T19:03:12.000Z",
    );
  });

  it("rejects malformed or inconsistent dates, naming where they came from", () => {
    expect(tryParseBbsDate("2024-10-24 15:03:12")).toBeUndefined();
    expect(tryParseBbsDate("2024-10-24 15:03:12 -0400 (Fri, 24 Oct 2024)")).toBeUndefined();
    expect(tryParseBbsDate("2024-02-30 15:03:12 -0400 (Fri, 30 Feb 2024)")).toBeUndefined();
    expect(tryParseBbsDate("2024-10-24 15:03:12 -0400 (Thu, 25 Oct 2024)")).toBeUndefined();
    try {
      parseBbsDate("yesterday", "IRanges.checksrc-summary.dcf, field StartedAt");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(BbsError);
      expect((error as BbsError).code).toBe("BBS_INPUT_INVALID");
      expect((error as BbsError).message).toContain("IRanges.checksrc-summary.dcf, field StartedAt");
    }
  });
});
