// The whole nightly cycle on one node with real git, R and products:
// `bbs prerun`, `bbs run`, then `bbs postrun` and `bbs notify` (dry run), all
// through the CLI. Four packages of the run scenario: OK, CHECK WARNINGS,
// CHECK ERROR, BUILD ERROR (CHECK skipped).

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { HistoryStore } from "../../../src/history/store.js";
import { RESULTS_RUN_KIND, resultsRunId } from "../../../src/results/history.js";
import { materializeScenario, runScenario } from "../../fixtures/scenarios.js";
import { writeTestConfig, type TestConfig } from "../../fixtures/test-config.js";
import { useTempDirs } from "../../fixtures/tmp.js";
import { makeCli, prerun, type CentralRunFixture } from "../run/helpers.js";

const dirs = useTempDirs();
const PACKAGES = ["runOk", "runWarning", "runCheckError", "runBuildError"];

describe("prerun, run, postrun and notify of a one-node build", () => {
  let config: TestConfig;
  let central: CentralRunFixture;
  let postrun: { exitCode: number | undefined; all: string };

  beforeAll(async () => {
    const root = await dirs.make("nightly");
    const scenario = runScenario();
    const subset = {
      ...scenario,
      packages: scenario.packages.filter((pkg) => PACKAGES.includes(pkg.name)),
      manifest: PACKAGES,
    };
    const { server } = await materializeScenario(subset, join(root, "fixture"));
    config = writeTestConfig({
      workDir: join(root, "work"),
      gitServer: server,
      global: {
        timeouts: { check: 120 },
        report: { publishedUrl: "https://bioc.example.org/checkResults/3.16/bioc-LATEST/" },
      },
      host: { slots: { install: 2, build: 2, check: 2 }, run: { targetRepoPoll: 1, targetRepoTimeout: 10 } },
    });
    central = await prerun(config);
    const run = await makeCli(config).run(["run"]);
    if (run.exitCode !== 0) throw new Error(`bbs run failed:\n${run.all}`);
    const result = await makeCli(config).run(["postrun"]);
    postrun = { exitCode: result.exitCode, all: result.all ?? "" };
  });

  it("postrun exits 0 and writes the status DB from what bbs run delivered", () => {
    expect(postrun.exitCode, postrun.all).toBe(0);
    expect(readFileSync(join(central.runDir, "BUILD_STATUS_DB.txt"), "utf8")).toBe(
      [
        "runBuildError#local#install: OK",
        "runBuildError#local#buildsrc: ERROR",
        "runBuildError#local#checksrc: skipped",
        "runCheckError#local#install: OK",
        "runCheckError#local#buildsrc: OK",
        "runCheckError#local#checksrc: ERROR",
        "runOk#local#install: OK",
        "runOk#local#buildsrc: OK",
        "runOk#local#checksrc: OK",
        "runWarning#local#install: OK",
        "runWarning#local#buildsrc: OK",
        "runWarning#local#checksrc: WARNINGS",
        "",
      ].join("\n"),
    );
  });

  it("puts the passing packages' tarballs into OUTGOING and marks them YES", () => {
    const source = join(central.runDir, "OUTGOING", "source");
    expect(readdirSync(source).sort()).toEqual([
      "PACKAGES",
      "PACKAGES.gz",
      "runOk_1.0.0.tar.gz",
      "runWarning_1.0.0.tar.gz",
    ]);
    expect(statSync(join(source, "runOk_1.0.0.tar.gz")).ino).toBe(
      statSync(join(central.runDir, "products-in/local/buildsrc/runOk_1.0.0.tar.gz")).ino,
    );
    expect(readFileSync(join(central.runDir, "PROPAGATION_STATUS_DB.txt"), "utf8")).toBe(
      "runOk#source#propagate: YES\nrunWarning#source#propagate: YES\n",
    );
    expect(postrun.all).toContain("no PACKAGES index at file://");
  });

  it("imports the run into the central history next to the builder's own run", () => {
    const store = HistoryStore.open(config.load().values.historyDb, { readonly: true });
    try {
      expect(store.run(resultsRunId(central.runId, "local"))).toMatchObject({
        kind: RESULTS_RUN_KIND,
        state: "finished",
      });
      expect(store.runs({ kind: "run" }).length).toBeGreaterThan(0); // bbs run's own rows are untouched
      expect(
        store
          .packageStatuses("runCheckError", { kind: RESULTS_RUN_KIND, stage: "checksrc" })
          .map((entry) => entry.status),
      ).toEqual(["ERROR"]);
    } finally {
      store.close();
    }
  });

  it("notify prints the emails about the ERRORs", async () => {
    const result = await makeCli(config).run(["notify"]);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain("run " + central.runId + ": 2 package(s) with problems on local, 2 email(s)");
    expect(result.all).toContain("Subject: runBuildError problems reported in the Build/check report for BioC 3.16");
    expect(result.all).toContain(
      "  o ERROR for 'R CMD build' on local. See the details here:\n      https://bioc.example.org/checkResults/3.16/bioc-LATEST/runBuildError/local-buildsrc.html",
    );
    expect(result.all).toContain(
      "  o ERROR for 'R CMD check' on local. See the details here:\n      https://bioc.example.org/checkResults/3.16/bioc-LATEST/runCheckError/local-checksrc.html",
    );
  });
});
