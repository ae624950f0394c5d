// `bbs run`'s own failures (no R runs here): a target repo that never gets
// ready, bad options, nothing to resume. Each is an error with a code, a
// message naming what is wrong and a hint; package failures never are.

import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { materializeScenario, runScenario } from "../../fixtures/scenarios.js";
import { writeTestConfig, type TestConfig } from "../../fixtures/test-config.js";
import { useTempDirs } from "../../fixtures/tmp.js";
import { makeCli, prerun } from "./helpers.js";

const dirs = useTempDirs();
let published: TestConfig;
let runId = "";

beforeAll(async () => {
  const root = await dirs.make("run-cli");
  const scenario = runScenario();
  const one = { ...scenario, packages: scenario.packages.filter((pkg) => pkg.name === "runOk"), manifest: ["runOk"] };
  const { server } = await materializeScenario(one, join(root, "fixture"));
  published = writeTestConfig({
    workDir: join(root, "work"),
    gitServer: server,
    host: { run: { targetRepoPoll: 1, targetRepoTimeout: 2 } },
  });
  runId = (await prerun(published)).runId;
});

describe("bbs run fails for bbs's own reasons, with a code and a hint", () => {
  it("waits a bounded time for a target repo that never comes, saying what it waits for", async () => {
    const root = await dirs.make("run-cli-empty");
    const config = writeTestConfig({
      workDir: join(root, "work"),
      host: { run: { targetRepoPoll: 1, targetRepoTimeout: 2 } },
    });
    const result = await makeCli(config).run(["run"]);
    expect(result.exitCode).toBe(2);
    expect(result.all).toMatch(/waiting for the target repo: .*run\.json does not exist/);
    expect(result.all).toMatch(
      /error\[BBS_PRECONDITION\]: the target repo of the current run was not ready after \d+ s/,
    );
    expect(result.all).toMatch(/hint: check that `bbs prerun` ran on local and finished/);
  });

  it("refuses STAGE5 on a node that builds no binaries, and bad stage lists", async () => {
    const cli = makeCli(published);
    const five = await cli.run(["run", "--stage", "5"]);
    expect(five.exitCode).toBe(2);
    expect(five.all).toMatch(/error\[BBS_USAGE\]: node local builds no binary packages \(pkgType: source\)/);
    const both = await cli.run(["run", "--stages", "3", "--stage", "4"]);
    expect(both.all).toMatch(/error\[BBS_USAGE\]: give --stages or --stage, not both/);
    const bad = await cli.run(["run", "--stages", "2,6"]);
    expect(bad.all).toMatch(/error\[BBS_USAGE\]: --stages: "6" is not a stage/);
  });

  it("names --packages that are not targets of the run", async () => {
    const result = await makeCli(published).run(["run", "--packages", "runOk,nope"]);
    expect(result.exitCode).toBe(2);
    expect(result.all).toContain(
      `error[BBS_USAGE]: --packages: nope is not a target package of run ${runId} on this node`,
    );
  });

  it("has nothing to resume on a node that never built the run", async () => {
    const result = await makeCli(published).run(["run", "--resume"]);
    expect(result.exitCode).toBe(2);
    expect(result.all).toMatch(
      /error\[BBS_PRECONDITION\]: nothing to resume: the meat in .* belongs to no run, the current run is \d{8}-\d{6}/,
    );
    expect(result.all).toMatch(/hint: run `bbs run` without --resume/);
  });
});
