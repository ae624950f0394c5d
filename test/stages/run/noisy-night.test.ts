// Acceptance of issue 15: a night with one package whose INSTALL prints 1 GiB
// and one whose INSTALL prints a single 100 MiB line, beside a package whose
// INSTALL never ends and a plain one. Real prerun, run, postrun and report
// with real R. Every package gets its report page, bbs's own processes (every
// node process of bbs, measured by VmHWM in /proc at its exit; R excluded)
// peak under 500 MB, and the hanging job's timeout is honoured within 2 s,
// read from its job record (start and end times), not from a clock here.

import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { materializeScenario, type Scenario } from "../../fixtures/scenarios.js";
import { writeTestConfig, type TestConfig } from "../../fixtures/test-config.js";
import { useTempDirs } from "../../fixtures/tmp.js";
import { peakRssNodeOptions } from "../../util/helpers/peak-rss.js";
import { jobLines, makeCli, prerun, readJobSummary, type CentralRunFixture } from "./helpers.js";

const dirs = useTempDirs();
// Room for writing 1 GiB on a loaded machine; the hanging job waits for it in any case.
const INSTALL_TIMEOUT = 60;
const PACKAGES = ["plainPkg", "noisyPkg", "longLinePkg", "hangPkg"];
const SCENARIO: Scenario = {
  name: "noisy-night",
  packages: [
    { name: "plainPkg", purpose: "plain", spec: { name: "plainPkg", version: "1.0.0" } },
    {
      name: "noisyPkg",
      purpose: "prints 1 GiB of lines when installed",
      spec: { name: "noisyPkg", version: "1.0.0", installTimeCode: 'system("yes noisy package | head -c 1073741824")' },
    },
    {
      name: "longLinePkg",
      purpose: "prints one line of 100 MiB when installed",
      spec: { name: "longLinePkg", version: "1.0.0", installTimeCode: 'cat(strrep("x", 104857600), "\\n")' },
    },
    {
      name: "hangPkg",
      purpose: "its INSTALL never ends by itself",
      spec: { name: "hangPkg", version: "1.0.0", installTimeCode: "Sys.sleep(1e6)" },
    },
  ],
  manifest: PACKAGES,
};

let config: TestConfig;
let central: CentralRunFixture;
const peaksMb: number[] = [];
const outputs: string[] = [];

function peaks(stderr: string): number[] {
  return [...stderr.matchAll(/^bbs-test-peak-rss-kb: (\d+)$/gm)].map((match) => Number(match[1]) / 1024);
}

beforeAll(async () => {
  const root = await dirs.make("noisy-night");
  const { server } = await materializeScenario(SCENARIO, join(root, "fixture"));
  config = writeTestConfig({
    workDir: join(root, "work"),
    gitServer: server,
    global: { timeouts: { install: INSTALL_TIMEOUT } },
    host: { slots: { install: 4, build: 2, check: 2 }, timeouts: { killGrace: 2 }, run: { targetRepoPoll: 1 } },
  });
  central = await prerun(config);
  const cli = makeCli(config);
  // Every node process bbs starts prints its own peak RSS when it exits.
  const env = { NODE_OPTIONS: peakRssNodeOptions().join(" ") };
  for (const args of [["run", "--stages", "2"], ["postrun"], ["report"]]) {
    const result = await cli.run(args, { env });
    outputs.push(result.all ?? "");
    if (result.exitCode !== 0) throw new Error(`bbs ${args.join(" ")} failed:\n${(result.all ?? "").slice(-4000)}`);
    peaksMb.push(...peaks(result.all ?? ""));
  }
}, 900_000);

describe("a night with a 1 GiB log and a 100 MiB line", () => {
  it("records every package's INSTALL, the noisy ones in full", () => {
    const products = join(central.runDir, "products-in", config.nodeId, "install");
    for (const pkg of ["plainPkg", "noisyPkg", "longLinePkg"])
      expect(readJobSummary(products, pkg, "install")?.status, pkg).toBe("OK");
    expect(readJobSummary(products, "hangPkg", "install")?.status).toBe("TIMEOUT");
    expect(statSync(join(products, "noisyPkg.install-out.txt")).size).toBeGreaterThan(1024 ** 3);
  });

  it("gives a complete report for every package", () => {
    const reportDir = config.load().values["report.path"];
    for (const pkg of PACKAGES) expect(existsSync(join(reportDir, pkg, "index.html")), pkg).toBe(true);
    expect(readFileSync(join(reportDir, "index.html"), "utf8")).toContain("noisyPkg");
  });

  it("keeps bbs's own processes under 500 MB", () => {
    expect(peaksMb.length).toBeGreaterThanOrEqual(3);
    expect(
      Math.max(...peaksMb),
      `peaks (MB) of the bbs processes: ${peaksMb.map((mb) => mb.toFixed(0)).join(", ")}`,
    ).toBeLessThan(500);
  });

  it("honours the hanging job's timeout within 2 s, by its job record", () => {
    const ndjson = join(central.runDir, "products-in", config.nodeId, "jobs.ndjson");
    const finished = jobLines(existsSync(ndjson) ? ndjson : join(config.workDir, "jobs.ndjson")).find(
      (line) => line.event === "job-finished" && line.package === "hangPkg" && line.stage === "install",
    );
    expect(finished?.status).toBe("TIMEOUT");
    const elapsed = (Date.parse(finished!.endedAt!) - Date.parse(finished!.startedAt!)) / 1000;
    expect(elapsed).toBeGreaterThanOrEqual(INSTALL_TIMEOUT);
    expect(elapsed).toBeLessThan(INSTALL_TIMEOUT + 2);
  });
});
