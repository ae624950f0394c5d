// Scheduling on real R: the nine Bioconductor 3.16 packages of test/corpus
// installed, built and checked by real R through bbs's job engine, under
// bbs's pipeline and BBS's barrier schedule, night 1 (no recorded durations)
// and night 2 (night 1's durations as estimates), each compared with the
// lower bound from its own job times:
//   max(critical path, each stage's work / its slots, the jobs' CPU / cores)
// (the last term: 6 concurrent jobs on 2 cores make cores, not slots, the
// constraint; it is the CPU the jobs' process trees used, read from the
// kernel's account of reaped children, not their wall times, which sharing
// the cores inflates). A run with a node-wide cap on concurrent jobs (the engine's
// maxConcurrent, set by the config key `slots.total`) is measured beside it.
//
// The jobs are R's own commands (R CMD INSTALL, R CMD build
// --no-build-vignettes, R CMD check --no-manual), as the local config runs
// them on a machine without TeX; a CHECK after a failed BUILD is skipped (BBS).
//
// Options: --runs a,b,...  which runs, in order (default n1-pipeline,n2-pipeline,n2-pipeline-cap,n2-barrier,n1-barrier)
//          --slots N       slots per stage (default 2, config/local)
//          --cap N         the cap of the -cap runs (default: the cores)
//          --corpus DIR    the tarballs (default test/corpus/bioc-3.16)
//          --keep          keep the work directory

import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runCommandJob } from "../../src/jobs/command-job.js";
import { JobEngine } from "../../src/jobs/engine.js";
import type { EngineReport, JobOutcome, JobSpec, Schedule } from "../../src/jobs/types.js";
import { readDcfFile } from "../../src/rpkg/dcf.js";
import { runTool } from "../../src/util/tool.js";
import { numberOption, optionValue, type Benchmark } from "../types.js";
import { lowerBound } from "../scheduler/bounds.js";
import type { WorkloadPackage } from "../scheduler/workload.js";

const STAGES = ["install", "build", "check"] as const;
type Stage = (typeof STAGES)[number];
const RUNS = ["n1-pipeline", "n2-pipeline", "n2-pipeline-cap", "n2-barrier", "n1-barrier"] as const;
type RunName = (typeof RUNS)[number];
const TIMEOUT_MS = 40 * 60_000;

interface Outcome extends JobOutcome {
  readonly status: string;
}

interface CorpusPackage {
  readonly name: string;
  readonly version: string;
  readonly tarball: string;
  readonly deps: readonly string[];
}

function depNames(field: string | undefined): string[] {
  return (field ?? "")
    .split(",")
    .map((entry) => entry.trim().split(/[\s(]/)[0] ?? "")
    .filter((name) => name !== "" && name !== "R");
}

/** Each tarball's package, version and in-corpus install dependencies (from its DESCRIPTION). */
async function readCorpus(dir: string, work: string): Promise<CorpusPackage[]> {
  const tarballs = readdirSync(dir).filter((file) => file.endsWith(".tar.gz"));
  const peek = join(work, "descriptions");
  mkdirSync(peek, { recursive: true });
  const found: Array<CorpusPackage & { allDeps: string[] }> = [];
  for (const file of tarballs) {
    const name = file.split("_")[0] ?? file;
    const untar = await runTool("tar", ["-xzf", join(dir, file), "-C", peek, `${name}/DESCRIPTION`]);
    if (untar.exitCode !== 0) throw new Error(`cannot read ${file}: ${untar.stderr}`);
    const fields = readDcfFile(join(peek, name, "DESCRIPTION"))[0]?.fields;
    const allDeps = ["Depends", "Imports", "LinkingTo"].flatMap((key) => depNames(fields?.get(key)));
    found.push({ name, version: fields?.get("Version") ?? "", tarball: join(dir, file), deps: [], allDeps });
  }
  const names = new Set(found.map((pkg) => pkg.name));
  return found.map(({ allDeps, ...pkg }) => ({ ...pkg, deps: [...new Set(allDeps.filter((dep) => names.has(dep)))] }));
}

/**
 * CPU seconds (user + system) of this process's reaped descendants:
 * /proc/self/stat fields cutime and cstime, which the kernel accumulates down
 * the whole tree of every child that was waited for.
 */
function childrenCpuSeconds(ticksPerSecond: number): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  // fields after the parenthesised command name, which may hold spaces
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // cutime and cstime are fields 16 and 17 of stat(5); fields[0] is field 3
  return (Number(fields[13]) + Number(fields[14])) / ticksPerSecond;
}

async function clockTicksPerSecond(): Promise<number> {
  const result = await runTool("getconf", ["CLK_TCK"]);
  const ticks = Number(result.stdout.trim());
  return result.exitCode === 0 && ticks > 0 ? ticks : 100;
}

interface NightResult {
  readonly makespan: number;
  /** CPU seconds used by the night's jobs and everything they started. */
  readonly jobsCpu: number;
  readonly durations: Record<Stage, Map<string, number>>;
  readonly statuses: Record<string, number>;
  readonly peakRunning: number;
}

/** One night: fresh library and directories, every job a real R command. */
async function runNight(
  packages: readonly CorpusPackage[],
  work: string,
  options: {
    schedule: Schedule;
    slots: number;
    ticksPerSecond: number;
    cap?: number;
    estimates?: NightResult["durations"];
  },
): Promise<NightResult> {
  rmSync(work, { recursive: true, force: true });
  const lib = join(work, "lib");
  const src = join(work, "src");
  for (const dir of [lib, src, join(work, "build"), join(work, "check"), join(work, "out")])
    mkdirSync(dir, { recursive: true });
  for (const pkg of packages) {
    const untar = await runTool("tar", ["-xzf", pkg.tarball, "-C", src]);
    if (untar.exitCode !== 0) throw new Error(`cannot unpack ${pkg.tarball}: ${untar.stderr}`);
  }
  // Suggests that are not installed must not turn a check into an ERROR: the
  // bench measures scheduling, and the corpus suggests packages Debian lacks.
  const env = { R_LIBS: lib, R_LIBS_USER: lib, _R_CHECK_FORCE_SUGGESTS_: "false" };
  const job = (stage: Stage, pkg: CorpusPackage, command: string, cwd: string): JobSpec<Outcome> => ({
    id: `${stage}:${pkg.name}`,
    pool: stage,
    label: pkg.name,
    deps: stage === "install" ? pkg.deps.map((dep) => `install:${dep}`) : undefined,
    after: stage === "install" ? undefined : `${stage === "build" ? "install" : "build"}:${pkg.name}`,
    estimate: options.estimates?.[stage].get(pkg.name),
    skipWhen: stage === "install" ? undefined : ({ previous }) => previous?.outcome?.status !== "OK",
    run: async (context) => {
      const result = await runCommandJob({
        command,
        cwd,
        env,
        outputFile: join(work, "out", `${pkg.name}.${stage}-out.txt`),
        timeoutMs: TIMEOUT_MS,
        signal: context.signal,
        sweeper: context.sweeper,
      });
      return { status: result.timedOut ? "TIMEOUT" : result.retCode === 0 ? "OK" : "ERROR" };
    },
  });
  const jobs: JobSpec<Outcome>[] = [];
  const sorted = [...packages].sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
  for (const pkg of sorted) jobs.push(job("install", pkg, `R CMD INSTALL --library=${lib} ${pkg.name}`, src));
  for (const pkg of sorted)
    jobs.push(
      job("build", pkg, `R CMD build --no-build-vignettes --no-manual ${join(src, pkg.name)}`, join(work, "build")),
    );
  for (const pkg of sorted)
    jobs.push(
      job(
        "check",
        pkg,
        `R CMD check --no-manual --no-build-vignettes ${join(work, "build", `${pkg.name}_${pkg.version}.tar.gz`)}`,
        join(work, "check"),
      ),
    );
  const engine = new JobEngine<Outcome>(jobs, {
    pools: STAGES.map((name) => ({ name, slots: options.slots })),
    schedule: options.schedule,
    ...(options.cap === undefined ? {} : { maxConcurrent: options.cap }),
  });
  let running = 0;
  let peakRunning = 0;
  engine.subscribe((event) => {
    if (event.type === "job-started") peakRunning = Math.max(peakRunning, ++running);
    if (event.type === "job-finished" && event.record.startedAt !== undefined) running -= 1;
  });
  const cpuBefore = childrenCpuSeconds(options.ticksPerSecond);
  const report: EngineReport<Outcome> = await engine.run();
  const jobsCpu = childrenCpuSeconds(options.ticksPerSecond) - cpuBefore;
  const durations: NightResult["durations"] = { install: new Map(), build: new Map(), check: new Map() };
  const statuses: Record<string, number> = {};
  for (const record of report.records.values()) {
    const status = record.outcome?.status ?? record.state;
    statuses[`${record.pool} ${status}`] = (statuses[`${record.pool} ${status}`] ?? 0) + 1;
    if (record.elapsedMs !== undefined && record.state === "done")
      durations[record.pool as Stage].set(record.id.split(":")[1] ?? "", record.elapsedMs / 1000);
  }
  return {
    makespan: (report.endedAt.getTime() - report.startedAt.getTime()) / 1000,
    jobsCpu,
    durations,
    statuses,
    peakRunning,
  };
}

function boundOf(packages: readonly CorpusPackage[], night: NightResult, slots: number, cores: number) {
  const workload: WorkloadPackage[] = packages.map((pkg) => ({
    name: pkg.name,
    kind: "bioc",
    deps: pkg.deps,
    install: 0,
    build: undefined,
    check: undefined,
  }));
  const stageBound = lowerBound(workload, night.durations, { install: slots, build: slots, check: slots });
  const cpu = night.jobsCpu / cores;
  return cpu > stageBound.value
    ? { value: cpu, by: `CPU / ${cores} cores`, stageBound }
    : { value: stageBound.value, by: stageBound.boundBy, stageBound };
}

export const corpusBenchmark: Benchmark = {
  name: "corpus",
  description: "real R on the nine Bioconductor 3.16 packages: pipeline vs barrier, night 1 and 2, makespan / bound",
  async run(args) {
    const corpusDir = resolve(optionValue(args, "corpus") ?? "test/corpus/bioc-3.16");
    const slots = numberOption(args, "slots", 2);
    const cores = availableParallelism();
    const cap = numberOption(args, "cap", cores);
    const runs = (optionValue(args, "runs")?.split(",") ?? [...RUNS]) as RunName[];
    for (const run of runs)
      if (!RUNS.includes(run)) throw new Error(`--runs: unknown run ${run}; known: ${RUNS.join(", ")}`);
    const work = mkdtempSync(join(tmpdir(), "bbs-bench-corpus-"));
    try {
      const packages = await readCorpus(corpusDir, work);
      const ticksPerSecond = await clockTicksPerSecond();
      process.stdout.write(
        `${packages.length} packages, ${slots} slots per stage, ${cores} cores, cap ${cap}; load average at start ${loadavg()
          .map((value) => value.toFixed(2))
          .join(" ")}\n`,
      );
      let night1: NightResult | undefined;
      for (const run of runs) {
        const [night, schedule] = run.split("-") as ["n1" | "n2", Schedule];
        if (night === "n2" && night1 === undefined) {
          process.stdout.write("  (night 1 first, for its durations)\n");
          night1 = await runNight(packages, join(work, "night"), { schedule: "pipeline", slots, ticksPerSecond });
        }
        const result = await runNight(packages, join(work, "night"), {
          schedule,
          slots,
          ticksPerSecond,
          ...(run.endsWith("-cap") ? { cap } : {}),
          ...(night === "n2" ? { estimates: night1?.durations } : {}),
        });
        if (run === "n1-pipeline") night1 = result;
        const bound = boundOf(packages, result, slots, cores);
        process.stdout.write(
          `${run.padEnd(16)} makespan ${result.makespan.toFixed(0).padStart(5)} s  bound ${bound.value.toFixed(0).padStart(5)} s (${bound.by}; critical path ${bound.stageBound.criticalPath.toFixed(0)} s, jobs' CPU ${result.jobsCpu.toFixed(0)} s)  ratio ${(result.makespan / bound.value).toFixed(3)}  peak jobs ${result.peakRunning}  load ${loadavg()[0]?.toFixed(2)}\n`,
        );
        process.stdout.write(
          `${"".padEnd(16)} ${Object.entries(result.statuses)
            .map(([status, count]) => `${status} ${count}`)
            .join(", ")}\n`,
        );
      }
    } finally {
      if (!args.includes("--keep")) rmSync(work, { recursive: true, force: true });
      else process.stdout.write(`work directory kept: ${work}\n`);
    }
  },
};
