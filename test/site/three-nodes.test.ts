// Acceptance of the multi-node site (issue 12): on one machine, node central1
// (central node and builder), node builder2 with its own work directory and R
// library reaching the central node only through a real sshd on loopback (its
// own host key, an authorized key made here), and node builder3 configured but
// never started. prerun on central1; both builders at once, builder2 killed
// with kill -9 while it delivers and resumed; `bbs status --json` during the
// run; `bbs postrun --wait --max-wait` (builder3 NA, the absent alert, the
// report in Chromium with a column per node). Then the faults of a second run:
// a builder started on the replaced run is refused, and the sshd stopped while
// builder2 delivers ends its run with an error naming host and port (exit 1),
// after which postrun treats builder2 as unfinished.
// Real R on two tiny generated packages (runOk, runBuildError).

import { existsSync, readdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { materializeScenario, runScenario } from "../fixtures/scenarios.js";
import { writeTestConfig, type TestConfig } from "../fixtures/test-config.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { startSshd, type SshdFixture } from "../transport/sshd.js";
import { launchChromium, type Chromium } from "../report/browser.js";
import { makeCli, readJobSummary, type Cli } from "../stages/run/helpers.js";
import type { SiteStatus } from "../../src/stages/postrun/site-status.js";

const dirs = useTempDirs();
const PACKAGES = ["runOk", "runBuildError"];
let sshd: SshdFixture;
let config: TestConfig;
let cli: Cli;
let firstRun: string;
const seenStatuses: SiteStatus[] = [];
let killedWhile = "";
let kept: { products: boolean; incoming: string[] } = { products: false, incoming: [] };
let resumedOutput = "";
let postrunOutput = "";
let postrunExit: number | undefined;

const as = (node: string) => ({ env: { BBS_NODE_ID: node } });

async function statusJson(): Promise<SiteStatus | undefined> {
  const result = await cli.run(["status", "--json"], as("central1"));
  return result.exitCode === 0 ? (JSON.parse(result.stdout) as SiteStatus) : undefined;
}

function statusesOf(products: string): Record<string, string> {
  const statuses: Record<string, string> = {};
  for (const pkg of PACKAGES)
    for (const stage of ["install", "buildsrc", "checksrc"]) {
      const summary = readJobSummary(join(products, stage), pkg, stage);
      if (summary !== undefined) statuses[`${stage}:${pkg}`] = summary.status;
    }
  return statuses;
}

beforeAll(async () => {
  sshd = await startSshd({ alias: "central1-via-ssh" });
  const root = await dirs.make("site");
  const scenario = runScenario();
  const subset = {
    ...scenario,
    packages: scenario.packages.filter((pkg) => PACKAGES.includes(pkg.name)),
    manifest: PACKAGES,
  };
  const { server } = await materializeScenario(subset, join(root, "fixture"));
  const central = join(root, "central1", "central");
  config = writeTestConfig({
    workDir: join(root, "central1"),
    nodeId: "central1",
    gitServer: server,
    global: {
      // The central directory as the central node sees it: the same for every node.
      central: { dir: central },
      reportNodes: ["central1", "builder2", "builder3"],
      report: { publishDest: join(root, "published") },
    },
    host: {
      slots: { install: 2, build: 2, check: 2 },
      run: { targetRepoPoll: 1, targetRepoTimeout: 60, heartbeatInterval: 1 },
    },
  });
  const builderHost = (node: string) => ({
    ...config.layers.host,
    nodeId: node,
    workDir: join(root, node),
    rLibs: join(root, node, "R-library"),
    centralHost: sshd.host,
    tools: { ssh: sshd.sshCommand },
    run: { targetRepoPoll: 1, targetRepoTimeout: 60, heartbeatInterval: 1, deliveryAttempts: 2, deliveryRetryDelay: 0 },
  });
  writeFileSync(join(config.dir, "hosts", "builder2.yaml"), stringify(builderHost("builder2")));
  writeFileSync(join(config.dir, "hosts", "builder3.yaml"), stringify(builderHost("builder3")));
  cli = makeCli(config);

  const prerun = await cli.run(["prerun"], as("central1"));
  if (prerun.exitCode !== 0) throw new Error(`prerun failed:\n${prerun.all}`);
  firstRun = realpathSync(central);

  // Both builders at once; `bbs status` is sampled while they work.
  const central1 = cli.run(["run"], as("central1"));
  const builder2 = cli.run(["run"], as("builder2"));
  const incoming = join(firstRun, "products-in", ".builder2.incoming");
  const delivered = () =>
    existsSync(join(incoming, "install")) &&
    readdirSync(join(incoming, "install")).some((name) => name.endsWith("-summary.dcf"));
  for (let look = 0; look < 1200 && !delivered(); look += 1) {
    const status = await statusJson();
    if (status !== undefined) seenStatuses.push(status);
    await sleep(100);
  }
  // kill -9 while builder2 delivers: its delivery is neither complete nor visible as products-in/builder2.
  killedWhile = readdirSync(join(incoming, "install")).join(" ");
  builder2.kill("SIGKILL");
  await builder2;
  kept = { products: existsSync(join(firstRun, "products-in", "builder2")), incoming: readdirSync(incoming) };
  const status = await statusJson();
  if (status !== undefined) seenStatuses.push(status);
  const resumed = await cli.run(["run", "--resume"], as("builder2"));
  resumedOutput = `exit ${resumed.exitCode}\n${resumed.all}`;
  const done = await central1;
  if (done.exitCode !== 0) throw new Error(`central1's run failed:\n${done.all}`);

  const postrun = await cli.run(["postrun", "--wait", "--max-wait", "3s", "--poll", "1s"], as("central1"));
  postrunOutput = postrun.all ?? "";
  postrunExit = postrun.exitCode;
}, 600_000);

afterAll(async () => {
  await sshd?.dispose();
});

describe("a site of three nodes", () => {
  it("bbs status --json during the run shows both builders running with progress", () => {
    const running = (node: string) =>
      seenStatuses.some((status) =>
        status.nodes.some((entry) => entry.node === node && entry.state === "running" && (entry.jobsTotal ?? 0) > 0),
      );
    expect(running("central1")).toBe(true);
    expect(running("builder2")).toBe(true);
    const sample = seenStatuses.find((status) =>
      status.nodes.some((node) => node.node === "builder2" && node.state === "running"),
    );
    expect(sample?.nodes.find((node) => node.node === "builder3")?.state).toBe("not started");
    expect(sample?.postrun.waitingFor).toContain("builder3");
    expect(sample?.postrun.now).toMatch(/as NA \(not finished\) and alert; `bbs postrun --wait` waits for them first/);
  });

  it("a builder killed with kill -9 mid-delivery leaves no half delivery; --resume completes it with the statuses of an uninterrupted run", () => {
    expect(killedWhile).toMatch(/-summary\.dcf/);
    expect(kept.products).toBe(false);
    expect(kept.incoming).toContain("install");
    expect(resumedOutput).toMatch(/^exit 0/);
    const products = join(firstRun, "products-in");
    expect(existsSync(join(products, ".builder2.incoming"))).toBe(false);
    expect(existsSync(join(products, "builder2", "BBS_EndOfRun.txt"))).toBe(true);
    // builder2 has the platform of central1: an uninterrupted run there is the reference.
    expect(statusesOf(join(products, "builder2"))).toEqual(statusesOf(join(products, "central1")));
    expect(statusesOf(join(products, "builder2"))).toMatchObject({
      "install:runOk": "OK",
      "buildsrc:runBuildError": "ERROR",
    });
  });

  it("postrun --wait waits for builder3 until the deadline, then runs with builder3 NA", () => {
    expect(postrunExit, postrunOutput).toBe(0);
    expect(postrunOutput).toMatch(/\[wait\] waiting for builder3 not started/);
    expect(postrunOutput).toMatch(/deadline reached after \d+ s: builder3 not finished, postrun runs without it/);
    const db = readFileSync(join(firstRun, "BUILD_STATUS_DB.txt"), "utf8");
    expect(db).toContain("runOk#central1#checksrc: OK");
    expect(db).toContain("runOk#builder2#checksrc: OK");
    expect(db).toContain("runOk#builder3#install: NA");
    expect(db).toContain("runBuildError#builder2#buildsrc: ERROR");
  });

  it("the report, in Chromium, has a column per node and says builder3 is absent", async () => {
    const browser: Chromium = await launchChromium();
    try {
      const page = await browser.context.newPage();
      // With BBS's simple layout index.html has one glyph per package and no node table (spec
      // 6d); the columns per node are on the long report.
      const long = join(firstRun, "report", "long-report.html");
      await page.goto(pathToFileURL(existsSync(long) ? long : join(firstRun, "report", "index.html")).href);
      const text = await page.locator("body").innerText();
      for (const node of ["central1", "builder2", "builder3"]) expect(text).toContain(node);
      expect(text).toMatch(/Node builder3 delivered no results for this run/);
      const nodeTable = await page.locator("table.node_specs").innerText();
      expect(nodeTable).toMatch(/builder3[\s\S]*absent/);
    } finally {
      await browser.close();
    }
  });
});

describe("faults of a second run", () => {
  let secondRun: string;

  beforeAll(async () => {
    const prerun = await cli.run(["prerun"], as("central1"));
    if (prerun.exitCode !== 0) throw new Error(`second prerun failed:\n${prerun.all}`);
    secondRun = realpathSync(config.load().values["central.dir"]);
  }, 300_000);

  it("a builder started on the run the central node has replaced is refused", async () => {
    const firstId = firstRun.split("/").pop() as string;
    const secondId = secondRun.split("/").pop() as string;
    const result = await cli.run(["run", "--run", firstId], as("builder2"));
    expect(result.exitCode).toBe(2);
    expect(result.all).toContain(
      `error[BBS_PRECONDITION]: run ${firstId} was replaced by run ${secondId} on the central node`,
    );
    const resumed = await cli.run(["run", "--resume"], as("builder2"));
    expect(resumed.exitCode).toBe(2);
    expect(resumed.all).toContain(`nothing to resume: the central node has replaced run ${firstId}`);
  });

  it("the sshd stopped while builder2 delivers: retries, then an error naming host and port, exit 1; postrun treats builder2 as unfinished", async () => {
    const meat = join(config.workDir, "..", "builder2", "meat");
    const running = cli.run(["run", "--stages", "2"], as("builder2"));
    for (
      let look = 0;
      look < 2400 && !(existsSync(meat) && readdirSync(meat).some((name) => name.endsWith(".install-summary.dcf")));
      look += 1
    )
      await sleep(50);
    await sshd.stop();
    const failed = await running;
    await sshd.start();
    expect(failed.exitCode, failed.all).toBe(1);
    expect(failed.all).toMatch(/error\[BBS_TRANSPORT_FAILED\]/);
    expect(failed.all).toContain(`port ${sshd.port}`);
    expect(failed.all).toMatch(/127\.0\.0\.1/);
    expect(existsSync(join(secondRun, "products-in", "builder2"))).toBe(false);
    const postrun = await cli.run(["postrun"], as("central1"));
    expect(postrun.exitCode, postrun.all).toBe(0);
    expect(postrun.all).toMatch(/node builder2 has not finished: no BBS_EndOfRun\.txt/);
  });
});
