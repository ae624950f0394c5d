// `bbs impact`'s domain code on synthetic histories (real SQLite): the
// dependents of a package in build order, `pkg@commit` before and after the
// first run that built it, a commit no run has built, and bad input.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunPackage } from "../../src/history/packages.js";
import { HistoryStore, RESULTS_RUN_KIND } from "../../src/history/store.js";
import { resultsRunId } from "../../src/results/history.js";
import { buildOrder, formatReverseImpact, parsePackageRef, reverseImpact } from "../../src/results/dependents.js";
import { isBbsError } from "../../src/util/errors.js";
import { useTempDirs } from "../fixtures/tmp.js";

const dirs = useTempDirs();

function pkg(name: string, commit: string | null, deps: string[] = [], suggests: string[] = []): RunPackage {
  return { package: name, source: commit === null ? "installed" : "build", version: "1.0", commit, deps, suggests };
}

// core <- zeta (Imports) <- alpha (Depends); beta Suggests core; other is unrelated; Rcpp is installed.
function graph(coreCommit: string): RunPackage[] {
  return [
    pkg("core", coreCommit, ["Rcpp"]),
    pkg("zeta", "z1", ["core"]),
    pkg("alpha", "a1", ["zeta"]),
    pkg("beta", "b1", [], ["core"]),
    pkg("other", "o1", ["Rcpp"]),
    pkg("Rcpp", null),
  ];
}

function day(n: number): Date {
  return new Date(Date.UTC(2026, 10, n, 18, 0, 0));
}

function recordNight(store: HistoryStore, n: number, coreCommit: string, statuses: Record<string, string>): void {
  const runId = resultsRunId(`run${n}`, "n1");
  store.recordRun(
    { runId, node: "n1", kind: RESULTS_RUN_KIND, startedAt: day(n), state: "finished" },
    Object.entries(statuses).flatMap(([name, check]) => [
      { stage: "install", package: name, status: "OK", startedAt: day(n) },
      { stage: "checksrc", package: name, status: check, startedAt: day(n) },
    ]),
  );
  store.recordRunPackages(runId, graph(coreCommit));
}

describe("reverseImpact", () => {
  it("lists the packages whose closure contains it in build order, direct ones marked, with their last statuses", async () => {
    const store = HistoryStore.open(join(await dirs.make("dependents"), "history.sqlite"));
    try {
      recordNight(store, 1, "c0ffee1", { core: "OK", zeta: "OK", alpha: "OK", beta: "OK", other: "OK" });
      recordNight(store, 2, "deadbee", { core: "OK", zeta: "ERROR", alpha: "OK", beta: "OK", other: "OK" });
      const result = reverseImpact(store, parsePackageRef("core"));
      expect(result.dependents.map((d) => [d.order, d.package, d.direct])).toEqual([
        [1, "beta", true],
        [2, "zeta", true],
        [3, "alpha", false],
      ]);
      expect(result.dependents[1]?.statuses).toEqual({ n1: { install: "OK", checksrc: "ERROR" } });
      expect(formatReverseImpact(result)).toBe(
        [
          "core 1.0 (commit deadbee): last statuses from run run2 on n1",
          "3 package(s) of the build have it in their dependency closure, in build order:",
          "   1. beta (direct)  n1: INSTALL OK, CHECK OK",
          "   2. zeta (direct)  n1: INSTALL OK, CHECK ERROR",
          "   3. alpha          n1: INSTALL OK, CHECK OK",
          "",
        ].join("\n"),
      );
      // An installed package has dependents too; a leaf has none.
      expect(reverseImpact(store, { package: "Rcpp" }).dependents.map((d) => d.package)).toEqual([
        "core",
        "other",
        "beta",
        "zeta",
        "alpha",
      ]);
      expect(formatReverseImpact(reverseImpact(store, { package: "alpha" }))).toContain(
        "no package of the build has it in its dependency closure",
      );

      const built = reverseImpact(store, parsePackageRef("core@DEADBEEF00"));
      expect(built).toMatchObject({ built: true, runs: [{ runId: "run2" }], beforeRuns: [{ runId: "run1" }] });
      expect(formatReverseImpact(built).split("\n").slice(0, 3)).toEqual([
        "core@deadbeef00: first built in run run2 on n1; statuses before it (run run1 on n1) -> with it",
        "3 package(s) of the build have it in their dependency closure, in build order:",
        "   1. beta (direct)  n1: INSTALL OK, CHECK OK",
      ]);
      expect(formatReverseImpact(built)).toContain("   2. zeta (direct)  n1: INSTALL OK, CHECK OK -> ERROR");

      const unbuilt = reverseImpact(store, parsePackageRef("core@1234567"));
      expect(unbuilt.built).toBe(false);
      expect(formatReverseImpact(unbuilt).split("\n")[0]).toBe(
        "core@1234567: no run has built this commit yet (the last run built deadbee); once pushed, these packages are rebuilt against it, last statuses from run run2 on n1",
      );
    } finally {
      store.close();
    }
  });

  it("refuses an unknown package, a malformed argument and a history without recorded inputs", async () => {
    const store = HistoryStore.open(join(await dirs.make("dependents"), "history.sqlite"));
    try {
      const code = (run: () => unknown): string | undefined => {
        try {
          run();
        } catch (error) {
          return isBbsError(error) ? error.code : "not a BbsError";
        }
        return undefined;
      };
      expect(code(() => reverseImpact(store, { package: "core" }))).toBe("BBS_PRECONDITION");
      recordNight(store, 1, "c0ffee1", { core: "OK" });
      expect(code(() => reverseImpact(store, { package: "Core" }))).toBe("BBS_USAGE");
      expect(code(() => parsePackageRef("core@xyz"))).toBe("BBS_USAGE");
      expect(code(() => parsePackageRef("../core"))).toBe("BBS_USAGE");
    } finally {
      store.close();
    }
  });
});

describe("buildOrder", () => {
  it("puts dependencies first, ties case-insensitively, and survives a cycle", () => {
    const g = new Map(
      [pkg("b", "1", ["a"]), pkg("a", "1"), pkg("C", "1", ["b"]), pkg("x", "1", ["y"]), pkg("y", "1", ["x"])].map(
        (p) => [p.package, p] as const,
      ),
    );
    expect(buildOrder(["C", "b", "a"], g)).toEqual(["a", "b", "C"]);
    expect(buildOrder(["y", "x", "a"], g)).toEqual(["a", "x", "y"]);
  });
});
