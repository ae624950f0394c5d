// The coordinator's domain API (what `bbs spb serve` runs; the HTTP API and
// the web pages are thin layers over it): submissions and reruns, the
// handlers a queue back end hands workers' claims, events and heartbeats to,
// the deadline sweep that ends silent nodes as lost, the live change feed
// (SSE), and durable completion hooks (the outbox) for the tracker post-back.

import { EventEmitter } from "node:events";
import { copyFileSync, mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { BbsError, errorMessage } from "../../util/errors.js";
import { assertPackageName } from "../ids.js";
import type { ClaimDecision, ClaimRequest, Heartbeat, JobSource, NodeEvent, WorkItem } from "../model.js";
import type { CoordinatorHandlers, CoordinatorQueue } from "../queue/types.js";
import { SpbStore } from "../store/store.js";
import type { JobView } from "../store/views.js";
import { checkTarball } from "../tarball.js";
import { sha256File } from "./files.js";

export interface CoordinatorSettings {
  /** The expected-node set of every job. */
  readonly nodes: readonly string[];
  readonly biocVersion: string;
  readonly claimTimeoutMs: number;
  readonly heartbeatTimeoutMs: number;
  /** The coordinator's directory (tarballs). */
  readonly dir: string;
  /** How often deadlines are looked at (default 1 s). */
  readonly sweepIntervalMs?: number;
  /** How often work the back end did not accept (a broker down) is offered again (default 5 s). */
  readonly requeueIntervalMs?: number;
}

export interface Submission {
  readonly package?: string;
  readonly source:
    | { readonly kind: "git"; readonly url: string; readonly commit?: string; readonly branch?: string }
    | { readonly kind: "tarball"; readonly file: string };
  readonly issue?: number | null;
  readonly newPackage?: boolean;
}

/** What the change feed says (the web UI's SSE stream). */
export type Change =
  | { readonly type: "job"; readonly jobId: string; readonly state: JobView["state"] }
  | { readonly type: "worker"; readonly node: string };

export type CompletionHandler = (job: JobView) => Promise<void>;

/** The package name a git URL names (its last path component, `.git` dropped), as the tracker bot requires. */
export function packageFromGitUrl(url: string): string | undefined {
  const last = url.replace(/\/+$/, "").split(/[/:]/).pop();
  return last?.replace(/\.git$/, "");
}

export class Coordinator {
  readonly changes = new EventEmitter<{ change: [Change] }>();
  private sweeper: NodeJS.Timeout | undefined;
  private requeuer: NodeJS.Timeout | undefined;
  private requeuing: Promise<void> | undefined;
  private stopped = false;
  /** The back end could not hear workers at the last sweep: their silence meanwhile is forgiven when it can again. */
  private deaf = false;
  private readonly dispatchers: NodeJS.Timeout[] = [];
  /** Completion handlers running now: stop() waits for them (they use the store). */
  private readonly inflight = new Set<Promise<void>>();
  /** Items being offered to the back end now, by job and node: not offered twice at once. */
  private readonly enqueueing = new Set<string>();

  constructor(
    readonly store: SpbStore,
    readonly queue: CoordinatorQueue,
    readonly settings: CoordinatorSettings,
  ) {
    this.changes.setMaxListeners(0);
  }

  /** Starts the back end, forgives the coordinator's own downtime, re-enqueues what never reached the queue, sweeps deadlines. */
  async start(): Promise<void> {
    await this.queue.start(this.handlers);
    this.store.grantGrace(this.settings.heartbeatTimeoutMs);
    await this.requeue();
    this.sweep();
    this.sweeper = setInterval(() => this.sweep(), this.settings.sweepIntervalMs ?? 1000);
    this.requeuer = setInterval(() => {
      this.requeuing ??= this.requeue().finally(() => (this.requeuing = undefined));
    }, this.settings.requeueIntervalMs ?? 5000);
  }

  /** Offers again the work items the back end never accepted (the coordinator's outbox of work). */
  private async requeue(): Promise<void> {
    for (const item of this.store.unenqueued()) {
      if (this.stopped) return;
      await this.enqueue(item);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweeper);
    clearInterval(this.requeuer);
    await this.requeuing;
    for (const timer of this.dispatchers.splice(0)) clearInterval(timer);
    await Promise.all([...this.inflight]);
    await this.queue.close();
  }

  /** The handlers of workers' messages (a back end calls them; the embedded HTTP API too). */
  readonly handlers: CoordinatorHandlers = {
    claim: (request: ClaimRequest): Promise<ClaimDecision> => {
      const decision = this.store.claim(request);
      this.emitJob(request.jobId);
      return Promise.resolve(decision);
    },
    events: (events: readonly NodeEvent[]): Promise<void> => {
      const result = this.store.applyEvents(events);
      for (const jobId of result.changedJobs) this.emitJob(jobId);
      for (const jobId of result.completedJobs) void this.withdrawAll(jobId);
      return Promise.resolve();
    },
    heartbeat: (heartbeat: Heartbeat): Promise<void> => {
      this.store.heartbeat(heartbeat);
      this.changes.emit("change", { type: "worker", node: heartbeat.node });
      return Promise.resolve();
    },
  };

  async submit(submission: Submission, submittedBy: string): Promise<JobView> {
    let source: JobSource;
    let pkg = submission.package;
    if (submission.source.kind === "tarball") {
      const checked = await checkTarball(submission.source.file, pkg);
      pkg = checked.package;
      const sha256 = await sha256File(submission.source.file);
      const dir = join(this.settings.dir, "tarballs");
      mkdirSync(dir, { recursive: true });
      const kept = join(dir, `${sha256}.tar.gz`);
      copyFileSync(submission.source.file, `${kept}.tmp-${process.pid}`);
      renameSync(`${kept}.tmp-${process.pid}`, kept);
      source = { kind: "tarball", sha256, fileName: `${pkg}_${checked.version ?? "0"}.tar.gz` };
    } else {
      pkg ??= packageFromGitUrl(submission.source.url);
      const { url, commit, branch } = submission.source;
      source = { kind: "git", url, ...(commit ? { commit } : {}), ...(branch ? { branch } : {}) };
    }
    assertPackageName(pkg ?? "", "package");
    return this.create({
      package: pkg as string,
      source,
      issue: submission.issue ?? null,
      newPackage: submission.newPackage ?? false,
      biocVersion: this.settings.biocVersion,
      nodes: this.settings.nodes,
      submittedBy,
    });
  }

  /** A new job building what `jobId` built, on every expected node or on `node` only. */
  async rerun(jobId: string, node: string | undefined, submittedBy: string): Promise<JobView> {
    const job = this.store.job(jobId);
    if (job === undefined)
      throw new BbsError("BBS_USAGE", `no SPB job ${jobId}`, { hint: "list jobs with `bbs spb jobs`" });
    const expected = job.nodes.map((entry) => entry.node);
    if (node !== undefined && !expected.includes(node))
      throw new BbsError("BBS_USAGE", `node ${node} is not an expected node of job ${jobId} (${expected.join(", ")})`, {
        hint: "leave out --node to rerun on every node",
      });
    // A rerun of a git job builds the commit the first build recorded, so it rebuilds the same code.
    const built = job.nodes.find((entry) => entry.commit !== null)?.commit ?? undefined;
    const source: JobSource =
      job.source.kind === "git" && built !== undefined ? { ...job.source, commit: built } : job.source;
    return this.create({
      package: job.package,
      source,
      issue: job.issue,
      newPackage: job.newPackage,
      biocVersion: job.biocVersion,
      nodes: node === undefined ? this.settings.nodes : [node],
      rerunOf: job.id,
      submittedBy,
    });
  }

  private async create(input: Parameters<SpbStore["createJob"]>[0]): Promise<JobView> {
    if (input.nodes.length === 0)
      throw new BbsError("BBS_CONFIG_INVALID", "spb.nodes is empty: no node would build the job", {
        hint: "list the SPB builders in spb.nodes",
      });
    const { job, items } = this.store.createJob(input, this.settings.claimTimeoutMs);
    for (const item of items) await this.enqueue(item);
    this.emitJob(job.id);
    return job;
  }

  private async enqueue(item: WorkItem): Promise<void> {
    const key = `${item.jobId}\n${item.node}`;
    if (this.enqueueing.has(key)) return;
    this.enqueueing.add(key);
    try {
      await this.queue.enqueue(item);
      this.store.markEnqueued(item.jobId, item.node);
    } catch (error) {
      // The job is recorded; requeue() offers it again every few seconds, and the claim deadline still holds.
      process.stderr.write(`spb: could not enqueue ${item.jobId} for ${item.node}: ${errorMessage(error)}\n`);
    } finally {
      this.enqueueing.delete(key);
    }
  }

  private sweep(): void {
    // A broker down (or the coordinator's connection to it): no heartbeat, claim or event can arrive, so no
    // deadline is counted; when it hears again every open node gets its heartbeat timeout afresh, as after
    // the coordinator's own restart.
    if (!this.queue.hearing) {
      if (!this.deaf)
        process.stderr.write("spb: cannot hear workers (queue back end disconnected); deadlines paused\n");
      this.deaf = true;
      return;
    }
    if (this.deaf) {
      this.deaf = false;
      this.store.grantGrace(this.settings.heartbeatTimeoutMs);
      process.stderr.write("spb: hearing workers again; heartbeat and claim deadlines restarted\n");
    }
    const { lost, completedJobs } = this.store.expire(this.settings.heartbeatTimeoutMs);
    for (const node of lost) {
      void this.queue.withdraw(node.jobId, node.node).catch(() => undefined);
      this.emitJob(node.jobId);
    }
    for (const jobId of completedJobs) this.emitJob(jobId);
  }

  private async withdrawAll(jobId: string): Promise<void> {
    for (const node of this.store.job(jobId)?.nodes ?? [])
      await this.queue.withdraw(jobId, node.node).catch(() => undefined);
  }

  private emitJob(jobId: string): void {
    const state = this.store.job(jobId)?.state;
    if (state !== undefined) this.changes.emit("change", { type: "job", jobId, state });
  }

  /**
   * Runs `handler` once for every completed job of the outbox of
   * `subscriber` (the store must list it among its subscribers), now and
   * after any restart, until it resolves; a failure is retried with backoff
   * (`firstRetryMs`, default 5 s, doubling, at most 1 h) and shown on the job. The handler must be
   * idempotent: a crash between its success and the record of it runs it again.
   */
  onCompletion(subscriber: string, handler: CompletionHandler, intervalMs = 1000, firstRetryMs = 5000): void {
    let busy = false;
    const dispatch = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      try {
        for (const entry of this.store.dueOutbox(subscriber)) {
          const job = this.store.job(entry.jobId);
          if (job === undefined) continue;
          try {
            await handler(job);
            this.store.markOutboxDelivered(entry.id);
          } catch (error) {
            const delay = Math.min(3_600_000, firstRetryMs * 2 ** entry.attempts);
            this.store.markOutboxFailed(entry.id, errorMessage(error), Date.now() + delay);
          }
          this.emitJob(entry.jobId);
        }
      } finally {
        busy = false;
      }
    };
    const run = (): void => {
      const running = dispatch().catch((error: unknown) => {
        process.stderr.write(`spb: completion hook ${subscriber} failed: ${errorMessage(error)}\n`);
      });
      this.inflight.add(running);
      void running.finally(() => this.inflight.delete(running));
    };
    run();
    this.dispatchers.push(setInterval(run, intervalMs));
  }
}
