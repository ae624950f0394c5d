// The SQLite history of runs and jobs (better-sqlite3). It feeds the
// scheduler (durations), `--resume` (what finished already), and the report
// (a package's statuses over the last runs, since when it fails).
//
// Concurrency and crashes: WAL journal, so a `bbs report` reading while a
// `bbs run` writes neither blocks nor sees half a transaction; writers wait
// up to 10 s for each other (busy_timeout). Every write is one short
// transaction: a kill -9 loses at most the write in flight, never corrupts
// the file (synchronous=NORMAL in WAL mode is durable against process
// crashes; only a power loss may drop the last transactions).

import Database from "better-sqlite3";
import { recordRunPackages, runPackages, runsWithCommit, type RunPackage } from "./packages.js";
import { runParams, toJob, toRun, type JobRecordRow, type RunRecord } from "./rows.js";
import { MIGRATIONS } from "./schema.js";
import { openMigratedDatabase } from "./sqlite.js";
import type { JobInputs } from "./inputs.js";
import { inputsText } from "./inputs.js";
import {
  jobInputsByHash,
  latestJobWithInputs,
  inputHistory,
  storeInputs,
  type InputHistoryEntry,
} from "./input-queries.js";

export type { InputHistoryEntry };
export type { JobEnd, JobRow, JobStart, RunInfo, RunMode, RunRow, RunState } from "./types.js";
import type { JobEnd, JobRow, JobStart, RunInfo, RunRow, RunState } from "./types.js";

/** One package's result in one run (latest attempt). */
export interface PackageRunStatus {
  readonly runId: string;
  readonly node: string;
  readonly runStartedAt: Date;
  readonly stage: string;
  readonly status: string;
  readonly version: string | null;
  readonly elapsedSeconds: number | undefined;
}

/** A job known only by its result, imported as a whole (postrun records each cell of a run this way). */
export interface RecordedJob {
  readonly stage: string;
  readonly package: string;
  readonly version?: string | null;
  readonly command?: string | null;
  readonly startedAt: Date;
  readonly endedAt?: Date;
  readonly elapsedSeconds?: number;
  readonly retCode?: number | null;
  readonly status: string;
  readonly inputHash?: string | null;
  readonly inputs?: JobInputs;
  readonly reusedFrom?: string | null;
}

/** A cell of a run that is a problem now and was not in the run before (same node and kind). */
export interface NewProblem {
  readonly package: string;
  readonly stage: string;
  readonly status: string;
  /** The status in the previous run; undefined when the package had no result there (new package, or not run). */
  readonly previousStatus: string | undefined;
}

/**
 * Kind of the runs postrun imports into the central history: one run row per
 * (build run, node), one job row per cell. They copy results recorded
 * elsewhere, so duration estimates leave them out.
 */
export const RESULTS_RUN_KIND = "postrun";

/**
 * Kind of the run row a finished prerun leaves in the central node's history:
 * its duration is what `bbs schedule --next` compares the builders' start
 * times with. The id differs from the run id, which the central node's own
 * builder run of that night uses.
 */
export const PRERUN_RUN_KIND = "prerun";

export function prerunHistoryId(runId: string): string {
  return `${runId}#prerun`;
}

/** Statuses that are not a job's result (it did not finish). */
export const UNFINISHED_STATUSES: readonly string[] = ["running", "interrupted", "cancelled", "failed"];
const UNFINISHED_SQL = UNFINISHED_STATUSES.map((status) => `'${status}'`).join(", ");

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export class HistoryStore {
  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
  ) {}

  /**
   * Opens (creating and migrating if needed) the history at `path`.
   * `readonly` never creates nor migrates: for readers such as the report.
   */
  static open(path: string, options: { readonly?: boolean } = {}): HistoryStore {
    const db = openMigratedDatabase(path, {
      migrations: MIGRATIONS,
      what: "the history database",
      configKey: "historyDb",
      writer: "bbs run",
      readonly: options.readonly === true,
    });
    return new HistoryStore(db, path);
  }

  close(): void {
    this.db.close();
  }

  get schemaVersion(): number {
    return this.db.pragma("user_version", { simple: true }) as number;
  }

  // ---- runs ------------------------------------------------------------------------

  /** Records a run's start; starting an existing run again (resume) sets it back to running. */
  beginRun(info: RunInfo): void {
    this.db
      .prepare(
        `INSERT INTO runs (run_id, node, kind, build_type, bioc_version, schedule, config_digest, bbs_version, host, pid, started_at, state, mode)
         VALUES (@runId, @node, @kind, @buildType, @biocVersion, @schedule, @configDigest, @bbsVersion, @host, @pid, @startedAt, 'running', @mode)
         ON CONFLICT (run_id) DO UPDATE SET state = 'running', ended_at = NULL, pid = excluded.pid, schedule = excluded.schedule,
           mode = COALESCE(excluded.mode, mode)`,
      )
      .run(runParams(info));
  }

  /**
   * Runs of a node (kind "run") of mode `incremental` since its latest `full`
   * run (all of them when there was none): every Nth night is a full rebuild.
   */
  incrementalRunsSinceFull(node: string): number {
    const row = this.db
      .prepare(
        `SELECT COUNT(*) AS n FROM runs WHERE node = @node AND kind = 'run' AND mode = 'incremental'
           AND started_at > COALESCE((SELECT MAX(started_at) FROM runs WHERE node = @node AND kind = 'run' AND mode = 'full'), -1)`,
      )
      .get({ node }) as { n: number };
    return row.n;
  }

  endRun(runId: string, state: RunState, endedAt: Date = new Date()): void {
    this.db.prepare("UPDATE runs SET state = ?, ended_at = ? WHERE run_id = ?").run(state, endedAt.getTime(), runId);
  }

  /**
   * Records a whole run with its finished jobs in one transaction, replacing
   * the run row and every job row an earlier call wrote for the same run id
   * (importing a run again gives the same rows, never a second attempt).
   */
  recordRun(run: RunInfo & { readonly state: RunState; readonly endedAt?: Date }, jobs: readonly RecordedJob[]): void {
    const upsertRun = this.db.prepare(
      `INSERT INTO runs (run_id, node, kind, build_type, bioc_version, schedule, config_digest, bbs_version, host, pid, started_at, ended_at, state)
       VALUES (@runId, @node, @kind, @buildType, @biocVersion, @schedule, @configDigest, @bbsVersion, @host, @pid, @startedAt, @endedAt, @state)
       ON CONFLICT (run_id) DO UPDATE SET node = excluded.node, kind = excluded.kind, build_type = excluded.build_type,
         bioc_version = excluded.bioc_version, schedule = excluded.schedule, config_digest = excluded.config_digest,
         bbs_version = excluded.bbs_version, host = excluded.host, pid = excluded.pid, started_at = excluded.started_at,
         ended_at = excluded.ended_at, state = excluded.state`,
    );
    const insertJob = this.db.prepare(
      `INSERT INTO jobs (run_id, node, stage, package, version, command, started_at, ended_at, elapsed, ret_code, status, attempt, input_hash, reused_from)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
    );
    this.db
      .transaction(() => {
        upsertRun.run({ ...runParams(run), endedAt: run.endedAt?.getTime() ?? null, state: run.state });
        this.db.prepare("DELETE FROM jobs WHERE run_id = ?").run(run.runId);
        for (const job of jobs) {
          insertJob.run(
            run.runId,
            run.node,
            job.stage,
            job.package,
            job.version ?? null,
            job.command ?? null,
            job.startedAt.getTime(),
            job.endedAt?.getTime() ?? null,
            job.elapsedSeconds ?? null,
            job.retCode ?? null,
            job.status,
            job.inputHash ?? null,
            job.reusedFrom ?? null,
          );
          if (job.inputHash != null && job.inputs !== undefined)
            storeInputs(this.db, job.inputHash, inputsText(job.inputs));
        }
      })
      .immediate();
  }

  /**
   * After a crash: jobs of `runId` left `running` become `interrupted` (the
   * resumed run starts them again as a new attempt). Returns how many.
   */
  markInterrupted(runId: string): number {
    return this.db.transaction(() => {
      const changes = this.db
        .prepare("UPDATE jobs SET status = 'interrupted' WHERE run_id = ? AND status = 'running'")
        .run(runId).changes;
      this.db.prepare("UPDATE runs SET state = 'interrupted' WHERE run_id = ? AND state = 'running'").run(runId);
      return changes;
    })();
  }

  run(runId: string): RunRow | undefined {
    const row = this.db.prepare("SELECT * FROM runs WHERE run_id = ?").get(runId) as RunRecord | undefined;
    return row ? toRun(row) : undefined;
  }

  /** Most recent runs first. */
  runs(filter: { node?: string; kind?: string; limit?: number } = {}): RunRow[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM runs WHERE (@node IS NULL OR node = @node) AND (@kind IS NULL OR kind = @kind)
         ORDER BY started_at DESC, run_id DESC LIMIT @limit`,
      )
      .all({ node: filter.node ?? null, kind: filter.kind ?? null, limit: filter.limit ?? -1 }) as RunRecord[];
    return rows.map(toRun);
  }

  // ---- the packages a run built against (packages.ts) ------------------------------

  recordRunPackages(runId: string, packages: readonly RunPackage[]): void {
    recordRunPackages(this.db, runId, packages);
  }

  runPackages(runId: string): Map<string, RunPackage> {
    return runPackages(this.db, runId);
  }

  /** Runs of `kind` that built `pkg` at a commit `commitPrefix` abbreviates (or that abbreviates it), oldest first. */
  runsWithCommit(pkg: string, commitPrefix: string, kind: string): ReturnType<typeof runsWithCommit> {
    return runsWithCommit(this.db, pkg, commitPrefix, kind);
  }

  // ---- jobs -----------------------------------------------------------------------

  /** Records a job's start (status `running`); returns its row id for finishJob(). */
  startJob(start: JobStart): number {
    return this.db
      .transaction(() => {
        if (start.inputHash != null && start.inputs !== undefined)
          storeInputs(this.db, start.inputHash, inputsText(start.inputs));
        const attempt = (
          this.db
            .prepare(
              "SELECT COALESCE(MAX(attempt), 0) + 1 AS next FROM jobs WHERE run_id = ? AND node = ? AND stage = ? AND package = ?",
            )
            .get(start.runId, start.node, start.stage, start.package) as { next: number }
        ).next;
        return Number(
          this.db
            .prepare(
              `INSERT INTO jobs (run_id, node, stage, package, version, git_commit, command, started_at, status, attempt, input_hash, reused_from)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)`,
            )
            .run(
              start.runId,
              start.node,
              start.stage,
              start.package,
              start.version ?? null,
              start.commit ?? null,
              start.command ?? null,
              start.startedAt.getTime(),
              attempt,
              start.inputHash ?? null,
              start.reusedFrom ?? null,
            ).lastInsertRowid,
        );
      })
      .immediate();
  }

  finishJob(jobId: number, end: JobEnd): void {
    this.db
      .prepare(
        "UPDATE jobs SET ended_at = ?, elapsed = ?, ret_code = ?, status = ?, error = ?, survivors = ? WHERE id = ?",
      )
      .run(
        end.endedAt.getTime(),
        end.elapsedSeconds,
        end.retCode,
        end.status,
        end.error ?? null,
        end.survivors ?? null,
        jobId,
      );
  }

  /** Updates what is only known once a job ran (the command line, the version read from DESCRIPTION). */
  describeJob(
    jobId: number,
    details: { version?: string | null; commit?: string | null; command?: string | null },
  ): void {
    this.db
      .prepare(
        "UPDATE jobs SET version = COALESCE(?, version), git_commit = COALESCE(?, git_commit), command = COALESCE(?, command) WHERE id = ?",
      )
      .run(details.version ?? null, details.commit ?? null, details.command ?? null, jobId);
  }

  /** Every job row of a run, attempts included, in start order. */
  jobs(runId: string, node?: string): JobRow[] {
    const rows = this.db
      .prepare("SELECT * FROM jobs WHERE run_id = @runId AND (@node IS NULL OR node = @node) ORDER BY started_at, id")
      .all({ runId, node: node ?? null }) as JobRecordRow[];
    return rows.map(toJob);
  }

  // ---- job inputs (incremental runs, impact of a change) ---------------------------

  /** The inputs stored under a hash; undefined when no job recorded them. */
  jobInputs(inputHash: string): JobInputs | undefined {
    return jobInputsByHash(this.db, inputHash);
  }

  /**
   * The most recent finished attempt of a node's job (stage, package) whose
   * inputs had `inputHash`, in runs of `kind` (default "run") other than
   * `excludeRunId`: the candidate for reuse. The caller judges its status.
   */
  latestJobWithInputs(
    query: { node: string; stage: string; package: string; inputHash: string },
    options: { kind?: string; excludeRunId?: string } = {},
  ): JobRow | undefined {
    return latestJobWithInputs(this.db, query, options);
  }

  /**
   * A package's stage on a node over its last `lastRuns` runs (of `kind`,
   * default "run"), most recent first: the latest attempt of each run with its
   * status, input hash, inputs (undefined when not recorded) and the run a
   * reused result came from. For "what changed since the last good run".
   */
  inputHistory(
    pkg: string,
    node: string,
    stage: string,
    options: { lastRuns?: number; kind?: string } = {},
  ): InputHistoryEntry[] {
    return inputHistory(this.db, { pkg, node, stage }, options);
  }

  // ---- queries for the scheduler and the report ------------------------------------

  /**
   * Expected duration (seconds) per package for a node's stage: the median of
   * its last `window` finished attempts (TIMEOUTs included: they say "at
   * least this long"). Packages never run have no entry. Runs imported by
   * postrun (RESULTS_RUN_KIND) are left out: they copy results recorded elsewhere.
   */
  durationEstimates(node: string, stage: string, options: { window?: number } = {}): Map<string, number> {
    const rows = this.db
      .prepare(
        `SELECT package, elapsed FROM (
           SELECT package, elapsed, ROW_NUMBER() OVER (PARTITION BY package ORDER BY started_at DESC, id DESC) AS recent
           FROM jobs
           WHERE node = ? AND stage = ? AND elapsed IS NOT NULL AND status NOT IN (${UNFINISHED_SQL}, 'skipped')
             AND run_id NOT IN (SELECT run_id FROM runs WHERE kind = '${RESULTS_RUN_KIND}')
         ) WHERE recent <= ?`,
      )
      .all(node, stage, options.window ?? 5) as Array<{ package: string; elapsed: number }>;
    const byPackage = new Map<string, number[]>();
    for (const row of rows) {
      const list = byPackage.get(row.package) ?? [];
      list.push(row.elapsed);
      byPackage.set(row.package, list);
    }
    return new Map([...byPackage].map(([pkg, values]) => [pkg, median(values)]));
  }

  /**
   * Packages whose `stage` failed (a finished status not in `okStatuses`) in
   * every one of the node's last `lastRuns` runs (of kind "run") in which it
   * had a finished job of that stage: at least one such run. The latest
   * attempt of each run counts. For time forecasts (a CHECK after a BUILD that
   * fails every night will be skipped), never for decisions about results.
   */
  failingEveryRecentRun(
    node: string,
    stage: string,
    okStatuses: readonly string[],
    options: { lastRuns?: number } = {},
  ): Set<string> {
    const rows = this.db
      .prepare(
        `WITH recent AS (
           SELECT run_id FROM runs WHERE node = @node AND kind = 'run'
           ORDER BY started_at DESC, run_id DESC LIMIT @lastRuns
         ),
         latest AS (
           SELECT j.package, j.status,
                  ROW_NUMBER() OVER (PARTITION BY j.run_id, j.package ORDER BY j.attempt DESC) AS newest
           FROM jobs j JOIN recent r ON r.run_id = j.run_id
           WHERE j.node = @node AND j.stage = @stage AND j.status NOT IN (${UNFINISHED_SQL})
         )
         SELECT package, SUM(CASE WHEN status IN (SELECT value FROM json_each(@ok)) THEN 1 ELSE 0 END) AS good
         FROM latest WHERE newest = 1 GROUP BY package`,
      )
      .all({ node, stage, lastRuns: options.lastRuns ?? 3, ok: JSON.stringify(okStatuses) }) as Array<{
      package: string;
      good: number;
    }>;
    return new Set(rows.filter((row) => row.good === 0).map((row) => row.package));
  }

  /**
   * A package's statuses over the last `lastRuns` runs of each node (of
   * `kind`, default "run"), most recent first, one entry per run and stage
   * (the latest attempt). Runs where the package has no job are absent.
   */
  packageStatuses(
    pkg: string,
    options: { node?: string; stage?: string; lastRuns?: number; kind?: string } = {},
  ): PackageRunStatus[] {
    const rows = this.db
      .prepare(
        `WITH recent AS (
           SELECT run_id, node, started_at, ROW_NUMBER() OVER (PARTITION BY node ORDER BY started_at DESC, run_id DESC) AS rn
           FROM runs WHERE kind = @kind AND (@node IS NULL OR node = @node)
         ),
         latest AS (
           SELECT j.*, ROW_NUMBER() OVER (PARTITION BY j.run_id, j.node, j.stage ORDER BY j.attempt DESC) AS newest
           FROM jobs j WHERE j.package = @pkg AND (@stage IS NULL OR j.stage = @stage)
         )
         SELECT r.run_id, r.node, r.started_at AS run_started_at, l.stage, l.status, l.version, l.elapsed
         FROM recent r JOIN latest l ON l.run_id = r.run_id AND l.node = r.node
         WHERE r.rn <= @lastRuns AND l.newest = 1
         ORDER BY r.started_at DESC, r.node, l.stage`,
      )
      .all({
        pkg,
        kind: options.kind ?? "run",
        node: options.node ?? null,
        stage: options.stage ?? null,
        lastRuns: options.lastRuns ?? 10,
      }) as Array<{
      run_id: string;
      node: string;
      run_started_at: number;
      stage: string;
      status: string;
      version: string | null;
      elapsed: number | null;
    }>;
    return rows.map((row) => ({
      runId: row.run_id,
      node: row.node,
      runStartedAt: new Date(row.run_started_at),
      stage: row.stage,
      status: row.status,
      version: row.version,
      elapsedSeconds: row.elapsed ?? undefined,
    }));
  }

  /**
   * Every package's results in the last `lastRuns` runs of each node (of
   * `kind`, default "run"): the latest finished attempt of each job, in no
   * particular order. One query for a report of a whole run, where
   * packageStatuses() per package would be thousands.
   */
  forEachRecentStatus(
    visit: (row: PackageRunStatus & { readonly package: string }) => void,
    options: { lastRuns?: number; kind?: string } = {},
  ): void {
    type Row = [string, string, string, number, string, string, string | null, number | null, number];
    const rows = this.db
      .prepare(
        `WITH recent AS (
           SELECT run_id, node, started_at, ROW_NUMBER() OVER (PARTITION BY node ORDER BY started_at DESC, run_id DESC) AS rn
           FROM runs WHERE kind = @kind
         )
         SELECT j.package, j.run_id, j.node, r.started_at, j.stage, j.status, j.version, j.elapsed, j.attempt
         FROM recent r JOIN jobs j ON j.run_id = r.run_id AND j.node = r.node
         WHERE r.rn <= @lastRuns AND j.status NOT IN (${UNFINISHED_SQL})`,
      )
      .raw(true)
      .all({ kind: options.kind ?? "run", lastRuns: options.lastRuns ?? 10 }) as Row[];
    // A job run again (resume) has several attempts: only the latest counts. Rare, so
    // keys are built only when a second attempt exists.
    const key = (row: Row): string => `${row[0]}\0${row[1]}\0${row[2]}\0${row[4]}`;
    const latest = new Map<string, number>();
    for (const row of rows) if (row[8] > 1) latest.set(key(row), Math.max(latest.get(key(row)) ?? 0, row[8]));
    for (const row of rows) {
      if (latest.size > 0) {
        const newest = latest.get(key(row));
        if (newest !== undefined && newest !== row[8]) continue;
      }
      const [pkg, runId, node, startedAt, stage, status, version, elapsed] = row;
      visit({
        package: pkg,
        runId,
        node,
        runStartedAt: new Date(startedAt),
        stage,
        status,
        version,
        elapsedSeconds: elapsed ?? undefined,
      });
    }
  }

  /**
   * The first run of the current failing streak of a package's stage on a
   * node: walking back from its most recent result, the oldest consecutive
   * run whose status is not in `okStatuses` (unfinished attempts are
   * ignored). undefined when the latest result is OK or there is none.
   */
  failingSince(
    pkg: string,
    node: string,
    stage: string,
    options: { okStatuses?: readonly string[]; kind?: string } = {},
  ): PackageRunStatus | undefined {
    const streak = this.currentStreak(pkg, node, stage, options);
    return streak.passing ? undefined : streak.first;
  }

  /**
   * The first run of the current passing streak of a package's stage on a
   * node, when a failure precedes that streak: "fixed since". undefined when
   * the latest result fails, or the package never failed in the history.
   */
  fixedSince(
    pkg: string,
    node: string,
    stage: string,
    options: { okStatuses?: readonly string[]; kind?: string } = {},
  ): PackageRunStatus | undefined {
    const streak = this.currentStreak(pkg, node, stage, options);
    return streak.passing && streak.afterOther ? streak.first : undefined;
  }

  /** The latest results of the same class (passing or not) in a row: their oldest, and whether a result of the other class precedes them. */
  private currentStreak(
    pkg: string,
    node: string,
    stage: string,
    options: { okStatuses?: readonly string[]; kind?: string },
  ): { first: PackageRunStatus | undefined; passing: boolean; afterOther: boolean } {
    const ok = new Set(options.okStatuses ?? ["OK", "WARNINGS"]);
    const history = this.packageStatuses(pkg, { node, stage, lastRuns: Number.MAX_SAFE_INTEGER, kind: options.kind });
    let first: PackageRunStatus | undefined;
    let passing = false;
    for (const entry of history) {
      if (UNFINISHED_STATUSES.includes(entry.status)) continue;
      if (first === undefined) passing = ok.has(entry.status);
      else if (ok.has(entry.status) !== passing) return { first, passing, afterOther: true };
      first = entry;
    }
    return { first, passing, afterOther: false };
  }

  /**
   * Cells of run `runId` whose status is a problem (`problemStatuses`, default
   * ERROR and TIMEOUT) while the previous run of the same node and kind had
   * no problem there (another status, or no result for the package). Empty
   * when the run is unknown or has no previous run to compare with.
   */
  newProblems(runId: string, options: { problemStatuses?: readonly string[] } = {}): NewProblem[] {
    const run = this.run(runId);
    if (run === undefined) return [];
    const previous = this.db
      .prepare(
        `SELECT run_id FROM runs WHERE node = ? AND kind = ? AND (started_at < ? OR (started_at = ? AND run_id < ?))
         ORDER BY started_at DESC, run_id DESC LIMIT 1`,
      )
      .get(run.node, run.kind, run.startedAt.getTime(), run.startedAt.getTime(), runId) as
      { run_id: string } | undefined;
    if (previous === undefined) return [];
    const problems = new Set(options.problemStatuses ?? ["ERROR", "TIMEOUT"]);
    const latestStatuses = (id: string): Map<string, string> => {
      const rows = this.db
        .prepare(
          `SELECT package, stage, status FROM (
             SELECT package, stage, status, ROW_NUMBER() OVER (PARTITION BY package, stage ORDER BY attempt DESC) AS newest
             FROM jobs WHERE run_id = ?
           ) WHERE newest = 1 ORDER BY package, stage`,
        )
        .all(id) as Array<{ package: string; stage: string; status: string }>;
      return new Map(rows.map((row) => [`${row.package}\u0000${row.stage}`, row.status] as const));
    };
    const before = latestStatuses(previous.run_id);
    const result: NewProblem[] = [];
    for (const [key, status] of latestStatuses(runId)) {
      if (!problems.has(status)) continue;
      const previousStatus = before.get(key);
      if (previousStatus !== undefined && problems.has(previousStatus)) continue;
      const [pkg = "", stage = ""] = key.split("\u0000");
      result.push({ package: pkg, stage, status, previousStatus });
    }
    return result;
  }
}
