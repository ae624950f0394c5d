// The SQLite history with real SQLite files: schema migrations, job
// attempts across a resume, the scheduler's duration estimates, the
// report's queries, a reader alongside a writer, and a writer killed -9.

import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NdjsonWriter, readNdjson } from "../../src/history/ndjson.js";
import { HistoryStore, RESULTS_RUN_KIND } from "../../src/history/store.js";
import { MIGRATIONS } from "../../src/history/schema.js";
import { tempDir } from "../jobs/helpers.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

function day(n: number): Date {
  return new Date(Date.UTC(2024, 9, n, 22, 0, 0));
}

/** Runs r1..rN on node n1: package P's install statuses given in order. */
function fillHistory(
  store: HistoryStore,
  statuses: readonly string[],
  elapsed: (index: number) => number = (index) => 10 + index,
): void {
  statuses.forEach((status, index) => {
    const runId = `r${index + 1}`;
    store.beginRun({ runId, node: "n1", kind: "run", startedAt: day(index + 1) });
    const row = store.startJob({
      runId,
      node: "n1",
      stage: "install",
      package: "P",
      version: "1.0",
      startedAt: day(index + 1),
    });
    store.finishJob(row, {
      endedAt: day(index + 1),
      elapsedSeconds: elapsed(index),
      retCode: status === "TIMEOUT" ? null : 0,
      status,
    });
    store.endRun(runId, "finished", day(index + 1));
  });
}

describe("HistoryStore", () => {
  it("creates the schema once, refuses a newer one and read-only opens of a missing file", () => {
    const dir = tempDir();
    const path = join(dir, "sub", "history.sqlite");
    const store = HistoryStore.open(path);
    expect(store.schemaVersion).toBe(MIGRATIONS.length);
    store.close();
    const again = HistoryStore.open(path);
    expect(again.schemaVersion).toBe(MIGRATIONS.length);
    again.close();
    const raw = new Database(path);
    raw.pragma("user_version = 99");
    raw.close();
    expect(() => HistoryStore.open(path)).toThrow(/schema version 99, newer than this bbs knows/);
    expect(() => HistoryStore.open(join(dir, "absent.sqlite"), { readonly: true })).toThrow(
      /cannot open the history database/,
    );
  });

  it("records runs and job attempts; a resume after a crash is a new attempt", () => {
    const store = HistoryStore.open(join(tempDir(), "h.sqlite"));
    store.beginRun({
      runId: "run-1",
      node: "n1",
      kind: "run",
      startedAt: day(1),
      schedule: "pipeline",
      configDigest: "abc",
    });
    const a = store.startJob({ runId: "run-1", node: "n1", stage: "install", package: "A", startedAt: day(1) });
    store.finishJob(a, { endedAt: day(1), elapsedSeconds: 12.5, retCode: 0, status: "OK" });
    store.describeJob(a, { command: "R CMD INSTALL A", version: "1.2.3" });
    store.startJob({ runId: "run-1", node: "n1", stage: "checksrc", package: "A", startedAt: day(1) });
    // crash here; then `bbs run --resume`:
    expect(store.markInterrupted("run-1")).toBe(1);
    expect(store.run("run-1")?.state).toBe("interrupted");
    store.beginRun({ runId: "run-1", node: "n1", kind: "run", startedAt: day(1) });
    expect(store.run("run-1")).toMatchObject({ state: "running", configDigest: "abc" });
    const retry = store.startJob({ runId: "run-1", node: "n1", stage: "checksrc", package: "A", startedAt: day(1) });
    store.finishJob(retry, { endedAt: day(1), elapsedSeconds: 3, retCode: null, status: "TIMEOUT" });
    store.endRun("run-1", "finished", day(1));
    const jobs = store.jobs("run-1");
    expect(jobs.map((job) => [job.stage, job.attempt, job.status, job.retCode])).toEqual([
      ["install", 1, "OK", 0],
      ["checksrc", 1, "interrupted", null],
      ["checksrc", 2, "TIMEOUT", null],
    ]);
    expect(jobs[0]).toMatchObject({ command: "R CMD INSTALL A", version: "1.2.3", elapsedSeconds: 12.5 });
    expect(store.runs({ node: "n1" }).map((run) => run.state)).toEqual(["finished"]);
    store.close();
  });

  it("estimates durations as the median of the last finished attempts", () => {
    const store = HistoryStore.open(join(tempDir(), "h.sqlite"));
    fillHistory(
      store,
      ["OK", "OK", "ERROR", "TIMEOUT", "OK", "OK", "OK"],
      (index) => [100, 100, 1, 2, 3, 4, 5][index] ?? 0,
    );
    store.beginRun({ runId: "r8", node: "n1", kind: "run", startedAt: day(8) });
    store.startJob({ runId: "r8", node: "n1", stage: "install", package: "P", startedAt: day(8) }); // still running: ignored
    const estimates = store.durationEstimates("n1", "install");
    expect(estimates.get("P")).toBe(3); // median of 1,2,3,4,5 (the last five)
    expect(store.durationEstimates("n1", "install", { window: 2 }).get("P")).toBe(4.5);
    expect(store.durationEstimates("n2", "install").size).toBe(0);
    store.close();
  });

  it("answers the report's questions: last N statuses, failing since", () => {
    const store = HistoryStore.open(join(tempDir(), "h.sqlite"));
    fillHistory(store, ["OK", "ERROR", "OK", "ERROR", "TIMEOUT", "ERROR"]);
    const lastThree = store.packageStatuses("P", { node: "n1", lastRuns: 3 });
    expect(lastThree.map((entry) => [entry.runId, entry.status])).toEqual([
      ["r6", "ERROR"],
      ["r5", "TIMEOUT"],
      ["r4", "ERROR"],
    ]);
    expect(store.failingSince("P", "n1", "install")?.runId).toBe("r4");
    store.beginRun({ runId: "r7", node: "n1", kind: "run", startedAt: day(7) });
    const row = store.startJob({ runId: "r7", node: "n1", stage: "install", package: "P", startedAt: day(7) });
    store.finishJob(row, { endedAt: day(7), elapsedSeconds: 1, retCode: 0, status: "WARNINGS" });
    expect(store.failingSince("P", "n1", "install")).toBeUndefined();
    expect(store.failingSince("nobody", "n1", "install")).toBeUndefined();
    store.close();
  });

  it("records a whole run at once; importing it again replaces its rows", () => {
    const store = HistoryStore.open(join(tempDir(), "h.sqlite"));
    const run = {
      runId: "20241001-220000@n1",
      node: "n1",
      kind: RESULTS_RUN_KIND,
      startedAt: day(1),
      state: "finished" as const,
    };
    store.recordRun(run, [
      {
        stage: "install",
        package: "P",
        status: "OK",
        startedAt: day(1),
        endedAt: day(1),
        elapsedSeconds: 4,
        retCode: 0,
        version: "1.0",
      },
      { stage: "checksrc", package: "P", status: "skipped", startedAt: day(1) },
    ]);
    store.recordRun({ ...run, state: "unfinished" }, [
      { stage: "install", package: "P", status: "ERROR", startedAt: day(1), retCode: 1 },
    ]);
    expect(store.run(run.runId)).toMatchObject({ kind: "postrun", state: "unfinished", node: "n1" });
    expect(store.jobs(run.runId).map((job) => [job.stage, job.status, job.attempt])).toEqual([["install", "ERROR", 1]]);
    // Imported copies never feed the scheduler's estimates.
    expect(store.durationEstimates("n1", "install").size).toBe(0);
    store.close();
  });

  it("answers fixed since and new problems since the previous run", () => {
    const store = HistoryStore.open(join(tempDir(), "h.sqlite"));
    fillHistory(store, ["OK", "ERROR", "TIMEOUT", "OK", "WARNINGS"]);
    expect(store.fixedSince("P", "n1", "install")?.runId).toBe("r4");
    expect(store.failingSince("P", "n1", "install")).toBeUndefined();
    const neverFailed = HistoryStore.open(join(tempDir(), "h2.sqlite"));
    fillHistory(neverFailed, ["OK", "OK"]);
    expect(neverFailed.fixedSince("P", "n1", "install")).toBeUndefined();
    neverFailed.close();

    const cells = (runId: string, at: Date, statuses: Record<string, string>): void =>
      store.recordRun(
        { runId, node: "n2", kind: RESULTS_RUN_KIND, startedAt: at, state: "finished" },
        Object.entries(statuses).map(([pkg, status]) => ({ stage: "checksrc", package: pkg, status, startedAt: at })),
      );
    cells("a@n2", day(10), { A: "OK", B: "ERROR", C: "OK" });
    cells("b@n2", day(11), { A: "ERROR", B: "TIMEOUT", C: "WARNINGS", D: "ERROR" });
    expect(store.newProblems("b@n2")).toEqual([
      { package: "A", stage: "checksrc", status: "ERROR", previousStatus: "OK" },
      { package: "D", stage: "checksrc", status: "ERROR", previousStatus: undefined },
    ]);
    expect(store.newProblems("a@n2")).toEqual([]); // nothing to compare with
    expect(store.newProblems("unknown")).toEqual([]);
    expect(store.fixedSince("B", "n2", "checksrc", { kind: RESULTS_RUN_KIND })).toBeUndefined();
    expect(store.failingSince("B", "n2", "checksrc", { kind: RESULTS_RUN_KIND })?.runId).toBe("a@n2");
    store.close();
  });

  it("a reader sees committed data while a writer is inside a transaction", () => {
    const path = join(tempDir(), "h.sqlite");
    const writer = HistoryStore.open(path);
    fillHistory(writer, ["OK"]);
    const raw = new Database(path);
    raw.prepare("BEGIN IMMEDIATE").run();
    raw.prepare("UPDATE jobs SET status = 'ERROR'").run();
    const reader = HistoryStore.open(path, { readonly: true });
    expect(reader.packageStatuses("P").map((entry) => entry.status)).toEqual(["OK"]);
    raw.prepare("COMMIT").run();
    expect(reader.packageStatuses("P").map((entry) => entry.status)).toEqual(["ERROR"]);
    reader.close();
    raw.close();
    writer.close();
  });
});

describe("crash safety (kill -9 of a writer)", () => {
  let build: string;
  beforeAll(() => {
    mkdirSync(join(REPO, "test-artifacts"), { recursive: true });
    build = mkdtempSync(join(REPO, "test-artifacts", "crash-build-"));
    writeFileSync(join(build, "package.json"), '{"type":"module"}\n');
    const compiled = spawnSync(
      join(REPO, "node_modules", ".bin", "tsc"),
      [
        "--outDir",
        build,
        "--rootDir",
        REPO,
        "--module",
        "nodenext",
        "--moduleResolution",
        "nodenext",
        "--target",
        "es2022",
        "--skipLibCheck",
        "--types",
        "node",
        "--strict",
        join(REPO, "test/history/crash-writer.ts"),
      ],
      { encoding: "utf8" },
    );
    expect(compiled.status, compiled.stdout + compiled.stderr).toBe(0);
  });
  afterAll(() => rmSync(build, { recursive: true, force: true }));

  it("leaves a consistent database and readable events; readers were never blocked", async () => {
    const dir = tempDir();
    const dbPath = join(dir, "history.sqlite");
    const eventsPath = join(dir, "events.ndjson");
    const child = spawn(process.execPath, [join(build, "test/history/crash-writer.js"), dbPath, eventsPath], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("ready")) resolve();
      });
      child.on("exit", (code) => reject(new Error(`writer exited early with ${code}`)));
    });
    // Read while it writes.
    const reader = HistoryStore.open(dbPath, { readonly: true });
    let seen = 0;
    for (let read = 0; read < 20; read += 1) {
      const count = reader.jobs("crash").length;
      expect(count).toBeGreaterThanOrEqual(seen);
      seen = count;
    }
    reader.close();
    const exited = new Promise((resolve) => child.on("exit", resolve));
    child.kill("SIGKILL");
    await exited;

    const raw = new Database(dbPath);
    expect(raw.pragma("integrity_check", { simple: true })).toBe("ok");
    raw.close();
    const store = HistoryStore.open(dbPath);
    const jobs = store.jobs("crash");
    const running = jobs.filter((job) => job.status === "running");
    expect(running.length).toBeLessThanOrEqual(1);
    expect(jobs.filter((job) => job.status === "OK").length).toBe(jobs.length - running.length);
    expect(store.markInterrupted("crash")).toBe(running.length);

    const events = readNdjson(eventsPath);
    expect(events.problems.length).toBeLessThanOrEqual(1);
    const finished = events.records.filter((record) => (record as { event: string }).event === "job-finished").length;
    // Each job's row is finished before its job-finished line is written.
    expect(finished).toBeGreaterThanOrEqual(jobs.filter((job) => job.status === "OK").length - 1);
    expect(finished).toBeLessThanOrEqual(jobs.filter((job) => job.status === "OK").length);
    store.close();
  });
});

describe("NDJSON", () => {
  it("a reopened writer starts after a torn last line; the reader reports it", () => {
    const path = join(tempDir(), "events.ndjson");
    const first = NdjsonWriter.open(path);
    first.write({ event: "job-started", job: "install:A" });
    first.close();
    writeFileSync(path, '{"event":"job-fini', { flag: "a" }); // a power cut mid-line
    const second = NdjsonWriter.open(path, { durable: true });
    second.write({ event: "job-started", job: "install:B" });
    second.close();
    const contents = readNdjson(path);
    expect(contents.records).toEqual([
      { event: "job-started", job: "install:A" },
      { event: "job-started", job: "install:B" },
    ]);
    expect(contents.problems).toEqual([{ line: 2, text: '{"event":"job-fini' }]);
    expect(readFileSync(path, "utf8").endsWith("\n")).toBe(true);
  });
});
