import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeSummary } from "../../src/results/summary.js";
import { collectRunResults, nodePresence, type ResultNode } from "../../src/results/collect.js";
import { END_OF_RUN_FILE, heartbeatPath, nodeIncomingDir, nodeProductsDir } from "../../src/layout/central.js";
import {
  formatBuildStatusDb,
  formatPropagationDb,
  parseBuildStatusDb,
  parsePropagationDb,
  propagationVerdict,
} from "../../src/results/status-db.js";
import { stagesFor } from "../../src/results/status.js";
import { writeMeatIndex, writeSkippedIndex } from "../../src/rpkg/meat-index.js";
import { useTempDirs } from "../fixtures/tmp.js";

const temp = useTempDirs();

const linux: ResultNode = {
  id: "linux1",
  bin: false,
  foreign: false,
  os: "Linux",
  arch: "x86_64",
  pkgType: "source",
  identity: { hostname: "linux1", arch: "x86_64", pkgType: "source", rPlatform: "x86_64-pc-linux-gnu" },
  stages: stagesFor("bioc", false),
};
const win: ResultNode = {
  id: "win1",
  bin: true,
  foreign: false,
  os: "Windows",
  arch: "x64",
  pkgType: "win.binary",
  identity: { hostname: "win1", arch: "x64", pkgType: "win.binary", rPlatform: "x86_64-w64-mingw32" },
  stages: stagesFor("bioc", true),
};

function summary(runDir: string, node: string, stage: string, pkg: string, status: string): void {
  const dir = join(runDir, "products-in", node, stage);
  mkdirSync(dir, { recursive: true });
  const at = new Date("2026-11-21T15:00:00Z");
  writeSummary(join(dir, `${pkg}.${stage}-summary.dcf`), {
    package: pkg,
    version: "1.0.0",
    command: `R CMD ${stage} ${pkg}`,
    startedAt: at,
    endedAt: at,
    elapsedSeconds: 1,
    retCode: status === "TIMEOUT" ? null : 0,
    status,
  });
}

describe("collectRunResults", () => {
  it("reads cells, derives skipped, honours support, and reports an absent node as NA", async () => {
    const runDir = await temp.make("run");
    writeMeatIndex(join(runDir, "meat-index.dcf"), [
      { package: "zeta", version: "1.0.0", maintainer: "Z", maintainerEmail: "z@example.org" },
      { package: "Alpha", version: "1.0.0", maintainer: "A", maintainerEmail: "a@example.org" },
      {
        package: "unixOnly",
        version: "1.0.0",
        maintainer: "U",
        maintainerEmail: "u@example.org",
        unsupportedPlatforms: "win",
      },
    ]);
    writeSkippedIndex(join(runDir, "skipped-index.dcf"), ["brokenDesc"]);
    summary(runDir, "linux1", "install", "Alpha", "OK");
    summary(runDir, "linux1", "buildsrc", "Alpha", "ERROR");
    summary(runDir, "linux1", "checksrc", "Alpha", "OK"); // stale file: BUILD failed, so CHECK shows skipped
    summary(runDir, "linux1", "buildsrc", "zeta", "OK");
    summary(runDir, "linux1", "checksrc", "zeta", "WARNINGS");
    writeFileSync(join(runDir, "products-in", "linux1", END_OF_RUN_FILE), "STAGE2 | ...\n");

    const results = collectRunResults(runDir, "bioc", [linux, win]);
    expect(results.packages.map((p) => p.name)).toEqual(["Alpha", "brokenDesc", "unixOnly", "zeta"]);
    expect(results.packages[1]?.record).toBeUndefined();
    expect(results.cell("Alpha", "linux1", "checksrc")?.status).toBe("skipped");
    expect(results.cell("Alpha", "linux1", "buildsrc")?.summary?.command).toBe("R CMD buildsrc Alpha");
    expect(results.cell("zeta", "linux1", "install")?.status).toBe("NA");
    expect(results.cell("zeta", "linux1", "checksrc")?.status).toBe("WARNINGS");
    expect(results.cell("zeta", "linux1", "buildbin")).toBeUndefined(); // not a :bin node
    expect(results.cell("unixOnly", "win1", "install")).toBeUndefined(); // unsupported
    expect(results.cell("zeta", "win1", "buildbin")?.status).toBe("NA");
    expect(results.presence.get("linux1")?.state).toBe("finished");
    expect(results.presence.get("win1")).toEqual({ state: "absent" });
  });

  it("turns an unreadable summary into NA with the problem, never an exception", async () => {
    const runDir = await temp.make("damaged");
    writeMeatIndex(join(runDir, "meat-index.dcf"), [
      { package: "p1", version: "1", maintainer: "P", maintainerEmail: "p@example.org" },
    ]);
    const dir = join(runDir, "products-in", "linux1", "install");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "p1.install-summary.dcf"), "garbage without colon\n");
    const cell = collectRunResults(runDir, "bioc", [linux]).cell("p1", "linux1", "install");
    expect(cell?.status).toBe("NA");
    expect(cell?.problem).toContain("p1.install-summary.dcf");
    expect(collectRunResults(runDir, "bioc", [linux]).presence.get("linux1")?.state).toBe("running");
  });
});

describe("status DB formats", () => {
  it("round-trips BUILD_STATUS_DB.txt and PROPAGATION_STATUS_DB.txt", () => {
    const lines = [
      { package: "a4", node: "nebbiolo1", stage: "install", status: "OK" },
      { package: "a4", node: "nebbiolo1", stage: "checksrc", status: "skipped" },
    ] as const;
    const text = formatBuildStatusDb(lines);
    expect(text).toBe("a4#nebbiolo1#install: OK\na4#nebbiolo1#checksrc: skipped\n");
    expect(parseBuildStatusDb(text, "BUILD_STATUS_DB.txt")).toEqual(lines);
    const prop = [
      {
        package: "bar",
        pkgType: "mac.binary.big-sur-arm64",
        explanation: "NO, package depends on 'baz' which is not available",
      },
    ];
    const propText = formatPropagationDb(prop);
    expect(propText).toBe(
      "bar#mac.binary.big-sur-arm64#propagate: NO, package depends on 'baz' which is not available\n",
    );
    expect(parsePropagationDb(propText, "P")).toEqual(prop);
    expect(propagationVerdict("UNNEEDED, same version is already published")).toBe("UNNEEDED");
    expect(() => parseBuildStatusDb("a4#x: OK\n", "DB")).toThrow(/DB:1: "a4#x" is not <package>#<node>#<stage>/);
  });
});

describe("nodePresence", () => {
  it("tells absent, running (assembling a delivery, or heart-beating only) and finished apart", async () => {
    const runDir = await temp.make("presence");
    expect(nodePresence(runDir, "linux1")).toEqual({ state: "absent" });

    // Only a heartbeat: the node started this run, none of its deliveries arrived.
    const heartbeat = join(runDir, heartbeatPath("linux1"));
    mkdirSync(dirname(heartbeat), { recursive: true });
    writeFileSync(heartbeat, "{}\n");
    const beating = nodePresence(runDir, "linux1");
    expect(beating.state).toBe("running");
    expect(beating.lastActivity).toBeInstanceOf(Date);

    // A delivery being assembled counts as running, never as results.
    mkdirSync(join(runDir, nodeIncomingDir("linux1"), "install"), { recursive: true });
    writeFileSync(join(runDir, nodeIncomingDir("linux1"), "install", "a.install-out.txt"), "x\n");
    expect(nodePresence(runDir, "linux1").state).toBe("running");

    // A complete delivery without the end-of-run marker: still running.
    mkdirSync(join(runDir, nodeProductsDir("linux1")), { recursive: true });
    writeFileSync(join(runDir, nodeProductsDir("linux1"), "x.txt"), "x\n");
    expect(nodePresence(runDir, "linux1").state).toBe("running");

    writeFileSync(join(runDir, nodeProductsDir("linux1"), END_OF_RUN_FILE), "done\n");
    const finished = nodePresence(runDir, "linux1");
    expect(finished.state).toBe("finished");
    expect(finished.finishedAt).toBeInstanceOf(Date);

    // Another node of the same run is unaffected.
    expect(nodePresence(runDir, "win1")).toEqual({ state: "absent" });
  });
});
