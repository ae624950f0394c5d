// Acceptance: one of three configured nodes never delivered (BBS crashed
// here, BBS#30/#31/#297). `bbs postrun` exits 0; mac1's cells are NA;
// OUTGOING and the propagation DB hold the other nodes' packages; postrun.json
// says mac1 is absent and since which run; an alert is written and mailed to
// notify.opsEmail through a real SMTP server.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HistoryStore } from "../../../src/history/store.js";
import { RESULTS_RUN_KIND, resultsRunId } from "../../../src/results/history.js";
import { readPostrunState } from "../../../src/results/postrun-state.js";
import { bbsInProcess, golden, type CliResult } from "./cli.js";
import { useTempDirs } from "../../fixtures/tmp.js";
import { startSmtpd, type SmtpdFixture } from "../../notify/smtpd.js";
import { deliverScenario, finishNode, MEAT, RUN_ID, SKIPPED, SNAPSHOT, startRun, threeNodeConfig } from "./fixture.js";
import { builtProducts } from "./products.js";

const temp = useTempDirs();

describe("postrun with one of three nodes absent", () => {
  let smtp: SmtpdFixture;
  let runDir: string;
  let configDir: string;
  let historyDb: string;
  let result: CliResult;

  beforeAll(async () => {
    const products = await builtProducts();
    smtp = await startSmtpd();
    const root = await temp.make("absent");
    const repo = join(root, "final-repo");
    const config = threeNodeConfig(join(root, "work"), {
      propagation: { finalRepo: pathToFileURL(repo).href, rVersion: "4.2" },
      notify: { smtp: { host: smtp.host, port: smtp.port }, opsEmail: "ops@bbs-fixtures.example.org" },
    });
    configDir = config.dir;
    historyDb = config.load().values.historyDb;
    // The central history knows mac1 finished two runs ago and was absent the run before this one.
    const store = HistoryStore.open(historyDb);
    const day = 24 * 3600_000;
    store.recordRun(
      {
        runId: resultsRunId("20261119-135500", "mac1"),
        node: "mac1",
        kind: RESULTS_RUN_KIND,
        startedAt: new Date(SNAPSHOT.getTime() - 2 * day),
        state: "finished",
      },
      [],
    );
    store.recordRun(
      {
        runId: resultsRunId("20261120-135500", "mac1"),
        node: "mac1",
        kind: RESULTS_RUN_KIND,
        startedAt: new Date(SNAPSHOT.getTime() - day),
        state: "absent",
      },
      [],
    );
    store.close();
    runDir = startRun(config, MEAT, SKIPPED);
    deliverScenario(runDir, products, ["linux1", "win1"]);
    finishNode(runDir, "linux1");
    finishNode(runDir, "win1");
    result = await bbsInProcess(["--config", configDir, "--host", "linux1", "postrun"]);
  });

  afterAll(async () => {
    await smtp?.stop();
  });

  it("exits 0 and prints its progress", () => {
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /WARNING: node mac1 is absent: nothing under products-in\/mac1\/; not finished since run 20261120-135500, last finished run 20261119-135500/,
    );
    expect(result.stdout).toContain("[outgoing] mac.binary.big-sur-arm64: ");
    expect(result.stdout).toContain("postrun done");
  });

  it("writes NA for every cell of the absent node", () => {
    const expected = golden("BUILD_STATUS_DB.txt").replace(/^(\S+#mac1#\S+): \S+$/gm, "$1: NA");
    expect(readFileSync(join(runDir, "BUILD_STATUS_DB.txt"), "utf8")).toBe(expected);
  });

  it("fills OUTGOING and the propagation DB for the other nodes", () => {
    expect(readdirSync(join(runDir, "OUTGOING/source")).sort()).toEqual(
      [
        "Alpha_1.0.0.tar.gz",
        "checkWarn_1.0.0.tar.gz",
        "installErr_1.0.0.tar.gz",
        "noWin_1.0.0.tar.gz",
        "PACKAGES",
        "PACKAGES.gz",
      ].sort(),
    );
    expect(readdirSync(join(runDir, "OUTGOING/win.binary")).filter((name) => name.endsWith(".zip"))).toHaveLength(4);
    expect(readdirSync(join(runDir, "OUTGOING/mac.binary.big-sur-arm64")).sort()).toEqual(["PACKAGES", "PACKAGES.gz"]);
    const db = readFileSync(join(runDir, "PROPAGATION_STATUS_DB.txt"), "utf8");
    expect(db).not.toContain("#mac.binary");
    expect(db.split("\n").filter((line) => line.includes("#source#") || line.includes("#win.binary#"))).toHaveLength(8);
  });

  it("generates and publishes a report that marks the absent node", () => {
    const published = join(configDir, "..", "published-report");
    const report = JSON.parse(readFileSync(join(published, "report.json"), "utf8")) as {
      nodes: Array<{ id: string; state: string }>;
    };
    expect(report.nodes.find((node) => node.id === "mac1")?.state).toBe("absent");
    expect(readFileSync(join(published, "index.html"), "utf8")).toContain(
      "Node mac1 delivered no results for this run",
    );
  });

  it("records the absent node and since when in postrun.json and the history", () => {
    const mac1 = readPostrunState(runDir)?.nodes.find((node) => node.id === "mac1");
    expect(mac1).toEqual({
      id: "mac1",
      state: "absent",
      notFinishedSince: { runId: "20261120-135500", at: new Date(SNAPSHOT.getTime() - 24 * 3600_000).toISOString() },
      lastFinishedRun: { runId: "20261119-135500", at: new Date(SNAPSHOT.getTime() - 48 * 3600_000).toISOString() },
    });
    const store = HistoryStore.open(historyDb, { readonly: true });
    expect(store.run(resultsRunId(RUN_ID, "mac1"))?.state).toBe("absent");
    store.close();
  });

  it("writes the operator alert and mails it to notify.opsEmail", () => {
    const alerts = readdirSync(join(runDir, "alerts"));
    expect(alerts).toHaveLength(1);
    const text = readFileSync(join(runDir, "alerts", alerts[0]!), "utf8");
    expect(text).toContain("- node mac1 is absent: nothing under products-in/mac1/");
    expect(text).toContain(
      "OUTGOING/mac.binary.big-sur-arm64 stays empty: no mac.binary.big-sur-arm64 package propagates from this run.",
    );
    const mails = smtp.messages();
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({
      rcptTos: ["ops@bbs-fixtures.example.org"],
      subject: "[bbs] Postrun alert for 3.16 bioc builds on linux1: mac1 absent",
      from: "BBS-noreply@bioconductor.org",
    });
    expect(mails[0]?.body).toBe(text);
    expect(readPostrunState(runDir)?.alerts[0]?.mailed).toBe(true);
    expect(existsSync(join(runDir, "postrun.log"))).toBe(true);
  });

  it("--reporter ndjson: one JSON event per line on stdout, postrun.log still gets its lines", async () => {
    const logBefore = readFileSync(join(runDir, "postrun.log"), "utf8");
    const again = await bbsInProcess([
      "--config",
      configDir,
      "--host",
      "linux1",
      "postrun",
      "--only",
      "status-db",
      "--reporter",
      "ndjson",
    ]);
    expect(again.stderr).toBe("");
    expect(again.code).toBe(0);
    const events = again.stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.map((event) => event["kind"])).toEqual(["run-start", "note", "step-start", "step-end", "run-end"]);
    expect(events[0]).toMatchObject({ command: "postrun", level: "info", runId: RUN_ID });
    expect(events[1]).toMatchObject({ kind: "note", level: "warning" });
    expect(String(events[1]?.["message"])).toMatch(/^node mac1 is absent/);
    expect(events[3]).toMatchObject({ step: "status-db", status: "ok" });
    expect(events[4]).toMatchObject({ message: "postrun done", failed: [] });
    const added = readFileSync(join(runDir, "postrun.log"), "utf8").slice(logBefore.length).trimEnd().split("\n");
    expect(added).toHaveLength(events.length);
    for (const line of added) expect(line).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} /);
    expect(added[1]).toMatch(/ WARNING: node mac1 is absent/);
    expect(added[4]).toMatch(/ postrun done$/);
  });
});
