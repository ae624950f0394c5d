// A three-node build for postrun tests: linux1 (central node, source),
// win1 (win.binary) and mac1 (mac arm64), plus a foreign node, with a run
// directory as prerun leaves it (runs dir, central.dir symlink, run.json,
// meat and skipped indexes) and products-in trees written by each builder:
// summaries through src/jobs/summary.ts and real products (products.ts).

import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { writeEndOfRun, writeSummary } from "../../../src/jobs/summary.js";
import { writeMeatIndex, writeSkippedIndex, type MeatIndexRecord } from "../../../src/rpkg/meat-index.js";
import type { Stage } from "../../../src/layout/stages.js";
import { switchCurrentRun, writeRunInfo } from "../../../src/stages/prerun/run-dir.js";
import { writeTestConfig, type TestConfig, type YamlMap } from "../../fixtures/test-config.js";
import type { Products } from "./products.js";

export const NODES = ["linux1", "win1", "mac1"] as const;
export type NodeId = (typeof NODES)[number];
export const RUN_ID = "20261121-135500";
export const SNAPSHOT = new Date("2026-11-21T18:55:00Z");

const PLATFORMS: Record<Exclude<NodeId, "linux1">, { platform: string; values: YamlMap }> = {
  win1: {
    platform: "windows",
    values: { os: "Windows Server 2022", arch: "x64", rPlatform: "x86_64-w64-mingw32", pkgType: "win.binary" },
  },
  mac1: {
    platform: "macos-arm64",
    values: { os: "macOS 13", arch: "arm64", rPlatform: "aarch64-apple-darwin20", pkgType: "mac.binary.big-sur-arm64" },
  },
};

/** The central node's configuration (linux1), with host files for win1 and mac1. */
export function threeNodeConfig(workDir: string, global: YamlMap = {}): TestConfig {
  const config = writeTestConfig({
    workDir,
    nodeId: "linux1",
    global: {
      reportNodes: ["linux1", "win1:bin", "mac1:bin", "macold:foreign"],
      outgoing: {
        source: "linux1/buildsrc",
        "win.binary": "win1/buildbin",
        "mac.binary.big-sur-arm64": "mac1/buildbin",
      },
      notify: { nodes: ["linux1"] },
      ...global,
    },
  });
  for (const [node, { platform, values }] of Object.entries(PLATFORMS)) {
    writeFileSync(join(config.dir, "platforms", `${platform}.yaml`), stringify(values));
    writeFileSync(
      join(config.dir, "hosts", `${node}.yaml`),
      stringify({
        nodeId: node,
        platform,
        workDir: join(workDir, node),
        rHome: "/usr/lib/R",
        centralHost: "central.example.org",
      }),
    );
  }
  return config;
}

/** A run directory under central.runsDir as prerun leaves it: central.dir switched to it, run.json and the indexes. */
export function startRun(
  config: TestConfig,
  records: readonly MeatIndexRecord[],
  skipped: readonly string[] = [],
  runId: string = RUN_ID,
): string {
  const values = config.load().values;
  const runDir = join(values["central.runsDir"], runId);
  mkdirSync(runDir, { recursive: true });
  switchCurrentRun(values["central.dir"], runDir, values["central.runsDir"]);
  writeRunInfo(runDir, {
    runId,
    snapshotDate: "2026-11-21 13:55 -0500 (Sat, 21 Nov 2026)",
    snapshotTime: SNAPSHOT.toISOString(),
    cutoff: null,
    biocVersion: values.biocVersion,
    buildType: values.buildType,
    packages: records.length,
    skipped: skipped.length,
    status: "prepared",
    prerun: { startedAt: SNAPSHOT.toISOString(), endedAt: SNAPSHOT.toISOString(), steps: {} },
  });
  writeMeatIndex(join(runDir, "meat-index.dcf"), records);
  writeSkippedIndex(join(runDir, "skipped-index.dcf"), skipped);
  return runDir;
}

/** What a builder delivers for one job: summary and output. */
export function writeCell(
  runDir: string,
  node: string,
  stage: Stage,
  pkg: string,
  status: string,
  version = "1.0.0",
): void {
  const dir = join(runDir, "products-in", node, stage);
  mkdirSync(dir, { recursive: true });
  const startedAt = new Date(SNAPSHOT.getTime() + 3600_000);
  writeSummary(
    join(dir, `${pkg}.${stage}-summary.dcf`),
    {
      package: pkg,
      version,
      command: `R CMD ${stage} ${pkg}`,
      startedAt,
      endedAt: new Date(startedAt.getTime() + 42_000),
      elapsedSeconds: 42,
      retCode: status === "TIMEOUT" ? null : status === "ERROR" ? 1 : 0,
      status,
    },
    { timeZone: "America/New_York" },
  );
  writeFileSync(join(dir, `${pkg}.${stage}-out.txt`), `output of ${stage} for ${pkg}\n`);
}

/** A product file in products-in/<node>/<stage>/ (copied from the built products). */
export function writeProduct(runDir: string, node: string, stage: Stage, source: string, name: string): void {
  const dir = join(runDir, "products-in", node, stage);
  mkdirSync(dir, { recursive: true });
  copyFileSync(source, join(dir, name));
}

export function writeManual(runDir: string, node: string, pkg: string, products: Products): void {
  const dir = join(runDir, "products-in", node, "checksrc", `${pkg}.Rcheck`);
  mkdirSync(dir, { recursive: true });
  copyFileSync(products.manual, join(dir, `${pkg}-manual.pdf`));
}

export function finishNode(runDir: string, node: string): void {
  const at = new Date(SNAPSHOT.getTime() + 7200_000);
  writeEndOfRun(join(runDir, "products-in", node, "BBS_EndOfRun.txt"), [
    { stage: "STAGE2", nbCpu: 2, startedAt: at, endedAt: at, elapsedSeconds: 1 },
  ]);
}

// ---- the scenario of the golden tests ------------------------------------------------

const MAINTAINER = { maintainer: "Fixture Maintainer", maintainerEmail: "maintainer@bbs-fixtures.example.org" };

export const MEAT: readonly MeatIndexRecord[] = [
  { package: "noWin", version: "1.0.0", ...MAINTAINER, unsupportedPlatforms: "win" },
  { package: "Alpha", version: "1.0.0", maintainer: "Ada Alpha", maintainerEmail: "ada@bbs-fixtures.example.org" },
  { package: "buildErr", version: "1.0.0", maintainer: "Ada Alpha", maintainerEmail: "ada@bbs-fixtures.example.org" },
  { package: "checkErr", version: "1.0.0", maintainer: "Ada Alpha", maintainerEmail: "ada@bbs-fixtures.example.org" },
  { package: "checkWarn", version: "1.0.0", ...MAINTAINER },
  { package: "deprecatedPkg", version: "1.0.0", ...MAINTAINER, packageStatus: "Deprecated" },
  {
    package: "installErr",
    version: "1.0.0",
    maintainer: "List Maintained",
    maintainerEmail: "bioconductor@stat.math.ethz.ch",
  },
  { package: "naPkg", version: "1.0.0", ...MAINTAINER },
  { package: "versionSkew", version: "1.0.0", ...MAINTAINER },
];
export const SKIPPED = ["badDesc"];

type Row = readonly (string | undefined)[];
/** Statuses per package and node: install, buildsrc, checksrc, buildbin (undefined: no summary). */
export const CELLS: Readonly<Record<string, Partial<Record<NodeId, Row>>>> = {
  Alpha: { linux1: ["OK", "OK", "OK"], win1: ["OK", "OK", "OK", "OK"], mac1: ["OK", "OK", "OK", "OK"] },
  buildErr: { linux1: ["OK", "ERROR", "OK"], win1: ["OK", "OK", "OK", "OK"], mac1: ["OK", "TIMEOUT"] },
  checkErr: {
    linux1: ["OK", "OK", "ERROR"],
    win1: ["OK", "OK", "TIMEOUT", "OK"],
    mac1: ["OK", "OK", "WARNINGS", "OK"],
  },
  checkWarn: {
    linux1: ["OK", "OK", "WARNINGS"],
    win1: ["OK", "OK", "WARNINGS", "ERROR"],
    mac1: ["OK", "OK", "OK", "TIMEOUT"],
  },
  deprecatedPkg: { linux1: ["OK", "OK", "ERROR"], win1: ["OK", "OK", "OK", "OK"], mac1: ["OK", "OK", "OK", "OK"] },
  installErr: { linux1: ["ERROR", "OK", "OK"], win1: ["NotNeeded", "OK", "OK", "OK"], mac1: ["OK", "OK", "OK", "OK"] },
  naPkg: { win1: ["OK", "OK"], mac1: ["ERROR"] },
  noWin: { linux1: ["OK", "OK", "OK"], mac1: ["OK", "OK", "OK", "OK"] },
  versionSkew: { linux1: ["OK", "OK", "OK"], win1: ["OK", "OK", "OK", "OK"], mac1: ["OK", "OK", "OK", "OK"] },
};

const STAGE_ORDER: readonly Stage[] = ["install", "buildsrc", "checksrc", "buildbin"];

/** Writes every node's products-in for the scenario; `nodes` limits which builders delivered. */
export function deliverScenario(runDir: string, products: Products, nodes: readonly NodeId[] = NODES): void {
  deliverCells(runDir, nodes);
  deliverProducts(runDir, products, nodes);
}

/** The summaries and outputs of the scenario. */
export function deliverCells(runDir: string, nodes: readonly NodeId[] = NODES): void {
  for (const [pkg, byNode] of Object.entries(CELLS)) {
    for (const node of nodes) {
      (byNode[node] ?? []).forEach((status, index) => {
        if (status !== undefined)
          writeCell(runDir, node, STAGE_ORDER[index]!, pkg, status, pkg === "versionSkew" ? "0.9.0" : "1.0.0");
      });
    }
  }
}

/** The scenario's products: they exist whatever the status (a failed CHECK leaves the BUILD tarball), blocking keeps them out. */
export function deliverProducts(runDir: string, products: Products, nodes: readonly NodeId[] = NODES): void {
  const sourcePkgs = ["Alpha", "checkErr", "checkWarn", "deprecatedPkg", "installErr", "noWin", "versionSkew"];
  if (nodes.includes("linux1")) {
    for (const pkg of sourcePkgs)
      writeProduct(
        runDir,
        "linux1",
        "buildsrc",
        products.path("source", pkg),
        `${pkg}_${pkg === "versionSkew" ? "0.9.0" : "1.0.0"}.tar.gz`,
      );
    for (const pkg of ["Alpha", "checkWarn", "checkErr"]) writeManual(runDir, "linux1", pkg, products);
  }
  if (nodes.includes("win1")) {
    for (const pkg of ["Alpha", "buildErr", "checkErr", "checkWarn", "deprecatedPkg", "installErr", "versionSkew"]) {
      writeProduct(
        runDir,
        "win1",
        "buildbin",
        products.path("win", pkg),
        `${pkg}_${pkg === "versionSkew" ? "0.9.0" : "1.0.0"}.zip`,
      );
    }
  }
  if (nodes.includes("mac1")) {
    for (const pkg of ["Alpha", "checkErr", "checkWarn", "deprecatedPkg", "installErr", "noWin"])
      writeProduct(runDir, "mac1", "buildbin", products.path("mac", pkg), `${pkg}_1.0.0.tgz`);
    writeFileSync(join(runDir, "products-in", "mac1", "buildbin", "versionSkew.buildbin-MISSING"), "");
  }
}
