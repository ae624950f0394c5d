// postrun.json at the root of a run directory: what `bbs postrun` found and
// did, for the report and for people. BBS had nothing of the kind: a node that
// never delivered made the report crash, and nobody could tell since when a
// builder had been missing. Here each report node's presence is recorded
// (absent / running / finished, and since which run it has not finished), as
// well as every step's outcome and the operator alerts written.

import { join } from "node:path";
import { z } from "zod";
import { BbsError } from "../util/errors.js";
import { readTextIfExists, writeFileAtomic } from "../util/fs.js";
import { POSTRUN_STATE_FILE } from "../layout/central.js";

const runRefSchema = z.object({
  runId: z.string(),
  /** The run's snapshot time, ISO 8601. */
  at: z.string(),
});
export type RunRef = z.infer<typeof runRefSchema>;

const nodeRecordSchema = z.object({
  id: z.string(),
  /** `absent`: nothing under products-in/<node>/; `running`: products but no BBS_EndOfRun.txt; `finished`. */
  state: z.enum(["absent", "running", "finished"]),
  /** Newest modification time under products-in/<node>/ (ISO 8601). */
  lastActivity: z.string().optional(),
  /** When BBS_EndOfRun.txt was written (ISO 8601). */
  finishedAt: z.string().optional(),
  /** For a node that did not finish: the first run of the streak of runs it did not finish (this one included). */
  notFinishedSince: runRefSchema.optional(),
  /** The last earlier run the node finished, if the central history knows one. */
  lastFinishedRun: runRefSchema.optional(),
});
export type NodeRecord = z.infer<typeof nodeRecordSchema>;

const stepRecordSchema = z.object({
  status: z.enum(["ok", "failed", "skipped"]),
  startedAt: z.string(),
  endedAt: z.string(),
  /** One line saying what the step did (or why it was skipped). */
  summary: z.string(),
  /** The error of a failed step. */
  error: z.string().optional(),
});
export type StepRecord = z.infer<typeof stepRecordSchema>;

const alertRecordSchema = z.object({
  /** Path of the alert file, relative to the run directory (`alerts/<time>.txt`). */
  file: z.string(),
  at: z.string(),
  subject: z.string(),
  /** Whether the alert was mailed to notify.opsEmail (false when SMTP is not configured or sending failed). */
  mailed: z.boolean(),
});
export type AlertRecord = z.infer<typeof alertRecordSchema>;

const postrunStateSchema = z.object({
  runId: z.string(),
  /** When node presence was last checked (the start of the latest postrun), ISO 8601. */
  checkedAt: z.string(),
  nodes: z.array(nodeRecordSchema),
  /** Latest outcome of each step, by step name (status-db, outgoing, propagation-db, history, report, publish). */
  steps: z.record(z.string(), stepRecordSchema),
  alerts: z.array(alertRecordSchema),
});
export type PostrunState = z.infer<typeof postrunStateSchema>;

export function writePostrunState(runDir: string, state: PostrunState): void {
  writeFileAtomic(join(runDir, POSTRUN_STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
}

/** postrun.json of a run, or undefined when postrun has not run there yet. */
export function readPostrunState(runDir: string): PostrunState | undefined {
  const path = join(runDir, POSTRUN_STATE_FILE);
  const text = readTextIfExists(path);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalidState(path, (error as Error).message);
  }
  const parsed = postrunStateSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidState(path, `${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

function invalidState(path: string, problem: string): BbsError {
  return new BbsError("BBS_INPUT_INVALID", `${path} is not a valid postrun state: ${problem}`, {
    hint: "the file is written by `bbs postrun`; delete it and run `bbs postrun` again",
  });
}
