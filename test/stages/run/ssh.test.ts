// A builder whose central node is reached by rsync over ssh (a real sshd on
// 127.0.0.1): products arrive in products-in/<node>/ of the run, pushed in
// batches (asynchronous) or per job (synchronous). When the central node
// goes away mid-run, the run finishes, says which deliveries failed and exits
// non-zero; `bbs run --resume` then delivers them without rebuilding.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { materializeScenario, runScenario } from "../../fixtures/scenarios.js";
import { writeTestConfig, type TestConfig } from "../../fixtures/test-config.js";
import { useTempDirs } from "../../fixtures/tmp.js";
import { startSshd, type SshdFixture } from "../../transport/sshd.js";
import type { GitServer } from "../../fixtures/git-server.js";
import { jobLines, makeCli, prerun, readJobSummary, type CentralRunFixture } from "./helpers.js";

const dirs = useTempDirs();
let sshd: SshdFixture;
let server: GitServer;
const PACKAGES = ["runOk", "runBuildError"];

beforeAll(async () => {
  sshd = await startSshd();
  const scenario = runScenario();
  const subset = {
    ...scenario,
    packages: scenario.packages.filter((pkg) => PACKAGES.includes(pkg.name)),
    manifest: PACKAGES,
  };
  server = (await materializeScenario(subset, await dirs.make("run-ssh-fixture"))).server;
});

afterAll(async () => {
  await sshd.dispose();
});

async function builder(
  label: string,
  mode: "synchronous" | "asynchronous",
  run: Record<string, number> = {},
): Promise<{ config: TestConfig; central: CentralRunFixture; products: string }> {
  const root = await dirs.make(`run-ssh-${label}`);
  const config = writeTestConfig({
    workDir: join(root, "work"),
    gitServer: server,
    global: { central: { user: sshd.user } },
    host: {
      centralHost: sshd.host,
      tools: { ssh: sshd.sshCommand },
      transmissionMode: mode,
      slots: { install: 2, build: 2, check: 2 },
      run: { targetRepoPoll: 1, targetRepoTimeout: 10, ...run },
    },
  });
  const central = await prerun(config);
  return { config, central, products: join(central.runDir, "products-in", "local") };
}

function expectDelivered(products: string): void {
  expect(readJobSummary(join(products, "install"), "runOk", "install")?.status).toBe("OK");
  expect(readJobSummary(join(products, "buildsrc"), "runOk", "buildsrc")?.status).toBe("OK");
  expect(existsSync(join(products, "buildsrc", "runOk_1.0.0.tar.gz"))).toBe(true);
  expect(readJobSummary(join(products, "buildsrc"), "runBuildError", "buildsrc")?.status).toBe("ERROR");
  expect(existsSync(join(products, "buildsrc", "runBuildError.buildsrc-MISSING"))).toBe(true);
  expect(readJobSummary(join(products, "checksrc"), "runOk", "checksrc")?.status).toBe("OK");
  expect(readdirSync(join(products, "checksrc", "runOk.Rcheck"))).toContain("00check.log");
  for (const file of ["pkg_dep_graph.txt", "BBS_EndOfRun.txt", "jobs.ndjson", "NodeInfo/R-version.txt"])
    expect(existsSync(join(products, file)), file).toBe(true);
  expect(
    jobLines(join(products, "jobs.ndjson")).filter((line) => line.event === "job-finished" && line.state !== "skipped"),
  ).toHaveLength(5);
}

describe("central directory behind ssh", () => {
  it("asynchronous: the outbox is pushed over rsync+ssh, the final push of each stage completes it", async () => {
    const { config, products } = await builder("async", "asynchronous");
    const result = await makeCli(config).run(["run"]);
    expect(result.exitCode, result.all).toBe(0);
    expectDelivered(products);
    const pushLog = readFileSync(join(config.workDir, "products-out", "checksrc-push.log"), "utf8");
    expect(pushLog).toContain("LAST PUSH!");
    // Pushed into the node's incoming directory, moved into products-in/<node>/ once complete.
    expect(pushLog).toContain(`-> ${sshd.user}@${sshd.host}:${join(dirname(products), ".local.incoming")}/checksrc/`);
    expect(existsSync(join(dirname(products), ".local.incoming"))).toBe(false);
    expect(pushLog).toMatch(/DONE\. \d+ file\(s\) sent/);
  });

  it("synchronous: a central node that goes away makes the run fail naming the deliveries; --resume delivers them without rebuilding", async () => {
    const { config, central, products } = await builder("sync", "synchronous", {
      deliveryAttempts: 2,
      deliveryRetryDelay: 0,
    });
    const cli = makeCli(config);
    const meat = join(config.workDir, "meat");
    const running = cli.run(["run"]);
    // The central node disappears once the first job has finished.
    for (
      let attempt = 0;
      attempt < 2400 && !(existsSync(meat) && readdirSync(meat).some((name) => name.endsWith("-summary.dcf")));
      attempt += 1
    )
      await sleep(50);
    await sshd.stop();
    const failed = await running;
    await sshd.start();
    expect(failed.exitCode, failed.all).toBe(1);
    expect(failed.all).toMatch(
      /error\[BBS_TRANSPORT_FAILED\]: run \d{8}-\d{6} finished, but \d+ deliver(y|ies) to the central node failed after retries/,
    );
    expect(failed.all).toMatch(/ {2}- (checksrc\/runOk|BBS_EndOfRun\.txt): /);
    expect(failed.all).toMatch(
      /hint: fix the connection to the central node, then `bbs run --resume` delivers what did not arrive/,
    );
    // The results were made: the statuses are in meat, and printed.
    expect(failed.all).toMatch(/CHECK\s+(OK 1, skipped 1|skipped 1, OK 1)$/m);

    const resumed = await cli.run(["run", "--resume"]);
    expect(resumed.exitCode, resumed.all).toBe(0);
    expectDelivered(products);
    // Nothing ran again: the resumed invocation started no job.
    const starts = jobLines(join(products, "jobs.ndjson")).filter((line) => line.event === "job-started");
    expect(starts.map((line) => line.job).sort()).toEqual([
      "buildsrc:runBuildError",
      "buildsrc:runOk",
      "checksrc:runOk",
      "install:runBuildError",
      "install:runOk",
    ]);
    expect(central.runId).toMatch(/^\d{8}-\d{6}$/);
  });
});
