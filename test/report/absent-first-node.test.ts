// The report when the first report node (the central one, here nebbiolo1) is
// absent (issue 12's defects): the alert cites the node's last *finished* run
// by its run id (not a run it missed, not the history's `<run>@<node>` key),
// and the reverse-dependency notes come from another node's pkg_dep_graph.txt.

import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { HistoryStore } from "../../src/history/store.js";
import { generateReport, type ReportSummary } from "../../src/report/index.js";
import { RESULTS_RUN_KIND, resultsRunId } from "../../src/results/history.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { threeNodeRun, type Fixture } from "./fixture.js";

const temp = useTempDirs();
let run: Fixture;
let reportDir: string;
let summary: ReportSummary;

beforeAll(async () => {
  run = threeNodeRun(await temp.make("report-absent-first"));
  rmSync(join(run.runDir, "products-in", "nebbiolo1"), { recursive: true, force: true });
  // nebbiolo1 finished the runs of the 17th to the 19th, then missed one the night before this run.
  const store = HistoryStore.open(run.historyDb as string);
  store.recordRun(
    {
      runId: resultsRunId("20261119-235500", "nebbiolo1"),
      node: "nebbiolo1",
      kind: RESULTS_RUN_KIND,
      startedAt: new Date("2026-11-20T04:55:00Z"),
      state: "absent",
    },
    [],
  );
  store.close();
  reportDir = join(run.root, "report");
  summary = await generateReport({
    central: run.config.central,
    hosts: run.config.hosts,
    runDir: run.runDir,
    reportDir,
    historyDb: run.historyDb as string,
    generatedAt: new Date("2026-11-21T12:00:00Z"),
  });
});

describe("the first report node is absent", () => {
  it("cites the node's last finished run, by its run id", () => {
    const index = readFileSync(join(reportDir, "index.html"), "utf8");
    expect(index).toMatch(/Node nebbiolo1 delivered no results for this run/);
    expect(index).toMatch(/The last build this node finished is the one of [^<]* \(run 20261119-135500\)\./);
    expect(index).not.toContain("20261119-235500");
    expect(index).not.toContain("@nebbiolo1");
  });

  it("takes the reverse dependencies from another node's pkg_dep_graph.txt", () => {
    expect(summary.warnings.filter((warning) => warning.includes("pkg_dep_graph.txt"))).toEqual([]);
    const alpha = JSON.parse(readFileSync(join(reportDir, "Alpha", "report.json"), "utf8")) as {
      package: { reverseDependencies: string[] };
    };
    expect(alpha.package.reverseDependencies).toEqual(["betaWarn", "buildErr", "checkErr", "zLast"]);
  });
});
