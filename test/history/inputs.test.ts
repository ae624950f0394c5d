// Job inputs in the history (migration 3): a database of schema 2 with rows
// migrates in place, inputs are stored once per hash, the reuse candidate is
// the latest finished attempt with the same hash, and a package's input
// history says what it ran against in each run.

import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { closureChanges, inputsHash, type JobInputs } from "../../src/history/inputs.js";
import { MIGRATIONS } from "../../src/history/schema.js";
import { HistoryStore } from "../../src/history/store.js";
import { tempDir } from "../jobs/helpers.js";

function day(n: number): Date {
  return new Date(Date.UTC(2024, 9, n, 22, 0, 0));
}

function inputs(commit: string, closure: JobInputs["closure"] = {}): JobInputs {
  return {
    format: 1,
    definition: "test-1",
    stage: "checksrc",
    package: "P",
    version: "1.0",
    commit,
    rVersion: "R version 4.2.2",
    config: { command: "R CMD check P_1.0.tar.gz" },
    closure,
  };
}

/** One run of P's CHECK on node n1 with the given inputs and status. */
function night(store: HistoryStore, n: number, value: JobInputs, status: string, reusedFrom?: string): void {
  const runId = `r${n}`;
  store.beginRun({ runId, node: "n1", kind: "run", startedAt: day(n) });
  const row = store.startJob({
    runId,
    node: "n1",
    stage: "checksrc",
    package: "P",
    version: "1.0",
    commit: value.commit,
    startedAt: day(n),
    inputHash: inputsHash(value),
    inputs: value,
    ...(reusedFrom === undefined ? {} : { reusedFrom }),
  });
  store.finishJob(row, { endedAt: day(n), elapsedSeconds: 1, retCode: 0, status });
  store.endRun(runId, "finished", day(n));
}

describe("job inputs in the history", () => {
  it("a schema-2 database with rows migrates; old rows have no inputs", () => {
    const path = join(tempDir(), "history.sqlite");
    const raw = new Database(path);
    for (const sql of MIGRATIONS.slice(0, 2)) raw.exec(sql);
    raw.pragma("user_version = 2");
    raw.prepare("INSERT INTO runs (run_id, node, kind, started_at) VALUES ('old', 'n1', 'run', 1)").run();
    raw
      .prepare(
        "INSERT INTO jobs (run_id, node, stage, package, started_at, status, attempt) VALUES ('old', 'n1', 'checksrc', 'P', 1, 'OK', 1)",
      )
      .run();
    raw.close();
    const store = HistoryStore.open(path);
    expect(store.schemaVersion).toBe(MIGRATIONS.length);
    const [old] = store.jobs("old");
    expect(old?.inputHash).toBeNull();
    expect(old?.reusedFrom).toBeNull();
    expect(store.inputHistory("P", "n1", "checksrc")).toEqual([
      expect.objectContaining({ runId: "old", status: "OK", inputHash: null, inputs: undefined }),
    ]);
    store.close();
  });

  it("the same inputs hash alike whatever their key order, and are stored once", () => {
    const a = inputs("c1", { A: { version: "1.0", commit: "a1" }, B: { version: "2.0", commit: null } });
    const b = { ...a, closure: { B: { commit: null, version: "2.0" }, A: { commit: "a1", version: "1.0" } } };
    expect(inputsHash(b as JobInputs)).toBe(inputsHash(a));
    expect(inputsHash(inputs("c2"))).not.toBe(inputsHash(inputs("c1")));

    const path = join(tempDir(), "history.sqlite");
    const store = HistoryStore.open(path);
    night(store, 1, a, "OK");
    night(store, 2, a, "OK", "r1");
    expect(store.jobInputs(inputsHash(a))).toEqual(a);
    store.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.prepare("SELECT COUNT(*) AS n FROM job_inputs").get()).toEqual({ n: 1 });
    raw.close();
  });

  it("latestJobWithInputs: the newest finished attempt with that hash, another run than the current one", () => {
    const store = HistoryStore.open(join(tempDir(), "history.sqlite"));
    const first = inputs("c1");
    const second = inputs("c2");
    night(store, 1, first, "WARNINGS");
    night(store, 2, second, "ERROR");
    night(store, 3, first, "OK");
    const query = { node: "n1", stage: "checksrc", package: "P", inputHash: inputsHash(first) };
    expect(store.latestJobWithInputs(query)?.runId).toBe("r3");
    expect(store.latestJobWithInputs(query, { excludeRunId: "r3" })?.runId).toBe("r1");
    expect(store.latestJobWithInputs({ ...query, inputHash: inputsHash(inputs("c9")) })).toBeUndefined();
    expect(store.latestJobWithInputs({ ...query, node: "n2" })).toBeUndefined();
    // An attempt that did not finish is no candidate.
    store.beginRun({ runId: "r4", node: "n1", kind: "run", startedAt: day(4) });
    store.startJob({
      runId: "r4",
      node: "n1",
      stage: "checksrc",
      package: "P",
      startedAt: day(4),
      inputHash: query.inputHash,
    });
    expect(store.latestJobWithInputs(query)?.runId).toBe("r3");
    store.close();
  });

  it("inputHistory and closureChanges: what a package ran against, run by run, and what changed", () => {
    const store = HistoryStore.open(join(tempDir(), "history.sqlite"));
    const good = inputs("c1", {
      S4Vectors: { version: "0.36.0", commit: "a1b2c3" },
      methods: { version: "4.2.2", commit: null },
    });
    const bad = inputs("c1", {
      S4Vectors: { version: "0.36.1", commit: "d4e5f6" },
      methods: { version: "4.2.2", commit: null },
    });
    night(store, 1, good, "OK");
    night(store, 2, bad, "ERROR");
    const history = store.inputHistory("P", "n1", "checksrc");
    expect(history.map((entry) => [entry.runId, entry.status])).toEqual([
      ["r2", "ERROR"],
      ["r1", "OK"],
    ]);
    const [tonight, lastGood] = history;
    expect(closureChanges(lastGood?.inputs?.closure ?? {}, tonight?.inputs?.closure ?? {})).toEqual([
      {
        package: "S4Vectors",
        before: { version: "0.36.0", commit: "a1b2c3" },
        after: { version: "0.36.1", commit: "d4e5f6" },
      },
    ]);
    store.close();
  });

  it("recordRun (postrun's import) keeps input hashes, inputs and the reused-from run", () => {
    const store = HistoryStore.open(join(tempDir(), "history.sqlite"));
    const value = inputs("c1");
    store.recordRun({ runId: "r1@n1", node: "n1", kind: "postrun", startedAt: day(1), state: "finished" }, [
      {
        stage: "checksrc",
        package: "P",
        startedAt: day(1),
        status: "OK",
        inputHash: inputsHash(value),
        inputs: value,
        reusedFrom: "r0",
      },
    ]);
    const [row] = store.jobs("r1@n1");
    expect(row?.inputHash).toBe(inputsHash(value));
    expect(row?.reusedFrom).toBe("r0");
    expect(store.jobInputs(inputsHash(value))).toEqual(value);
    store.close();
  });
});
