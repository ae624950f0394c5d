// `bbs prerun` while `bbs run` is in STAGE4 on a one-node site (issue 15,
// item 1), with real R: prerun works in its own tree (prerunMeatDir), so the
// running build keeps its tarballs, check directories, out files and
// summaries, checks what it built and delivers everything into its own run;
// and a CHECK whose tarball is missing is an ERROR (R itself says "neither a
// file nor directory, skipping" and exits 0).
//
// No sleep races: the check of `slowCheck` runs an example that creates a
// file when it starts and then waits for a file the test creates.

import { existsSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { materializeScenario, type MaterializedScenario, type Scenario } from "../../fixtures/scenarios.js";
import { writeTestConfig, type TestConfig } from "../../fixtures/test-config.js";
import { useTempDirs } from "../../fixtures/tmp.js";
import { makeCli, prerun, readJobSummary, type CentralRunFixture } from "./helpers.js";

const dirs = useTempDirs();
const PACKAGES = ["okPkg", "slowCheck"];
const STAGES = ["install", "buildsrc", "checksrc"];

let root: string;
let config: TestConfig;
let firstRun: CentralRunFixture;
let started: string;
let release: string;
let running: ReturnType<ReturnType<typeof makeCli>["run"]> | undefined;

function scenario(): Scenario {
  const waitForTest = [`file.create("${started}")`, `while (!file.exists("${release}")) Sys.sleep(0.2)`];
  return {
    name: "prerun-during-run",
    packages: [
      { name: "okPkg", purpose: "plain", spec: { name: "okPkg", version: "1.0.0" } },
      {
        name: "slowCheck",
        purpose: "its check waits for the test",
        spec: { name: "slowCheck", version: "1.0.0", extraExamples: waitForTest },
      },
    ],
    manifest: PACKAGES,
  };
}

/** Waits (without a time limit of its own: the test's timeout bounds it) until `path` exists or the run ended. */
async function waitForFile(path: string, run: Promise<unknown>): Promise<void> {
  let ended = false;
  void run.finally(() => {
    ended = true;
  });
  while (!existsSync(path)) {
    if (ended) throw new Error(`bbs run ended before ${path} appeared`);
    await sleep(200);
  }
}

beforeAll(async () => {
  root = await dirs.make("prerun-during-run");
  started = join(root, "check-started");
  release = join(root, "check-release");
  const fixture: MaterializedScenario = await materializeScenario(scenario(), join(root, "fixture"));
  config = writeTestConfig({
    workDir: join(root, "work"),
    gitServer: fixture.server,
    global: { timeouts: { check: 900 } },
    host: {
      slots: { install: 2, build: 2, check: 2 },
      timeouts: { killGrace: 3 },
      run: { targetRepoPoll: 1, targetRepoTimeout: 10 },
    },
  });
  firstRun = await prerun(config);
}, 300_000);

afterAll(async () => {
  // Whatever happened, the run's check must not wait for ever.
  writeFileSync(release, "");
  if (running !== undefined) {
    running.kill("SIGTERM");
    await running;
  }
});

describe("bbs prerun while bbs run is in STAGE4", () => {
  it("leaves the running build its files: it checks what it built and delivers all of it into its own run", async () => {
    const cli = makeCli(config);
    running = cli.run(["run"]);
    await waitForFile(started, running);
    const second = await cli.run(["prerun"]);
    expect(second.exitCode, second.all).toBe(0);
    const meat = config.load().values.meatDir;
    // Mid-check, the build's files are all where it left them.
    expect(existsSync(join(meat, "slowCheck_1.0.0.tar.gz"))).toBe(true);
    expect(existsSync(join(meat, "slowCheck.Rcheck"))).toBe(true);
    expect(existsSync(join(meat, "okPkg.buildsrc-summary.dcf"))).toBe(true);
    writeFileSync(release, "");
    const result = await running;
    running = undefined;
    expect(result.exitCode, result.all).toBe(0);

    const products = join(firstRun.runDir, "products-in", "local");
    for (const pkg of PACKAGES)
      for (const stage of STAGES)
        expect(readJobSummary(join(products, stage), pkg, stage)?.status, `${stage} ${pkg}`).toBe("OK");
    expect(existsSync(join(products, "buildsrc", "slowCheck_1.0.0.tar.gz"))).toBe(true);
    expect(readFileSync(join(products, "checksrc", "slowCheck.Rcheck", "00check.log"), "utf8")).toMatch(
      /^Status: OK$/m,
    );
    // The new run is the current one, prepared, with nothing of the old run's products.
    const current = realpathSync(config.load().values["central.dir"]);
    expect(current).not.toBe(firstRun.runDir);
    expect(existsSync(join(current, "src", "contrib", "PACKAGES"))).toBe(true);
    expect(existsSync(join(current, "products-in"))).toBe(false);
  }, 900_000);

  it("makes a CHECK whose tarball is missing an ERROR of bbs, never OK", async () => {
    const cli = makeCli(config);
    const built = await cli.run(["run", "--packages", "okPkg"]);
    expect(built.exitCode, built.all).toBe(0);
    const meat = config.load().values.meatDir;
    rmSync(join(meat, "okPkg_1.0.0.tar.gz"));
    const checked = await cli.run(["run", "--stages", "4", "--packages", "okPkg"]);
    expect(checked.exitCode, checked.all).toBe(0);
    const current = realpathSync(config.load().values["central.dir"]);
    // Runs of some packages on a node that never finished this run stay in the delivery being assembled.
    expect(existsSync(join(current, "products-in", "local"))).toBe(false);
    const checksrc = join(current, "products-in", ".local.incoming", "checksrc");
    expect(readJobSummary(checksrc, "okPkg", "checksrc")?.status).toBe("ERROR");
    const out = readFileSync(join(checksrc, "okPkg.checksrc-out.txt"), "utf8");
    expect(out).toMatch(/neither a file nor directory, skipping/);
    expect(out).toContain(
      `bbs: the source tarball okPkg_1.0.0.tar.gz was not in ${meat} when the CHECK started: nothing was checked, the CHECK is an ERROR`,
    );
    expect(readdirSync(checksrc)).toContain("okPkg.checksrc-MISSING");
  }, 900_000);
});
