// Run directories for the report tests: a 3-node bioc build (Linux, Windows
// with BUILD BIN, macOS absent) covering every status, NA, skipped, NotNeeded,
// unsupported, bad DESCRIPTION, deprecated, missing outputs, a package whose
// maintainer and logs carry HTML/script, a history of previous runs; and a
// 1-node build.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { HistoryStore, RESULTS_RUN_KIND } from "../../src/history/store.js";
import type { Stage } from "../../src/layout/stages.js";
import {
  LINUX_NODE,
  MAC_NODE,
  WINDOWS_NODE,
  writeBuildConfig,
  writeResultsRun,
  type BuildConfig,
  type BuildNode,
  type CellSpec,
  type CheckDirSpec,
  type RunPackage,
} from "../fixtures/results-run.js";

export const SNAPSHOT = new Date("2026-11-20T18:55:00Z");
export const RUN_ID = "20261120-135500";
export const XSS_MAINTAINER = '<script>window.__xss = "maintainer"; alert("maintainer")</script>Eve <b>Evil</b>';
export const XSS_LOG =
  '</pre><script>window.__xss = "log"; alert("log")</script><img src=x onerror="window.__xss=\'img\'">';

export const NODES_3: BuildNode[] = [
  { id: "nebbiolo1", ...LINUX_NODE, reportNote: "Ubuntu node: <i>note</i>" },
  { id: "palomino7", ...WINDOWS_NODE },
  { id: "kjohnson1", ...MAC_NODE },
];

type Cells = Partial<Record<Stage, CellSpec>>;
const ok = (elapsed = 10): CellSpec => ({ status: "OK", elapsed });

function linuxCells(
  install: CellSpec["status"] | undefined,
  build: CellSpec["status"] | undefined,
  check: CellSpec["status"] | undefined,
): Cells {
  const cells: Cells = {};
  if (install) cells.install = { status: install, elapsed: 30 };
  if (build) cells.buildsrc = { status: build, elapsed: 45 };
  if (check) cells.checksrc = { status: check, elapsed: 120 };
  return cells;
}

function withBin(cells: Cells, bin: CellSpec["status"] | undefined): Cells {
  return bin ? { ...cells, buildbin: { status: bin, elapsed: 20 } } : cells;
}

const CHECK_DIR = {
  installOut: "* installing *source* package 'Alpha' ...\n** R\n* DONE (Alpha)\n",
  tests: {
    "testthat.Rout": "> library(testthat)\n> test_check('Alpha')\n[ FAIL 0 | WARN 0 | SKIP 0 | PASS 12 ]\n",
    "runit.Rout.fail": "Error in foo(): failed\n",
  },
  timings: ["hello_Alpha\t0.001\t0.000\t0.002", "slow_example\t1.250\t0.010\t1.300"],
};

/** The packages of the 3-node build, each designed for one case. */
export function packages3(): RunPackage[] {
  const both = (linux: Cells, win: Cells): RunPackage["cells"] => ({ nebbiolo1: linux, palomino7: win });
  return [
    {
      name: "Alpha",
      version: "1.0.0",
      maintainer: "Ada Alpha",
      cells: both(linuxCells("OK", "OK", "OK"), withBin(linuxCells("OK", "OK", "OK"), "OK")),
      checkDirs: { nebbiolo1: CHECK_DIR },
      git: { commit: "a1b2c3d", date: "2026-11-19 10:12:33 -0500 (Thu, 19 Nov 2026)" },
    },
    {
      name: "betaWarn",
      version: "2.1.0",
      maintainer: "Bea Beta",
      deps: ["Alpha"],
      cells: both(linuxCells("OK", "OK", "WARNINGS"), withBin(linuxCells("OK", "OK", "WARNINGS"), "OK")),
    },
    {
      name: "checkErr",
      version: "0.9.1",
      maintainer: "Carl Check",
      deps: ["Alpha"],
      cells: both(linuxCells("OK", "OK", "ERROR"), withBin(linuxCells("OK", "OK", "OK"), "OK")),
    },
    {
      name: "buildErr",
      version: "1.2.3",
      maintainer: "Bob Build",
      deps: ["Alpha", "betaWarn"],
      cells: both(linuxCells("OK", "ERROR", undefined), withBin(linuxCells("OK", "ERROR", undefined), undefined)),
    },
    {
      name: "instErr",
      version: "1.0.0",
      maintainer: "Ivy Install",
      cells: both(linuxCells("ERROR", "OK", "ERROR"), withBin(linuxCells("ERROR", "OK", "ERROR"), "ERROR")),
    },
    {
      name: "timeoutPkg",
      version: "3.0.0",
      maintainer: "Tim Out",
      cells: both(linuxCells("OK", "OK", "TIMEOUT"), withBin(linuxCells("OK", "TIMEOUT", undefined), undefined)),
    },
    {
      name: "naPkg",
      version: "1.0.0",
      maintainer: "Nadia NA",
      // CHECK has no summary (NA); BUILD's output file is missing (the leaf page says so).
      cells: both(
        { install: ok(), buildsrc: { status: "OK", elapsed: 5, out: null } },
        withBin(linuxCells("OK", "OK", "OK"), "OK"),
      ),
    },
    {
      name: "notNeeded",
      version: "1.0.0",
      maintainer: "Nora Needless",
      cells: both(
        { ...linuxCells(undefined, "OK", "OK"), install: { status: "NotNeeded", elapsed: 0 } },
        withBin(linuxCells("OK", "OK", "OK"), "OK"),
      ),
    },
    {
      name: "unixOnly",
      version: "1.0.0",
      maintainer: "Uma Unix",
      unsupportedPlatforms: "win",
      cells: both(linuxCells("OK", "OK", "OK"), {}),
    },
    {
      name: "oldPkg",
      version: "1.0.0",
      maintainer: "Olga Old",
      packageStatus: "Deprecated",
      cells: both(linuxCells("OK", "OK", "OK"), withBin(linuxCells("OK", "OK", "OK"), "OK")),
    },
    {
      name: "evilPkg",
      version: "6.6.6",
      maintainer: XSS_MAINTAINER,
      cells: both(
        {
          install: { status: "OK", elapsed: 3 },
          buildsrc: { status: "OK", elapsed: 4 },
          checksrc: { status: "ERROR", elapsed: 9, out: `* checking examples ... ERROR\n${XSS_LOG}\n` },
        },
        withBin(linuxCells("OK", "OK", "OK"), "OK"),
      ),
      git: { commit: "<b>c0ffee</b>", date: "2026-11-19 10:12:33 -0500 (Thu, 19 Nov 2026)" },
    },
    {
      name: "latinLog",
      version: "1.0.0",
      maintainer: "Zoë Ünïcode",
      // The Windows node writes ISO-8859-1 logs.
      cells: both(
        linuxCells("OK", "OK", "OK"),
        withBin(
          {
            ...linuxCells("OK", "OK", "OK"),
            install: { status: "OK", elapsed: 8, out: Buffer.from("caf\xe9 na\xefve\n", "latin1") },
          },
          "OK",
        ),
      ),
    },
    {
      name: "zLast",
      version: "0.1.0",
      maintainer: "Zed Last",
      deps: ["Alpha"],
      cells: both(linuxCells("OK", "OK", "OK"), withBin(linuxCells("OK", "OK", "OK"), "OK")),
    },
  ];
}

export interface Fixture {
  root: string;
  runDir: string;
  config: BuildConfig;
  historyDb?: string;
}

/** The 3-node build: kjohnson1 absent, jobs.ndjson from nebbiolo1, a propagation DB and a history. */
export function threeNodeRun(root: string): Fixture {
  const runDir = join(root, "runs", RUN_ID);
  mkdirSync(runDir, { recursive: true });
  const config = writeBuildConfig({
    dir: join(root, "config"),
    workDir: join(root, "work"),
    nodes: NODES_3,
    report: { motd: "Maintenance <tonight> & tomorrow" },
  });
  writeResultsRun({
    runDir,
    runId: RUN_ID,
    snapshot: SNAPSHOT,
    nodes: NODES_3,
    packages: packages3(),
    skipped: ["badDesc"],
    absentNodes: ["kjohnson1"],
    jobEventNodes: ["nebbiolo1"],
    propagation: [
      { package: "Alpha", pkgType: "source", explanation: "YES" },
      { package: "betaWarn", pkgType: "source", explanation: "UNNEEDED, same version is already published" },
      { package: "checkErr", pkgType: "source", explanation: "NO, package depends on 'Alpha' which is not available" },
      { package: "evilPkg", pkgType: "source", explanation: 'NO, "><script>window.__xss="led"</script>' },
      { package: "Alpha", pkgType: "win.binary", explanation: "YES" },
    ],
  });
  const historyDb = join(root, "history.sqlite");
  writeHistory(historyDb);
  return { root, runDir, config, historyDb };
}

/**
 * Three previous runs of nebbiolo1 where every package had today's statuses,
 * except: checkErr's CHECK was OK (a new problem today), timeoutPkg's CHECK
 * failed since the second run, Alpha's CHECK failed in the first run (fixed
 * since the second), and betaWarn's CHECK already had warnings.
 */
function writeHistory(path: string): void {
  const store = HistoryStore.open(path);
  const runs = [
    { runId: "20261117-135500", at: new Date("2026-11-17T19:00:00Z") },
    { runId: "20261118-135500", at: new Date("2026-11-18T19:00:00Z") },
    { runId: "20261119-135500", at: new Date("2026-11-19T19:00:00Z") },
  ];
  const exceptions: Record<string, string[]> = {
    "checkErr#checksrc": ["OK", "OK", "OK"],
    "timeoutPkg#checksrc": ["OK", "TIMEOUT", "ERROR"],
    "Alpha#checksrc": ["ERROR", "OK", "OK"],
  };
  runs.forEach((run, index) => {
    store.beginRun({ runId: run.runId, node: "nebbiolo1", kind: RESULTS_RUN_KIND, startedAt: run.at });
    for (const pkg of packages3()) {
      for (const [stage, cell] of Object.entries(pkg.cells.nebbiolo1 ?? {})) {
        const status = exceptions[`${pkg.name}#${stage}`]?.[index] ?? cell.status;
        const job = store.startJob({
          runId: run.runId,
          node: "nebbiolo1",
          stage,
          package: pkg.name,
          startedAt: run.at,
        });
        store.finishJob(job, { endedAt: new Date(run.at.getTime() + 60_000), elapsedSeconds: 60, retCode: 0, status });
      }
    }
    store.endRun(run.runId, "finished", new Date(run.at.getTime() + 3_600_000));
  });
  store.close();
}

/** A one-node build (compact single-node list), long layout, no propagation DB, no history. */
export function oneNodeRun(root: string): Fixture {
  const runDir = join(root, "runs", RUN_ID);
  mkdirSync(runDir, { recursive: true });
  const nodes: BuildNode[] = [{ id: "solo1", ...LINUX_NODE }];
  const config = writeBuildConfig({
    dir: join(root, "config"),
    workDir: join(root, "work"),
    nodes,
    report: { simpleLayout: false },
  });
  const packages = packages3()
    .filter((pkg) => pkg.name !== "unixOnly")
    .map((pkg): RunPackage => {
      const checkDirs: Record<string, CheckDirSpec> = {};
      if (pkg.checkDirs?.nebbiolo1) checkDirs.solo1 = pkg.checkDirs.nebbiolo1;
      return { ...pkg, cells: { solo1: pkg.cells.nebbiolo1 ?? {} }, checkDirs };
    });
  writeResultsRun({ runDir, runId: RUN_ID, snapshot: SNAPSHOT, nodes, packages, skipped: ["badDesc"] });
  return { root, runDir, config };
}

/** The CLI arguments (after the launcher) of `bbs report` of oneNodeRun's run into `reportDir`. */
export function oneNodeReportArgs(fixture: Fixture, reportDir: string): string[] {
  return [
    "--config",
    fixture.config.dir,
    "--host",
    "solo1",
    "report",
    "--run-dir",
    fixture.runDir,
    "--report-dir",
    reportDir,
  ];
}
