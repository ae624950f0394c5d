// Incremental runs (docs/run.md#incremental-runs): each job of the plan whose
// inputs (job-inputs.ts) are those of a finished job of an earlier run, with
// that job's files in the reuse store, takes that result instead of running:
// its summary (plus `ReusedFrom: <run>`), out file and product go into meat
// and are delivered as a fresh job's are, so postrun, the report and
// propagation see a result like any other. Reuse is never a guess: no
// history, other inputs, a TIMEOUT, a result bbs itself could not finish, a
// stored entry that does not match, an installation no longer in the library
// -> the job runs. Every job that runs keeps its files in the store.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { HistoryStore, RunMode } from "../../history/store.js";
import { jobFiles } from "../../jobs/outfile.js";
import { parseSummary, REUSED_FROM_FIELD } from "../../results/summary.js";
import type { JobContext, JobSpec } from "../../jobs/types.js";
import type { Stage } from "../../layout/stages.js";
import { Description } from "../../rpkg/description.js";
import type { InstalledPackage } from "../../rpkg/r-env.js";
import { configWords } from "../../rpkg/r-commands.js";
import { linkOrCopy, writeFileAtomic } from "../../util/fs.js";
import { runTool } from "../../util/tool.js";
import type { DependencyGraph } from "./dep-graph.js";
import { RunInputs, type JobInputsRecord } from "./job-inputs.js";
import type { JobInfo, PlannedTarget, RunPlan } from "./plan.js";
import { ReuseStore, type StoredResult } from "./reuse-store.js";
import { jobDelivery, productName, type StageJobSettings, type StageOutcome } from "./stage-jobs.js";

/** Results that are the package's: the same inputs give them again. TIMEOUT may be the machine's load: re-run. */
const REUSABLE_STATUSES: ReadonlySet<string> = new Set(["OK", "WARNINGS", "ERROR"]);

/** Why a job runs instead of being reused (counted in the run's note). */
export type RerunReason =
  | "forced"
  | "no inputs"
  | "no earlier result with these inputs"
  | "earlier result not reusable"
  | "no stored files"
  | "not installed as before";

export interface IncrementalOptions {
  readonly history: HistoryStore;
  readonly store: ReuseStore;
  readonly inputs: RunInputs;
  readonly runId: string;
  readonly node: string;
  readonly targets: readonly PlannedTarget[];
  /** The packages of the library before the run (a reused INSTALL must still be there, as built). */
  readonly installed: ReadonlyMap<string, InstalledPackage>;
  readonly settings: StageJobSettings;
  /** Re-run every job (the inputs are still recorded, the results still stored). */
  readonly force: boolean;
}

export interface IncrementalPlan {
  readonly plan: RunPlan;
  /** Per job id: its inputs, and the run its result is reused from. */
  readonly jobInputs: ReadonlyMap<string, JobInputsRecord & { readonly reusedFrom?: string }>;
  readonly reused: number;
  readonly rerun: ReadonlyMap<RerunReason, number>;
}

/** The git_last_commit of an installed package's DESCRIPTION (null: none, or unreadable). */
function installedCommit(installation: InstalledPackage): string | null {
  try {
    return Description.read(join(installation.libPath, installation.name)).get("git_last_commit") ?? null;
  } catch {
    return null;
  }
}

function decide(
  info: JobInfo,
  record: JobInputsRecord,
  options: IncrementalOptions,
  target: PlannedTarget | undefined,
): { stored: StoredResult } | { reason: RerunReason } {
  if (options.force) return { reason: "forced" };
  const row = options.history.latestJobWithInputs(
    { node: options.node, stage: info.stage, package: info.pkg, inputHash: record.inputHash },
    { excludeRunId: options.runId },
  );
  if (row === undefined) return { reason: "no earlier result with these inputs" };
  if (!REUSABLE_STATUSES.has(row.status)) return { reason: "earlier result not reusable" };
  const stored = options.store.read(info.stage, info.pkg);
  const origin = row.reusedFrom ?? row.runId;
  if (stored === undefined || stored.inputHash !== record.inputHash || stored.runId !== origin)
    return { reason: "no stored files" };
  if (info.stage === "install") {
    // Only a target's install is ever reused: a non-target gets a job only when it is missing.
    const installation = options.installed.get(info.pkg);
    if (
      target === undefined ||
      installation === undefined ||
      installation.version !== target.version ||
      installedCommit(installation) !== target.commit
    )
      return { reason: "not installed as before" };
  }
  return { stored };
}

/** The summary of a stored result with `ReusedFrom: <run>` as its last field. */
function reusedSummaryText(stored: StoredResult): string {
  const lines = readFileSync(stored.summaryFile, "utf8")
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith(`${REUSED_FROM_FIELD}:`));
  return `${[...lines, `${REUSED_FROM_FIELD}: ${stored.runId}`].join("\n")}\n`;
}

/** A job that takes its stored result: files into meat, delivered, the outcome read from the summary. */
function reusedJob(info: JobInfo, stored: StoredResult, settings: StageJobSettings, target: PlannedTarget | undefined) {
  return (): Promise<StageOutcome> => {
    const files = jobFiles(settings.meatDir, info.pkg, info.stage);
    if (stored.productPath !== null && stored.product !== null)
      linkOrCopy(stored.productPath, join(settings.meatDir, stored.product));
    linkOrCopy(stored.outFile, files.outFile);
    const text = reusedSummaryText(stored);
    // Not flushed: a crash before the run ends re-creates it from the reuse
    // store on the next run, and an fsync per reused job is most of a
    // nothing-changed night's time.
    writeFileAtomic(files.summaryFile, text, { durable: false });
    const product = target === undefined ? null : productName(info.stage, target, settings);
    void settings.delivery.job(jobDelivery(info.stage, info.pkg, product, settings));
    const summary = parseSummary(text, files.summaryFile);
    const packageFile = summary.fields.get("PackageFile");
    return Promise.resolve({
      status: summary.status,
      retCode: summary.retCode,
      ...(summary.elapsedSeconds === undefined ? {} : { elapsedSeconds: summary.elapsedSeconds }),
      command: summary.command,
      version: summary.version,
      commit: target?.commit ?? null,
      reusedFrom: stored.runId,
      ...(packageFile === undefined || packageFile === "None" ? {} : { packageFile }),
    });
  };
}

/** A job that runs, then keeps its files in the store when its result is one to reuse. */
function rememberingJob(
  run: (context: JobContext<StageOutcome>) => Promise<StageOutcome>,
  info: JobInfo,
  record: JobInputsRecord,
  options: IncrementalOptions,
  target: PlannedTarget | undefined,
) {
  return async (context: JobContext<StageOutcome>): Promise<StageOutcome> => {
    const outcome = await run(context);
    if (REUSABLE_STATUSES.has(outcome.status)) {
      const { settings } = options;
      options.store.save(
        info.stage,
        info.pkg,
        {
          inputHash: record.inputHash,
          runId: options.runId,
          status: outcome.status,
          product: target === undefined ? null : productName(info.stage, target, settings),
        },
        jobFiles(settings.meatDir, info.pkg, info.stage),
        settings.meatDir,
      );
    }
    return outcome;
  };
}

/** The plan with each job either reused or remembering its result, and the inputs of every job. */
export function planIncremental(plan: RunPlan, options: IncrementalOptions): IncrementalPlan {
  const targets = new Map(options.targets.map((target) => [target.name, target] as const));
  const jobInputs = new Map<string, JobInputsRecord & { reusedFrom?: string }>();
  const rerun = new Map<RerunReason, number>();
  let reused = 0;
  const jobs = plan.jobs.map((job): JobSpec<StageOutcome> => {
    const info = plan.info.get(job.id);
    if (job.run === undefined || info === undefined) return job;
    const record = options.inputs.of(info.stage as Stage, info.pkg);
    if (record === undefined) {
      rerun.set("no inputs", (rerun.get("no inputs") ?? 0) + 1);
      return job;
    }
    const target = targets.get(info.pkg);
    const decision = decide(info, record, options, target);
    if ("stored" in decision) {
      reused += 1;
      jobInputs.set(job.id, { ...record, reusedFrom: decision.stored.runId });
      return { ...job, estimate: 0, run: reusedJob(info, decision.stored, options.settings, target) };
    }
    rerun.set(decision.reason, (rerun.get(decision.reason) ?? 0) + 1);
    jobInputs.set(job.id, record);
    return { ...job, run: rememberingJob(job.run, info, record, options, target) };
  });
  return { plan: { ...plan, jobs }, jobInputs, reused, rerun };
}

/** Whether tonight reuses: `incremental` (from the option or run.incremental) unless forced or the Nth night. */
export function incrementalMode(
  history: HistoryStore,
  node: string,
  options: { incremental: boolean; force: boolean; fullRebuildEvery: number },
): { mode: RunMode | undefined; why?: string } {
  if (!options.incremental) return { mode: undefined };
  if (options.force) return { mode: "full", why: "--force: every job runs" };
  const since = history.incrementalRunsSinceFull(node);
  if (options.fullRebuildEvery > 0 && since >= options.fullRebuildEvery - 1)
    return {
      mode: "full",
      why: `full rebuild: ${since} incremental run(s) since the last full one (run.fullRebuildEvery: ${options.fullRebuildEvery})`,
    };
  return { mode: "incremental" };
}

/** The first line of `R --version`, or undefined when R does not answer (then nothing is reused: any doubt re-runs). */
export async function readRVersion(rCmd: string, env: Readonly<Record<string, string>>): Promise<string | undefined> {
  const [program, ...args] = configWords(rCmd);
  if (program === undefined) return undefined;
  const result = await runTool(program, [...args, "--version"], { env, timeoutMs: 60_000 });
  const first = result.stdout.split("\n")[0]?.trim();
  return result.exitCode === 0 && first !== undefined && first !== "" ? first : undefined;
}

/** One line for the run's log: how many jobs were reused, and why the others run. */
export function incrementalSummary(result: IncrementalPlan): string {
  const reasons = [...result.rerun].map(([reason, count]) => `${count} ${reason}`).join(", ");
  const ran = [...result.rerun.values()].reduce((sum, count) => sum + count, 0);
  return `incremental run: ${result.reused} job(s) reused from earlier runs, ${ran} run${reasons === "" ? "" : ` (${reasons})`}`;
}

export interface ApplyIncrementalOptions extends Omit<IncrementalOptions, "inputs" | "force" | "targets"> {
  readonly mode: RunMode | undefined;
  readonly targets: readonly PlannedTarget[];
  /** STAGE2's graph: undefined when the run has no INSTALL (then nothing is reused). */
  readonly graph: DependencyGraph | undefined;
  readonly rCmd: string;
  readonly note: (level: "info" | "warning", message: string) => void;
}

/** planIncremental() when the run is incremental (or a full rebuild of an incremental node); the plan as is otherwise. */
export async function applyIncremental(
  plan: RunPlan,
  options: ApplyIncrementalOptions,
): Promise<{ plan: RunPlan; jobInputs: IncrementalPlan["jobInputs"]; reused: number }> {
  const unchanged = { plan, jobInputs: new Map(), reused: 0 };
  if (options.mode === undefined) return unchanged;
  if (options.graph === undefined) {
    options.note("info", "incremental runs need STAGE2 in the run (its dependency graph): every job runs");
    return unchanged;
  }
  const rVersion = await readRVersion(options.rCmd, options.settings.env);
  if (rVersion === undefined) {
    options.note("warning", `\`${options.rCmd} --version\` did not answer: nothing is reused, every job runs`);
    return unchanged;
  }
  const inputs = new RunInputs({
    targets: options.targets,
    graph: options.graph,
    installed: options.installed,
    rVersion,
    settings: options.settings,
  });
  const result = planIncremental(plan, { ...options, inputs, force: options.mode === "full" });
  options.note("info", incrementalSummary(result));
  return result;
}
