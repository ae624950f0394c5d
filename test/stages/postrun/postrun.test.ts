// `bbs postrun` on a three-node fixture run covering every status and
// blocking rule, with real products (R-built tarballs, binaries packed from
// an R library): BUILD_STATUS_DB.txt, OUTGOING and PROPAGATION_STATUS_DB.txt
// against golden files written from the spec, hard links, the binary indexes
// against R's own write_PACKAGES, postrun.json, alerts and the central history.

import { execa } from "execa";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import type { ResolvedConfig } from "../../../src/config/load.js";
import { HistoryStore } from "../../../src/history/store.js";
import { repositoryLayout } from "../../../src/propagation/layout.js";
import { prepareUpdatePlan } from "../../../src/propagation/update.js";
import { RESULTS_RUN_KIND, resultsRunId } from "../../../src/results/history.js";
import { readPostrunState } from "../../../src/results/postrun-state.js";
import type { PostrunEvent } from "../../../src/stages/postrun/log.js";
import { type OutgoingReport } from "../../../src/stages/postrun/outgoing.js";
import { OUTGOING_REPORT_FILE } from "../../../src/layout/central.js";
import { postrunLockPath, runPostrun, type PostrunResult } from "../../../src/stages/postrun/postrun.js";
import { acquireLock } from "../../../src/util/lock.js";
import { golden } from "./cli.js";
import { useTempDirs } from "../../fixtures/tmp.js";
import { deliverScenario, finishNode, MEAT, RUN_ID, SKIPPED, startRun, threeNodeConfig } from "./fixture.js";
import { builtProducts, type Products } from "./products.js";

const temp = useTempDirs();

function writeIndex(dir: string, text: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "PACKAGES"), text);
}

/** The published repository the propagation DB compares with. */
function finalRepo(root: string): string {
  const repo = join(root, "final-repo");
  writeIndex(
    join(repo, "src/contrib"),
    "Package: Alpha\nVersion: 1.0.0\nNeedsCompilation: no\n\nPackage: checkWarn\nVersion: 2.0\n",
  );
  writeIndex(join(repo, "bin/macosx/big-sur-arm64/contrib/4.2"), "Package: installErr\nVersion: 1.0.0\n");
  return pathToFileURL(repo).href;
}

function listFiles(dir: string, base: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name), base) : [relative(base, join(dir, entry.name))],
  );
}

const byLowercase = (a: string, b: string): number =>
  a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0;

/** OUTGOING as the golden file shows it: its files, then per type what went in and why the rest did not. */
function renderOutgoing(runDir: string): string {
  const lines = [
    "files:",
    ...listFiles(join(runDir, "OUTGOING"), runDir)
      .sort(byLowercase)
      .map((file) => `  ${file}`),
  ];
  const report = JSON.parse(readFileSync(join(runDir, OUTGOING_REPORT_FILE), "utf8")) as OutgoingReport;
  for (const type of report.types) {
    lines.push(`${type.pkgType} <- ${type.nodeId}/${type.stage} (${type.nodeState})`);
    const index = readFileSync(join(runDir, "OUTGOING", type.pkgType, "PACKAGES"), "utf8");
    const entries = [...index.matchAll(/^Package: (\S+)\nVersion: (\S+)$/gm)].map((match) => `${match[1]} ${match[2]}`);
    lines.push(`  PACKAGES: ${entries.join(", ")}`);
    for (const blocked of type.blocked) lines.push(`  blocked ${blocked.package}: ${blocked.reason}`);
    for (const missing of type.missing) lines.push(`  missing ${missing.file}`);
  }
  return `${lines.join("\n")}\n`;
}

describe("postrun of a three-node run (mac1 still running)", () => {
  let products: Products;
  let root: string;
  let runDir: string;
  let config: ResolvedConfig;
  let result: PostrunResult;
  const events: PostrunEvent[] = [];

  beforeAll(async () => {
    products = await builtProducts();
    root = await temp.make("postrun");
    const testConfig = threeNodeConfig(join(root, "work"), {
      propagation: { finalRepo: finalRepo(root), rVersion: "4.2" },
    });
    config = testConfig.load();
    runDir = startRun(testConfig, MEAT, SKIPPED);
    deliverScenario(runDir, products);
    finishNode(runDir, "linux1");
    finishNode(runDir, "win1");
    result = await runPostrun(config, { env: {}, onEvent: (event) => events.push(event) });
  });

  it("writes BUILD_STATUS_DB.txt exactly (order, skipped, NA, :bin stages, unsupported and foreign nodes left out)", () => {
    expect(readFileSync(join(runDir, "BUILD_STATUS_DB.txt"), "utf8")).toBe(golden("BUILD_STATUS_DB.txt"));
  });

  it("fills OUTGOING by the per-node blocking rules, with hard links, manuals and indexes", () => {
    expect(renderOutgoing(runDir)).toBe(golden("OUTGOING.txt"));
    const linked = statSync(join(runDir, "OUTGOING/source/Alpha_1.0.0.tar.gz"));
    expect(linked.ino).toBe(statSync(join(runDir, "products-in/linux1/buildsrc/Alpha_1.0.0.tar.gz")).ino);
    expect(statSync(join(runDir, "OUTGOING/manuals/Alpha.pdf")).ino).toBe(
      statSync(join(runDir, "products-in/linux1/checksrc/Alpha.Rcheck/Alpha-manual.pdf")).ino,
    );
    expect(readdirSync(runDir).filter((name) => name.startsWith(".OUTGOING"))).toEqual([]);
  });

  it("indexes every subdirectory as R's write_PACKAGES does", async () => {
    for (const [dir, type] of [
      ["source", "source"],
      ["win.binary", "win.binary"],
      ["mac.binary.big-sur-arm64", "mac.binary"],
    ] as const) {
      const copy = join(root, `r-index-${dir}`);
      cpSync(join(runDir, "OUTGOING", dir), copy, { recursive: true });
      await execa("Rscript", ["-e", `invisible(tools::write_PACKAGES("${copy}", type = "${type}"))`]);
      expect(readFileSync(join(runDir, "OUTGOING", dir, "PACKAGES"), "utf8"), dir).toBe(
        readFileSync(join(copy, "PACKAGES"), "utf8"),
      );
    }
  });

  it("writes PROPAGATION_STATUS_DB.txt exactly", () => {
    expect(readFileSync(join(runDir, "PROPAGATION_STATUS_DB.txt"), "utf8")).toBe(golden("PROPAGATION_STATUS_DB.txt"));
  });

  it("hands bbs propagate update an OUTGOING and a DB it accepts", () => {
    mkdirSync(config.values["propagation.stagingDir"] ?? "", { recursive: true });
    const plan = prepareUpdatePlan(repositoryLayout(config), config.values["central.dir"], {
      archive: false,
      manuals: true,
    });
    expect(plan.warnings).toEqual([]);
    const copies = plan.operations
      .flatMap((operation) => (operation.op === "copy" ? [operation.to.split("/").pop() ?? ""] : []))
      .sort();
    expect(copies).toEqual(
      [
        "Alpha_1.0.0.tgz",
        "Alpha_1.0.0.zip",
        "buildErr_1.0.0.zip",
        "deprecatedPkg_1.0.0.tgz",
        "deprecatedPkg_1.0.0.zip",
        "installErr_1.0.0.tar.gz",
        "installErr_1.0.0.zip",
        "noWin_1.0.0.tar.gz",
        "noWin_1.0.0.tgz",
      ].sort(),
    );
  });

  it("records node presence, steps and the alert about the unfinished node in postrun.json", () => {
    expect(result.failed).toEqual([]);
    const state = readPostrunState(runDir);
    expect(state?.nodes.map((node) => [node.id, node.state])).toEqual([
      ["linux1", "finished"],
      ["win1", "finished"],
      ["mac1", "running"],
    ]);
    expect(state?.nodes[2]?.notFinishedSince).toEqual({ runId: RUN_ID, at: "2026-11-21T18:55:00.000Z" });
    expect(
      Object.fromEntries(Object.entries(state?.steps ?? {}).map(([step, record]) => [step, record.status])),
    ).toEqual({
      "status-db": "ok",
      outgoing: "ok",
      "propagation-db": "ok",
      history: "ok",
      report: "ok",
      publish: "ok",
    });
    expect(state?.alerts).toHaveLength(1);
    const alert = readFileSync(join(runDir, state?.alerts[0]?.file ?? "missing"), "utf8");
    expect(alert).toContain("Subject: [bbs] Postrun alert for 3.16 bioc builds on linux1: mac1 unfinished");
    expect(alert).toContain("node mac1 has not finished: no BBS_EndOfRun.txt");
    expect(alert).toContain("Its packages without results are kept out of OUTGOING/mac.binary.big-sur-arm64.");
    expect(readFileSync(join(runDir, "postrun.log"), "utf8")).toContain("[outgoing] source: SKIPPED versionSkew");
    expect(events.some((event) => event.level === "error" && event.message.startsWith("ALERT"))).toBe(true);
  });

  it("generates the report from the run and publishes it", () => {
    const published = config.values["report.publishDest"] ?? "";
    const report = JSON.parse(readFileSync(join(published, "report.json"), "utf8")) as {
      nodes: Array<{ id: string; state: string }>;
    };
    expect(report.nodes.map((node) => [node.id, node.state])).toEqual([
      ["linux1", "finished"],
      ["win1", "finished"],
      ["mac1", "unfinished"],
      ["macold", expect.stringMatching(/^foreign/)],
    ]);
    expect(readFileSync(join(published, "BUILD_STATUS_DB.txt"), "utf8")).toBe(golden("BUILD_STATUS_DB.txt"));
    expect(readFileSync(join(published, "PROPAGATION_STATUS_DB.txt"), "utf8")).toBe(
      golden("PROPAGATION_STATUS_DB.txt"),
    );
    expect(existsSync(join(published, "checkErr", "linux1-checksrc.html"))).toBe(true);
    expect(existsSync(join(published, "report.tgz"))).toBe(true);
  });

  it("imports every node's cells into the central history", () => {
    const store = HistoryStore.open(config.values.historyDb, { readonly: true });
    try {
      expect(
        store
          .runs({ kind: RESULTS_RUN_KIND })
          .map((run) => [run.runId, run.state])
          .sort(),
      ).toEqual([
        [resultsRunId(RUN_ID, "linux1"), "finished"],
        [resultsRunId(RUN_ID, "mac1"), "unfinished"],
        [resultsRunId(RUN_ID, "win1"), "finished"],
      ]);
      const jobs = store.jobs(resultsRunId(RUN_ID, "linux1"));
      expect(
        jobs
          .filter((job) => job.package === "buildErr")
          .map((job) => [job.stage, job.status])
          .sort(),
      ).toEqual([
        ["buildsrc", "ERROR"],
        ["checksrc", "skipped"],
        ["install", "OK"],
      ]);
      expect(jobs.some((job) => job.package === "naPkg")).toBe(false); // NA cells have no result
      expect(store.failingSince("checkErr", "linux1", "checksrc", { kind: RESULTS_RUN_KIND })?.runId).toBe(
        resultsRunId(RUN_ID, "linux1"),
      );
      expect(jobs.find((job) => job.package === "Alpha" && job.stage === "checksrc")).toMatchObject({
        elapsedSeconds: 42,
        retCode: 0,
        version: "1.0.0",
      });
    } finally {
      store.close();
    }
  });

  it("re-running one step replaces its output; the lock stops a second postrun", async () => {
    const again = await runPostrun(config, { env: {}, only: "status-db" });
    expect(again.failed).toEqual([]);
    expect(readFileSync(join(runDir, "BUILD_STATUS_DB.txt"), "utf8")).toBe(golden("BUILD_STATUS_DB.txt"));
    expect(readPostrunState(runDir)?.alerts).toHaveLength(1); // --only raises no node alert again
    const lock = acquireLock(postrunLockPath(config), { releaseOnExit: false });
    try {
      await expect(runPostrun(config, { env: {} })).rejects.toThrow(/is locked by pid/);
    } finally {
      lock.release();
    }
  });

  it("refuses to run elsewhere than on the central node", async () => {
    const other = { ...config, nodeId: "win1" };
    await expect(runPostrun(other, { env: {} })).rejects.toThrow(
      /postrun runs on the central node linux1, not on win1/,
    );
    expect(existsSync(join(runDir, "OUTGOING"))).toBe(true);
  });
});
