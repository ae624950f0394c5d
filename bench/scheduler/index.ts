// The scheduler benchmark: the real Bioconductor 3.18 graph through bbs's
// real job engine, each job a real process (fake-r-sleep, a stand-in for R
// that sleeps the job's duration, scaled down), under bbs's pipeline and
// under BBS's policy (stage barriers, alphabetical order), side by side.
//
// Options: --target-seconds N  wall time of the pipeline's lower bound (default 100)
//          --seed N            seed of the duration derivation (default 318)
//          --schedules a,b     pipeline,barrier (default both)
//          --data DIR          the graph and timings (default bench/data, see its README)
//          --plan              print the workload and bounds, run nothing
//          --simulated-only    only the simulated-clock runs (seconds, no processes)

import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { runCommandJob } from "../../src/jobs/command-job.js";
import { JobEngine } from "../../src/jobs/engine.js";
import type { JobContext, JobOrder, JobSpec, Schedule } from "../../src/jobs/types.js";
import { numberOption, optionValue, type Benchmark } from "../types.js";
import { lowerBound, type LowerBound, type StageDurations } from "./bounds.js";
import { loadWorkload, normal, seededRandom, STAGE_TIMEOUT_SECONDS, type Workload } from "./workload.js";

const SLOTS = { install: 18, build: 16, check: 22 } as const;
type Stage = keyof typeof SLOTS;
const STAGES: readonly Stage[] = ["install", "build", "check"];

interface Outcome {
  readonly status: string;
  readonly retCode: number | null;
}

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "bbs")
      return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the bbs repository root (package.json named bbs)");
    dir = parent;
  }
}

function dataDir(args: readonly string[], root: string): string {
  const candidates = [optionValue(args, "data"), process.env.BBS_BENCH_DATA, resolve(root, "bench/data")];
  for (const candidate of candidates)
    if (candidate && existsSync(join(candidate, "bioc-3.18-software.tsv"))) return candidate;
  throw new Error(
    `cannot find the benchmark data (bioc-3.18-software.tsv) in ${resolve(root, "bench/data")}: pass --data DIR or set BBS_BENCH_DATA`,
  );
}

function plannedDurations(workload: Workload): StageDurations {
  const install = new Map<string, number>();
  const build = new Map<string, number>();
  const check = new Map<string, number>();
  for (const pkg of workload.packages) {
    if (pkg.kind !== "preinstalled") install.set(pkg.name, pkg.install);
    if (pkg.build !== undefined) build.set(pkg.name, pkg.build);
    if (pkg.check !== undefined) check.set(pkg.name, pkg.check);
  }
  return { install, build, check };
}

function byName(a: string, b: string): number {
  const lower = a.toLowerCase().localeCompare(b.toLowerCase());
  return lower !== 0 ? lower : a.localeCompare(b);
}

/** Runs one job of `seconds` (unscaled) of a stage. */
type Runner = (stage: Stage, name: string, seconds: number) => (context: JobContext<Outcome>) => Promise<Outcome>;

/** The jobs of one run: every stage of every package, in BBS's alphabetical order per stage. */
function buildJobs(workload: Workload, seed: number, runner: Runner): JobSpec<Outcome>[] {
  const random = seededRandom(seed + 1);
  const jobs: JobSpec<Outcome>[] = [];
  const names = workload.packages.map((pkg) => pkg.name).sort(byName);
  const packages = new Map(workload.packages.map((pkg) => [pkg.name, pkg]));
  const job = (
    stage: Stage,
    name: string,
    seconds: number | undefined,
    deps: string[],
    after?: string,
  ): JobSpec<Outcome> => ({
    id: `${stage}:${name}`,
    pool: stage,
    label: name,
    deps,
    after,
    estimate: seconds === undefined ? undefined : seconds * Math.exp(0.25 * normal(random)),
    run: seconds === undefined ? undefined : runner(stage, name, seconds),
  });
  for (const name of names) {
    const pkg = packages.get(name);
    if (!pkg) continue;
    jobs.push(
      job(
        "install",
        name,
        pkg.kind === "preinstalled" ? undefined : pkg.install,
        pkg.deps.map((dep) => `install:${dep}`),
      ),
    );
  }
  for (const stage of ["build", "check"] as const) {
    for (const name of names) {
      const pkg = packages.get(name);
      const seconds = stage === "build" ? pkg?.build : pkg?.check;
      if (seconds !== undefined)
        jobs.push(job(stage, name, seconds, [], stage === "build" ? `install:${name}` : `build:${name}`));
    }
  }
  return jobs;
}

/** Each job a real process: fake-r-sleep for the scaled duration, through runCommandJob. */
function processRunner(scale: number, fakeR: string, outDir: string): Runner {
  return (stage, name, seconds) => async (context) => {
    const result = await runCommandJob({
      command: `${fakeR} ${(seconds * scale).toFixed(4)} ${stage} ${name}`,
      outputFile: join(outDir, `${name}.${stage}-out.txt`),
      timeoutMs: STAGE_TIMEOUT_SECONDS * scale * 1000 * 2,
      signal: context.signal,
      sweeper: context.sweeper,
    });
    return { status: result.retCode === 0 ? "OK" : result.timedOut ? "TIMEOUT" : "ERROR", retCode: result.retCode };
  };
}

/**
 * The same engine on a simulated clock (no processes): jobs end when the
 * clock reaches their duration. Separates the schedule's quality from the
 * cost of real processes at this time compression.
 */
async function simulate(
  schedule: Schedule,
  order: JobOrder,
  workload: Workload,
  seed: number,
): Promise<{ makespan: number; bound: LowerBound }> {
  let now = 0;
  const pending: Array<{ end: number; resolve: () => void }> = [];
  const runner: Runner = (_stage, _name, seconds) => () =>
    new Promise<Outcome>((resolve) =>
      pending.push({ end: now + seconds, resolve: () => resolve({ status: "OK", retCode: 0 }) }),
    );
  const engine = new JobEngine<Outcome>(buildJobs(workload, seed, runner), {
    pools: STAGES.map((stage) => ({ name: stage, slots: SLOTS[stage] })),
    schedule,
    order,
  });
  let finished = false;
  const done = engine.run().then(() => {
    finished = true;
  });
  while (!finished) {
    // Let the engine react to the previous completion before advancing the clock.
    await new Promise((resolve) => setImmediate(resolve));
    if (pending.length === 0) continue;
    let earliest = 0;
    for (let index = 1; index < pending.length; index += 1)
      if ((pending[index]?.end ?? 0) < (pending[earliest]?.end ?? 0)) earliest = index;
    const [next] = pending.splice(earliest, 1);
    if (!next) continue;
    now = next.end;
    next.resolve();
  }
  await done;
  return { makespan: now, bound: lowerBound(workload.packages, plannedDurations(workload), SLOTS) };
}

interface RunFigures {
  readonly schedule: Schedule;
  readonly makespan: number;
  readonly bound: LowerBound;
  readonly jobsRun: number;
  readonly cpuMsPerJob: number;
  readonly statuses: Record<string, number>;
  readonly loopDelayP99Ms: number;
}

async function runOnce(
  schedule: Schedule,
  workload: Workload,
  scale: number,
  seed: number,
  fakeR: string,
): Promise<RunFigures> {
  const outDir = mkdtempSync(join(tmpdir(), `bbs-bench-${schedule}-`));
  try {
    const jobs = buildJobs(workload, seed, processRunner(scale, fakeR, outDir));
    const engine = new JobEngine<Outcome>(jobs, {
      pools: STAGES.map((stage) => ({ name: stage, slots: SLOTS[stage] })),
      schedule,
    });
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const cpu = process.cpuUsage();
    const report = await engine.run();
    const used = process.cpuUsage(cpu);
    loopDelay.disable();
    const measured: Record<Stage, Map<string, number>> = { install: new Map(), build: new Map(), check: new Map() };
    const statuses: Record<string, number> = {};
    let jobsRun = 0;
    for (const record of report.records.values()) {
      const status = record.outcome?.status ?? record.state;
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (record.elapsedMs === undefined) continue;
      jobsRun += 1;
      const [stage, name] = record.id.split(":") as [Stage, string];
      measured[stage].set(name, record.elapsedMs / 1000 / scale);
    }
    return {
      schedule,
      makespan: (report.endedAt.getTime() - report.startedAt.getTime()) / 1000,
      bound: lowerBound(workload.packages, measured, SLOTS),
      jobsRun,
      cpuMsPerJob: (used.user + used.system) / 1000 / jobsRun,
      statuses,
      loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

function seconds(value: number): string {
  return `${value.toFixed(1)} s`;
}

export const schedulerBenchmark: Benchmark = {
  name: "scheduler",
  description: "job engine on the Bioconductor 3.18 graph: bbs pipeline vs BBS barriers, real processes (fake-r-sleep)",
  async run(args) {
    const root = repoRoot();
    const seed = numberOption(args, "seed", 318);
    const target = numberOption(args, "target-seconds", 100);
    const schedules = (optionValue(args, "schedules") ?? "pipeline,barrier").split(",") as Schedule[];
    const workload = loadWorkload(dataDir(args, root), seed);
    const fakeR = join(root, "bench", "fake-r-sleep");
    const planned = lowerBound(workload.packages, plannedDurations(workload), SLOTS);
    const scale = target / planned.value;
    const jobCount = workload.packages.length + 2 * workload.packages.filter((pkg) => pkg.kind === "bioc").length;
    const out = (line = "") => process.stdout.write(`${line}\n`);

    out(
      `slots: install ${SLOTS.install}, build ${SLOTS.build}, check ${SLOTS.check}; ${jobCount} jobs; stand-in for R: bench/fake-r-sleep (sleeps the scaled duration)`,
    );
    out("durations:");
    for (const line of workload.derivation) out(`  - ${line}`);
    out(
      `planned (unscaled): lower bound ${seconds(planned.value)} (${planned.boundBy}); critical path ${seconds(planned.criticalPath)} ` +
        `(${planned.criticalPackages.slice(0, 6).join(" <- ")}${planned.criticalPackages.length > 6 ? " <- ..." : ""}); ` +
        `work/slots: install ${seconds(planned.stageBound.install)}, build ${seconds(planned.stageBound.build)}, check ${seconds(planned.stageBound.check)}`,
    );
    out(
      `time scale: 1/${(1 / scale).toFixed(0)} (the pipeline's lower bound is about ${seconds(target)} of wall time)`,
    );
    if (args.includes("--plan")) return;

    out("simulated clock (same engine and jobs, no processes; unscaled durations):");
    const variants: Array<[string, Schedule, JobOrder]> = [
      ["pipeline, bottleneck order (default)", "pipeline", "bottleneck"],
      ["pipeline, critical-path order", "pipeline", "critical-path"],
      ["pipeline, alphabetical order", "pipeline", "given"],
      ["barrier, alphabetical order (BBS)", "barrier", "given"],
    ];
    const simulated = new Map<string, number>();
    for (const [label, schedule, order] of variants) {
      const result = await simulate(schedule, order, workload, seed);
      simulated.set(`${schedule}/${order}`, result.makespan);
      out(
        `  ${label.padEnd(38)} makespan ${seconds(result.makespan).padStart(9)}, / lower bound ${(result.makespan / result.bound.value).toFixed(3)}`,
      );
    }
    const simulatedPipeline = simulated.get("pipeline/bottleneck") ?? NaN;
    out(`  BBS policy / bbs pipeline ${((simulated.get("barrier/given") ?? NaN) / simulatedPipeline).toFixed(3)}`);
    out();
    if (args.includes("--simulated-only")) return;

    const figures: RunFigures[] = [];
    for (const schedule of schedules) {
      out(
        `running ${schedule}... (load average ${loadavg()
          .map((value) => value.toFixed(2))
          .join(" ")}, ${availableParallelism()} CPUs)`,
      );
      figures.push(await runOnce(schedule, workload, scale, seed, fakeR));
    }
    (globalThis as { gc?: () => void }).gc?.();
    out();
    out("real processes (fake-r-sleep), scaled:");
    out(
      "schedule                     makespan   lower bound (term)                 ratio   bbs CPU/job   loop p99   statuses",
    );
    for (const run of figures) {
      const name = run.schedule === "pipeline" ? "bbs pipeline (bottleneck)" : "BBS policy (barrier, alpha)";
      out(
        `${name.padEnd(28)} ${seconds(run.makespan).padStart(8)}   ${`${seconds(run.bound.value * scale)} (${run.bound.boundBy})`.padEnd(33)} ` +
          `${(run.makespan / (run.bound.value * scale)).toFixed(3).padStart(5)}   ${`${run.cpuMsPerJob.toFixed(2)} ms`.padStart(11)}   ` +
          `${`${run.loopDelayP99Ms.toFixed(1)} ms`.padStart(8)}   ${Object.entries(run.statuses)
            .map(([status, count]) => `${status} ${count}`)
            .join(", ")}`,
      );
    }
    const pipeline = figures.find((run) => run.schedule === "pipeline");
    const barrier = figures.find((run) => run.schedule === "barrier");
    out();
    if (pipeline)
      out(
        `bbs pipeline makespan / lower bound: ${(pipeline.makespan / (pipeline.bound.value * scale)).toFixed(3)} (goal <= 1.05)`,
      );
    if (pipeline && barrier)
      out(
        `BBS policy makespan / bbs pipeline makespan: ${(barrier.makespan / pipeline.makespan).toFixed(3)} (goal >= 1.8)`,
      );
    const usage = process.resourceUsage();
    const memory = process.memoryUsage();
    out(
      `bbs peak memory: max RSS ${(usage.maxRSS / 1024).toFixed(0)} MiB; heap after the runs ${(memory.heapUsed / 1048576).toFixed(0)} MiB`,
    );
    out(
      "(lower bounds use the job durations measured in each run, i.e. the slot time of each job, process start included;",
    );
    out(
      " at this time compression the install stage asks for hundreds of process starts per second, so a loaded machine",
    );
    out(" shows in the real-process ratios: compare with the simulated-clock line, or raise --target-seconds)");
  },
};
