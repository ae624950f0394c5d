// Shared setup of the `bbs run` tests: a central run directory in the
// documented formats (what `bbs prerun` publishes: run.json, meat-index.dcf,
// src/contrib tarballs with the git fields injected, PACKAGES), the bbs CLI
// transpiled from the sources, and readers of what a run delivered.

import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { execa, type ResultPromise } from "execa";
import type { ResolvedConfig } from "../../../src/config/load.js";
import type { CommandSettings } from "../../../src/stages/run/commands.js";
import { readNdjson } from "../../../src/history/ndjson.js";
import { parseSummary, type ParsedSummary } from "../../../src/jobs/summary.js";
import { Description, injectDescriptionFields, splitMaintainer } from "../../../src/rpkg/description.js";
import { writeMeatIndex, type MeatIndexRecord } from "../../../src/rpkg/meat-index.js";
import { BBS_GIT_FIELDS, writePackagesIndex } from "../../../src/rpkg/packages-index.js";
import { formatBbsDate } from "../../../src/util/bbs-date.js";
import type { TestConfig } from "../../fixtures/test-config.js";
import { transpileCli } from "../../util/helpers/transpile.js";

/** Builds run in New York time (spec 12.22): dates in summaries carry its offset. */
export const TEST_TIME_ZONE = "America/New_York";

export interface CentralRunFixture {
  readonly runId: string;
  readonly runDir: string;
  /** package -> the commit written as git_last_commit. */
  readonly commits: ReadonlyMap<string, string>;
}

/**
 * Publishes a run as `bbs prerun` does: `<central.runsDir>/<runId>/` with
 * run.json, meat-index.dcf and src/contrib (a plain `tar czf` of each source
 * tree with git_url/git_branch/git_last_commit/git_last_commit_date and
 * Repository injected, PACKAGES last), and central.dir a symlink to it.
 */
export async function publishRun(config: ResolvedConfig, sourceDirs: ReadonlyMap<string, string>, options: { runId?: string; staging: string; commits?: ReadonlyMap<string, string> }): Promise<CentralRunFixture> {
  const v = config.values;
  const runId = options.runId ?? "20241121-135500";
  const runDir = join(v["central.runsDir"], runId);
  const contrib = join(runDir, "src", "contrib");
  mkdirSync(contrib, { recursive: true });
  mkdirSync(options.staging, { recursive: true });
  const records: MeatIndexRecord[] = [];
  const commits = new Map<string, string>();
  for (const [name, dir] of sourceDirs) {
    const copy = join(options.staging, name);
    cpSync(dir, copy, { recursive: true });
    const commit = options.commits?.get(name) ?? `c0ffee${String(records.length).padStart(2, "0")}`;
    commits.set(name, commit);
    injectDescriptionFields(join(copy, "DESCRIPTION"), [
      ["git_url", `https://git.example.org/packages/${name}`],
      ["git_branch", v.gitBranch],
      ["git_last_commit", commit],
      ["git_last_commit_date", "2024-11-20"],
      ["Repository", `Bioconductor ${v.biocVersion}`],
    ]);
    const description = Description.read(copy);
    const version = description.version as string;
    const maintainer = splitMaintainer(description.maintainer ?? "Unknown <unknown@example.org>");
    records.push({ package: name, version, maintainer: maintainer.name, ...(maintainer.email === undefined ? {} : { maintainerEmail: maintainer.email }) });
    await execa("tar", ["czf", join(contrib, `${name}_${version}.tar.gz`), name], { cwd: options.staging });
  }
  writeMeatIndex(join(runDir, "meat-index.dcf"), records);
  const now = new Date();
  const info = { runId, snapshotDate: formatBbsDate(now), snapshotTime: now.toISOString(), biocVersion: v.biocVersion, buildType: v.buildType, packages: records.length, status: "prepared" };
  writeFileSync(join(runDir, "run.json"), `${JSON.stringify(info, null, 2)}\n`);
  await writePackagesIndex(contrib, { fields: BBS_GIT_FIELDS });
  const centralDir = v["central.dir"];
  mkdirSync(dirname(centralDir), { recursive: true });
  if (existsSync(centralDir)) throw new Error(`${centralDir} exists: publishRun makes a fresh central directory`);
  symlinkSync(relative(dirname(centralDir), runDir), centralDir);
  return { runId, runDir, commits };
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
      execa("node", [script, ...args], { reject: false, all: true, env: { ...config.cliEnv(), TZ: TEST_TIME_ZONE, ...options.env } }),
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
  if (problems.length > 0) throw new Error(`${path}: unreadable lines ${problems.map((problem) => problem.line).join(", ")}`);
  return (records as Array<{ event: string }>).filter((record) => record.event === "job-started" || record.event === "job-finished") as unknown as JobLine[];
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
      if (cwd === dir || cwd.startsWith(`${dir}/`)) found.push({ pid: Number(entry), cmdline: readFileSync(`/proc/${entry}/cmdline`, "latin1").replace(/\0/g, " ").trim() });
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
