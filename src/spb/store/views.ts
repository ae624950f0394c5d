// What the coordinator's JSON API and web pages show of a job, a node, a
// step, a package and a worker: plain data (ISO-8601 UTC times), built from
// the store's rows. One shape per page, so the UI and `bbs spb status --json`
// read the same thing.

import type { JobSource, JobState, NodeInfo, NodeOutcome, NodeState, Step, StepStatus } from "../model.js";
import { isStep, isStepStatus } from "../model.js";
import { jobResult, nodeCells, type CellStatus, type Column, type NodeSnapshot } from "../state.js";

export interface StepView {
  readonly step: Step;
  /** null while it runs. */
  readonly status: StepStatus | null;
  /** The exact command line (argv). */
  readonly command: readonly string[] | null;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly elapsedSeconds: number | null;
  readonly retCode: number | null;
  readonly detail: string | null;
  readonly attempts: number | null;
}

export interface NodeView {
  readonly node: string;
  readonly state: NodeState;
  readonly outcome: NodeOutcome | null;
  readonly reason: string | null;
  readonly workerId: string | null;
  readonly claimedAt: string | null;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly heartbeatAt: string | null;
  readonly claimDeadline: string;
  /** The commit checked out and built. */
  readonly commit: string | null;
  readonly version: string | null;
  readonly maintainer: string | null;
  readonly info: NodeInfo | null;
  readonly runningStep: Step | null;
  readonly cells: Readonly<Record<Column, CellStatus>>;
  readonly steps: readonly StepView[];
}

export interface JobView {
  readonly id: string;
  readonly package: string;
  readonly source: JobSource;
  readonly issue: number | null;
  readonly newPackage: boolean;
  readonly biocVersion: string;
  readonly rerunOf: string | null;
  readonly submittedBy: string;
  readonly submittedAt: string;
  readonly state: JobState;
  readonly completedAt: string | null;
  /** The overall result: final once complete, so far while running. */
  readonly result: string;
  readonly nodes: readonly NodeView[];
}

/** A job in lists (no per-step detail). */
export interface JobSummaryView {
  readonly id: string;
  readonly package: string;
  readonly issue: number | null;
  readonly submittedAt: string;
  readonly state: JobState;
  readonly completedAt: string | null;
  readonly result: string | null;
  readonly commit: string | null;
  readonly nodes: ReadonlyArray<{ readonly node: string; readonly state: NodeState }>;
}

export interface PackageView {
  readonly name: string;
  readonly jobs: number;
  readonly latestJob: JobSummaryView | null;
}

export interface WorkerView {
  readonly node: string;
  readonly workerId: string;
  readonly lastSeen: string;
  readonly jobId: string | null;
  readonly step: Step | null;
  readonly version: string | null;
  /** Whether the last heartbeat is younger than the heartbeat timeout. */
  readonly alive: boolean;
}

// ---- rows -> views ------------------------------------------------------------------

export interface JobRecord {
  id: string;
  package: string;
  source: string;
  issue: number | null;
  new_package: number;
  bioc_version: string;
  rerun_of: string | null;
  submitted_by: string;
  submitted_at: number;
  state: string;
  completed_at: number | null;
  result: string | null;
}

export interface NodeRecord {
  job_id: string;
  node: string;
  state: string;
  outcome: string | null;
  reason: string | null;
  enqueued_at: number | null;
  claim_deadline: number;
  claim_id: string | null;
  worker_id: string | null;
  claimed_at: number | null;
  heartbeat_at: number | null;
  started_at: number | null;
  ended_at: number | null;
  applied_seq: number;
  running_step: string | null;
  commit_built: string | null;
  version: string | null;
  maintainer: string | null;
  info: string | null;
}

export interface StepRecord {
  job_id: string;
  node: string;
  step: string;
  command: string | null;
  started_at: number | null;
  ended_at: number | null;
  elapsed: number | null;
  ret_code: number | null;
  status: string | null;
  detail: string | null;
  attempts: number | null;
}

export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function stepView(row: StepRecord): StepView {
  return {
    step: row.step as Step,
    status: row.status !== null && isStepStatus(row.status) ? row.status : null,
    command: row.command === null ? null : (JSON.parse(row.command) as string[]),
    startedAt: iso(row.started_at),
    endedAt: iso(row.ended_at),
    elapsedSeconds: row.elapsed,
    retCode: row.ret_code,
    detail: row.detail,
    attempts: row.attempts,
  };
}

export function nodeSnapshot(row: NodeRecord, steps: readonly StepRecord[]): NodeSnapshot {
  const ended = new Map<Step, StepStatus>();
  for (const step of steps)
    if (step.status !== null && isStep(step.step) && isStepStatus(step.status)) ended.set(step.step, step.status);
  return {
    state: row.state as NodeState,
    outcome: row.outcome as NodeOutcome | null,
    steps: ended,
    runningStep: row.running_step !== null && isStep(row.running_step) ? row.running_step : null,
  };
}

export function nodeView(row: NodeRecord, steps: readonly StepRecord[]): NodeView {
  return {
    node: row.node,
    state: row.state as NodeState,
    outcome: row.outcome as NodeOutcome | null,
    reason: row.reason,
    workerId: row.worker_id,
    claimedAt: iso(row.claimed_at),
    startedAt: iso(row.started_at),
    endedAt: iso(row.ended_at),
    heartbeatAt: iso(row.heartbeat_at),
    claimDeadline: new Date(row.claim_deadline).toISOString(),
    commit: row.commit_built,
    version: row.version,
    maintainer: row.maintainer,
    info: row.info === null ? null : (JSON.parse(row.info) as NodeInfo),
    runningStep: row.running_step !== null && isStep(row.running_step) ? row.running_step : null,
    cells: nodeCells(nodeSnapshot(row, steps)),
    steps: steps.map(stepView),
  };
}

export function jobView(job: JobRecord, nodes: readonly NodeRecord[], steps: readonly StepRecord[]): JobView {
  const stepsOf = (node: string): StepRecord[] => steps.filter((step) => step.node === node);
  return {
    id: job.id,
    package: job.package,
    source: JSON.parse(job.source) as JobSource,
    issue: job.issue,
    newPackage: job.new_package === 1,
    biocVersion: job.bioc_version,
    rerunOf: job.rerun_of,
    submittedBy: job.submitted_by,
    submittedAt: new Date(job.submitted_at).toISOString(),
    state: job.state as JobState,
    completedAt: iso(job.completed_at),
    result: job.result ?? jobResult(nodes.map((node) => nodeSnapshot(node, stepsOf(node.node)))),
    nodes: nodes.map((node) => nodeView(node, stepsOf(node.node))),
  };
}

export function jobSummaryView(job: JobRecord, nodes: readonly NodeRecord[]): JobSummaryView {
  return {
    id: job.id,
    package: job.package,
    issue: job.issue,
    submittedAt: new Date(job.submitted_at).toISOString(),
    state: job.state as JobState,
    completedAt: iso(job.completed_at),
    result: job.result,
    commit: nodes.find((node) => node.commit_built !== null)?.commit_built ?? null,
    nodes: nodes.map((node) => ({ node: node.node, state: node.state as NodeState })),
  };
}
