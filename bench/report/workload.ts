// The report benchmark's input: a run directory of N packages on 5 nodes as
// builders leave it (summaries, command outputs of realistic sizes, pruned
// Rcheck directories, NodeInfo, jobs.ndjson, status DBs), and a history of
// previous runs. Package names, versions and dependencies come from the real
// Bioconductor 3.18 graph (bench/data), padded with generated names; the
// statuses are drawn with a fixed seed at roughly a real night's rates.

import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { HistoryStore } from "../../src/history/store.js";
import type { PropagationLine } from "../../src/results/status-db.js";
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
  type RecordedStatus,
  type RunPackage,
} from "../../test/fixtures/results-run.js";
import { repoRoot } from "../../test/fixtures/test-config.js";
import { seededRandom } from "../scheduler/workload.js";

export const BENCH_NODES: readonly BuildNode[] = [
  { id: "nebbiolo1", ...LINUX_NODE, slots: { install: 18, build: 16, check: 22 } },
  { id: "nebbiolo2", ...LINUX_NODE, slots: { install: 18, build: 16, check: 22 } },
  { id: "palomino7", ...WINDOWS_NODE, slots: { install: 23, build: 20, check: 22, buildbin: 12 } },
  { id: "kjohnson1", ...MAC_NODE, slots: { install: 12, build: 10, check: 12, buildbin: 8 } },
  {
    id: "kunpeng2",
    ...LINUX_NODE,
    os: "openEuler 22.03 LTS-SP1",
    arch: "aarch64",
    rPlatform: "aarch64-unknown-linux-gnu",
    slots: { install: 16, build: 12, check: 16 },
  },
];

interface GraphPackage {
  name: string;
  version: string;
  deps: string[];
}

function graphPackages(count: number): GraphPackage[] {
  const candidates = [process.env.BBS_BENCH_DATA, resolve(repoRoot(), "bench/data")];
  const dir = candidates.find(
    (candidate) => candidate !== undefined && existsSync(join(candidate, "bioc-3.18-software.tsv")),
  );
  const packages: GraphPackage[] = [];
  if (dir !== undefined) {
    const [header = "", ...lines] = readFileSync(join(dir, "bioc-3.18-software.tsv"), "utf8")
      .split("\n")
      .filter((line) => line !== "");
    const columns = header.split("\t");
    const at = (name: string): number => columns.indexOf(name);
    for (const line of lines) {
      const cells = line.split("\t");
      packages.push({
        name: cells[at("package")] ?? "",
        version: cells[at("version")] ?? "1.0.0",
        deps: (cells[at("bioc_deps")] ?? "").split(",").filter((dep) => dep !== ""),
      });
    }
  }
  for (let index = packages.length; index < count; index += 1)
    packages.push({
      name: `synthPkg${String(index).padStart(4, "0")}`,
      version: "0.99.0",
      deps: ["BiocGenerics", "S4Vectors"],
    });
  return packages.slice(0, count);
}

function draw(random: () => number, table: ReadonlyArray<readonly [RecordedStatus, number]>): RecordedStatus {
  let r = random();
  for (const [status, p] of table) {
    if (r < p) return status;
    r -= p;
  }
  return "OK";
}

/** A log of `bytes` bytes or so, shaped like R's output (UTF-8 quotes, now and then characters HTML escapes). */
function logText(pkg: string, stage: Stage, status: RecordedStatus, bytes: number): string {
  const lines = [
    `${"#".repeat(78)}`,
    "###",
    "### Running command:",
    "###",
    `###   R CMD ${stage} ${pkg}`,
    "###",
    `${"#".repeat(78)}`,
    "",
    "",
  ];
  let size = 0;
  for (let n = 0; size < bytes; n += 1) {
    const line =
      n % 8 === 0
        ? `Warning in f(x = "${pkg}"): 'x' should be < 1 & > 0 (item ${n})`
        : `* checking whether item ${n} of package ‘${pkg}’ is right ... OK`;
    lines.push(line);
    size += line.length + 1;
  }
  lines.push(status === "OK" ? "* DONE" : `Status: ${status}`);
  return `${lines.join("\n")}\n`;
}

const OUT_BYTES: Readonly<Record<Stage, number>> = { install: 3000, buildsrc: 1500, checksrc: 8000, buildbin: 2000 };

export interface BenchRun {
  root: string;
  runDir: string;
  config: BuildConfig;
  historyDb: string;
  packages: number;
  cells: number;
}

/** Writes the benchmark's config, run directory and history under `root`. */
export function writeBenchRun(root: string, count: number, nodeCount: number, previousRuns: number): BenchRun {
  const random = seededRandom(2300);
  const nodes = BENCH_NODES.slice(0, nodeCount);
  const config = writeBuildConfig({ dir: join(root, "config"), workDir: join(root, "work"), nodes });
  const graph = graphPackages(count);
  let cells = 0;
  const packages: RunPackage[] = graph.map((entry) => {
    const unsupported = random() < 0.03 ? "win" : random() < 0.02 ? "mac" : undefined;
    const pkgCells: RunPackage["cells"] = {};
    for (const node of nodes) {
      if (
        (unsupported === "win" && node.pkgType.startsWith("win")) ||
        (unsupported === "mac" && node.pkgType.startsWith("mac"))
      )
        continue;
      const nodeCells: Partial<Record<Stage, CellSpec>> = {};
      const install = draw(random, [["ERROR", 0.01]]);
      const build = draw(random, [
        ["ERROR", 0.02],
        ["TIMEOUT", 0.003],
      ]);
      nodeCells.install = { status: install, elapsed: 5 + random() * 120 };
      nodeCells.buildsrc = { status: build, elapsed: 10 + random() * 300 };
      if (build === "OK" && random() > 0.005)
        nodeCells.checksrc = {
          status: draw(random, [
            ["WARNINGS", 0.08],
            ["ERROR", 0.04],
            ["TIMEOUT", 0.004],
          ]),
          elapsed: 30 + random() * 900,
        };
      if (node.bin && build === "OK")
        nodeCells.buildbin = { status: draw(random, [["ERROR", 0.01]]), elapsed: 5 + random() * 60 };
      cells += Object.keys(nodeCells).length;
      pkgCells[node.id] = nodeCells;
    }
    const pkg: RunPackage = {
      name: entry.name,
      version: entry.version,
      maintainer: `Maintainer of ${entry.name}`,
      cells: pkgCells,
      deps: entry.deps,
    };
    if (unsupported !== undefined) pkg.unsupportedPlatforms = unsupported;
    if (random() < 0.01) pkg.packageStatus = "Deprecated";
    return pkg;
  });
  const propagation: PropagationLine[] = [];
  for (const pkg of packages) {
    for (const pkgType of ["source", "win.binary", "mac.binary.big-sur-arm64"]) {
      const r = random();
      propagation.push({
        package: pkg.name,
        pkgType,
        explanation:
          r < 0.1
            ? "YES"
            : r < 0.15
              ? `NO, package depends on '${pkg.deps?.[0] ?? "Biobase"}' which is not available`
              : "UNNEEDED, same version is already published",
      });
    }
  }
  const runDir = join(root, "runs", "20261120-135500");
  const snapshot = new Date("2026-11-20T18:55:00Z");
  writeResultsRun({
    runDir,
    runId: "20261120-135500",
    snapshot,
    nodes,
    packages,
    skipped: ["brokenDescription1", "brokenDescription2"],
    jobEventNodes: nodes.slice(0, 2).map((node) => node.id),
    propagation,
    durable: false,
    outText: (pkg, _node, stage, status) => logText(pkg.name, stage, status, OUT_BYTES[stage]),
    checkDir: (pkg) => ({
      installOut: logText(pkg.name, "install", "OK", 2500),
      ...(pkg.name.length % 2 === 0 ? { tests: { "testthat.Rout": logText(pkg.name, "checksrc", "OK", 3000) } } : {}),
      timings: Array.from({ length: 15 }, (_, n) => `example_${n}\t0.${n}10\t0.001\t0.${n}20`),
    }),
  });
  const historyDb = join(root, "history.sqlite");
  seedHistory(historyDb, packages, nodes, previousRuns, snapshot);
  return { root, runDir, config, historyDb, packages: packages.length, cells };
}

/**
 * Previous runs in the history, bulk-loaded in one transaction straight into
 * the schema of src/history/schema.ts (HistoryStore writes one job per
 * transaction, far too slow to seed hundreds of thousands of rows).
 */
function seedHistory(
  path: string,
  packages: readonly RunPackage[],
  nodes: readonly BuildNode[],
  previousRuns: number,
  snapshot: Date,
): void {
  HistoryStore.open(path).close(); // creates and migrates
  const db = new Database(path);
  const random = seededRandom(318);
  const insertRun = db.prepare(
    "INSERT INTO runs (run_id, node, kind, started_at, ended_at, state) VALUES (?, ?, 'run', ?, ?, 'finished')",
  );
  const insertJob = db.prepare(
    "INSERT INTO jobs (run_id, node, stage, package, version, started_at, ended_at, elapsed, ret_code, status, attempt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 1)",
  );
  db.transaction(() => {
    for (let run = previousRuns; run >= 1; run -= 1) {
      const startedAt = snapshot.getTime() - run * 86_400_000 + 3_600_000;
      for (const node of nodes) {
        const runId = `${new Date(startedAt).toISOString().slice(0, 10).replace(/-/g, "")}-135500@${node.id}`;
        insertRun.run(runId, node.id, startedAt, startedAt + 36_000_000);
        for (const pkg of packages) {
          for (const [stage, cell] of Object.entries(pkg.cells[node.id] ?? {})) {
            // Mostly today's status; now and then another one, so streaks and new problems exist.
            const status = random() < 0.05 ? (cell.status === "OK" ? "ERROR" : "OK") : cell.status;
            insertJob.run(
              runId,
              node.id,
              stage,
              pkg.name,
              pkg.version,
              startedAt,
              startedAt + 60_000,
              cell.elapsed ?? 10,
              status,
            );
          }
        }
      }
    }
  })();
  db.close();
}
