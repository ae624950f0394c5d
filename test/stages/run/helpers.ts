// Shared setup of the `bbs run` tests: a run published by a real `bbs
// prerun`, the bbs CLI transpiled from the sources, and readers of what a
// run delivered.

import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import type { CommandSettings } from "../../../src/rpkg/r-commands.js";
import { readNdjson } from "../../../src/history/ndjson.js";
import { parseSummary, type ParsedSummary } from "../../../src/results/summary.js";
import type { TestConfig } from "../../fixtures/test-config.js";
import { transpileCli } from "../../util/helpers/transpile.js";

/** Builds run in New York time (spec 12.22): dates in summaries carry its offset. */
export const TEST_TIME_ZONE = "America/New_York";

export interface CentralRunFixture {
  readonly runId: string;
  /** `<central.runsDir>/<runId>`, where central.dir points. */
  readonly runDir: string;
}

/** Runs a real `bbs prerun` on the config (its git server): the run every `bbs run` test builds. */
export async function prerun(config: TestConfig): Promise<CentralRunFixture> {
  const result = await makeCli(config).run(["prerun"]);
  if (result.exitCode !== 0) throw new Error(`bbs prerun failed (exit ${result.exitCode}):\n${result.all}`);
  const runDir = realpathSync(config.load().values["central.dir"]);
  const info = JSON.parse(readFileSync(join(runDir, "run.json"), "utf8")) as { runId: string };
  return { runId: info.runId, runDir };
}

/** A run made by `bbs prerun` then built by `bbs run`: where its products went, and what the CLI said. */
export interface BuiltRun {
  readonly config: TestConfig;
  readonly central: CentralRunFixture;
  /** `<run dir>/products-in/<node>` */
  readonly products: string;
  readonly workDir: string;
  readonly exitCode: number | undefined;
  readonly output: string;
}

export async function prerunThenRun(config: TestConfig, args: readonly string[]): Promise<BuiltRun> {
  const central = await prerun(config);
  const result = await makeCli(config).run(["run", ...args]);
  return {
    config,
    central,
    products: join(central.runDir, "products-in", config.nodeId),
    workDir: config.workDir,
    exitCode: result.exitCode,
    output: result.all ?? "",
  };
}

export interface Cli {
  /** Runs `bbs <args>` on the config; never rejects (look at exitCode). */
  run(args: readonly string[], options?: { env?: Record<string, string> }): ResultPromise<{ reject: false; all: true }>;
}

let launcher: string | undefined;

/** The CLI transpiled from the current sources (once per test file). */
export function makeCli(config: TestConfig): Cli {
  launcher ??= transpileCli();
  const script = launcher;
  return {
    run: (args, options = {}) =>
      execa("node", [script, ...args], {
        reject: false,
        all: true,
        env: { ...config.cliEnv(), TZ: TEST_TIME_ZONE, ...options.env },
      }),
  };
}

/** The summary of a delivered (or local) job, parsed; undefined when absent. */
export function readJobSummary(dir: string, pkg: string, stage: string): ParsedSummary | undefined {
  const path = join(dir, `${pkg}.${stage}-summary.dcf`);
  return existsSync(path) ? parseSummary(readFileSync(path, "utf8"), path) : undefined;
}

/** Field names of a summary file in file order. */
export function summaryFieldOrder(path: string): string[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.slice(0, line.indexOf(":")));
}

export interface JobLine {
  readonly event: string;
  readonly job: string;
  readonly package: string;
  readonly stage: string;
  readonly node: string;
  readonly slot: number | null;
  readonly version: string | null;
  readonly status?: string;
  readonly state?: string;
  readonly startedAt?: string | null;
  readonly endedAt?: string | null;
  readonly at: string;
  readonly runId: string;
}

/** Job lines of a jobs.ndjson file. */
export function jobLines(path: string): JobLine[] {
  const { records, problems } = readNdjson(path);
  if (problems.length > 0)
    throw new Error(`${path}: unreadable lines ${problems.map((problem) => problem.line).join(", ")}`);
  return (records as Array<{ event: string }>).filter(
    (record) => record.event === "job-started" || record.event === "job-finished",
  ) as unknown as JobLine[];
}

/** Live processes (not zombies) whose working directory is under `dir`: what a run left behind. */
export function processesUnder(dir: string): Array<{ pid: number; cmdline: string }> {
  const found: Array<{ pid: number; cmdline: string }> = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "latin1");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (state === "Z" || state === "X") continue;
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      if (cwd === dir || cwd.startsWith(`${dir}/`))
        found.push({
          pid: Number(entry),
          cmdline: readFileSync(`/proc/${entry}/cmdline`, "latin1").replace(/\0/g, " ").trim(),
        });
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** Command settings of a Linux builder like nebbiolo1 (spec 4.3's example), with overrides. */
export function linuxCommandSettings(overrides: Partial<CommandSettings> = {}): CommandSettings {
  return {
    rCmd: "/home/biocbuild/bbs-3.21-bioc/R/bin/R",
    rscriptCmd: "/home/biocbuild/bbs-3.21-bioc/R/bin/Rscript",
    platform: "linux",
    buildType: "bioc",
    pkgType: "source",
    arch: "x86_64",
    installOptions: "",
    buildOptions: "",
    checkOptions: "",
    checkLibrary: "/home/biocbuild/bbs-3.21-bioc/R/site-library",
    nonTargetRepos: ["https://bioconductor.org/packages/3.21/data/annotation", "https://cran.rstudio.com"],
    ...overrides,
  };
}
