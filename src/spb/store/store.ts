// The coordinator's durable state: jobs, their expected nodes, steps, events,
// logs, worker liveness, the embedded queue and the completion outbox, in one
// SQLite file. Every change is one transaction, so a coordinator killed at any
// point restarts from a consistent state: nothing it acknowledged is lost,
// nothing is applied twice. All SQL is parameterised.

import type Database from "better-sqlite3";
import { openMigratedDatabase } from "../../history/sqlite.js";
import { formatJobId } from "../ids.js";
import type { ClaimDecision, ClaimRequest, Heartbeat, JobSource, NodeEvent, NodeOutcome, WorkItem } from "../model.js";
import { canTransition, isTerminal, jobResult, jobStateOf } from "../state.js";
import { SPB_MIGRATIONS } from "./schema.js";
import {
  jobSummaryView,
  jobView,
  nodeSnapshot,
  type JobRecord,
  type JobSummaryView,
  type JobView,
  type NodeRecord,
  type PackageView,
  type StepRecord,
  type WorkerView,
} from "./views.js";
import type { NodeState } from "../model.js";

export interface NewJob {
  readonly package: string;
  readonly source: JobSource;
  readonly issue: number | null;
  readonly newPackage: boolean;
  readonly biocVersion: string;
  /** The expected-node set (spb.nodes, or the one node of a per-node rerun). */
  readonly nodes: readonly string[];
  readonly rerunOf?: string | null;
  readonly submittedBy: string;
}

export interface StoreOptions {
  /** Subscribers of the completion outbox (e.g. "tracker"): each gets one row per completed job. */
  readonly subscribers?: readonly string[];
  readonly readonly?: boolean;
}

export interface EventsResult {
  /** Events recorded now (not seen before). */
  readonly recorded: number;
  readonly duplicates: number;
  /** Jobs whose state changed (for live updates). */
  readonly changedJobs: ReadonlySet<string>;
  /** Jobs that became complete. */
  readonly completedJobs: readonly string[];
}

export interface LostNode {
  readonly jobId: string;
  readonly node: string;
  readonly reason: string;
}

export interface OutboxEntry {
  readonly id: number;
  readonly subscriber: string;
  readonly jobId: string;
  readonly attempts: number;
  readonly lastError: string | null;
}

/** A job's comment on its tracker issue. */
export interface TrackerComment {
  readonly repo: string;
  readonly issue: number;
  readonly commentId: number;
  readonly url: string;
}

/** Most bytes one log event may carry (workers send smaller chunks). */
export const MAX_LOG_CHUNK = 1024 * 1024;

export class SpbStore {
  private readonly subscribers: readonly string[];

  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
    options: StoreOptions,
  ) {
    this.subscribers = options.subscribers ?? [];
  }

  static open(path: string, options: StoreOptions = {}): SpbStore {
    const db = openMigratedDatabase(path, {
      migrations: SPB_MIGRATIONS,
      what: "the SPB job store",
      configKey: "spb.db",
      writer: "bbs spb serve",
      readonly: options.readonly === true,
    });
    return new SpbStore(db, path, options);
  }

  close(): void {
    this.db.close();
  }

  // ---- submission ---------------------------------------------------------------------

  /** Records a job and its expected nodes (all queued); returns it and the work items to enqueue. */
  createJob(input: NewJob, claimTimeoutMs: number, now = Date.now()): { job: JobView; items: WorkItem[] } {
    const id = this.db
      .transaction(() => {
        this.db.prepare("INSERT INTO packages (name) VALUES (?) ON CONFLICT (name) DO NOTHING").run(input.package);
        const { jobs } = this.db
          .prepare("UPDATE packages SET jobs = jobs + 1 WHERE name = ? RETURNING jobs")
          .get(input.package) as { jobs: number };
        const jobId = formatJobId(input.package, jobs);
        this.db
          .prepare(
            `INSERT INTO jobs (id, package, source, issue, new_package, bioc_version, rerun_of, submitted_by, submitted_at, state)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued')`,
          )
          .run(
            jobId,
            input.package,
            JSON.stringify(input.source),
            input.issue,
            input.newPackage ? 1 : 0,
            input.biocVersion,
            input.rerunOf ?? null,
            input.submittedBy,
            now,
          );
        const insertNode = this.db.prepare(
          "INSERT INTO job_nodes (job_id, node, state, claim_deadline) VALUES (?, ?, 'queued', ?)",
        );
        for (const node of new Set(input.nodes)) insertNode.run(jobId, node, now + claimTimeoutMs);
        return jobId;
      })
      .immediate();
    const job = this.job(id) as JobView;
    return { job, items: job.nodes.map((node) => workItemOf(job, node.node)) };
  }

  /** The back end accepted the work item of (job, node). */
  markEnqueued(jobId: string, node: string, now = Date.now()): void {
    this.db.prepare("UPDATE job_nodes SET enqueued_at = ? WHERE job_id = ? AND node = ?").run(now, jobId, node);
  }

  /** Work items of queued nodes the back end never accepted (the coordinator stopped in between): enqueue them again. */
  unenqueued(): WorkItem[] {
    const rows = this.db
      .prepare("SELECT job_id, node FROM job_nodes WHERE state = 'queued' AND enqueued_at IS NULL ORDER BY job_id")
      .all() as Array<{ job_id: string; node: string }>;
    return rows.map((row) => workItemOf(this.job(row.job_id) as JobView, row.node));
  }

  // ---- claims, events, heartbeats -----------------------------------------------------

  claim(request: ClaimRequest, now = Date.now()): ClaimDecision {
    return this.db
      .transaction((): ClaimDecision => {
        const row = this.nodeRow(request.jobId, request.node);
        if (row === undefined)
          return { accepted: false, reason: `node ${request.node} is not expected for job ${request.jobId}` };
        const state = row.state as NodeState;
        if (isTerminal(state))
          return {
            accepted: false,
            reason: `node ${request.node} is ${state} for job ${request.jobId}${row.reason ? ` (${row.reason})` : ""}`,
          };
        if (row.claim_id === request.claimId) return { accepted: true };
        if (state === "running" || row.applied_seq > 0)
          return { accepted: false, reason: `job ${request.jobId} is being built by worker ${row.worker_id ?? "?"}` };
        // queued, or claimed by a worker that never started (it died before its ack): this claim wins.
        this.db
          .prepare("DELETE FROM events WHERE job_id = ? AND node = ? AND seq > ?")
          .run(request.jobId, request.node, row.applied_seq);
        this.db
          .prepare(
            "UPDATE job_nodes SET state = 'claimed', claim_id = ?, worker_id = ?, claimed_at = ?, heartbeat_at = ? WHERE job_id = ? AND node = ?",
          )
          .run(request.claimId, request.workerId, now, now, request.jobId, request.node);
        this.refreshJob(request.jobId, now);
        return { accepted: true };
      })
      .immediate();
  }

  /** Records events once each by (job, node, seq) and applies them in seq order. */
  applyEvents(events: readonly NodeEvent[], now = Date.now()): EventsResult {
    return this.db
      .transaction((): EventsResult => {
        let recorded = 0;
        const touched = new Map<string, Set<string>>();
        const insert = this.db.prepare(
          "INSERT INTO events (job_id, node, seq, type, body, received_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        );
        for (const event of events) {
          const row = this.nodeRow(event.jobId, event.node);
          if (row === undefined || row.claim_id !== event.claimId) continue; // unknown node or a superseded claim
          if (event.seq <= row.applied_seq) continue;
          const changes = insert.run(
            event.jobId,
            event.node,
            event.seq,
            event.type,
            JSON.stringify(event),
            now,
          ).changes;
          recorded += changes;
          if (changes > 0) touched.set(event.jobId, (touched.get(event.jobId) ?? new Set()).add(event.node));
        }
        const completedJobs: string[] = [];
        for (const [jobId, nodes] of touched) {
          for (const node of nodes) this.applyPending(jobId, node, now);
          if (this.refreshJob(jobId, now)) completedJobs.push(jobId);
        }
        return { recorded, duplicates: events.length - recorded, changedJobs: new Set(touched.keys()), completedJobs };
      })
      .immediate();
  }

  /** Applies the stored events applied_seq+1, +2... that are there (a gap waits for its event). */
  private applyPending(jobId: string, node: string, now: number): void {
    const next = this.db.prepare("SELECT body FROM events WHERE job_id = ? AND node = ? AND seq = ?");
    for (;;) {
      const row = this.nodeRow(jobId, node) as NodeRecord;
      const stored = next.get(jobId, node, row.applied_seq + 1) as { body: string } | undefined;
      if (stored === undefined) return;
      const event = JSON.parse(stored.body) as NodeEvent;
      if (!isTerminal(row.state as NodeState)) this.applyEvent(row, event, now);
      this.db.prepare("UPDATE job_nodes SET applied_seq = ? WHERE job_id = ? AND node = ?").run(event.seq, jobId, node);
    }
  }

  private applyEvent(row: NodeRecord, event: NodeEvent, now: number): void {
    const key = [event.jobId, event.node] as const;
    const at = Date.parse(event.at);
    const when = Number.isFinite(at) ? at : now;
    const toRunning = (): void => {
      if (row.state === "claimed")
        this.db
          .prepare(
            "UPDATE job_nodes SET state = 'running', started_at = COALESCE(started_at, ?) WHERE job_id = ? AND node = ?",
          )
          .run(when, ...key);
    };
    switch (event.type) {
      case "started":
        toRunning();
        this.db
          .prepare(
            "UPDATE job_nodes SET worker_id = ?, info = ?, heartbeat_at = ?, started_at = ? WHERE job_id = ? AND node = ?",
          )
          .run(event.workerId, JSON.stringify(event.info), now, when, ...key);
        return;
      case "step-started":
        toRunning();
        this.db
          .prepare(
            `INSERT INTO steps (job_id, node, step, command, started_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT DO UPDATE SET command = excluded.command, started_at = excluded.started_at, status = NULL, ended_at = NULL`,
          )
          .run(...key, event.step, JSON.stringify(event.command), when);
        this.db.prepare("UPDATE job_nodes SET running_step = ? WHERE job_id = ? AND node = ?").run(event.step, ...key);
        return;
      case "log":
        this.db
          .prepare("INSERT INTO logs (job_id, node, step, offset, text) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
          .run(...key, event.step, event.offset, event.text.slice(0, MAX_LOG_CHUNK));
        return;
      case "step-finished":
        toRunning();
        this.db
          .prepare(
            `INSERT INTO steps (job_id, node, step, ended_at, elapsed, ret_code, status, detail, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT DO UPDATE SET ended_at = excluded.ended_at, elapsed = excluded.elapsed, ret_code = excluded.ret_code,
               status = excluded.status, detail = excluded.detail, attempts = excluded.attempts`,
          )
          .run(
            ...key,
            event.step,
            when,
            event.elapsedSeconds,
            event.retCode,
            event.status,
            event.detail ?? null,
            event.attempts ?? null,
          );
        this.db
          .prepare("UPDATE job_nodes SET running_step = NULL WHERE job_id = ? AND node = ? AND running_step = ?")
          .run(...key, event.step);
        return;
      case "source":
        toRunning();
        this.db
          .prepare("UPDATE job_nodes SET commit_built = ?, version = ?, maintainer = ? WHERE job_id = ? AND node = ?")
          .run(event.commit, event.version, event.maintainer, ...key);
        return;
      case "finished":
        this.endNode(event.jobId, event.node, "done", event.outcome, event.reason ?? null, when);
        return;
    }
  }

  private endNode(
    jobId: string,
    node: string,
    state: "done" | "lost",
    outcome: NodeOutcome | null,
    reason: string | null,
    at: number,
  ): void {
    const row = this.nodeRow(jobId, node);
    if (row === undefined || !canTransition(row.state as NodeState, state)) return;
    this.db
      .prepare(
        "UPDATE job_nodes SET state = ?, outcome = ?, reason = ?, ended_at = ?, running_step = NULL WHERE job_id = ? AND node = ?",
      )
      .run(state, outcome, reason, at, jobId, node);
    this.db.prepare("DELETE FROM deliveries WHERE job_id = ? AND node = ?").run(jobId, node);
  }

  /** Recomputes a job's state; on completion stores the result and the outbox rows. Returns true when it just completed. */
  private refreshJob(jobId: string, now: number): boolean {
    const job = this.db.prepare("SELECT state FROM jobs WHERE id = ?").get(jobId) as { state: string } | undefined;
    if (job === undefined || job.state === "complete") return false;
    const nodes = this.nodeRows(jobId);
    const state = jobStateOf(nodes.map((node) => node.state as NodeState));
    if (state !== "complete") {
      this.db.prepare("UPDATE jobs SET state = ? WHERE id = ?").run(state, jobId);
      return false;
    }
    const steps = this.stepRows(jobId);
    const result = jobResult(
      nodes.map((node) =>
        nodeSnapshot(
          node,
          steps.filter((step) => step.node === node.node),
        ),
      ),
    );
    this.db
      .prepare("UPDATE jobs SET state = 'complete', completed_at = ?, result = ? WHERE id = ?")
      .run(now, result, jobId);
    const outbox = this.db.prepare(
      "INSERT INTO outbox (subscriber, job_id, created_at, next_attempt_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
    );
    for (const subscriber of this.subscribers) outbox.run(subscriber, jobId, now, now);
    return true;
  }

  heartbeat(heartbeat: Heartbeat, now = Date.now()): void {
    this.db
      .transaction(() => {
        this.db
          .prepare(
            `INSERT INTO workers (node, worker_id, last_seen, job_id, step, version) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (node) DO UPDATE SET worker_id = excluded.worker_id, last_seen = excluded.last_seen,
               job_id = excluded.job_id, step = excluded.step, version = excluded.version`,
          )
          .run(
            heartbeat.node,
            heartbeat.workerId,
            now,
            heartbeat.jobId ?? null,
            heartbeat.step ?? null,
            heartbeat.version ?? null,
          );
        if (heartbeat.jobId !== undefined) {
          this.db
            .prepare(
              "UPDATE job_nodes SET heartbeat_at = ? WHERE job_id = ? AND node = ? AND worker_id = ? AND state IN ('claimed', 'running')",
            )
            .run(now, heartbeat.jobId, heartbeat.node, heartbeat.workerId);
        }
      })
      .immediate();
  }

  /**
   * Gives up on nodes past a deadline: queued nodes past their claim deadline,
   * claimed or running nodes whose last heartbeat is older than
   * `heartbeatTimeoutMs`. Returns them (each once) and the jobs completed.
   */
  expire(heartbeatTimeoutMs: number, now = Date.now()): { lost: LostNode[]; completedJobs: string[] } {
    return this.db
      .transaction(() => {
        const lost: LostNode[] = [];
        const neverClaimed = this.db
          .prepare("SELECT job_id, node, claim_deadline FROM job_nodes WHERE state = 'queued' AND claim_deadline <= ?")
          .all(now) as Array<{ job_id: string; node: string; claim_deadline: number }>;
        for (const row of neverClaimed)
          lost.push({
            jobId: row.job_id,
            node: row.node,
            reason: `node ${row.node} did not claim the job by ${new Date(row.claim_deadline).toISOString()} (claim timeout)`,
          });
        const silent = this.db
          .prepare(
            "SELECT job_id, node, heartbeat_at FROM job_nodes WHERE state IN ('claimed', 'running') AND heartbeat_at <= ?",
          )
          .all(now - heartbeatTimeoutMs) as Array<{ job_id: string; node: string; heartbeat_at: number }>;
        for (const row of silent)
          lost.push({
            jobId: row.job_id,
            node: row.node,
            reason: `no heartbeat from node ${row.node} since ${new Date(row.heartbeat_at).toISOString()} (heartbeat timeout ${Math.round(heartbeatTimeoutMs / 1000)} s)`,
          });
        const completedJobs: string[] = [];
        for (const node of lost) this.endNode(node.jobId, node.node, "lost", null, node.reason, now);
        for (const jobId of new Set(lost.map((node) => node.jobId)))
          if (this.refreshJob(jobId, now)) completedJobs.push(jobId);
        return { lost, completedJobs };
      })
      .immediate();
  }

  /**
   * After the coordinator was down, the time it could not hear workers must
   * not count against them: heartbeats of open nodes and claim deadlines get
   * at least `graceMs` from now.
   */
  grantGrace(graceMs: number, now = Date.now()): void {
    this.db
      .transaction(() => {
        this.db
          .prepare("UPDATE job_nodes SET heartbeat_at = ? WHERE state IN ('claimed', 'running') AND heartbeat_at < ?")
          .run(now, now);
        this.db
          .prepare("UPDATE job_nodes SET claim_deadline = ? WHERE state = 'queued' AND claim_deadline < ?")
          .run(now + graceMs, now + graceMs);
      })
      .immediate();
  }

  // ---- embedded queue -----------------------------------------------------------------

  putDelivery(item: WorkItem, now = Date.now()): void {
    this.db
      .prepare("INSERT INTO deliveries (job_id, node, item, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
      .run(item.jobId, item.node, JSON.stringify(item), now);
  }

  /** Leases the oldest deliverable item of `node` (free, or its lease ended) to `workerId`. */
  leaseDelivery(node: string, workerId: string, leaseMs: number, now = Date.now()): WorkItem | undefined {
    return this.db
      .transaction(() => {
        const row = this.db
          .prepare(
            `SELECT d.job_id, d.item FROM deliveries d JOIN job_nodes n ON n.job_id = d.job_id AND n.node = d.node
             WHERE d.node = ? AND (d.lease_until IS NULL OR d.lease_until <= ?) AND n.state IN ('queued', 'claimed')
             ORDER BY d.created_at, d.job_id LIMIT 1`,
          )
          .get(node, now) as { job_id: string; item: string } | undefined;
        if (row === undefined) return undefined;
        this.db
          .prepare("UPDATE deliveries SET lease_until = ?, leased_to = ? WHERE job_id = ? AND node = ?")
          .run(now + leaseMs, workerId, row.job_id, node);
        return JSON.parse(row.item) as WorkItem;
      })
      .immediate();
  }

  ackDelivery(jobId: string, node: string, workerId: string): void {
    this.db
      .prepare("DELETE FROM deliveries WHERE job_id = ? AND node = ? AND leased_to = ?")
      .run(jobId, node, workerId);
  }

  releaseDelivery(jobId: string, node: string, workerId: string): void {
    this.db
      .prepare(
        "UPDATE deliveries SET lease_until = NULL, leased_to = NULL WHERE job_id = ? AND node = ? AND leased_to = ?",
      )
      .run(jobId, node, workerId);
  }

  removeDelivery(jobId: string, node: string): void {
    this.db.prepare("DELETE FROM deliveries WHERE job_id = ? AND node = ?").run(jobId, node);
  }

  // ---- outbox -------------------------------------------------------------------------

  /** Undelivered outbox rows of `subscriber` that are due. */
  dueOutbox(subscriber: string, now = Date.now(), limit = 20): OutboxEntry[] {
    const rows = this.db
      .prepare(
        `SELECT id, subscriber, job_id, attempts, last_error FROM outbox
         WHERE subscriber = ? AND delivered_at IS NULL AND next_attempt_at <= ? ORDER BY id LIMIT ?`,
      )
      .all(subscriber, now, limit) as Array<{
      id: number;
      subscriber: string;
      job_id: string;
      attempts: number;
      last_error: string | null;
    }>;
    return rows.map((row) => ({
      id: row.id,
      subscriber: row.subscriber,
      jobId: row.job_id,
      attempts: row.attempts,
      lastError: row.last_error,
    }));
  }

  markOutboxDelivered(id: number, now = Date.now()): void {
    this.db
      .prepare("UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?")
      .run(now, id);
  }

  markOutboxFailed(id: number, error: string, nextAttemptAt: number): void {
    this.db
      .prepare("UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?")
      .run(error, nextAttemptAt, id);
  }

  /** The outbox rows of a job (the job page shows a failing post-back). */
  outboxOf(jobId: string): Array<OutboxEntry & { deliveredAt: string | null }> {
    const rows = this.db
      .prepare(
        "SELECT id, subscriber, job_id, attempts, last_error, delivered_at FROM outbox WHERE job_id = ? ORDER BY id",
      )
      .all(jobId) as Array<{
      id: number;
      subscriber: string;
      job_id: string;
      attempts: number;
      last_error: string | null;
      delivered_at: number | null;
    }>;
    return rows.map((row) => ({
      id: row.id,
      subscriber: row.subscriber,
      jobId: row.job_id,
      attempts: row.attempts,
      lastError: row.last_error,
      deliveredAt: row.delivered_at === null ? null : new Date(row.delivered_at).toISOString(),
    }));
  }

  // ---- tracker post-back ------------------------------------------------------------

  /** The tracker comment posted for a job, if any. */
  trackerComment(jobId: string): TrackerComment | undefined {
    const row = this.db
      .prepare("SELECT repo, issue, comment_id, url FROM tracker_comments WHERE job_id = ?")
      .get(jobId) as { repo: string; issue: number; comment_id: number; url: string } | undefined;
    return row === undefined
      ? undefined
      : { repo: row.repo, issue: row.issue, commentId: row.comment_id, url: row.url };
  }

  recordTrackerComment(jobId: string, comment: TrackerComment, now = Date.now()): void {
    this.db
      .prepare(
        `INSERT INTO tracker_comments (job_id, repo, issue, comment_id, url, posted_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (job_id) DO UPDATE SET repo = excluded.repo, issue = excluded.issue, comment_id = excluded.comment_id,
           url = excluded.url, updated_at = excluded.updated_at`,
      )
      .run(jobId, comment.repo, comment.issue, comment.commentId, comment.url, now, now);
  }

  /** The latest completed job of each package submitted under `issue` (the tracker's labels are made of their results). */
  latestResultsOfIssue(issue: number): Array<{ jobId: string; package: string; result: string }> {
    const rows = this.db
      .prepare(
        `SELECT id, package, result FROM jobs WHERE rowid IN
           (SELECT MAX(rowid) FROM jobs WHERE issue = ? AND state = 'complete' GROUP BY package)
         ORDER BY package`,
      )
      .all(issue) as Array<{ id: string; package: string; result: string | null }>;
    return rows.map((row) => ({ jobId: row.id, package: row.package, result: row.result ?? "ABNORMAL" }));
  }

  // ---- reads --------------------------------------------------------------------------

  job(id: string): JobView | undefined {
    const row = this.db.prepare("SELECT * FROM jobs WHERE id = ?").get(id) as JobRecord | undefined;
    return row === undefined ? undefined : jobView(row, this.nodeRows(id), this.stepRows(id));
  }

  /** Newest first. */
  jobs(filter: { package?: string; state?: string; limit?: number } = {}): JobSummaryView[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM jobs WHERE (@package IS NULL OR package = @package) AND (@state IS NULL OR state = @state)
         ORDER BY submitted_at DESC, rowid DESC LIMIT @limit`,
      )
      .all({ package: filter.package ?? null, state: filter.state ?? null, limit: filter.limit ?? -1 }) as JobRecord[];
    return rows.map((row) => jobSummaryView(row, this.nodeRows(row.id)));
  }

  packages(): PackageView[] {
    const rows = this.db.prepare("SELECT name, jobs FROM packages ORDER BY name COLLATE NOCASE").all() as Array<{
      name: string;
      jobs: number;
    }>;
    return rows.map((row) => ({
      name: row.name,
      jobs: row.jobs,
      latestJob: this.jobs({ package: row.name, limit: 1 })[0] ?? null,
    }));
  }

  workers(heartbeatTimeoutMs: number, now = Date.now()): WorkerView[] {
    const rows = this.db.prepare("SELECT * FROM workers ORDER BY node").all() as Array<{
      node: string;
      worker_id: string;
      last_seen: number;
      job_id: string | null;
      step: string | null;
      version: string | null;
    }>;
    return rows.map((row) => ({
      node: row.node,
      workerId: row.worker_id,
      lastSeen: new Date(row.last_seen).toISOString(),
      jobId: row.job_id,
      step: row.step as WorkerView["step"],
      version: row.version,
      alive: now - row.last_seen < heartbeatTimeoutMs,
    }));
  }

  /** A step's log as received: chunks in offset order, a gap marked. `tail`: only the last bytes. */
  log(jobId: string, node: string, step: string, tail?: number): string {
    const rows = this.db
      .prepare("SELECT offset, text FROM logs WHERE job_id = ? AND node = ? AND step = ? ORDER BY offset")
      .all(jobId, node, step) as Array<{ offset: number; text: string }>;
    let text = "";
    let end = 0;
    for (const row of rows) {
      if (row.offset > end) text += `\n[... ${row.offset - end} bytes not kept ...]\n`;
      const bytes = Buffer.from(row.text, "utf8");
      const skip = Math.max(0, end - row.offset);
      if (skip < bytes.length) text += bytes.subarray(skip).toString("utf8");
      end = Math.max(end, row.offset + bytes.length);
    }
    return tail === undefined || text.length <= tail ? text : text.slice(-tail);
  }

  /** Number of events recorded for (job, node) (tests, diagnostics). */
  eventCount(jobId: string, node: string): number {
    return (
      this.db.prepare("SELECT COUNT(*) AS n FROM events WHERE job_id = ? AND node = ?").get(jobId, node) as {
        n: number;
      }
    ).n;
  }

  private nodeRow(jobId: string, node: string): NodeRecord | undefined {
    return this.db.prepare("SELECT * FROM job_nodes WHERE job_id = ? AND node = ?").get(jobId, node) as
      NodeRecord | undefined;
  }

  private nodeRows(jobId: string): NodeRecord[] {
    return this.db.prepare("SELECT * FROM job_nodes WHERE job_id = ? ORDER BY node").all(jobId) as NodeRecord[];
  }

  private stepRows(jobId: string): StepRecord[] {
    return this.db.prepare("SELECT * FROM steps WHERE job_id = ? ORDER BY rowid").all(jobId) as StepRecord[];
  }
}

export function workItemOf(job: JobView, node: string): WorkItem {
  return {
    jobId: job.id,
    node,
    package: job.package,
    source: job.source,
    newPackage: job.newPackage,
    biocVersion: job.biocVersion,
    enqueuedAt: job.submittedAt,
  };
}
