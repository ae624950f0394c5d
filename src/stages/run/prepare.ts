// Everything a run needs before its first job: the node's target list (meat
// index + support rule, docs/bbs-rules.md#targets-and-meat), the sources in meat, each target's
// DESCRIPTION facts, and for STAGE2 the dependency graph with what is
// installed already (docs/bbs-rules.md#dependency-graph), written into STAGE2_tmp/ as BBS does.

import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ResolvedConfig } from "../../config/load.js";
import { nodeIdentityOf } from "../../results/collect.js";
import type { Stage } from "../../layout/stages.js";
import { readBbsOptions } from "../../rpkg/bbsoptions.js";
import { Description } from "../../rpkg/description.js";
import { parseMeatIndex, targetPackages, type MeatIndexRecord } from "../../rpkg/meat-index.js";
import { HttpReader } from "../../transport/index.js";
import { nonTargetRepositories } from "../../rpkg/command-settings.js";
import { BbsError, errorMessage } from "../../util/errors.js";
import type { CentralRun } from "./central.js";
import {
  computeDependencyGraph,
  formatDependencyGraph,
  mergeAvailable,
  parsePackagesIndex,
  type AvailablePackage,
  type DependencyGraph,
} from "./dep-graph.js";
import type { BuilderLayout } from "./layout.js";
import { extractSources, fetchTargetRepo, injectPublicationDate } from "./meat.js";
import type { PlannedTarget } from "./plan.js";
import { installedPackages, libraryPaths, rLibsOf, type InstalledPackage } from "../../rpkg/r-env.js";
import {
  TARGET_REPO_PACKAGES_FILE,
  MEAT_INDEX_FILE,
  DEP_GRAPH_FILE,
  outFileName,
  summaryFileName,
  missingFileName,
} from "../../layout/central.js";

export type Note = (level: "info" | "warning", message: string) => void;

/** The node's target packages: the run's meat index filtered by the support rule, sorted case-insensitively. */
export async function readTargets(
  config: ResolvedConfig,
  run: CentralRun,
  signal?: AbortSignal,
): Promise<MeatIndexRecord[]> {
  const text = await run.reader.readTextIfExists(MEAT_INDEX_FILE, signal);
  if (text === undefined) {
    throw new BbsError("BBS_PRECONDITION", `run ${run.info.runId} has no ${MEAT_INDEX_FILE} in ${run.reader.where}`, {
      hint: "the run's prerun did not finish its meat-index step; run `bbs prerun` on the central node",
    });
  }
  return targetPackages(parseMeatIndex(text, `${run.reader.where}/${MEAT_INDEX_FILE}`), nodeIdentityOf(config));
}

/** Packages whose sources are (re)made in meat: all targets, some (--packages), or none (keep the meat as it is). */
export type MeatRefresh = { kind: "all" } | { kind: "some"; packages: ReadonlySet<string> } | { kind: "keep" };

/** Brings the sources of the targets into meat (docs/bbs-rules.md#targets-and-meat); targets that cannot be unpacked are reported. */
export async function refreshMeat(
  config: ResolvedConfig,
  run: CentralRun,
  layout: BuilderLayout,
  targets: readonly string[],
  refresh: MeatRefresh,
  note: Note,
  signal?: AbortSignal,
): Promise<void> {
  if (refresh.kind === "keep") return;
  const wanted = refresh.kind === "all" ? targets : targets.filter((pkg) => refresh.packages.has(pkg));
  if (refresh.kind === "all") {
    // As BBS's rsync --delete: yesterday's products and files are gone.
    rmSync(layout.meatDir, { recursive: true, force: true });
  }
  mkdirSync(layout.meatDir, { recursive: true });
  const repo = await fetchTargetRepo(run, layout.targetRepoDir, new Set(wanted), signal);
  const v = config.values;
  const result = await extractSources(repo, layout.meatDir, wanted, {
    tar: v["tools.tar"],
    killGraceMs: v["timeouts.killGrace"] * 1000,
    ...(signal === undefined ? {} : { signal }),
  });
  for (const problem of result.problems)
    note("warning", `${problem.pkg}: ${problem.reason}; it gets no jobs (NA on the report)`);
  for (const problem of injectPublicationDate(layout.meatDir, result.extracted, v.buildType))
    note("warning", `Date/Publication not injected: ${problem}`);
}

/** Each target with a readable DESCRIPTION in meat; the others are reported and get no jobs (BBS: NA). */
export function readPlannedTargets(meatDir: string, targets: readonly string[], note: Note): PlannedTarget[] {
  const planned: PlannedTarget[] = [];
  for (const name of targets) {
    const dir = join(meatDir, name);
    let description: Description;
    try {
      description = Description.read(dir);
    } catch (error) {
      note(
        "warning",
        `${name}: no readable DESCRIPTION in ${dir} (${errorMessage(error)}); it gets no jobs (NA on the report)`,
      );
      continue;
    }
    const version = description.version;
    if (version === undefined) {
      note("warning", `${name}: ${dir}/DESCRIPTION has no Version; it gets no jobs`);
      continue;
    }
    const options = readBbsOptions(dir);
    if (options.problem !== undefined) note("warning", `${name}: ${options.problem}`);
    planned.push({ name, version, commit: description.get("git_last_commit") ?? null, options, description });
  }
  return planned;
}

/** Source tarball sizes of the local target repo mirror (the fallback of duration estimates). */
export function tarballSizes(targetRepoDir: string): Map<string, number> {
  const sizes = new Map<string, number>();
  let names: string[];
  try {
    names = readdirSync(targetRepoDir);
  } catch {
    return sizes;
  }
  for (const name of names) {
    const match = /^([A-Za-z0-9.]+)_[^_]*\.tar\.gz$/.exec(name);
    if (!match) continue;
    try {
      sizes.set(match[1] as string, statSync(join(targetRepoDir, name)).size);
    } catch {
      // vanished meanwhile
    }
  }
  return sizes;
}

/** The non-target repositories of the build, `BBS_BIOC_VERSION` replaced (docs/formats.md#non-target-repositories). */
async function repositoryPackages(url: string, note: Note, signal?: AbortSignal): Promise<AvailablePackage[]> {
  try {
    const text = await new HttpReader(url).readTextIfExists(
      "src/contrib/PACKAGES",
      signal === undefined ? {} : { signal },
    );
    if (text === undefined) {
      note(
        "warning",
        `non-target repository ${url} has no src/contrib/PACKAGES: its packages are unknown to the dependency graph`,
      );
      return [];
    }
    const parsed = parsePackagesIndex(text, url);
    for (const problem of parsed.problems) note("warning", problem);
    return parsed.packages;
  } catch (error) {
    note(
      "warning",
      `cannot read non-target repository ${url}: ${errorMessage(error)}; its packages are unknown to the dependency graph`,
    );
    return [];
  }
}

export interface Stage2Inputs {
  readonly graph: DependencyGraph;
  readonly installed: ReadonlyMap<string, InstalledPackage>;
  readonly libPaths: readonly string[];
}

/**
 * The STAGE2 dependency graph: targets' DESCRIPTIONs, the target repo's and
 * non-target repositories' PACKAGES, and the installed packages. Writes
 * STAGE2_tmp/{target_pkgs.txt, pkg_dep_graph.txt, installed_pkgs.txt}.
 */
export async function prepareStage2(
  config: ResolvedConfig,
  run: CentralRun,
  layout: BuilderLayout,
  targets: readonly PlannedTarget[],
  note: Note,
  signal?: AbortSignal,
): Promise<Stage2Inputs> {
  const v = config.values;
  const libPaths = libraryPaths(v.rHome, rLibsOf(config), v.rPlatform);
  const installed = installedPackages(libPaths);
  for (const problem of installed.problems) note("warning", `installed packages: ${problem}`);
  const targetIndexText = await run.reader.readTextIfExists(TARGET_REPO_PACKAGES_FILE, signal);
  const fromTargetRepo =
    targetIndexText === undefined ? [] : parsePackagesIndex(targetIndexText, run.reader.where).packages;
  if (fromTargetRepo.length === 0)
    note("warning", `the target repo's PACKAGES of run ${run.info.runId} lists no package`);
  const repositories = await Promise.all(
    nonTargetRepositories(config).map((url) => repositoryPackages(url, note, signal)),
  );
  const graph = computeDependencyGraph({
    targets: targets.map((target) => ({ name: target.name, description: target.description })),
    available: mergeAvailable([fromTargetRepo, ...repositories]),
    installed: installed.packages,
  });
  rmSync(layout.stage2TmpDir, { recursive: true, force: true });
  mkdirSync(layout.stage2TmpDir, { recursive: true });
  writeFileSync(join(layout.stage2TmpDir, "target_pkgs.txt"), targets.map((target) => `${target.name}\n`).join(""));
  writeFileSync(join(layout.stage2TmpDir, DEP_GRAPH_FILE), formatDependencyGraph(graph.nodes));
  writeFileSync(
    join(layout.stage2TmpDir, "installed_pkgs.txt"),
    [...installed.packages.keys()].map((name) => `${name}\n`).join(""),
  );
  return { graph, installed: installed.packages, libPaths };
}

/** Removes the `00LOCK*` directories of the library installs go to (BBS's clean-before-run.sh). */
export function removeStaleLocks(libPath: string | undefined, note: Note): void {
  if (libPath === undefined) return;
  let names: string[];
  try {
    names = readdirSync(libPath);
  } catch {
    return;
  }
  for (const name of names.filter((entry) => entry.startsWith("00LOCK"))) {
    rmSync(join(libPath, name), { recursive: true, force: true });
    note("info", `removed the stale lock ${join(libPath, name)}`);
  }
}

/** Deletes the job files of `stages` for `packages` in meat (a re-run starts clean, so a summary means "done by this run"). */
export function clearJobFiles(meatDir: string, stages: readonly Stage[], packages: Iterable<string>): void {
  for (const pkg of packages) {
    for (const stage of stages) {
      for (const name of [outFileName(pkg, stage), summaryFileName(pkg, stage), missingFileName(pkg, stage)])
        rmSync(join(meatDir, name), { force: true });
    }
  }
}
