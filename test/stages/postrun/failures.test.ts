// What postrun does when something is wrong: a step that fails is alerted
// and recorded, the steps that do not depend on it still run, and the
// command exits 1; a run without a meat index, or a bad --run, is refused
// with a clear error; the blocking rules per build type.

import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readPostrunState } from "../../../src/results/postrun-state.js";
import { blockReason } from "../../../src/stages/postrun/blocking.js";
import { runPostrun } from "../../../src/stages/postrun/postrun.js";
import { freePort } from "../../transport/sshd.js";
import { bbsInProcess } from "./cli.js";
import { useTempDirs } from "../../fixtures/tmp.js";
import { deliverCells, finishNode, MEAT, startRun, threeNodeConfig } from "./fixture.js";

const temp = useTempDirs();

describe("a failing step", () => {
  it("is alerted and recorded, later independent steps run, the command exits 1", async () => {
    const root = await temp.make("failing-step");
    // The SMTP server is down: the alert is still written, its mailing fails quietly.
    const closedPort = await freePort();
    const config = threeNodeConfig(join(root, "work"), {
      propagation: { finalRepo: "ftp://repo.example.org/bioc" },
      notify: { smtp: { host: "127.0.0.1", port: closedPort } },
    });
    const runDir = startRun(config, MEAT);
    deliverCells(runDir);
    for (const node of ["linux1", "win1", "mac1"]) finishNode(runDir, node);
    const result = await bbsInProcess(["--config", config.dir, "--host", "linux1", "postrun"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "error[BBS_STEP_FAILED]: postrun of run 20261121-135500: step(s) propagation-db failed",
    );
    const state = readPostrunState(runDir);
    expect(
      Object.fromEntries(Object.entries(state?.steps ?? {}).map(([step, record]) => [step, record.status])),
    ).toEqual({
      "status-db": "ok",
      outgoing: "ok",
      "propagation-db": "failed",
      history: "ok",
      report: "ok",
      publish: "ok",
    });
    expect(state?.steps["propagation-db"]?.error).toContain(
      "propagation.finalRepo: ftp://repo.example.org/bioc has unsupported scheme ftp:",
    );
    expect(state?.alerts).toHaveLength(1);
    const alert = readFileSync(join(runDir, state?.alerts[0]?.file ?? ""), "utf8");
    expect(alert).toContain("Subject: [bbs] Postrun alert for 3.16 bioc builds on linux1: step propagation-db failed");
    expect(alert).toContain("Re-run it with: bbs postrun --only propagation-db");
    expect(state?.alerts[0]?.mailed).toBe(false);
    expect(result.stdout).toMatch(/WARNING: could not mail the alert to maintainer@bioconductor.org: .*ECONNREFUSED/);
    expect(() => readFileSync(join(runDir, "PROPAGATION_STATUS_DB.txt"))).toThrow(/ENOENT/);
  });

  it("refuses a run without meat index and an unknown --run", async () => {
    const root = await temp.make("no-index");
    const testConfig = threeNodeConfig(join(root, "work"));
    const runDir = startRun(testConfig, MEAT);
    rmSync(join(runDir, "meat-index.dcf"));
    const config = testConfig.load();
    await expect(runPostrun(config, { env: {} })).rejects.toThrow(
      /has no meat-index.dcf: prerun did not finish its index step/,
    );
    await expect(runPostrun(config, { env: {}, runId: "20200101-000000" })).rejects.toThrow(
      /run 20200101-000000 does not exist/,
    );
    await expect(runPostrun(config, { env: {}, runId: "../x" })).rejects.toThrow(/is not a run id/);
  });
});

describe("blocking rules", () => {
  const statuses = (values: Record<string, string>) => (stage: string) => values[stage];
  it("follow spec 5.2 for each build type and node kind", () => {
    expect(blockReason(statuses({ buildsrc: "OK" }), "workflows", "source")).toBeUndefined();
    expect(blockReason(statuses({ buildsrc: "OK" }), "books", "source")).toBe("CHECK result missing");
    expect(blockReason(statuses({ buildsrc: "OK", checksrc: "WARNINGS" }), "bioc", "source")).toBeUndefined();
    expect(blockReason(statuses({ buildsrc: "OK", checksrc: "OK" }), "bioc", "win.binary")).toBe(
      "BUILD BIN result missing",
    );
    expect(
      blockReason(statuses({ install: "ERROR", buildsrc: "OK", checksrc: "OK", buildbin: "OK" }), "bioc", "win.binary"),
    ).toBeUndefined();
    expect(blockReason(statuses({ buildsrc: "TIMEOUT" }), "workflows", "source")).toBe("BUILD TIMEOUT");
  });
});
