// Incremental nights on the real Bioconductor 3.18 graph (bench/data: 2,200+
// software packages as targets, their CRAN closure and the data and
// recommended packages as installed non-targets), through bbs's own planning
// (planRun), reuse decisions (stages/run/incremental.ts: inputs, history,
// reuse store) and job engine, with a stand-in for R (bench/fake-r-cmd: it
// is not R, and sleeps not at all, so what is measured is bbs's own work).
// In one run, side by side:
//   n1-full       the first night: nothing to reuse, every job runs;
//   n2-unchanged  nothing changed: every job is reused;
//   n3-50changed  50 packages got a commit (seeded): they and their dependents run;
//   n4-forced     --force: every job runs again (a full night with a warm history).
// For each: wall time and CPU of this process (bbs's work: the stand-in R's
// processes are not counted), jobs run and reused, and for n3 the jobs that
// must run (the changed packages and every target whose closure holds one,
// computed here from the graph independently of bbs): equal, or the bench fails.
//
// Options: --changed N (default 50)  --seed S (default 1)  --slots N (per stage, default 4)  --keep

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { HistoryStore, type RunMode } from "../../src/history/store.js";
import { JobEngine } from "../../src/jobs/engine.js";
import { recordJobsTo } from "../../src/jobs/recording.js";
import type { Stage } from "../../src/layout/stages.js";
import type { InstalledPackage } from "../../src/rpkg/r-env.js";
import type { DependencyGraph } from "../../src/stages/run/dep-graph.js";
import { Delivery } from "../../src/stages/run/delivery.js";
import { applyIncremental } from "../../src/stages/run/incremental.js";
import { planRun } from "../../src/stages/run/plan.js";
import { clearJobFiles, readPlannedTargets } from "../../src/stages/run/prepare.js";
import { ReuseStore } from "../../src/stages/run/reuse-store.js";
import type { StageJobSettings, StageOutcome } from "../../src/stages/run/stage-jobs.js";
import { numberOption, type Benchmark } from "../types.js";
import { loadWorkload, seededRandom, type WorkloadPackage } from "../scheduler/workload.js";

const STAGES: readonly Stage[] = ["install", "buildsrc", "checksrc"];
const NODE = "bench";
/** Every target's Version, in its meat DESCRIPTION and so in the library after INSTALL. */
const TARGET_VERSION = "1.0.0";

interface NightResult {
  readonly name: string;
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  readonly ran: number;
  readonly reused: number;
  readonly mustRun: number | undefined;
  readonly ranJobs: ReadonlySet<string>;
}

function commit(pkg: string, generation: number): string {
  return `${pkg.length.toString(16)}${generation.toString(16).padStart(3, "0")}`.padEnd(40, "a");
}

/** meat/<pkg>/DESCRIPTION for each target, as prerun leaves it (git_last_commit injected). */
function writeMeat(
  meatDir: string,
  targets: readonly WorkloadPackage[],
  generations: ReadonlyMap<string, number>,
): void {
  for (const pkg of targets) {
    const dir = join(meatDir, pkg.name);
    mkdirSync(dir, { recursive: true });
    const fields = [
      `Package: ${pkg.name}`,
      `Version: ${TARGET_VERSION}`,
      ...(pkg.deps.length > 0 ? [`Imports: ${pkg.deps.join(", ")}`] : []),
      `git_last_commit: ${commit(pkg.name, generations.get(pkg.name) ?? 0)}`,
    ];
    writeFileSync(join(dir, "DESCRIPTION"), `${fields.join("\n")}\n`);
  }
}

/** The targets whose install closure holds one of `changed` (themselves included): what must run. */
function mustRun(targets: readonly WorkloadPackage[], changed: ReadonlySet<string>): Set<string> {
  const deps = new Map(targets.map((pkg) => [pkg.name, pkg.deps] as const));
  const memo = new Map<string, boolean>();
  const affected = (name: string, path: Set<string>): boolean => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    if (path.has(name)) return false;
    path.add(name);
    const result = changed.has(name) || (deps.get(name) ?? []).some((dep) => affected(dep, path));
    path.delete(name);
    memo.set(name, result);
    return result;
  };
  return new Set(targets.filter((pkg) => affected(pkg.name, new Set())).map((pkg) => pkg.name));
}

export const incrementalBenchmark: Benchmark = {
  name: "incremental",
  description:
    "incremental nights on the real 3.18 graph (stand-in R): nothing changed and 50 changed vs full, wall and CPU, jobs run vs must run",
  async run(args) {
    const changedCount = numberOption(args, "--changed", 50);
    const seed = numberOption(args, "--seed", 1);
    const slots = numberOption(args, "--slots", 4);
    const keep = args.includes("--keep");
    const dataDir = resolve("bench/data");
    const fakeR = resolve("bench/fake-r-cmd");
    const workload = loadWorkload(dataDir, seed);
    const targets = workload.packages.filter((pkg) => pkg.kind === "bioc");
    const installedList = workload.packages.filter((pkg) => pkg.kind !== "bioc");
    const root = mkdtempSync(join(tmpdir(), "bbs-bench-incremental-"));
    const meatDir = join(root, "meat");
    const lib = join(root, "lib");
    mkdirSync(lib, { recursive: true });
    const history = HistoryStore.open(join(root, "history.sqlite"));
    const store = new ReuseStore(join(root, "reuse"));
    const installed = new Map<string, InstalledPackage>(
      installedList.map((pkg) => [pkg.name, { name: pkg.name, version: "1.0", libPath: lib, deps: pkg.deps }]),
    );
    const graph: DependencyGraph = {
      nodes: [
        ...targets.map((pkg) => ({ name: pkg.name, deps: pkg.deps, source: "target" as const })),
        ...installedList.map((pkg) => ({
          name: pkg.name,
          deps: pkg.deps,
          source: "installed" as const,
          version: "1.0",
        })),
      ],
      unknown: [],
    };
    const generations = new Map<string, number>();
    const notes: string[] = [];
    process.stdout.write(
      `${targets.length} targets (${targets.length * STAGES.length} jobs), ${installedList.length} installed non-targets; ${slots} slots per stage; work in ${root}\n`,
    );

    const night = async (name: string, mode: RunMode, changed: ReadonlySet<string>): Promise<NightResult> => {
      for (const pkg of changed) generations.set(pkg, (generations.get(pkg) ?? 0) + 1);
      // Tonight's sources, as prerun and the meat refresh leave them (not measured: not this feature's work).
      rmSync(meatDir, { recursive: true, force: true });
      writeMeat(meatDir, targets, generations);
      const delivery = new Delivery({
        mode: "none",
        transport: undefined,
        node: NODE,
        outbox: join(root, "products-out"),
        journal: join(meatDir, ".bbs-delivered"),
      });
      await delivery.begin(STAGES, "full");
      const settings: StageJobSettings = {
        meatDir,
        commands: {
          rCmd: fakeR,
          rscriptCmd: fakeR,
          platform: "linux",
          buildType: "bioc",
          pkgType: "source",
          arch: "x86_64",
          installOptions: "",
          buildOptions: "--no-build-vignettes",
          checkOptions: "--no-manual",
          checkLibrary: lib,
          nonTargetRepos: [],
        },
        // the stand-in's INSTALL leaves each target's DESCRIPTION here, as R would
        env: { R_LIBS: lib },
        timeoutsMs: { install: 2_400_000, buildsrc: 2_400_000, checksrc: 2_400_000, buildbin: 2_400_000 },
        killGraceMs: 5000,
        rerunDelayMs: 5000,
        dontPushSrcPkgs: false,
        dates: {},
        delivery,
      };
      const started = performance.now();
      const cpu = process.cpuUsage();
      history.beginRun({ runId: name, node: NODE, kind: "run", startedAt: new Date(), mode });
      const planned = readPlannedTargets(
        meatDir,
        targets.map((pkg) => pkg.name),
        (_level, message) => notes.push(message),
      );
      clearJobFiles(
        meatDir,
        STAGES,
        targets.map((pkg) => pkg.name),
      );
      const plan = planRun({
        stages: STAGES,
        targets: planned,
        graph,
        installed: new Set(installed.keys()),
        earlierBuilds: new Map(),
        estimates: { install: new Map(), buildsrc: new Map(), checksrc: new Map(), buildbin: new Map() },
        settings,
      });
      const incremental = await applyIncremental(plan, {
        mode,
        history,
        store,
        runId: name,
        node: NODE,
        targets: planned,
        graph,
        installed,
        settings,
        rCmd: fakeR,
        note: (_level, message) => notes.push(`${name}: ${message}`),
      });
      const engine = new JobEngine<StageOutcome>(incremental.plan.jobs, {
        pools: STAGES.map((stage) => ({ name: stage, slots })),
        schedule: "pipeline",
      });
      const unsubscribe = recordJobsTo(engine, history, {
        runId: name,
        node: NODE,
        key: (job) => ({ stage: job.pool, package: job.label ?? job.id }),
        inputs: (job) => incremental.jobInputs.get(job.id),
      });
      const report = await engine.run();
      unsubscribe();
      await delivery.close();
      history.endRun(name, "finished");
      // As bbs run reads the library back before the next night: tonight's
      // targets are installed there now, at the version their DESCRIPTION says.
      for (const pkg of targets)
        installed.set(pkg.name, { name: pkg.name, version: TARGET_VERSION, libPath: lib, deps: pkg.deps });
      const usage = process.cpuUsage(cpu);
      const wallSeconds = (performance.now() - started) / 1000;
      const ranJobs = new Set<string>();
      for (const [id, record] of report.records)
        if (record.state === "done" && record.outcome?.reusedFrom === undefined) ranJobs.add(id);
      const must = changed.size === 0 ? undefined : mustRun(targets, changed).size * STAGES.length;
      return {
        name,
        wallSeconds,
        cpuSeconds: (usage.user + usage.system) / 1e6,
        ran: ranJobs.size,
        reused: incremental.reused,
        mustRun: mode === "full" ? targets.length * STAGES.length : (must ?? 0),
        ranJobs,
      };
    };

    const random = seededRandom(seed + 7);
    const changed = new Set<string>();
    while (changed.size < Math.min(changedCount, targets.length))
      changed.add((targets[Math.floor(random() * targets.length)] as WorkloadPackage).name);
    try {
      const results = [
        await night("n1-full", "incremental", new Set()),
        await night("n2-unchanged", "incremental", new Set()),
        await night("n3-50changed", "incremental", changed),
        await night("n4-forced", "full", new Set()),
      ];
      const full = results[0] as NightResult;
      process.stdout.write("night          wall s   CPU s   wall/full  jobs run  reused  must run\n");
      for (const result of results) {
        const must = result.name === "n1-full" ? targets.length * STAGES.length : result.mustRun;
        process.stdout.write(
          `${result.name.padEnd(14)} ${result.wallSeconds.toFixed(1).padStart(6)} ${result.cpuSeconds.toFixed(1).padStart(7)} ${(result.wallSeconds / full.wallSeconds).toFixed(3).padStart(10)} ${String(result.ran).padStart(9)} ${String(result.reused).padStart(7)} ${String(must ?? 0).padStart(9)}\n`,
        );
        if (result.ran !== (must ?? 0))
          throw new Error(`${result.name}: ${result.ran} job(s) ran, ${must ?? 0} must run: reuse is wrong`);
      }
      const unchanged = results[1] as NightResult;
      process.stdout.write(
        `nothing-changed night: ${unchanged.wallSeconds.toFixed(1)} s wall, ${unchanged.cpuSeconds.toFixed(1)} s CPU (goal <= 10 s); ` +
          `${changed.size} changed packages: ${(results[2] as NightResult).ran} job(s) run = must run\n`,
      );
      for (const note of notes.filter((line) => line.includes("incremental run:"))) process.stdout.write(`  ${note}\n`);
    } finally {
      history.close();
      if (!keep) rmSync(root, { recursive: true, force: true });
    }
  },
};
