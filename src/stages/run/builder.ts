// `bbs run` on a builder (BBS-run.py): STAGE2-5 of the current run, on one
// job engine. The steps:
//   1. one bbs run per work directory (lock); what a bbs killed with kill -9
//      left running is stopped first;
//   2. wait for the run's target repo, learn the run (run.json);
//   3. the node's targets; their sources into meat (a full run remakes meat;
//      --resume and runs of later stages keep it);
//   4. STAGE2's dependency graph (pkg_dep_graph.txt), the plan, the delivery;
//   5. the engine (execute.ts); the result. Package failures are data: the
//      run fails only for bbs's own reasons (lock, target repo never ready,
//      deliveries that did not arrive, interruption).

import { mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { delimiter, join } from "node:path";
import type { ResolvedConfig } from "../../config/load.js";
import type { JobEngine } from "../../jobs/engine.js";
import { killOrphanedJobs } from "../../jobs/process.js";
import type { StageTicket } from "../../results/summary.js";
import type { Schedule } from "../../jobs/types.js";
import { HistoryStore } from "../../history/store.js";
import type { Stage } from "../../layout/stages.js";
import { BbsError, errorMessage, isBbsError } from "../../util/errors.js";
import { acquireLock } from "../../util/lock.js";
import { locateRun } from "./central.js";
import { HeartbeatSender } from "./heartbeat.js";
import { Delivery, type DeliveryFailure, type DeliveryScope } from "./delivery.js";
import { stageEstimates } from "./estimates.js";
import { executePlan, statusCounts } from "./execute.js";
import { runSurvivors } from "../../jobs/recording.js";
import { builderLayout, type BuilderLayout } from "./layout.js";
import { DEP_GRAPH_FILE, END_OF_RUN_FILE, nodeIncomingDir } from "../../layout/central.js";
import type { StageNumber } from "../../layout/stages.js";
import { readDeliveryJournal, readMeatMarker, writeMeatMarker, journalKey } from "./meat-state.js";
import { planRun, jobId, type JobInfo } from "./plan.js";
import { applyIncremental, incrementalMode } from "./incremental.js";
import { ReuseStore } from "./reuse-store.js";
import {
  clearJobFiles,
  prepareStage2,
  readPlannedTargets,
  readTargets,
  refreshMeat,
  removeStaleLocks,
  tarballSizes,
  type MeatRefresh,
  type Stage2Inputs,
} from "./prepare.js";
import { environUserFile, jobEnvironment, rLibsOf } from "../../rpkg/r-env.js";
import {
  commandSettings,
  installClosure,
  packageScope,
  resolveStages,
  timeoutsMs,
  withDependents,
} from "./settings.js";
import {
  jobDelivery,
  outcomeFromSummary,
  productName,
  type StageJobSettings,
  type StageOutcome,
} from "./stage-jobs.js";

export interface RunBuilderOptions {
  /** Stages to run (default: 2-5, without 5 on nodes that build no binaries). */
  readonly stages?: readonly StageNumber[];
  /** BBS's no-bin: STAGE2-4. */
  readonly noBin?: boolean;
  /** Run only the jobs that have no summary yet (after a crash). */
  readonly resume?: boolean;
  /** Only these packages (and the installs they need). */
  readonly packages?: readonly string[];
  /** The run this builder means to build (`--run`): another current run is refused. */
  readonly runId?: string;
  /** Default: run.schedule. */
  readonly schedule?: Schedule;
  /** Reuse the results of jobs whose inputs did not change (default: run.incremental). */
  readonly incremental?: boolean;
  /** With incremental runs: run every job anyway. */
  readonly force?: boolean;
  /** With `packages`: also the targets that depend on them (`bbs rerun --dependents`). */
  readonly dependents?: boolean;
  /**
   * With `packages`: install only them, not the packages they need (`bbs rerun`: the
   * current run installed those already).
   */
  readonly onlyNamed?: boolean;
  /** Aborting cancels the run (SIGINT/SIGTERM). */
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: RunEvent) => void;
}

export type RunEvent =
  | { readonly type: "note"; readonly at: Date; readonly level: "info" | "warning"; readonly message: string }
  | {
      readonly type: "waiting";
      readonly at: Date;
      readonly reason: string;
      readonly waitedSeconds: number;
      readonly nextInSeconds: number;
    }
  | {
      readonly type: "planned";
      readonly at: Date;
      readonly runId: string;
      readonly where: string;
      readonly stages: readonly Stage[];
      readonly schedule: Schedule;
      readonly targets: number;
      readonly jobs: number;
      readonly restored: number;
      readonly installQueue: {
        readonly targets: number;
        readonly nonTargets: number;
        readonly alreadyInstalled: number;
      };
      /** Jobs whose expected duration comes from earlier runs on this node (the others are guessed from sizes). */
      readonly recordedDurations: number;
    }
  | { readonly type: "engine"; readonly engine: JobEngine<StageOutcome>; readonly info: ReadonlyMap<string, JobInfo> }
  | { readonly type: "stage-done"; readonly at: Date; readonly stage: Stage };

export interface RunResult {
  readonly runId: string;
  readonly node: string;
  readonly stages: readonly Stage[];
  readonly schedule: Schedule;
  /** Status counts per stage (pool name), restored jobs included. */
  readonly counts: Record<string, Record<string, number>>;
  /** Processes the run's jobs left alive when they ended, all killed then (jobs/recording.ts runSurvivors). */
  readonly survivors: number;
  /** Jobs that took an earlier run's result (incremental runs). */
  readonly reused: number;
  /** Final status of every job of the run, by job id (`checksrc:IRanges`). */
  readonly statuses: ReadonlyMap<string, string>;
  readonly tickets: readonly StageTicket[];
  readonly deliveryFailures: readonly DeliveryFailure[];
  readonly startedAt: Date;
  readonly endedAt: Date;
}

/**
 * A run that finished but could not deliver everything to the central node:
 * BBS_TRANSPORT_FAILED, carrying the run's results so the command can show them.
 */
export class DeliveryFailedError extends BbsError {
  constructor(
    message: string,
    failures: readonly DeliveryFailure[],
    readonly result: RunResult,
  ) {
    super("BBS_TRANSPORT_FAILED", message, {
      details: failures.map((failure) => `${failure.what}: ${failure.message}`),
      hint: "fix the connection to the central node, then `bbs run --resume` delivers what did not arrive (nothing is rebuilt)",
    });
  }
}

export async function runBuilder(config: ResolvedConfig, options: RunBuilderOptions = {}): Promise<RunResult> {
  const startedAt = new Date();
  let heartbeat: HeartbeatSender | undefined;
  const emitter = options.onEvent ?? (() => undefined);
  const emit = (event: RunEvent): void => {
    if (event.type === "engine") heartbeat?.attach(event.engine);
    if (event.type === "stage-done") void heartbeat?.beat();
    emitter(event);
  };
  const note = (level: "info" | "warning", message: string) => emit({ type: "note", at: new Date(), level, message });
  const v = config.values;
  const layout = builderLayout(config);
  const stages = resolveStages(config, options, (message) => note("info", message));
  const schedule = options.schedule ?? v["run.schedule"];
  const resume = options.resume === true;
  mkdirSync(layout.workDir, { recursive: true });
  const lock = acquireLock(layout.lockFile, { description: `bbs run in ${layout.workDir}` });
  let history: HistoryStore | undefined;
  let openRunId: string | undefined;
  try {
    if (lock.tookOverFrom !== undefined)
      note(
        "warning",
        `took over the lock of a bbs run that is gone (pid ${lock.tookOverFrom.pid}, started ${lock.tookOverFrom.startedAt})`,
      );
    // A bbs killed with kill -9 leaves its jobs' process groups running (they write into meat).
    const killed = killOrphanedJobs();
    if (killed.length > 0)
      note(
        "warning",
        `stopped ${killed.length} process(es) left running by a bbs that is gone: ${[...new Set(killed.map((process) => process.command))].join(", ")}`,
      );
    const previous = readMeatMarker(layout.meatMarker);

    const run = await locateRun(config, {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.runId === undefined ? {} : { expectedRunId: options.runId }),
      onWait: (reason, waitedSeconds, nextInSeconds) =>
        emit({ type: "waiting", at: new Date(), reason, waitedSeconds, nextInSeconds }),
    });
    const runId = run.info.runId;
    if (run.transport !== undefined) {
      heartbeat = new HeartbeatSender({
        transport: run.transport,
        node: config.nodeId,
        runId,
        intervalSeconds: v["run.heartbeatInterval"],
        schedule,
        startedAt,
        onFailure: (message) => note("warning", message),
      });
      heartbeat.setStage("preparing sources");
      await heartbeat.start();
    }
    if (run.legacyLayout)
      note(
        "warning",
        `${v["central.runsDir"]}/${runId} does not exist: delivering into central.dir itself (${run.reader.where})`,
      );
    if (resume && previous?.runId !== runId) {
      const replaced = previous !== undefined && previous.runId < runId;
      throw new BbsError(
        "BBS_PRECONDITION",
        replaced
          ? `nothing to resume: the central node has replaced run ${previous.runId}, which the meat in ${layout.meatDir} holds, by run ${runId}`
          : `nothing to resume: the meat in ${layout.meatDir} ${previous === undefined ? "belongs to no run" : `holds run ${previous.runId}`}, the current run is ${runId}`,
        {
          hint: replaced
            ? `what was delivered for run ${previous.runId} stays in its directory (\`bbs postrun --run ${previous.runId}\` reports it); run \`bbs run\` without --resume to build run ${runId}`
            : "run `bbs run` without --resume to build the current run",
        },
      );
    }

    const targetRecords = await readTargets(config, run, options.signal);
    const targetNames = targetRecords.map((record) => record.package);
    let named =
      options.packages === undefined ? undefined : packageScope(options.packages, new Set(targetNames), runId);
    const sameRun = previous?.runId === runId;
    const refresh: MeatRefresh = resume
      ? { kind: "keep" }
      : !sameRun || (stages.includes("install") && named === undefined)
        ? { kind: "all" }
        : { kind: "keep" };
    await refreshMeat(config, run, layout, targetNames, refresh, note, options.signal);
    stopIfInterrupted(options.signal, "preparing the sources");
    writeMeatMarker(layout.meatMarker, {
      runId,
      preparedAt: refresh.kind === "all" || previous === undefined ? new Date().toISOString() : previous.preparedAt,
      pid: process.pid,
    });

    heartbeat?.setStage("computing the dependency graph");
    let targets = readPlannedTargets(layout.meatDir, targetNames, note);
    const rLibs = rLibsOf(config);
    const firstLib = rLibs?.split(delimiter).find((entry) => entry !== "");
    if (firstLib !== undefined) mkdirSync(firstLib, { recursive: true });
    let stage2: Stage2Inputs | undefined;
    let installFor: Set<string> | undefined;
    if (stages.includes("install")) {
      // Nothing else installs into this library now (lock held, orphans stopped): any 00LOCK is stale.
      removeStaleLocks(firstLib, note);
      stage2 = await prepareStage2(config, run, layout, targets, note, options.signal);
      stopIfInterrupted(options.signal, "computing the dependency graph");
      if (stage2.graph.unknown.length > 0)
        note(
          "info",
          `${stage2.graph.unknown.length} package(s) named by the targets are found nowhere (not installed, in no repository): ${stage2.graph.unknown.join(", ")}`,
        );
      if (named !== undefined) {
        if (options.dependents === true) named = withDependents(named, stage2, targets);
        installFor = options.onlyNamed === true ? new Set(named) : installClosure(named, stage2, targets);
        // Sources of the targets about to be installed again start clean (R CMD INSTALL builds in the source tree).
        const refreshed = new Set(
          targets.filter((target) => installFor?.has(target.name)).map((target) => target.name),
        );
        if (!resume && refresh.kind !== "all") {
          await refreshMeat(
            config,
            run,
            layout,
            targetNames,
            { kind: "some", packages: refreshed },
            note,
            options.signal,
          );
          stopIfInterrupted(options.signal, "preparing the sources");
          targets = readPlannedTargets(layout.meatDir, targetNames, note);
        }
      }
    }

    history = HistoryStore.open(v.historyDb);
    const interrupted = history.markInterrupted(runId);
    if (interrupted > 0)
      note("info", `${interrupted} job(s) of run ${runId} were left running by an interrupted bbs run`);
    const incremental = incrementalMode(history, config.nodeId, {
      incremental: options.incremental ?? v["run.incremental"],
      force: options.force === true,
      fullRebuildEvery: v["run.fullRebuildEvery"],
    });
    if (incremental.why !== undefined) note("info", incremental.why);
    history.beginRun({
      // A partial run or a resume of the current run keeps the mode the run started with.
      ...(resume || named !== undefined ? {} : { mode: incremental.mode }),
      runId,
      node: config.nodeId,
      kind: "run",
      startedAt,
      buildType: v.buildType,
      biocVersion: v.biocVersion,
      schedule,
      host: hostname(),
      pid: process.pid,
    });
    openRunId = runId;

    const sizes = tarballSizes(layout.targetRepoDir);
    const stageList = ["install", "buildsrc", "checksrc", "buildbin"] as const;
    const recorded = Object.fromEntries(
      stageList.map((stage) => [stage, history?.durationEstimates(config.nodeId, stage) ?? new Map<string, number>()]),
    ) as Record<Stage, Map<string, number>>;
    const estimates = Object.fromEntries(
      stageList.map((stage) => [stage, stageEstimates(recorded[stage], sizes, stage)]),
    ) as Record<Stage, Map<string, number>>;
    // A BUILD that failed on every recent night most likely fails again: its CHECK and BUILD BIN will be skipped.
    const failingBuilds = history?.failingEveryRecentRun(config.nodeId, "buildsrc", ["OK", "WARNINGS"]);
    const scope: DeliveryScope =
      resume || named !== undefined ? "keep" : options.stages === undefined ? "full" : "stages";
    const delivery = new Delivery({
      mode: v.transmissionMode,
      transport: run.transport,
      node: config.nodeId,
      outbox: layout.productsOutDir,
      journal: layout.deliveryJournal,
      retry: { attempts: v["run.deliveryAttempts"], delayMs: v["run.deliveryRetryDelay"] * 1000 },
      onFailure: (failure) =>
        note("warning", `delivery failed: ${failure.what}: ${failure.message.split("\n")[0] ?? ""}`),
    });
    const settings: StageJobSettings = {
      meatDir: layout.meatDir,
      commands: commandSettings(config),
      env: jobEnvironment(config, environUserFile(config)),
      timeoutsMs: timeoutsMs(config),
      killGraceMs: v["timeouts.killGrace"] * 1000,
      rerunDelayMs: 5000,
      dontPushSrcPkgs: v.dontPushSrcPkgs,
      dates: {},
      delivery,
    };
    const earlierBuilds = new Map<string, StageOutcome>();
    if (!stages.includes("buildsrc")) {
      for (const target of targets) {
        const outcome = outcomeFromSummary(layout.meatDir, target.name, "buildsrc", (message) =>
          note("warning", message),
        );
        if (outcome !== undefined) earlierBuilds.set(target.name, outcome);
      }
    }
    const planned = planRun({
      stages,
      targets,
      graph: stage2?.graph,
      installed: new Set(stage2?.installed.keys() ?? []),
      ...(installFor === undefined ? {} : { installFor }),
      ...(named === undefined ? {} : { buildFor: named }),
      earlierBuilds,
      estimates,
      ...(failingBuilds === undefined ? {} : { failingBuilds }),
      settings,
    });
    const { plan, jobInputs, reused } = await applyIncremental(planned, {
      mode: incremental.mode,
      history,
      store: new ReuseStore(layout.reuseDir),
      runId,
      node: config.nodeId,
      targets,
      graph: stage2?.graph,
      installed: stage2?.installed ?? new Map(),
      settings,
      rCmd: v["r.cmd"],
      note,
    });

    const completed: Array<readonly [string, StageOutcome]> = [...earlierBuilds].map(
      ([pkg, outcome]) => [jobId("buildsrc", pkg), outcome] as const,
    );
    const runnable = plan.jobs.filter((job) => job.run !== undefined);
    if (resume) {
      for (const job of runnable) {
        const info = plan.info.get(job.id) as JobInfo;
        const outcome = outcomeFromSummary(layout.meatDir, info.pkg, info.stage, (message) => note("warning", message));
        if (outcome !== undefined) completed.push([job.id, outcome]);
      }
    } else {
      clearJobFiles(layout.meatDir, stages, new Set([...plan.info.values()].map((info) => info.pkg)));
    }
    await delivery.begin(stages, scope);
    if (stage2 !== undefined) await delivery.nodeFile(join(layout.stage2TmpDir, DEP_GRAPH_FILE));
    if (resume) await redeliver(completed, plan, layout, settings, delivery);

    emit({
      type: "planned",
      at: new Date(),
      runId,
      where: run.reader.where,
      stages,
      schedule,
      targets: targets.length,
      jobs: plan.jobs.length,
      restored: completed.filter(([id]) => plan.info.has(id)).length,
      installQueue: plan.installQueue,
      recordedDurations: [...plan.info.values()].filter((info) => recorded[info.stage]?.has(info.pkg) === true).length,
    });
    const { report, tickets } = await executePlan({
      config,
      layout,
      runId,
      node: config.nodeId,
      stages,
      schedule,
      plan,
      completed,
      history,
      jobInputs,
      delivery,
      nodeInfo: {
        rCmd: v["r.cmd"],
        rscriptCmd: v["r.rscriptCmd"],
        env: settings.env,
        killGraceMs: settings.killGraceMs,
        windows: settings.commands.platform === "win",
      },
      dates: settings.dates,
      freshJobsLog: scope === "full",
      endOfRun: named === undefined,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      onEngine: (engine, info) => emit({ type: "engine", engine, info }),
      onStageDone: (stage, at) => emit({ type: "stage-done", at, stage }),
      note,
    });
    // Complete or absent: the delivery becomes products-in/<node>/ only when nothing is missing.
    const switched = (await delivery.close()).length === 0 && !report.cancelled && (await delivery.complete());
    const failures = delivery.failures;
    if (!switched && failures.length === 0 && !report.cancelled && run.transport !== undefined)
      note(
        "info",
        `the delivery stays in ${nodeIncomingDir(config.nodeId)}/ of the run (no ${END_OF_RUN_FILE} there yet): products-in/${config.nodeId}/ is switched in when a run of all packages ends`,
      );
    if (named !== undefined)
      note(
        "info",
        `a run of some packages (--packages) writes no ${END_OF_RUN_FILE}: the node counts as finished once a run of all its packages has ended`,
      );
    history.endRun(runId, report.cancelled ? "cancelled" : "finished");
    openRunId = undefined;
    if (report.cancelled) {
      throw new BbsError(
        "BBS_INTERRUPTED",
        `run ${runId} was interrupted: running jobs were stopped, finished ones are kept`,
        {
          hint: "`bbs run --resume` runs the jobs that have no summary yet",
        },
      );
    }
    // A job whose run threw is bbs's failure (no summary could be written), not the package's.
    const broken = [...report.records.values()].filter((record) => record.state === "failed");
    if (broken.length > 0) {
      throw new BbsError(
        "BBS_STEP_FAILED",
        `run ${runId}: ${broken.length} job(s) could not be carried out by bbs (no summary written)`,
        {
          details: broken.map((record) => `${record.id}: ${record.error ?? "unknown error"}`),
          hint: "fix the cause above (disk space, permissions...), then `bbs run --resume` runs these jobs again",
        },
      );
    }
    const statuses = new Map<string, string>();
    for (const [id, record] of report.records) {
      if (plan.info.has(id))
        statuses.set(
          id,
          record.state === "done" || record.state === "restored"
            ? (record.outcome?.status ?? record.state)
            : record.state,
        );
    }
    const result: RunResult = {
      runId,
      node: config.nodeId,
      stages,
      schedule,
      counts: statusCounts(report),
      survivors: runSurvivors(report),
      reused,
      statuses,
      tickets,
      deliveryFailures: failures,
      startedAt,
      endedAt: new Date(),
    };
    await heartbeat?.stop(
      failures.length > 0 ? "failed" : "finished",
      failures.length > 0 ? `${failures.length} delivery(ies) to the central node failed` : undefined,
    );
    heartbeat = undefined;
    if (failures.length > 0) {
      throw new DeliveryFailedError(
        `run ${runId} finished, but ${failures.length} deliver${failures.length === 1 ? "y" : "ies"} to the central node failed after retries`,
        failures,
        result,
      );
    }
    return result;
  } catch (error) {
    if (openRunId !== undefined) history?.endRun(openRunId, "failed");
    await heartbeat?.stop(
      isBbsError(error) && error.code === "BBS_INTERRUPTED" ? "interrupted" : "failed",
      errorMessage(error).split("\n")[0],
    );
    throw error;
  } finally {
    history?.close();
    lock.release();
  }
}

function stopIfInterrupted(signal: AbortSignal | undefined, step: string): void {
  if (signal?.aborted !== true) return;
  throw new BbsError("BBS_INTERRUPTED", `bbs run was interrupted while ${step}`, {
    hint: "no job ran; run `bbs run` again",
  });
}

/** Resume: finished jobs whose files never reached the central node (not in the journal) are delivered now. */
async function redeliver(
  completed: ReadonlyArray<readonly [string, StageOutcome]>,
  plan: { readonly info: ReadonlyMap<string, JobInfo> },
  layout: BuilderLayout,
  settings: StageJobSettings,
  delivery: Delivery,
): Promise<void> {
  const journal = readDeliveryJournal(layout.deliveryJournal);
  const work: Array<Promise<void>> = [];
  for (const [id] of completed) {
    const info = plan.info.get(id);
    if (info === undefined || journal.has(journalKey(info.stage, info.pkg))) continue;
    const target = {
      name: info.pkg,
      version: info.version ?? "",
      commit: null,
      options: { fields: new Map<string, string>() },
    };
    work.push(delivery.job(jobDelivery(info.stage, info.pkg, productName(info.stage, target, settings), settings)));
  }
  await Promise.all(work);
}
