// Engine runs recorded in the NDJSON event log and the SQLite history, and a
// resume driven by the history: what finished is not run again.

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { cgroupSupport } from "../../src/jobs/cgroup.js";
import { runCommandJob } from "../../src/jobs/command-job.js";
import { JobEngine } from "../../src/jobs/engine.js";
import { cancelOnSignals, logEventsTo, recordJobsTo, type RecordableOutcome } from "../../src/jobs/recording.js";
import type { JobSpec } from "../../src/jobs/types.js";
import { NdjsonWriter, readNdjson } from "../../src/history/ndjson.js";
import { HistoryStore, UNFINISHED_STATUSES } from "../../src/history/store.js";
import { tempDir, waitForLines } from "./helpers.js";

const FAKE_R = fileURLToPath(new URL("./fake-r-job.sh", import.meta.url));

interface Outcome extends RecordableOutcome {
  readonly status: string;
}

function graph(dir: string, blockFile?: string): JobSpec<Outcome>[] {
  const trace = join(dir, "trace");
  const job = (
    stage: string,
    pkg: string,
    after?: string,
    deps?: string[],
    exit = 0,
    waitFor = "''",
  ): JobSpec<Outcome> => ({
    id: `${stage}:${pkg}`,
    pool: stage,
    label: pkg,
    after,
    deps,
    run: async (context) => {
      const command = `${FAKE_R} ${trace} ${stage}:${pkg} ${exit} ${waitFor}`;
      const result = await runCommandJob({
        command,
        outputFile: join(dir, `${pkg}.${stage}-out.txt`),
        signal: context.signal,
        sweeper: context.sweeper,
        killGraceMs: 300,
      });
      const status = result.retCode === 0 ? "OK" : "ERROR";
      return { status, retCode: result.retCode, elapsedSeconds: result.elapsedSeconds, command, version: "1.0" };
    },
  });
  return [
    job("install", "A"),
    job("install", "B", undefined, ["install:A"], 1),
    job("buildsrc", "A", "install:A"),
    job("buildsrc", "B", "install:B"),
    job("checksrc", "A", "buildsrc:A"),
    job("checksrc", "B", "buildsrc:B", undefined, 0, blockFile ?? "''"),
  ];
}

const POOLS = [
  { name: "install", slots: 1 },
  { name: "buildsrc", slots: 1 },
  { name: "checksrc", slots: 2 },
];

describe("recording", () => {
  it("writes one NDJSON line per job start and end, and one history row per attempt", async () => {
    const dir = tempDir();
    const store = HistoryStore.open(join(dir, "history.sqlite"));
    const events = NdjsonWriter.open(join(dir, "log", "events.ndjson"));
    store.beginRun({ runId: "r1", node: "n1", kind: "run", startedAt: new Date(), schedule: "pipeline" });
    const engine = new JobEngine(graph(dir), { pools: POOLS });
    logEventsTo(engine, events, { runId: "r1", jobFields: (job) => ({ package: job.label ?? null, node: "n1" }) });
    recordJobsTo(engine, store, { runId: "r1", node: "n1" });
    const report = await engine.run();
    events.close();
    store.endRun("r1", report.cancelled ? "cancelled" : "finished");
    expect(report.listenerErrors).toEqual([]);

    const lines = readNdjson(join(dir, "log", "events.ndjson"));
    expect(lines.problems).toEqual([]);
    const kinds = lines.records.map((record) => (record as { event: string }).event);
    expect(kinds[0]).toBe("run-started");
    expect(kinds[kinds.length - 1]).toBe("run-finished");
    expect(kinds.filter((kind) => kind === "job-started")).toHaveLength(6);
    const installB = lines.records.find(
      (record) =>
        (record as { event: string; job: string }).event === "job-finished" &&
        (record as { job: string }).job === "install:B",
    );
    expect(installB).toMatchObject({
      runId: "r1",
      pool: "install",
      label: "B",
      slot: 1,
      package: "B",
      node: "n1",
      state: "done",
      status: "ERROR",
      retCode: 1,
    });
    const jobLines = lines.records.filter((record) => (record as { event: string }).event.startsWith("job-")) as Array<{
      slot: number;
      package: string;
    }>;
    expect(jobLines).toHaveLength(12);
    for (const line of jobLines) expect([1, 2]).toContain(line.slot);
    expect(jobLines.every((line) => line.package === "A" || line.package === "B")).toBe(true);

    const rows = store.jobs("r1");
    expect(rows.map((row) => `${row.stage}:${row.package}=${row.status}`).sort()).toEqual(
      ["buildsrc:A=OK", "buildsrc:B=OK", "checksrc:A=OK", "checksrc:B=OK", "install:A=OK", "install:B=ERROR"].sort(),
    );
    expect(
      rows.every((row) => row.attempt === 1 && row.version === "1.0" && row.command?.includes("fake-r-job.sh")),
    ).toBe(true);
    expect(store.durationEstimates("n1", "install").size).toBe(2);
    store.close();
  });

  it("a job that leaves processes behind: its survivors in its NDJSON line, its history row and the run's end line", async () => {
    const dir = tempDir();
    const store = HistoryStore.open(join(dir, "history.sqlite"));
    const events = NdjsonWriter.open(join(dir, "events.ndjson"));
    store.beginRun({ runId: "r1", node: "n1", kind: "run", startedAt: new Date() });
    const ready = join(dir, "ready");
    const leaver: JobSpec<Outcome> = {
      id: "checksrc:L",
      pool: "checksrc",
      label: "L",
      run: async (context) => {
        const command = `setsid env -i sh -c '(sleep 1000 & echo x > ${ready}; wait) &'; while [ ! -s ${ready} ]; do sleep 0.05; done`;
        const result = await runCommandJob({ command, outputFile: join(dir, "L.out"), signal: context.signal });
        return { status: "OK", retCode: result.retCode, survivors: result.survivors };
      },
    };
    const engine = new JobEngine([leaver], { pools: [{ name: "checksrc", slots: 1 }] });
    logEventsTo(engine, events, { runId: "r1" });
    recordJobsTo(engine, store, { runId: "r1", node: "n1" });
    await engine.run();
    events.close();
    const lines = readNdjson(join(dir, "events.ndjson")).records as Array<Record<string, unknown>>;
    const finished = lines.find((line) => line["event"] === "job-finished");
    // The subshell and its sleep: counted at the job's end by its cgroup; without one, by the run's sweeper later.
    const inJob = cgroupSupport().available ? 2 : 0;
    expect(finished?.["survivors"]).toBe(inJob);
    expect(store.jobs("r1")[0]?.survivors).toBe(inJob);
    expect(lines.find((line) => line["event"] === "run-finished")?.["survivors"]).toBe(2);
    store.close();
  });

  it("resume from history: an interrupted run finishes without running a finished job twice", async () => {
    const dir = tempDir();
    const store = HistoryStore.open(join(dir, "history.sqlite"));
    const block = join(dir, "never-created");
    store.beginRun({ runId: "r1", node: "n1", kind: "run", startedAt: new Date() });
    // First invocation: checksrc:B blocks; it is interrupted once it has started.
    const first = new JobEngine(graph(dir, block), { pools: POOLS });
    const stopRecording = recordJobsTo(first, store, { runId: "r1", node: "n1" });
    const running = first.run();
    await waitForLines(join(dir, "trace"), 11); // 5 jobs started+ended, checksrc:B started
    // As after a kill -9: checksrc:B's row is left "running".
    stopRecording();
    first.cancel("stand-in for kill -9");
    await running;
    store.markInterrupted("r1");

    // Second invocation (--resume): results of finished jobs come from the history.
    const completed: Array<[string, Outcome]> = store
      .jobs("r1")
      .filter((row) => !UNFINISHED_STATUSES.includes(row.status))
      .map((row) => [`${row.stage}:${row.package}`, { status: row.status, retCode: row.retCode }]);
    expect(completed).toHaveLength(5);
    store.beginRun({ runId: "r1", node: "n1", kind: "run", startedAt: new Date() });
    const second = new JobEngine(graph(dir), { pools: POOLS, completed });
    recordJobsTo(second, store, { runId: "r1", node: "n1" });
    const report = await second.run();
    expect([...report.records.values()].filter((record) => record.state === "done").map((record) => record.id)).toEqual(
      ["checksrc:B"],
    );

    const rows = store.jobs("r1");
    const attempts = new Map<string, string[]>();
    for (const row of rows)
      attempts.set(`${row.stage}:${row.package}`, [...(attempts.get(`${row.stage}:${row.package}`) ?? []), row.status]);
    expect(Object.fromEntries(attempts)).toEqual({
      "install:A": ["OK"],
      "install:B": ["ERROR"],
      "buildsrc:A": ["OK"],
      "buildsrc:B": ["OK"],
      "checksrc:A": ["OK"],
      "checksrc:B": ["interrupted", "OK"],
    });
    store.close();
  });
});

describe("cancelOnSignals", () => {
  it("cancels the engine on SIGINT and removes its handler when disposed", async () => {
    const dir = tempDir();
    const trace = join(dir, "trace");
    const jobs: JobSpec<Outcome>[] = [
      {
        id: "install:slow",
        pool: "install",
        run: async (context) => {
          const result = await runCommandJob({
            command: `${FAKE_R} ${trace} install:slow 0 ${join(dir, "never")}`,
            outputFile: join(dir, "out.txt"),
            signal: context.signal,
            killGraceMs: 300,
          });
          return { status: result.cancelled ? "cancelled" : "OK", retCode: result.retCode };
        },
      },
    ];
    const engine = new JobEngine(jobs, { pools: [{ name: "install", slots: 1 }] });
    const dispose = cancelOnSignals(engine);
    const listeners = process.listenerCount("SIGINT");
    const running = engine.run();
    await waitForLines(trace, 1);
    process.emit("SIGINT", "SIGINT");
    const report = await running;
    dispose();
    expect(report.cancelled).toBe(true);
    expect(report.records.get("install:slow")).toMatchObject({
      state: "cancelled",
      outcome: { status: "cancelled", retCode: null },
    });
    expect(process.listenerCount("SIGINT")).toBe(listeners - 1);
  });
});
