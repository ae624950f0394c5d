// The state machine of a job and of each of its nodes, and the statuses shown
// and posted for them (spec 2.7, fixed: a node that never reported is
// ABNORMAL, never silently dropped; BiocCheck is its own column).
//
//   node:  queued --claim--> claimed --started--> running --finished--> done
//            |                  |                    |
//            +--claim timeout---+--heartbeat timeout-+--> lost      (done, lost: terminal)
//   job:   queued --a node claimed--> running --every node terminal--> complete

import type { JobState, NodeOutcome, NodeState, Step, StepStatus } from "./model.js";
import { TERMINAL_NODE_STATES } from "./model.js";

/** Which node transitions are allowed (anything else is ignored as stale). */
const NODE_TRANSITIONS: Readonly<Record<NodeState, readonly NodeState[]>> = {
  queued: ["claimed", "lost"],
  claimed: ["claimed", "running", "done", "lost"],
  running: ["done", "lost"],
  done: [],
  lost: [],
};

export function canTransition(from: NodeState, to: NodeState): boolean {
  return NODE_TRANSITIONS[from].includes(to);
}

export function isTerminal(state: NodeState): boolean {
  return TERMINAL_NODE_STATES.has(state);
}

/** A job's state from its nodes' states. */
export function jobStateOf(nodeStates: readonly NodeState[]): JobState {
  if (nodeStates.length > 0 && nodeStates.every(isTerminal)) return "complete";
  return nodeStates.some((state) => state !== "queued") ? "running" : "queued";
}

/** The columns of a job page row, and of the posted result. */
export const COLUMNS = ["install", "build", "check", "bioccheck", "buildbin"] as const;
export type Column = (typeof COLUMNS)[number];

/** Which steps make a column (BiocCheck: BiocCheckGitClone and BiocCheck). */
export const COLUMN_STEPS: Readonly<Record<Column, readonly Step[]>> = {
  install: ["install"],
  build: ["buildsrc"],
  check: ["checksrc"],
  bioccheck: ["biocgitclone", "bioccheck"],
  buildbin: ["buildbin"],
};

/** A column's cell: a final status, `running`, `pending` (not reached yet), or absent for a lost node's unreached steps. */
export type CellStatus = StepStatus | "running" | "pending";

const SEVERITY: Readonly<Record<StepStatus, number>> = {
  skipped: 0,
  UNSUPPORTED: 0,
  OK: 1,
  WARNINGS: 2,
  TIMEOUT: 3,
  ERROR: 4,
  ABNORMAL: 5,
};

/** The worse of two statuses (a column made of two steps). */
export function worse(a: StepStatus, b: StepStatus): StepStatus {
  return SEVERITY[b] > SEVERITY[a] ? b : a;
}

export interface NodeSnapshot {
  readonly state: NodeState;
  readonly outcome: NodeOutcome | null;
  /** Final statuses of the steps that ended. */
  readonly steps: ReadonlyMap<Step, StepStatus>;
  /** The step running now, if any. */
  readonly runningStep: Step | null;
}

/** The cells of a node's row. */
export function nodeCells(node: NodeSnapshot): Record<Column, CellStatus> {
  const cells = {} as Record<Column, CellStatus>;
  for (const column of COLUMNS) {
    const steps = COLUMN_STEPS[column];
    const ended = steps.map((step) => node.steps.get(step)).filter((s): s is StepStatus => s !== undefined);
    if (node.outcome === "unsupported") cells[column] = "UNSUPPORTED";
    else if (steps.some((step) => step === node.runningStep)) cells[column] = "running";
    else if (ended.length === steps.length) cells[column] = ended.reduce(worse);
    else if (isTerminal(node.state)) {
      // The build ended (or was given up) before this column's steps ran.
      cells[column] = node.state === "lost" || node.outcome === "abnormal" ? "ABNORMAL" : "skipped";
    } else cells[column] = ended.length > 0 ? "running" : "pending";
  }
  return cells;
}

/**
 * What a finished node contributes to the overall result: the distinct
 * statuses of its cells other than OK, skipped and UNSUPPORTED (spec 2.7);
 * ABNORMAL for a lost or abnormally ended node.
 */
export function nodeProblems(node: NodeSnapshot): StepStatus[] {
  if (node.state === "lost" || node.outcome === "abnormal") return ["ABNORMAL"];
  const found = new Set<StepStatus>();
  for (const cell of Object.values(nodeCells(node))) {
    if (cell === "running" || cell === "pending") continue;
    if (cell !== "OK" && cell !== "skipped" && cell !== "UNSUPPORTED") found.add(cell);
  }
  // The steps before the columns: sources refused (a Package mismatch) are the package's ERROR.
  for (const step of ["source", "deps"] as const) {
    const status = node.steps.get(step);
    if (status === "ABNORMAL" || status === "ERROR" || status === "TIMEOUT") found.add(status);
  }
  return [...found].sort((a, b) => SEVERITY[b] - SEVERITY[a]);
}

/**
 * The overall result of a job (spec 9.10): `OK` when every expected node's
 * cells are OK, skipped or UNSUPPORTED; else the distinct problems joined by
 * ", ", worst first; `ABNORMAL` when no node produced results at all.
 */
export function jobResult(nodes: readonly NodeSnapshot[]): string {
  if (nodes.length === 0 || nodes.every((node) => node.state === "lost" || node.outcome === "abnormal"))
    return "ABNORMAL";
  const found = new Set<StepStatus>();
  for (const node of nodes) for (const problem of nodeProblems(node)) found.add(problem);
  if (found.size === 0) return "OK";
  return [...found].sort((a, b) => SEVERITY[b] - SEVERITY[a]).join(", ");
}

/** The statuses a tracker label set is made of: the problems of a job, or OK. */
export function resultLabels(result: string): string[] {
  return result.split(", ").filter((label) => label !== "");
}
