// The history's queries about job inputs (migration 3: jobs.input_hash,
// jobs.reused_from, the job_inputs table), kept apart from store.ts, which
// calls them.

import type Database from "better-sqlite3";
import type { JobInputs } from "./inputs.js";
import { toJob, type JobRecordRow } from "./rows.js";
import type { JobRow } from "./types.js";

/** One run's latest attempt of a job, with what it ran against. */
export interface InputHistoryEntry {
  readonly runId: string;
  readonly runStartedAt: Date;
  readonly status: string;
  readonly version: string | null;
  readonly commit: string | null;
  readonly inputHash: string | null;
  /** undefined: the job recorded no inputs (a bbs before incremental runs, or an unfinished job). */
  readonly inputs: JobInputs | undefined;
  /** The run the result was produced in, when it was reused from there. */
  readonly reusedFrom: string | null;
}

const UNFINISHED = "('running', 'interrupted', 'cancelled', 'failed')";

/** Stores a hash's inputs once (the same inputs on later nights add nothing). */
export function storeInputs(db: Database.Database, inputHash: string, text: string): void {
  db.prepare("INSERT OR IGNORE INTO job_inputs (input_hash, inputs) VALUES (?, ?)").run(inputHash, text);
}

export function jobInputsByHash(db: Database.Database, inputHash: string): JobInputs | undefined {
  const row = db.prepare("SELECT inputs FROM job_inputs WHERE input_hash = ?").get(inputHash) as
    { inputs: string } | undefined;
  return row === undefined ? undefined : (JSON.parse(row.inputs) as JobInputs);
}

export function latestJobWithInputs(
  db: Database.Database,
  query: { node: string; stage: string; package: string; inputHash: string },
  options: { kind?: string; excludeRunId?: string },
): JobRow | undefined {
  const row = db
    .prepare(
      `SELECT j.* FROM jobs j JOIN runs r ON r.run_id = j.run_id
       WHERE j.node = @node AND j.stage = @stage AND j.package = @package AND j.input_hash = @inputHash
         AND j.status NOT IN ${UNFINISHED} AND r.kind = @kind AND (@exclude IS NULL OR j.run_id <> @exclude)
       ORDER BY j.started_at DESC, j.id DESC LIMIT 1`,
    )
    .get({ ...query, kind: options.kind ?? "run", exclude: options.excludeRunId ?? null }) as JobRecordRow | undefined;
  return row === undefined ? undefined : toJob(row);
}

export function inputHistory(
  db: Database.Database,
  query: { pkg: string; node: string; stage: string },
  options: { lastRuns?: number; kind?: string },
): InputHistoryEntry[] {
  const rows = db
    .prepare(
      `WITH recent AS (
         SELECT run_id, started_at FROM runs WHERE node = @node AND kind = @kind
         ORDER BY started_at DESC, run_id DESC LIMIT @lastRuns
       ),
       latest AS (
         SELECT j.*, ROW_NUMBER() OVER (PARTITION BY j.run_id ORDER BY j.attempt DESC) AS newest
         FROM jobs j JOIN recent r ON r.run_id = j.run_id
         WHERE j.node = @node AND j.stage = @stage AND j.package = @pkg AND j.status NOT IN ${UNFINISHED}
       )
       SELECT l.run_id, r.started_at AS run_started_at, l.status, l.version, l.git_commit, l.input_hash, l.reused_from, i.inputs
       FROM latest l JOIN recent r ON r.run_id = l.run_id LEFT JOIN job_inputs i ON i.input_hash = l.input_hash
       WHERE l.newest = 1 ORDER BY r.started_at DESC, l.run_id DESC`,
    )
    .all({ ...query, kind: options.kind ?? "run", lastRuns: options.lastRuns ?? 30 }) as Array<{
    run_id: string;
    run_started_at: number;
    status: string;
    version: string | null;
    git_commit: string | null;
    input_hash: string | null;
    reused_from: string | null;
    inputs: string | null;
  }>;
  return rows.map((row) => ({
    runId: row.run_id,
    runStartedAt: new Date(row.run_started_at),
    status: row.status,
    version: row.version,
    commit: row.git_commit,
    inputHash: row.input_hash,
    inputs: row.inputs === null ? undefined : (JSON.parse(row.inputs) as JobInputs),
    reusedFrom: row.reused_from,
  }));
}
