// The impact of a change on synthetic histories (real SQLite): the
// dependency closure, the diff of two runs' inputs, which (package, node)
// got worse and since which run, and runs without recorded inputs.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunPackage } from "../../src/history/packages.js";
import { HistoryStore, RESULTS_RUN_KIND } from "../../src/history/store.js";
import { resultsRunId } from "../../src/results/history.js";
import {
  computeImpacts,
  dependencyClosure,
  describeImpact,
  diffInputs,
  worstStatus,
} from "../../src/results/impact.js";
import { useTempDirs } from "../fixtures/tmp.js";

const dirs = useTempDirs();

function pkg(
  name: string,
  version: string,
  commit: string | null,
  deps: string[] = [],
  suggests: string[] = [],
): RunPackage {
  return { package: name, source: commit === null ? "installed" : "build", version, commit, deps, suggests };
}

function graph(...packages: RunPackage[]): Map<string, RunPackage> {
  return new Map(packages.map((p) => [p.package, p]));
}

// base <- mid <- top; top Suggests helper; mid LinkingTo Rcpp (installed).
function night(commits: { base: string; mid: string; top: string }, rcpp = "1.0.10"): Map<string, RunPackage> {
  return graph(
    pkg("base", "1.0.0", commits.base, ["methods"]),
    pkg("mid", "1.0.0", commits.mid, ["base", "Rcpp"]),
    pkg("top", "1.0.0", commits.top, ["mid"], ["helper"]),
    pkg("helper", "0.1", "h0"),
    pkg("Rcpp", rcpp, null),
    pkg("methods", "4.2.2", null),
    pkg("lonely", "1.0", "l0"),
  );
}

describe("dependencyClosure and diffInputs", () => {
  it("closure: hard dependencies transitively, direct Suggests of the build, nearest first", () => {
    const g = night({ base: "b0", mid: "m0", top: "t0" });
    expect(dependencyClosure("top", g)).toEqual(["mid", "helper", "base", "Rcpp", "methods"]);
    expect(dependencyClosure("base", g)).toEqual(["methods"]);
    expect(dependencyClosure("lonely", g)).toEqual([]);
    expect(dependencyClosure("unknown", g)).toEqual([]);
  });

  it("names a dependency's commit range and an installed package's version change, not the unchanged ones", () => {
    const before = night({ base: "b0", mid: "m0", top: "t0" });
    const after = night({ base: "b1", mid: "m0", top: "t0" }, "1.0.11");
    const diff = diffInputs("top", before, after);
    expect(diff.own).toBeNull();
    expect(diff.dependencies).toEqual([
      expect.objectContaining({ package: "base", kind: "changed", fromCommit: "b0", toCommit: "b1", source: "build" }),
      expect.objectContaining({
        package: "Rcpp",
        kind: "changed",
        fromVersion: "1.0.10",
        toVersion: "1.0.11",
        source: "installed",
      }),
    ]);
    expect(diffInputs("lonely", before, after)).toEqual({ own: null, dependencies: [] });
  });

  it("own commits, and dependencies added to or removed from the closure", () => {
    const before = night({ base: "b0", mid: "m0", top: "t0" });
    const after = new Map(before);
    after.set("top", pkg("top", "1.0.1", "t1", ["base", "lonely"], []));
    const diff = diffInputs("top", before, after);
    expect(diff.own).toMatchObject({
      package: "top",
      fromCommit: "t0",
      toCommit: "t1",
      fromVersion: "1.0.0",
      toVersion: "1.0.1",
    });
    expect(diff.dependencies.map((d) => [d.package, d.kind])).toEqual([
      ["lonely", "added"],
      ["mid", "removed"],
      ["helper", "removed"],
      ["Rcpp", "removed"],
    ]);
  });

  it("worstStatus ranks OK < WARNINGS < ERROR = TIMEOUT and ignores skipped and NA", () => {
    expect(worstStatus(["OK", "skipped", "NA"])).toEqual({ status: "OK", rank: 0 });
    expect(worstStatus(["OK", "WARNINGS"])).toEqual({ status: "WARNINGS", rank: 1 });
    expect(worstStatus(["TIMEOUT", "ERROR"])).toEqual({ status: "ERROR", rank: 2 });
    expect(worstStatus(["skipped", "NA"])).toBeUndefined();
  });
});

function day(n: number): Date {
  return new Date(Date.UTC(2026, 10, n, 18, 0, 0));
}

/** Records night `n` of node n1 as postrun does: its results and what it built against. */
function recordNight(
  store: HistoryStore,
  n: number,
  statuses: Record<string, string>,
  inputs: Map<string, RunPackage> | undefined,
): void {
  const runId = resultsRunId(`run${n}`, "n1");
  store.recordRun(
    { runId, node: "n1", kind: RESULTS_RUN_KIND, startedAt: day(n), state: "finished" },
    Object.entries(statuses).map(([name, status]) => ({ stage: "checksrc", package: name, status, startedAt: day(n) })),
  );
  if (inputs !== undefined) store.recordRunPackages(runId, [...inputs.values()]);
}

function tonightStatuses(statuses: Record<string, string>): Map<string, Map<string, string[]>> {
  return new Map(Object.entries(statuses).map(([name, status]) => [name, new Map([["n1", ["OK", status]]])]));
}

describe("computeImpacts over a history", () => {
  it("names the change since the last good run, tonight or since an earlier night, and nothing for packages that did not get worse", async () => {
    const store = HistoryStore.open(join(await dirs.make("impact"), "history.sqlite"));
    try {
      recordNight(
        store,
        1,
        { base: "OK", mid: "OK", top: "OK", lonely: "ERROR" },
        night({ base: "b0", mid: "m0", top: "t0" }),
      );
      recordNight(
        store,
        2,
        { base: "OK", mid: "OK", top: "OK", lonely: "ERROR" },
        night({ base: "b0", mid: "m0", top: "t0" }),
      );
      // Night 3: base changed; mid fails from now on.
      recordNight(
        store,
        3,
        { base: "OK", mid: "ERROR", top: "OK", lonely: "ERROR" },
        night({ base: "b1", mid: "m0", top: "t0" }),
      );
      const tonight = night({ base: "b1", mid: "m0", top: "t2" });
      const impacts = computeImpacts({
        store,
        runId: "run4",
        snapshotTime: day(4),
        statuses: tonightStatuses({ base: "OK", mid: "ERROR", top: "WARNINGS", lonely: "ERROR" }),
        tonight: () => tonight,
      });
      expect(impacts.map((i) => [i.package, i.firstBadTonight, i.firstBad.runId, i.lastGood.runId])).toEqual([
        ["mid", false, "run3", "run2"],
        ["top", true, "run4", "run3"],
      ]);
      const [mid, top] = impacts;
      expect(mid?.diff).toEqual({
        own: null,
        dependencies: [expect.objectContaining({ package: "base", fromCommit: "b0", toCommit: "b1" })],
      });
      expect(describeImpact(mid!)).toBe(
        "failing since run run3 (ERROR; OK in run run2); changed since the last good run: base b0..b1; its own code: none",
      );
      expect(describeImpact(top!)).toBe(
        "first with WARNINGS tonight (WARNINGS; OK in run run3); changed since the last good run: none of its dependencies; its own code: t0..t2",
      );
    } finally {
      store.close();
    }
  });

  it("leaves the history's rows of tonight's run out, and says 'not known' when the good run has no inputs recorded", async () => {
    const store = HistoryStore.open(join(await dirs.make("impact"), "history.sqlite"));
    try {
      recordNight(store, 1, { top: "OK" }, undefined); // imported before inputs were recorded
      recordNight(store, 2, { top: "ERROR" }, night({ base: "b0", mid: "m0", top: "t0" })); // tonight, already imported
      const impacts = computeImpacts({
        store,
        runId: "run2",
        snapshotTime: day(2),
        statuses: tonightStatuses({ top: "ERROR" }),
        tonight: () => night({ base: "b0", mid: "m0", top: "t0" }),
      });
      expect(impacts).toHaveLength(1);
      expect(impacts[0]).toMatchObject({
        package: "top",
        firstBadTonight: true,
        lastGood: { runId: "run1" },
        diff: undefined,
      });
      expect(describeImpact(impacts[0]!)).toContain("what changed is not known");
      // A package with no good run in the history has no impact to name.
      expect(
        computeImpacts({
          store,
          runId: "run3",
          snapshotTime: day(3),
          statuses: tonightStatuses({ newcomer: "ERROR" }),
          tonight: () => new Map(),
        }),
      ).toEqual([]);
    } finally {
      store.close();
    }
  });
});
