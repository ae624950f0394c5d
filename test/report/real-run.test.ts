// The report of a real run: `bbs prerun` then `bbs run` with real R on part of
// the run scenario (OK, WARNINGS, CHECK ERROR, BUILD ERROR with CHECK skipped,
// INSTALL ERROR), then `bbs report` through the CLI. What builders really
// deliver (summaries, outputs, pruned Rcheck directories, NodeInfo,
// jobs.ndjson with slots, the node's history) reaches the pages.

import { readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { materializeScenario, runScenario } from "../fixtures/scenarios.js";
import { writeTestConfig, type TestConfig } from "../fixtures/test-config.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { makeCli, prerun } from "../stages/run/helpers.js";

const dirs = useTempDirs();
const KEPT = ["runBase", "runOk", "runWarning", "runCheckError", "runBuildError", "runInstallError"];
const DESIGNED: Record<string, Record<string, string>> = {
  runBase: { install: "OK", buildsrc: "OK", checksrc: "OK" },
  runOk: { install: "OK", buildsrc: "OK", checksrc: "OK" },
  runWarning: { install: "OK", buildsrc: "OK", checksrc: "WARNINGS" },
  runCheckError: { install: "OK", buildsrc: "OK", checksrc: "ERROR" },
  runBuildError: { install: "OK", buildsrc: "ERROR", checksrc: "skipped" },
  runInstallError: { install: "ERROR", buildsrc: "OK", checksrc: "ERROR" },
};

let config: TestConfig;
let reportDir: string;
let reportOutput: string;

beforeAll(async () => {
  const root = await dirs.make("report-real");
  const full = runScenario();
  const scenario = { ...full, packages: full.packages.filter((pkg) => KEPT.includes(pkg.name)), manifest: KEPT };
  const fixture = await materializeScenario(scenario, join(root, "fixture"));
  config = writeTestConfig({
    workDir: join(root, "work"),
    gitServer: fixture.server,
    global: { timeouts: { check: 120 } },
    host: { slots: { install: 2, build: 2, check: 2 }, run: { targetRepoPoll: 1, targetRepoTimeout: 10 } },
  });
  await prerun(config);
  const cli = makeCli(config);
  const run = await cli.run(["run"]);
  if (run.exitCode !== 0) throw new Error(`bbs run failed (exit ${run.exitCode}):\n${run.all}`);
  const report = await cli.run(["report"]);
  reportOutput = report.all ?? "";
  if (report.exitCode !== 0) throw new Error(`bbs report failed (exit ${report.exitCode}):\n${reportOutput}`);
  reportDir = realpathSync(config.load().values["report.path"]);
});

const read = (path: string): string => readFileSync(join(reportDir, path), "utf8");

describe("the report of a real run", () => {
  it("shows every status the builder recorded", () => {
    expect(reportOutput).toMatch(/^report of run \d{8}-\d{6}: 6 packages, \d+ pages/m);
    const json = JSON.parse(read("report.json")) as {
      packages: Array<{
        package: string;
        results: Array<{ node: string; stage: string; status: string; link: string | null }>;
      }>;
    };
    const shown: Record<string, Record<string, string>> = {};
    for (const pkg of json.packages)
      shown[pkg.package] = Object.fromEntries(pkg.results.map((r) => [r.stage, r.status]));
    expect(shown).toEqual(DESIGNED);
  });

  it("puts R's own output on the leaf pages", () => {
    const check = read("runWarning/local-checksrc.html");
    expect(check).toContain("<h3>Command output</h3>");
    expect(check).toMatch(/Status: 1 WARNING/);
    expect(check).toContain("runWarning.Rcheck/00install.out");
    expect(check).toContain("runWarning.Rcheck/runWarning-Ex.timings");
    expect(check).toMatch(/hello_runWarning/);
    expect(read("runInstallError/local-install.html")).toMatch(/ERROR|Error/);
    expect(read("local-NodeInfo.html")).toMatch(/R&nbsp;version:&nbsp;<\/b><\/td><td>4\.2\.2/);
  });

  it("draws the timeline from the builder's job events", () => {
    const timeline = read("local-timeline.html");
    expect(timeline).toContain("From the job events (jobs.ndjson)");
    expect(timeline).toMatch(/CHECK: 5 jobs on 2 slots/);
    expect(timeline).toContain('href="runWarning/local-checksrc.html"');
  });
});
