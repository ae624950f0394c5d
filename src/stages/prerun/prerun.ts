// `bbs prerun`: what the central node runs first every night (BBS-prerun.py).
//
// A full prerun starts a new run (docs/architecture.md): a run directory named
// after the snapshot time, `central.dir` switched to it, then the steps
// manifest -> sources -> index -> inject -> target-repo, each leaving its
// products in the run directory; the target repo's PACKAGES comes last. The
// previous runs stay; the oldest beyond `central.keepRuns` are deleted once
// the new run is prepared.
//
// `--only <step>` re-runs one step on the current run (recovery by hand).
// A lock per build stops two preruns at once; the lock of a prerun that died
// (kill -9, reboot) is taken over.

import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { basename, isAbsolute, join, relative, resolve } from "node:path";
import type { ResolvedConfig } from "../../config/load.js";
import { BbsError } from "../../util/errors.js";
import { acquireLock } from "../../util/lock.js";
import { createGitRunner, type GitRunner } from "./git.js";
import { interruptedError, PRERUN_STEPS, type PrerunListener, type PrerunStep } from "./progress.js";
import {
  createRunDir,
  currentRunDir,
  isRunId,
  pruneRuns,
  readRunInfo,
  switchCurrentRun,
  writeRunInfo,
  type RunInfo,
} from "./run-dir.js";
import { formatSnapshotDate } from "./snapshot.js";
import { manifestStep, readManifest, sourcesStep, STEP_FUNCTIONS, type StepContext } from "./steps.js";
import { assertCentralNode } from "../../config/nodes.js";
import { builderLayout } from "../run/layout.js";
import { runBeingBuilt } from "../run/meat-state.js";
import { PRERUN_LOCK_FILE } from "../../layout/central.js";
import { HistoryStore, PRERUN_RUN_KIND, prerunHistoryId } from "../../history/store.js";
import { errorMessage } from "../../util/errors.js";

export { PRERUN_STEPS, type PrerunStep };

export interface PrerunOptions {
  /** Re-run only this step, on the current run. */
  only?: PrerunStep;
  /** `--snapshot-date`: take each package's last commit before this instant. */
  snapshotDate?: Date;
  onEvent?: PrerunListener;
  /** Aborting stops the git and tarball processes; the run stays `preparing`. */
  signal?: AbortSignal;
}

export interface PrerunResult {
  runId: string;
  runDir: string;
  steps: PrerunStep[];
  info: RunInfo;
  /** Run ids deleted because they were beyond central.keepRuns. */
  pruned: string[];
}

/** The lock file of a build's prerun. */
export function prerunLockPath(config: ResolvedConfig): string {
  return join(config.values["central.runsDir"], PRERUN_LOCK_FILE);
}

function assertPrerunPossible(config: ResolvedConfig): void {
  assertCentralNode(config, "prerun");
  const centralDir = resolve(config.values["central.dir"]);
  const runsDir = resolve(config.values["central.runsDir"]);
  const within = relative(centralDir, runsDir);
  if (within === "" || (!within.startsWith("..") && !isAbsolute(within))) {
    throw new BbsError("BBS_CONFIG_INVALID", `central.runsDir ${runsDir} is inside central.dir ${centralDir}`, {
      hint: "central.dir is a symlink to the current run in central.runsDir: put central.runsDir beside it (the default is ${central.dir}-runs)",
    });
  }
}

export async function runPrerun(config: ResolvedConfig, options: PrerunOptions = {}): Promise<PrerunResult> {
  assertPrerunPossible(config);
  if (options.only !== undefined && options.snapshotDate !== undefined && options.only !== "sources") {
    throw new BbsError("BBS_USAGE", `--snapshot-date applies to the sources step, not to --only ${options.only}`, {
      hint: "use --snapshot-date with a full prerun or with --only sources",
    });
  }
  const v = config.values;
  const lock = acquireLock(prerunLockPath(config), {
    description: `the prerun of build ${v.buildType} ${v.biocVersion} (${v["central.dir"]})`,
  });
  const emit: PrerunListener = options.onEvent ?? (() => undefined);
  if (lock.tookOverFrom !== undefined) {
    const holder = lock.tookOverFrom;
    emit({
      type: "note",
      at: new Date(),
      level: "warning",
      message: `took over the lock of a prerun that is gone (pid ${holder.pid}, started ${holder.startedAt})`,
    });
  }
  try {
    return options.only === undefined
      ? await fullRun(config, options, emit)
      : await oneStep(config, options.only, options, emit);
  } finally {
    lock.release();
  }
}

function makeContext(
  config: ResolvedConfig,
  git: GitRunner,
  runDir: string,
  info: RunInfo,
  emit: PrerunListener,
  signal: AbortSignal | undefined,
): StepContext {
  const logDir = join(config.values.logDir, `prerun-${info.runId}`);
  mkdirSync(logDir, { recursive: true });
  return { config, runDir, info, git, logDir, emit, ...(signal === undefined ? {} : { signal }) };
}

function gitRunnerFor(config: ResolvedConfig): GitRunner {
  const v = config.values;
  return createGitRunner({
    command: v["tools.git"],
    timeoutMs: v["timeouts.git"] * 1000,
    killGraceMs: v["timeouts.killGrace"] * 1000,
  });
}

/** Runs one step: events, then run.json updated. `started` when the step began before its context existed. */
async function runStep(
  context: StepContext,
  step: PrerunStep,
  run: (context: StepContext) => Promise<string>,
  started?: number,
): Promise<void> {
  if (context.signal?.aborted) throw interruptedError(step);
  if (started === undefined) context.emit({ type: "step-started", at: new Date(), step });
  const startedAt = started ?? performance.now();
  const summary = await run(context);
  if (context.signal?.aborted) throw interruptedError(step);
  context.info.prerun.steps[step] = new Date().toISOString();
  writeRunInfo(context.runDir, context.info);
  context.emit({
    type: "step-finished",
    at: new Date(),
    step,
    seconds: (performance.now() - startedAt) / 1000,
    summary,
  });
}

async function fullRun(config: ResolvedConfig, options: PrerunOptions, emit: PrerunListener): Promise<PrerunResult> {
  const v = config.values;
  const startedAt = new Date();
  const git = gitRunnerFor(config);
  // The manifest first: a manifest or config error must not leave central.dir on an empty run.
  emit({ type: "step-started", at: new Date(), step: "manifest" });
  const manifestStarted = performance.now();
  const manifest = await readManifest(config, git, options.signal);
  const snapshotTime = options.snapshotDate ?? startedAt;
  const { runId, runDir } = createRunDir(v["central.runsDir"], snapshotTime);
  const info: RunInfo = {
    runId,
    snapshotDate: formatSnapshotDate(snapshotTime),
    snapshotTime: snapshotTime.toISOString(),
    cutoff: options.snapshotDate?.toISOString() ?? null,
    biocVersion: v.biocVersion,
    buildType: v.buildType,
    packages: 0,
    skipped: 0,
    status: "preparing",
    prerun: { startedAt: startedAt.toISOString(), endedAt: null, steps: {} },
  };
  writeRunInfo(runDir, info);
  const { movedLegacyDir } = switchCurrentRun(v["central.dir"], runDir, v["central.runsDir"]);
  emit({
    type: "run-started",
    at: new Date(),
    runId,
    runDir,
    snapshotDate: info.snapshotDate,
    ...(options.snapshotDate === undefined ? {} : { cutoff: options.snapshotDate }),
  });
  if (movedLegacyDir !== undefined)
    emit({
      type: "note",
      at: new Date(),
      level: "info",
      message: `the previous central directory (not a run) was moved to ${movedLegacyDir}`,
    });
  const context = makeContext(config, git, runDir, info, emit, options.signal);
  // Runs that earlier preruns left unfinished are superseded by this one: no builder ever built them.
  const abandoned = prune(config, runId, true);
  if (abandoned.length > 0)
    emit({
      type: "note",
      at: new Date(),
      level: "info",
      message: `deleted runs left unfinished by earlier preruns: ${abandoned.join(", ")}`,
    });
  await runStep(context, "manifest", (c) => manifestStep(c, manifest), manifestStarted);
  for (const step of PRERUN_STEPS.filter((name) => name !== "manifest"))
    await runStep(context, step, STEP_FUNCTIONS[step]);
  const pruned = finishRun(config, context);
  recordInHistory(config, runId, startedAt, emit);
  emit({
    type: "run-finished",
    at: new Date(),
    runId,
    seconds: (Date.now() - startedAt.getTime()) / 1000,
    summary: `prepared: ${info.packages} packages, ${info.skipped} skipped${pruned.length > 0 ? `; deleted old runs ${pruned.join(", ")}` : ""}`,
  });
  return { runId, runDir, steps: [...PRERUN_STEPS], info, pruned };
}

async function oneStep(
  config: ResolvedConfig,
  step: PrerunStep,
  options: PrerunOptions,
  emit: PrerunListener,
): Promise<PrerunResult> {
  const runDir = currentRunDir(config.values["central.dir"]);
  const info = readRunInfo(runDir);
  // Anything but the target repo leaves the run to be finished by the steps after it.
  if (step !== "target-repo") info.status = "preparing";
  const context = makeContext(config, gitRunnerFor(config), runDir, info, emit, options.signal);
  emit({
    type: "note",
    at: new Date(),
    level: "info",
    message: `re-running the ${step} step of run ${info.runId} (${runDir})`,
  });
  const run =
    step === "sources"
      ? (c: StepContext) =>
          sourcesStep(c, {
            rerun: true,
            ...(options.snapshotDate === undefined ? {} : { cutoff: options.snapshotDate }),
          })
      : STEP_FUNCTIONS[step];
  await runStep(context, step, run);
  const pruned = step === "target-repo" ? finishRun(config, context) : [];
  return { runId: info.runId, runDir, steps: [step], info, pruned };
}

/** The prerun's duration, for `bbs schedule --next`; a history that cannot be written costs a warning, not the run. */
function recordInHistory(config: ResolvedConfig, runId: string, startedAt: Date, emit: PrerunListener): void {
  const v = config.values;
  try {
    const store = HistoryStore.open(v.historyDb);
    try {
      store.recordRun(
        {
          runId: prerunHistoryId(runId),
          node: config.nodeId,
          kind: PRERUN_RUN_KIND,
          startedAt,
          endedAt: new Date(),
          state: "finished",
          buildType: v.buildType,
          biocVersion: v.biocVersion,
        },
        [],
      );
    } finally {
      store.close();
    }
  } catch (error) {
    emit({
      type: "note",
      at: new Date(),
      level: "warning",
      message: `could not record the prerun in the history ${v.historyDb}: ${errorMessage(error)}`,
    });
  }
}

/** The run is prepared: run.json says so, and the oldest runs (and their logs) beyond keepRuns go. */
function finishRun(config: ResolvedConfig, context: StepContext): string[] {
  context.info.status = "prepared";
  context.info.prerun.endedAt = new Date().toISOString();
  writeRunInfo(context.runDir, context.info);
  return prune(config, basename(context.runDir), false);
}

/**
 * Deletes old runs and their prerun logs (run-dir.ts's pruneRuns), never the
 * run a `bbs run` of this node is still building; `unfinishedOnly`: only
 * runs left `preparing` by preruns that did not finish.
 */
function prune(config: ResolvedConfig, currentRunId: string, unfinishedOnly: boolean): string[] {
  const v = config.values;
  const building = runBeingBuilt(builderLayout(config));
  const pruned = pruneRuns(v["central.runsDir"], v["central.keepRuns"], {
    currentRunId,
    unfinishedOnly,
    ...(building === undefined ? {} : { inUse: new Set([building]) }),
  });
  const gone = new Set(pruned);
  for (const entry of readdirSync(v.logDir)) {
    const runId = entry.startsWith("prerun-") ? entry.slice("prerun-".length) : "";
    if (isRunId(runId) && gone.has(runId)) rmSync(join(v.logDir, entry), { recursive: true, force: true });
  }
  return pruned;
}
