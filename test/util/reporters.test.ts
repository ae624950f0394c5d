// The shared reporters, fed one recorded sequence of events: what each one
// prints (append-only lines, plain lines, NDJSON records, a log file, a
// collection), and which one a command picks when none is asked for.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  chooseReporter,
  eventRecord,
  levelPrefix,
  parseReporterName,
  underCi,
  type EventBase,
} from "../../src/util/events.js";
import { logTimestamp } from "../../src/util/log-format.js";
import { CollectingReporter, fanOut, fileReporter, LineReporter, NdjsonReporter } from "../../src/util/reporters.js";

interface TestEvent extends EventBase {
  readonly command: "run";
  readonly package?: string;
  readonly finishedAt?: Date;
}

const at = new Date(2026, 10, 21, 13, 55, 2);
const recorded: TestEvent[] = [
  { at, command: "run", kind: "run-start", level: "info", message: "run r: 2 target packages" },
  { at, command: "run", kind: "job-start", level: "debug", step: "CHECK", message: "a started", package: "a" },
  {
    at,
    command: "run",
    kind: "job-end",
    level: "info",
    step: "CHECK",
    message: "a: OK",
    package: "a",
    finishedAt: new Date(Date.UTC(2026, 10, 21, 12, 55, 3)),
  },
  { at, command: "run", kind: "note", level: "warning", message: "something odd" },
  { at, command: "run", kind: "note", level: "error", message: "something broke" },
  { at, command: "run", kind: "summary", level: "info", message: "run r finished\n  CHECK OK 1" },
];

const describeEvent = (event: TestEvent): string =>
  `${event.step === undefined ? "" : `[${event.step}] `}${levelPrefix(event.level)}${event.message}`;

function replay(reporter: { emit(event: TestEvent): void; close(): void }): void {
  for (const event of recorded) reporter.emit(event);
  reporter.close();
}

const stamp = logTimestamp(at);
const expectedLines = [
  "run r: 2 target packages",
  "[CHECK] a: OK",
  "warning: something odd",
  "error: something broke",
  "run r finished",
  "  CHECK OK 1",
];

describe("append-only", () => {
  it("prints one line per event (each line of a multi-line one), stamped with the event's local time, debug left out", () => {
    let out = "";
    replay(new LineReporter(describeEvent, (text) => (out += text)));
    expect(out).toBe(expectedLines.map((line) => `${stamp} ${line}\n`).join(""));
    expect(stamp).toBe("2026-11-21 13:55:02");
  });

  it("without timestamps, warnings and errors on their own stream (propagate's plain lines)", () => {
    let out = "";
    let err = "";
    replay(
      new LineReporter(describeEvent, (text) => (out += text), { timestamps: false, errors: (text) => (err += text) }),
    );
    expect(out.split("\n")).toEqual([
      "run r: 2 target packages",
      "[CHECK] a: OK",
      "run r finished",
      "  CHECK OK 1",
      "",
    ]);
    expect(err).toBe("warning: something odd\nerror: something broke\n");
  });
});

describe("ndjson", () => {
  it("one JSON object per event and line, debug included, stable field names, dates in ISO 8601 UTC", () => {
    let out = "";
    replay(new NdjsonReporter((text) => (out += text)));
    const lines = out.trimEnd().split("\n");
    expect(lines).toHaveLength(recorded.length);
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records[2]).toEqual({
      at: at.toISOString(),
      command: "run",
      kind: "job-end",
      level: "info",
      step: "CHECK",
      message: "a: OK",
      package: "a",
      finishedAt: "2026-11-21T12:55:03.000Z",
    });
    expect(Object.keys(records[0] ?? {})).toEqual(["at", "command", "kind", "level", "message"]);
    expect(records.map((record) => record["kind"])).toEqual(recorded.map((event) => event.kind));
    expect(eventRecord(recorded[3] as TestEvent)).toEqual(records[3]);
  });
});

describe("file and collection", () => {
  const dir = mkdtempSync(join(tmpdir(), "bbs-reporters-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("the file sink appends the append-only lines; a fan-out feeds every reporter in order", () => {
    const path = join(dir, "sub", "command.log");
    const collected = new CollectingReporter(describeEvent);
    replay(fanOut(fileReporter(path, describeEvent), collected));
    replay(fileReporter(path, describeEvent)); // appended, not replaced
    const expected = expectedLines.map((line) => `${stamp} ${line}\n`).join("");
    expect(readFileSync(path, "utf8")).toBe(expected + expected);
    expect(collected.events).toEqual(recorded);
    expect(collected.lines).toEqual(expectedLines);
    expect(collected.warnings).toEqual(["something odd"]);
  });
});

describe("choosing a reporter", () => {
  it("default on a terminal; append-only off a terminal or under CI; the one asked for otherwise", () => {
    expect(chooseReporter(undefined, { isTTY: true, env: {} })).toBe("default");
    expect(chooseReporter(undefined, { isTTY: false, env: {} })).toBe("append-only");
    expect(chooseReporter(undefined, { isTTY: true, env: { CI: "true" } })).toBe("append-only");
    expect(chooseReporter(undefined, { isTTY: true, env: { CI: "1" } })).toBe("append-only");
    expect(chooseReporter(undefined, { isTTY: true, env: { CI: "false" } })).toBe("default");
    expect(chooseReporter("default", { isTTY: false, env: { CI: "true" } })).toBe("default");
    expect(chooseReporter("ndjson", { isTTY: true, env: {} })).toBe("ndjson");
    expect([underCi({ CI: "" }), underCi({ CI: "0" }), underCi({}), underCi({ CI: "yes" })]).toEqual([
      false,
      false,
      false,
      true,
    ]);
  });

  it("an unknown name is a usage error naming the choices", () => {
    expect(() => parseReporterName("fancy")).toThrow(
      expect.objectContaining({
        code: "BBS_USAGE",
        message: 'unknown reporter "fancy" (--reporter)',
        hint: "choose one of default, append-only, ndjson",
      }),
    );
  });
});
