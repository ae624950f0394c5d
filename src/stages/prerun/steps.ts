// The five prerun steps. Each reads what the previous ones left in the run
// directory (state.ts) and writes its own products atomically, so any step can
// be re-run alone on the current run.

import { join } from "node:path";
import type { ResolvedConfig } from "../../config/load.js";
import { readMeatIndex, writeMeatIndex, writeSkippedIndex } from "../../rpkg/meat-index.js";
import { MEAT_INDEX_FILE, SKIPPED_INDEX_FILE } from "../../layout/central.js";
import { legacyPlatformEntries } from "../../rpkg/support.js";
import type { GitRunner } from "./git.js";
import { gitLogEntry, writeGitLogDir, type GitLogEntry } from "./gitlog.js";
import { GITLOG_DIR } from "../../layout/central.js";
import { injectFields, repositoryField, syncMeat } from "./inject.js";
import { fetchManifest, type Manifest } from "./manifest.js";
import { buildMeatIndex } from "./meat-index-step.js";
import type { PrerunListener, PrerunStep } from "./progress.js";
import type { RunInfo } from "./run-dir.js";
import { formatSnapshotDate } from "./snapshot.js";
import { syncSources } from "./sources.js";
import {
  readManifestState,
  readSnapshotState,
  writeManifestState,
  writeSkippedReasons,
  writeSnapshotState,
  type PackageSource,
} from "./state.js";
import { makeTargetRepo } from "./target-repo.js";

/** What every step works with. */
export interface StepContext {
  config: ResolvedConfig;
  runDir: string;
  /** run.json's content; steps update it, the caller writes it after each step. */
  info: RunInfo;
  git: GitRunner;
  /** This run's local log directory (git and rsync output). */
  logDir: string;
  signal?: AbortSignal;
  emit: PrerunListener;
}

/** What a step tells the log when it ends. */
export type StepSummary = string;

function note(context: StepContext, step: PrerunStep, message: string, level: "info" | "warning" = "info"): void {
  context.emit({ type: "note", at: new Date(), step, level, message });
}

/** Reads the manifest the config names (its git output goes to `<logDir>/prerun-manifest.git.log`). */
export function readManifest(config: ResolvedConfig, git: GitRunner, signal?: AbortSignal): Promise<Manifest> {
  return fetchManifest(config, git, join(config.values.logDir, "prerun-manifest.git.log"), signal);
}

/** The manifest step; a full prerun reads the manifest before it starts the run (`manifest`), so a bad one changes nothing. */
export async function manifestStep(context: StepContext, manifest?: Manifest): Promise<StepSummary> {
  manifest ??= await readManifest(context.config, context.git, context.signal);
  writeManifestState(context.runDir, {
    source: manifest.source,
    packages: manifest.packages,
    readAt: new Date().toISOString(),
  });
  const from =
    manifest.source.kind === "git"
      ? `${manifest.source.url} (${manifest.source.branch}, ${manifest.source.commit.slice(0, 7)}): ${manifest.source.file}`
      : manifest.source.path;
  return `${manifest.packages.length} packages in ${from}`;
}

export interface SourcesStepOptions {
  /** Take the last commits before this instant (`--snapshot-date`). */
  cutoff?: Date;
  /** Re-running the step on an existing run: without a cutoff, the snapshot time becomes now. */
  rerun?: boolean;
}

export async function sourcesStep(context: StepContext, options: SourcesStepOptions = {}): Promise<StepSummary> {
  const { info } = context;
  const { packages } = readManifestState(context.runDir);
  const cutoff = options.cutoff ?? (info.cutoff === null ? undefined : new Date(info.cutoff));
  if (options.rerun === true && (options.cutoff !== undefined || cutoff === undefined)) {
    const time = options.cutoff ?? new Date();
    info.snapshotTime = time.toISOString();
    info.snapshotDate = formatSnapshotDate(time);
    info.cutoff = options.cutoff?.toISOString() ?? null;
  }
  const sources = await syncSources({
    config: context.config,
    git: context.git,
    packages,
    logDir: context.logDir,
    emit: context.emit,
    ...(cutoff === undefined ? {} : { cutoff }),
    ...(context.signal === undefined ? {} : { signal: context.signal }),
  });
  writeSnapshotState(context.runDir, {
    runId: info.runId,
    snapshotDate: info.snapshotDate,
    snapshotTime: info.snapshotTime,
    cutoff: info.cutoff,
    packages: sources,
  });
  const counts = new Map<string, number>();
  for (const source of sources) counts.set(source.status, (counts.get(source.status) ?? 0) + 1);
  return ["cloned", "updated", "unchanged", "failed"]
    .map((status) => `${counts.get(status) ?? 0} ${status}`)
    .join(", ");
}

export async function indexStep(context: StepContext): Promise<StepSummary> {
  const { config, runDir, info } = context;
  const { packages } = readManifestState(runDir);
  const snapshot = readSnapshotState(runDir);
  const sources = new Map(snapshot.packages.map((source) => [source.package, source]));
  if (packages.length > 0)
    note(context, "index", `building the meat index for the ${packages.length} packages in the manifest`);
  const index = await buildMeatIndex({
    packages,
    sources,
    meat0Dir: config.values.meat0Dir,
    buildType: config.values.buildType,
    rscript: config.values["r.rscriptCmd"],
  });
  for (const skipped of index.skipped)
    note(context, "index", `${skipped.package} skipped: ${skipped.message}`, "warning");
  for (const record of index.records) {
    const legacy = legacyPlatformEntries(record.unsupportedPlatforms);
    if (legacy.length > 0) {
      const entries = legacy.map((entry) => `'${entry}'`).join(", ");
      note(
        context,
        "index",
        `${record.package}: UnsupportedPlatforms ${entries} ignored, as BBS ignores it (legacy); name the node's hostname to exclude a node`,
        "warning",
      );
    }
  }
  const gitlog = new Map<string, GitLogEntry>();
  for (const name of [
    ...index.records.map((record) => record.package),
    ...index.skipped.map((skipped) => skipped.package),
  ]) {
    const source = sources.get(name);
    if (source !== undefined && hasCommit(source)) gitlog.set(name, gitLogEntry(source));
  }
  writeGitLogDir(runDir, snapshot.snapshotDate, gitlog);
  writeSkippedReasons(runDir, { runId: info.runId, packages: index.skipped });
  writeSkippedIndex(
    join(runDir, SKIPPED_INDEX_FILE),
    index.skipped.map((skipped) => skipped.package),
  );
  writeMeatIndex(join(runDir, MEAT_INDEX_FILE), index.records);
  info.packages = index.records.length;
  info.skipped = index.skipped.length;
  const ignored = index.ignored.length > 0 ? `, ${index.ignored.length} ignored (no RunLongTests)` : "";
  return `${index.records.length} packages made it to the meat index, ${index.skipped.length} were skipped${ignored}`;
}

function hasCommit(source: PackageSource): source is PackageSource & { shortCommit: string; commitDate: string } {
  return source.status !== "failed" && source.shortCommit !== undefined && source.commitDate !== undefined;
}

export async function injectStep(context: StepContext): Promise<StepSummary> {
  const { config, runDir } = context;
  const names = readMeatIndex(join(runDir, MEAT_INDEX_FILE)).map((record) => record.package);
  await syncMeat(config, names, join(context.logDir, "meat-rsync.log"), context.signal);
  const repository = repositoryField(config);
  injectFields(config.values.prerunMeatDir, join(runDir, GITLOG_DIR), names, repository);
  return `${names.length} source trees in ${config.values.prerunMeatDir}, git fields${repository === undefined ? "" : ` and Repository: ${repository}`} injected`;
}

export async function targetRepoStep(context: StepContext): Promise<StepSummary> {
  const records = readMeatIndex(join(context.runDir, MEAT_INDEX_FILE));
  const result = await makeTargetRepo({
    config: context.config,
    runDir: context.runDir,
    records,
    emit: context.emit,
    ...(context.signal === undefined ? {} : { signal: context.signal }),
  });
  for (const problem of result.problems) note(context, "target-repo", problem, "warning");
  const failed = result.failed.length > 0 ? `; no tarball for ${result.failed.join(", ")}` : "";
  return `${result.tarballs} tarballs and PACKAGES in ${result.contribDir}${failed}`;
}

export const STEP_FUNCTIONS: Readonly<Record<PrerunStep, (context: StepContext) => Promise<StepSummary>>> = {
  manifest: manifestStep,
  sources: sourcesStep,
  index: indexStep,
  inject: injectStep,
  "target-repo": targetRepoStep,
};
