// What the SPB web pages show, computed from the store's views (one model
// per page; the `.json` of a page is the store's view the model is made
// from). Everything here is plain text: the templates escape it.

import { isStep, type Step } from "../model.js";
import { COLUMN_STEPS, COLUMNS, type CellStatus, type Column } from "../state.js";
import type { JobSummaryView, JobView, NodeView, PackageView, StepView, WorkerView } from "../store/views.js";

/** The column headers of a job page (the report's spelling). */
export const COLUMN_LABELS: Readonly<Record<Column, string>> = {
  install: "INSTALL",
  build: "BUILD",
  check: "CHECK",
  bioccheck: "BiocCheck",
  buildbin: "BUILD BIN",
};

const STEP_LABELS: Readonly<Record<Step, string>> = {
  source: "source",
  deps: "dependencies",
  install: "INSTALL",
  buildsrc: "BUILD",
  checksrc: "CHECK",
  biocgitclone: "BiocCheckGitClone",
  bioccheck: "BiocCheck",
  buildbin: "BUILD BIN",
};

/** Characters of the running step's log shown on the job page. */
export const LOG_TAIL_CHARS = 6000;

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "";
  const whole = Math.max(0, Math.round(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, "0")}s`;
  return `${s}s`;
}

/** An argv as one could paste it into a POSIX shell (display only: nothing runs through a shell). */
export function displayCommand(argv: readonly string[]): string {
  return argv
    .map((arg) => (/^[A-Za-z0-9_/.,:=+@%^-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`))
    .join(" ");
}

/** The CSS class of a status (the report's glyph classes, and SPB's own for the rest). */
export function statusClass(status: string | null): string {
  if (status === null) return "pending";
  return /^[A-Za-z]+$/.test(status) ? status : "mixed";
}

function seconds(from: string | null, to: number): number | null {
  return from === null ? null : (to - Date.parse(from)) / 1000;
}

function stepLabel(step: string): string {
  return isStep(step) ? STEP_LABELS[step] : step;
}

export interface CellModel {
  readonly column: string;
  readonly label: string;
  readonly status: CellStatus;
  readonly cls: string;
  readonly duration: string;
}

export interface StepModel {
  readonly label: string;
  readonly status: string;
  readonly cls: string;
  readonly command: string;
  readonly duration: string;
  readonly retCode: string;
  readonly detail: string;
  readonly logUrl: string;
}

export interface NodeRowModel {
  readonly node: string;
  readonly state: string;
  readonly reason: string;
  readonly heartbeatAt: string;
  readonly commit: string;
  readonly commitShort: string;
  readonly version: string;
  readonly platform: string;
  readonly duration: string;
  readonly cells: readonly CellModel[];
  readonly steps: readonly StepModel[];
  readonly log: { readonly label: string; readonly text: string; readonly running: boolean } | null;
}

export type LogReader = (node: string, step: Step, tail: number) => string;

function cellModel(node: NodeView, column: Column, now: number): CellModel {
  const steps = node.steps.filter((step) => (COLUMN_STEPS[column] as readonly string[]).includes(step.step));
  const elapsed = steps.reduce<number | null>((sum, step) => {
    const value = step.elapsedSeconds ?? (step.status === null ? seconds(step.startedAt, now) : null);
    return value === null ? sum : (sum ?? 0) + value;
  }, null);
  const status = node.cells[column];
  return { column, label: COLUMN_LABELS[column], status, cls: statusClass(status), duration: formatDuration(elapsed) };
}

function stepModel(jobId: string, node: string, step: StepView, now: number): StepModel {
  return {
    label: stepLabel(step.step),
    status: step.status ?? "running",
    cls: statusClass(step.status ?? "running"),
    command: step.command === null ? "" : displayCommand(step.command),
    duration: formatDuration(step.elapsedSeconds ?? (step.status === null ? seconds(step.startedAt, now) : null)),
    retCode: step.retCode === null ? "" : String(step.retCode),
    detail: step.detail ?? "",
    logUrl: `/jobs/${encodeURIComponent(jobId)}/logs/${encodeURIComponent(node)}/${step.step}`,
  };
}

function logToShow(node: NodeView, readLog: LogReader): { step: Step | null; text: string } {
  if (node.runningStep !== null)
    return { step: node.runningStep, text: readLog(node.node, node.runningStep, LOG_TAIL_CHARS) };
  const ended = [...node.steps].reverse();
  const failing = ended.filter((step) => step.status !== "OK" && step.status !== "skipped");
  for (const step of [...failing, ...ended]) {
    if (!isStep(step.step)) continue;
    const text = readLog(node.node, step.step, LOG_TAIL_CHARS);
    if (text !== "") return { step: step.step, text };
  }
  return { step: null, text: "" };
}

export function nodeRowModel(jobId: string, node: NodeView, readLog: LogReader, now = Date.now()): NodeRowModel {
  // The running step's log tail; once the node ended, the log of what went wrong (or of its last step).
  const { step: logStep, text } = logToShow(node, readLog);
  const end = node.endedAt === null ? now : Date.parse(node.endedAt);
  return {
    node: node.node,
    state: node.state,
    reason: node.reason ?? "",
    heartbeatAt: node.heartbeatAt ?? "",
    commit: node.commit ?? "",
    commitShort: node.commit?.slice(0, 12) ?? "",
    version: node.version ?? "",
    platform:
      node.info === null ? "" : `${node.info.platform} (${node.info.os} ${node.info.arch}), ${node.info.rVersion}`,
    duration: formatDuration(seconds(node.startedAt, end)),
    cells: COLUMNS.map((column) => cellModel(node, column, now)),
    steps: node.steps.map((step) => stepModel(jobId, node.node, step, now)),
    log:
      logStep === null
        ? null
        : {
            label: `${stepLabel(logStep)}${node.runningStep === logStep ? " (running)" : ""}`,
            text,
            running: node.runningStep === logStep,
          },
  };
}

/** A post-back's state on the job page: delivered, or failing with the error and the next try. */
export interface PostbackModel {
  readonly subscriber: string;
  readonly state: "delivered" | "pending" | "failing";
  readonly attempts: number;
  readonly error: string;
  readonly deliveredAt: string;
  readonly link: string;
}

export interface OutboxRow {
  readonly subscriber: string;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly deliveredAt: string | null;
}

export function postbackModel(row: OutboxRow, link: string | null): PostbackModel {
  return {
    subscriber: row.subscriber,
    state: row.deliveredAt !== null ? "delivered" : row.lastError !== null ? "failing" : "pending",
    attempts: row.attempts,
    error: row.lastError ?? "",
    deliveredAt: row.deliveredAt ?? "",
    link: link ?? "",
  };
}

export interface JobLiveModel {
  readonly id: string;
  readonly state: string;
  readonly result: string;
  readonly resultCls: string;
  readonly completedAt: string;
  readonly columns: readonly string[];
  readonly rows: readonly NodeRowModel[];
  readonly postbacks: readonly PostbackModel[];
}

export function jobLiveModel(
  job: JobView,
  readLog: LogReader,
  postbacks: readonly PostbackModel[],
  now = Date.now(),
): JobLiveModel {
  return {
    id: job.id,
    state: job.state,
    result: job.result,
    resultCls: job.state === "complete" ? statusClass(job.result) : "running",
    completedAt: job.completedAt ?? "",
    columns: COLUMNS.map((column) => COLUMN_LABELS[column]),
    rows: job.nodes.map((node) => nodeRowModel(job.id, node, readLog, now)),
    postbacks,
  };
}

export function sourceText(job: JobView): string {
  if (job.source.kind === "tarball") return `tarball ${job.source.fileName} (sha256 ${job.source.sha256})`;
  const at = job.source.commit ?? (job.source.branch === undefined ? "branch tip" : `tip of ${job.source.branch}`);
  return `${job.source.url} @ ${at}`;
}

export interface JobRowModel {
  readonly id: string;
  readonly url: string;
  readonly package: string;
  readonly packageUrl: string;
  readonly issue: string;
  readonly submittedAt: string;
  readonly state: string;
  readonly result: string;
  readonly resultCls: string;
  readonly commitShort: string;
  readonly nodes: string;
}

export function jobRowModel(job: JobSummaryView): JobRowModel {
  return {
    id: job.id,
    url: `/jobs/${encodeURIComponent(job.id)}`,
    package: job.package,
    packageUrl: `/packages/${encodeURIComponent(job.package)}`,
    issue: job.issue === null ? "" : String(job.issue),
    submittedAt: job.submittedAt,
    state: job.state,
    result: job.result ?? "",
    resultCls: job.result === null ? "running" : statusClass(job.result),
    commitShort: job.commit?.slice(0, 12) ?? "",
    nodes: job.nodes.map((node) => `${node.node}: ${node.state}`).join(", "),
  };
}

export function packageRowModel(pkg: PackageView): {
  name: string;
  url: string;
  jobs: number;
  latest: JobRowModel | null;
} {
  return {
    name: pkg.name,
    url: `/packages/${encodeURIComponent(pkg.name)}`,
    jobs: pkg.jobs,
    latest: pkg.latestJob === null ? null : jobRowModel(pkg.latestJob),
  };
}

export function workerRowModel(
  worker: WorkerView | { node: string; workerId: null; lastSeen: null; alive: false },
  expected: boolean,
  now = Date.now(),
): Record<string, string | boolean> {
  const full = "jobId" in worker ? worker : undefined;
  return {
    node: worker.node,
    expected,
    alive: worker.alive,
    state: worker.lastSeen === null ? "never seen" : worker.alive ? "alive" : "silent",
    cls: worker.alive ? "OK" : "ABNORMAL",
    lastSeen: worker.lastSeen ?? "",
    ago: worker.lastSeen === null ? "" : `${formatDuration((now - Date.parse(worker.lastSeen)) / 1000)} ago`,
    workerId: worker.workerId ?? "",
    jobId: full?.jobId ?? "",
    jobUrl: full?.jobId ? `/jobs/${encodeURIComponent(full.jobId)}` : "",
    step: full?.step ? stepLabel(full.step) : "",
    version: full?.version ?? "",
  };
}
