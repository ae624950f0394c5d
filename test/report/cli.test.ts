// `bbs report` and `bbs serve` through the CLI's main() (in process: the
// commands are thin; the server itself is tested in serve.test.ts).

import { existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { execa } from "execa";
import { main } from "../../src/cli/main.js";
import { generateReport } from "../../src/report/index.js";
import { transpileCli } from "../util/helpers/transpile.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { RUN_ID, oneNodeRun, type Fixture } from "./fixture.js";

const temp = useTempDirs();
let fixture: Fixture;

async function bbs(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(["node", "bbs", "--config", fixture.config.dir, "--host", "solo1", ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

beforeAll(async () => {
  fixture = oneNodeRun(await temp.make("report-cli"));
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("bbs report", () => {
  it("fails with a hint while there is no current run", async () => {
    const result = await bbs(["report"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error[BBS_PRECONDITION]: run directory");
    expect(result.stderr).toContain("hint: central.dir is created by `bbs prerun`");
  });

  it("reports the current run (central.dir) into report.path", async () => {
    const centralDir = fixture.config.central.values["central.dir"];
    mkdirSync(dirname(centralDir), { recursive: true });
    symlinkSync(fixture.runDir, centralDir);
    const result = await bbs(["report"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(`^report of run ${RUN_ID}: 13 packages, \\d+ pages, \\d+ files in [0-9.]+ s$`, "m"),
    );
    const reportDir = fixture.config.central.values["report.path"];
    expect(readFileSync(join(reportDir, "index.html"), "utf8")).toContain("Build/check report for BioC 3.21");
    // report.path is inside the run's directory (central.dir/report): the run keeps its report.
    expect(existsSync(join(fixture.runDir, "report", "index.html"))).toBe(true);
  });

  it("takes another run and report directory, and prints JSON on request", async () => {
    const out = join(fixture.root, "elsewhere");
    const result = await bbs(["report", "--run-dir", fixture.runDir, "--report-dir", out, "--json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      reportDir: out,
      runId: RUN_ID,
      packages: 13,
      nodes: [{ id: "solo1", state: "finished" }],
    });
    expect(existsSync(join(out, "solo1-timeline.html"))).toBe(true);
  });
});

describe("bbs serve", () => {
  it("serves a report over HTTP until interrupted", async () => {
    const launcher = transpileCli(await temp.make("report-serve-cli"));
    const reportDir = join(fixture.root, "served");
    await generateReport({
      central: fixture.config.central,
      hosts: fixture.config.hosts,
      runDir: fixture.runDir,
      reportDir,
    });
    const child = execa(
      "node",
      [launcher, "--config", fixture.config.dir, "--host", "solo1", "serve", "--dir", reportDir, "--port", "0"],
      { reject: false },
    );
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
      void child.then((result) => reject(new Error(`bbs serve ended: ${result.stderr}`)));
    });
    const index = await fetch(`${url}index.html`);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain("Build/check report for BioC 3.21");
    expect((await fetch(`${url}Alpha/raw-results/`)).status).toBe(200);
    child.kill("SIGINT");
    const result = await child;
    expect(result.exitCode).toBe(0);
  });

  it("refuses a directory that does not exist, and a bad port", async () => {
    const missing = await bbs(["serve", "--dir", join(fixture.root, "nope")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("error[BBS_PRECONDITION]: report directory");
    const port = await bbs(["serve", "--dir", fixture.root, "--port", "http"]);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain("error[BBS_USAGE]: --port http is not a port number");
  });
});
