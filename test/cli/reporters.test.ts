// One event and reporter model for prerun, run, rerun, postrun and
// propagate: the events of prerun and run as the shared model's records
// (their append-only lines, their NDJSON fields), the terminal views fed the
// same events, and one real `bbs prerun` + `bbs run --stages 2` of a tiny
// package with `--reporter ndjson` (real git, real R).

import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { StatusLineReporter } from "../../src/cli/prerun.js";
import { describePrerunEvent, prerunReportEvent, type PrerunEvent } from "../../src/stages/prerun/progress.js";
import { describeRunEvent, RunEventStream, type RunReportEvent } from "../../src/stages/run/events.js";
import { eventRecord } from "../../src/util/events.js";
import { formatDuration, formatElapsed, logTimestamp } from "../../src/util/log-format.js";
import { CollectingReporter, LineReporter, NdjsonReporter } from "../../src/util/reporters.js";
import { materializeScenario, runScenario } from "../fixtures/scenarios.js";
import { writeTestConfig, type TestConfig } from "../fixtures/test-config.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { makeCli } from "../stages/run/helpers.js";

const at = new Date(2026, 10, 21, 13, 55, 2);

describe("one duration format", () => {
  it("runs, steps and waits read 42s / 3m05s; single jobs and operations 1.5 s / 2 min 5 s", () => {
    expect([formatDuration(0.4), formatDuration(185)]).toEqual(["0s", "3m05s"]);
    expect([formatElapsed(0.44), formatElapsed(59.94), formatElapsed(125), formatElapsed(119.6)]).toEqual([
      "0.4 s",
      "59.9 s",
      "2 min 5 s",
      "2 min 0 s",
    ]);
  });
});

describe("prerun's events", () => {
  const events: PrerunEvent[] = [
    { type: "run-started", at, runId: "r1", runDir: "/c/r1", snapshotDate: "2026-11-21" },
    { type: "step-started", at, step: "sources" },
    { type: "package", at, step: "sources", package: "a", status: "cloned", detail: "1a2b3c4", done: 1, total: 12 },
    {
      type: "package",
      at,
      step: "sources",
      package: "b",
      status: "failed",
      detail: "(no such repo)",
      done: 2,
      total: 12,
    },
    { type: "note", at, step: "sources", level: "warning", message: "1 package failed" },
    { type: "step-finished", at, step: "sources", seconds: 185, summary: "1 cloned, 1 failed" },
    { type: "run-finished", at, runId: "r1", seconds: 190, summary: "prepared" },
  ];

  it("print as `[step] ...` lines, and as records of the shared model with the event's fields", () => {
    const collected = new CollectingReporter(describePrerunEvent);
    for (const event of events) collected.emit(prerunReportEvent(event));
    expect(collected.lines).toEqual([
      "[prerun] run r1 in /c/r1, snapshot 2026-11-21",
      "[sources] started",
      "[sources] ( 1/12) a: cloned 1a2b3c4",
      "[sources] ( 2/12) b: failed (no such repo)",
      "[sources] warning: 1 package failed",
      "[sources] done in 3m05s: 1 cloned, 1 failed",
      "[prerun] run r1 prepared in 3m10s",
    ]);
    expect(collected.events.map((event) => event.kind)).toEqual([
      "run-start",
      "step-start",
      "package",
      "package",
      "note",
      "step-end",
      "run-end",
    ]);
    expect(eventRecord(collected.events[2] as (typeof collected.events)[number])).toEqual({
      at: at.toISOString(),
      command: "prerun",
      kind: "package",
      level: "info",
      step: "sources",
      message: "( 1/12) a: cloned 1a2b3c4",
      package: "a",
      status: "cloned",
      detail: "1a2b3c4",
      done: 1,
      total: 12,
    });
  });

  it("on a terminal: one status line rewritten per package, failures and the rest printed", () => {
    let screen = "";
    const view = new StatusLineReporter(
      (text) => (screen += text),
      () => 80,
    );
    for (const event of events.slice(1, 4)) view.emit(prerunReportEvent(event));
    view.close();
    const time = logTimestamp(at).slice(11);
    expect(screen).toBe(
      `${time} [sources] started\n` +
        `${time} [sources] ( 1/12) a: cloned 1a2b3c4` +
        "\r\x1b[K" +
        `${time} [sources] ( 2/12) b: failed (no such repo)\n`,
    );
  });
});

describe("run's events", () => {
  it("a waiting builder and a note: lines with the shared duration format, NDJSON with their fields", () => {
    const collected = new CollectingReporter(describeRunEvent);
    let ndjson = "";
    const ndjsonReporter = new NdjsonReporter<RunReportEvent>((text) => (ndjson += text));
    const stream = new RunEventStream({
      emit: (event) => {
        collected.emit(event);
        ndjsonReporter.emit(event);
      },
      close: () => undefined,
    });
    stream.onEvent({ type: "waiting", at, reason: "run.json does not exist", waitedSeconds: 65, nextInSeconds: 30 });
    stream.onEvent({ type: "note", at, level: "warning", message: "took over the lock" });
    stream.onEvent({ type: "stage-done", at, stage: "checksrc" });
    stream.finish(undefined);
    expect(collected.lines).toEqual([
      "waiting for the target repo: run.json does not exist; next look in 30s (waited 1m05s)",
      "warning: took over the lock",
      "CHECK done",
    ]);
    const records = ndjson
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records[0]).toEqual({
      at: at.toISOString(),
      command: "run",
      kind: "waiting",
      level: "info",
      message: "waiting for the target repo: run.json does not exist; next look in 30s (waited 1m05s)",
      reason: "run.json does not exist",
      waitedSeconds: 65,
      nextInSeconds: 30,
    });
    expect(records[2]).toMatchObject({ kind: "step-end", step: "CHECK", message: "done" });
  });

  it("append-only stamps every line of a multi-line event", () => {
    let out = "";
    const reporter = new LineReporter<RunReportEvent>(describeRunEvent, (text) => (out += text));
    reporter.emit({ at, command: "run", kind: "note", level: "info", message: "one\ntwo" });
    expect(out).toBe(`${logTimestamp(at)} one\n${logTimestamp(at)} two\n`);
  });
});

describe("bbs prerun and bbs run --reporter ndjson on a tiny package (real git and R)", () => {
  const dirs = useTempDirs();
  let config: TestConfig;

  beforeAll(async () => {
    const root = await dirs.make("reporters-cli");
    const scenario = runScenario();
    const one = { ...scenario, packages: scenario.packages.filter((pkg) => pkg.name === "runOk"), manifest: ["runOk"] };
    const { server } = await materializeScenario(one, join(root, "fixture"));
    config = writeTestConfig({ workDir: join(root, "work"), gitServer: server });
  });

  function records(stdout: string): Array<Record<string, unknown>> {
    return stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  it("prints nothing but JSON records with the shared fields, prerun and run alike", async () => {
    const cli = makeCli(config);
    const prerun = await cli.run(["prerun", "--reporter", "ndjson"]);
    expect(prerun.exitCode, prerun.all).toBe(0);
    const prerunRecords = records(prerun.stdout);
    for (const record of prerunRecords) {
      expect(Object.keys(record).slice(0, 4)).toEqual(["at", "command", "kind", "level"]);
      expect(record["command"]).toBe("prerun");
    }
    expect(prerunRecords.slice(0, 2).map((record) => record["kind"])).toEqual(["step-start", "run-start"]); // manifest first
    expect(prerunRecords.at(-1)).toMatchObject({ kind: "run-end" });
    expect(prerunRecords).toContainEqual(
      expect.objectContaining({ kind: "package", step: "sources", package: "runOk", done: 1, total: 1 }),
    );

    const run = await cli.run(["run", "--stages", "2", "--reporter", "ndjson"]);
    expect(run.exitCode, run.all).toBe(0);
    const runRecords = records(run.stdout);
    for (const record of runRecords) expect(record["command"]).toBe("run");
    const kinds = runRecords.map((record) => record["kind"]);
    expect(kinds[0]).toBe("run-start");
    expect(kinds).toContain("estimate");
    expect(kinds.at(-1)).toBe("run-end");
    expect(runRecords).toContainEqual(
      expect.objectContaining({ kind: "job-start", level: "debug", step: "INSTALL", package: "runOk" }),
    );
    expect(runRecords).toContainEqual(
      expect.objectContaining({
        kind: "job-end",
        level: "info",
        step: "INSTALL",
        job: "install:runOk",
        package: "runOk",
        version: "1.0.0",
        status: "OK",
        done: 1,
        total: 1,
      }),
    );
    expect(runRecords.at(-1)).toMatchObject({ counts: { INSTALL: { OK: 1 } }, survivors: 0 });
  });

  it("CI set: append-only lines; an unknown --reporter is a usage error naming the choices, before any work", async () => {
    const cli = makeCli(config);
    const again = await cli.run(["run", "--stages", "2"], { env: { CI: "true" } });
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stdout).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} run \d{8}-\d{6} \(/);
    expect(again.stdout).toMatch(/\[INSTALL\] runOk 1\.0\.0: OK \(\d+\.\d s\) {2}\[INSTALL 1\/1\]/);
    for (const command of [["run"], ["prerun"], ["rerun", "runOk"], ["postrun"], ["propagate"]]) {
      const bad = await cli.run([...command, "--reporter", "fancy"]);
      expect(bad.exitCode, command.join(" ")).toBe(2);
      expect(bad.stderr).toContain('error[BBS_USAGE]: unknown reporter "fancy" (--reporter)');
      expect(bad.stderr).toContain("hint: choose one of default, append-only, ndjson");
    }
  });
});
