// Runs a planned `bbs run` on the job engine (the same engine, schedules and
// priorities the scheduler bench measures) and does what happens around the
// jobs: every start and end into the node's history and the run's NDJSON
// event log (`jobs.ndjson`, with package, stage, node, slot, version and
// times), each stage's end (its deliveries awaited and, in asynchronous
// mode, its final push; NodeInfo after STAGE2), and BBS_EndOfRun.txt.

import { rmSync } from "node:fs";
import type { ResolvedConfig } from "../../config/load.js";
import { statusOf, JobEngine } from "../../jobs/engine.js";
import { logEventsTo, recordJobsTo, runSurvivors } from "../../jobs/recording.js";
import { writeEndOfRun, type DateOptions, type StageTicket } from "../../results/summary.js";
import type { EngineReport, Schedule } from "../../jobs/types.js";
import type { HistoryStore } from "../../history/store.js";
import { NdjsonWriter } from "../../history/ndjson.js";
import type { Stage } from "../../layout/stages.js";
import { errorMessage } from "../../util/errors.js";
import type { Delivery } from "./delivery.js";
import { type BuilderLayout } from "./layout.js";
import { JOBS_LOG_FILE, NODE_INFO_DIR } from "../../layout/central.js";
import { stageName } from "../../layout/stages.js";
import { writeNodeInfo, type NodeInfoSettings } from "./nodeinfo.js";
import type { JobInputsRecord } from "./job-inputs.js";
import type { JobInfo, RunPlan } from "./plan.js";
import { slotsOf } from "./settings.js";
import type { StageOutcome } from "./stage-jobs.js";

export interface ExecuteOptions {
  readonly config: ResolvedConfig;
  readonly layout: BuilderLayout;
  readonly runId: string;
  readonly node: string;
  readonly stages: readonly Stage[];
  readonly schedule: Schedule;
  readonly plan: RunPlan;
  /** Outcomes of jobs done already (resume) and of earlier BUILDs (for CHECK / BUILD BIN). */
  readonly completed: ReadonlyArray<readonly [string, StageOutcome]>;
  readonly history: HistoryStore;
  /** Incremental runs: each job's inputs (recorded with it) and the run its result is reused from. */
  readonly jobInputs?: ReadonlyMap<string, JobInputsRecord & { readonly reusedFrom?: string }>;
  readonly delivery: Delivery;
  readonly nodeInfo: NodeInfoSettings;
  readonly dates: DateOptions;
  /** Start the job event log anew (a full run) instead of appending (resume, partial runs). */
  readonly freshJobsLog: boolean;
  /**
   * Write and deliver BBS_EndOfRun.txt when the engine is done: false for a
   * `--packages` run, which builds a few packages and must not make the node
   * look finished (postrun would show the others as NA without an alert).
   */
  readonly endOfRun: boolean;
  readonly signal?: AbortSignal;
  /** The engine, before it starts (progress views subscribe to it). */
  readonly onEngine?: (engine: JobEngine<StageOutcome>, info: ReadonlyMap<string, JobInfo>) => void;
  readonly onStageDone?: (stage: Stage, at: Date) => void;
  readonly note: (level: "info" | "warning", message: string) => void;
}

export interface ExecuteResult {
  readonly report: EngineReport<StageOutcome>;
  readonly tickets: readonly StageTicket[];
}

export async function executePlan(options: ExecuteOptions): Promise<ExecuteResult> {
  const { config, layout, plan, stages, delivery, note } = options;
  const engine = new JobEngine<StageOutcome>(plan.jobs, {
    pools: stages.map((stage) => ({ name: stage, slots: slotsOf(config, stage) })),
    schedule: options.schedule,
    completed: options.completed,
    ...(config.values["slots.total"] > 0 ? { maxConcurrent: config.values["slots.total"] } : {}),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const jobsLog = layout.jobsLog(options.runId);
  if (options.freshJobsLog) rmSync(jobsLog, { force: true });
  const writer = NdjsonWriter.open(jobsLog);
  const unsubscribers: Array<() => void> = [];
  try {
    const infoOf = (id: string): JobInfo | undefined => plan.info.get(id);
    unsubscribers.push(
      logEventsTo(engine, writer, {
        runId: options.runId,
        jobFields: (job) => ({
          package: infoOf(job.id)?.pkg ?? job.label ?? job.id,
          stage: job.pool,
          node: options.node,
          version: infoOf(job.id)?.version ?? null,
        }),
        details: (job, record) => ({
          startedAt: record.startedAt?.toISOString() ?? null,
          endedAt: record.endedAt?.toISOString() ?? null,
          ...(options.jobInputs?.has(job.id) === true
            ? {
                inputHash: options.jobInputs.get(job.id)?.inputHash ?? null,
                reusedFrom: record.outcome?.reusedFrom ?? null,
              }
            : {}),
        }),
      }),
      recordJobsTo(engine, options.history, {
        runId: options.runId,
        node: options.node,
        key: (job) => ({ stage: job.pool, package: infoOf(job.id)?.pkg ?? job.label ?? job.id }),
        inputs: (job) => options.jobInputs?.get(job.id),
      }),
    );

    // Views subscribe before the stage-end listener: a job's end shows before its stage's end.
    options.onEngine?.(engine, plan.info);

    // Stage ends: each pool whose jobs are all processed, once.
    const firstStart = new Map<string, Date>();
    const done = new Map<Stage, Date>();
    const stageWork: Array<Promise<void>> = [];
    let nodeInfoWork: Promise<void> | undefined;
    const deliverJobsLog = () => delivery.nodeFile(jobsLog, JOBS_LOG_FILE).then(() => undefined);
    const produceNodeInfo = (): Promise<void> =>
      (nodeInfoWork ??= writeNodeInfo(layout.nodeInfoDir, options.nodeInfo)
        .then(() => delivery.nodeFile(layout.nodeInfoDir, NODE_INFO_DIR))
        .then(() => undefined)
        .catch((error: unknown) => note("warning", `NodeInfo could not be generated: ${errorMessage(error)}`)));
    const checkStagesDone = () => {
      if (options.signal?.aborted) return;
      for (const pool of engine.progress().pools) {
        const stage = pool.name as Stage;
        if (done.has(stage) || pool.processed < pool.total) continue;
        const at = new Date();
        done.set(stage, at);
        options.onStageDone?.(stage, at);
        stageWork.push(delivery.stageDone(stage).then(deliverJobsLog));
        // BBS: NodeInfo once STAGE2 is over (its installed packages are then listed).
        if (stage === "install") stageWork.push(produceNodeInfo());
      }
    };
    unsubscribers.push(
      engine.subscribe((event) => {
        if (event.type === "job-started" && !firstStart.has(event.job.pool)) firstStart.set(event.job.pool, event.at);
        if (event.type === "run-started" || event.type === "job-finished") checkStagesDone();
      }),
    );
    // Runs without STAGE2 regenerate NodeInfo at their start (BBS's STAGE3).
    if (!stages.includes("install")) stageWork.push(produceNodeInfo());
    const runStarted = new Date();
    const report = await engine.run();
    await Promise.all(stageWork);
    if (nodeInfoWork !== undefined) await nodeInfoWork;
    if (report.unknownDeps.size > 0) {
      const sample = [...report.unknownDeps].slice(0, 10).map(([job, deps]) => `${job} (${deps.join(", ")})`);
      note(
        "info",
        `${report.unknownDeps.size} job(s) depend on packages found nowhere (not installed, in no repository), started without waiting for them: ${sample.join("; ")}${report.unknownDeps.size > 10 ? "; ..." : ""}`,
      );
    }
    for (const [job, dep] of report.ignoredCycleEdges)
      note("warning", `dependency cycle: ${job} did not wait for ${dep}`);
    const survivors = runSurvivors(report);
    if (survivors > 0)
      note(
        "info",
        `${survivors} process(es) left alive by their job were killed when it ended (${report.escapedKilled} found later by the /proc sweep)`,
      );
    const tickets: StageTicket[] = stages.map((stage) => {
      const startedAt = firstStart.get(stage) ?? runStarted;
      const endedAt = done.get(stage) ?? report.endedAt;
      return {
        stage: stageName(stage),
        nbCpu: slotsOf(config, stage),
        startedAt,
        endedAt,
        elapsedSeconds: Math.max(0, (endedAt.getTime() - startedAt.getTime()) / 1000),
      };
    });
    if (!report.cancelled && options.endOfRun) {
      writeEndOfRun(layout.endOfRunFile, tickets, options.dates);
      await delivery.nodeFile(layout.endOfRunFile);
    }
    return { report, tickets };
  } finally {
    for (const unsubscribe of unsubscribers) unsubscribe();
    writer.close();
    await delivery.nodeFile(jobsLog, JOBS_LOG_FILE);
  }
}

/** Counts of statuses per stage of a finished engine run (restored jobs included). */
export function statusCounts(report: EngineReport<StageOutcome>): Record<string, Record<string, number>> {
  const counts: Record<string, Record<string, number>> = {};
  for (const record of report.records.values()) {
    const stage = (counts[record.pool] ??= {});
    const status = statusOf(record);
    stage[status] = (stage[status] ?? 0) + 1;
  }
  return counts;
}
