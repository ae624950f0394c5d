// `bbs spb worker`: one SPB node's loop. It waits for the node's next work
// item, claims it (a new claim id each time), acks the delivery once the
// coordinator decided, builds an accepted item in a job directory of its own
// (`<spb.dir>/jobs/<job>-<claim>/`, its own library: two submissions never
// share either), streams the build's events in seq order and heartbeats
// every spb.heartbeatInterval. Every call to the coordinator or broker
// retries through their restarts (queue/types.ts, guarantee 5), so a build
// goes on while the coordinator is down and its events arrive when it is
// back. Stopping (SIGINT/SIGTERM) kills the running step, reports the node
// ABNORMAL ("the worker was stopped"), and exits.

import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { killOrphanedJobs } from "../../jobs/process.js";
import { errorMessage } from "../../util/errors.js";
import type { NodeInfo, Step, WorkItem } from "../model.js";
import type { WorkDelivery, WorkerQueue } from "../queue/types.js";
import { EventStream } from "./events.js";
import { runPipeline, type PipelineSettings } from "./pipeline.js";
import type { Sandbox } from "./sandbox.js";

export interface WorkerSettings {
  readonly node: string;
  /** `<spb.dir>/jobs`. */
  readonly jobsDir: string;
  readonly heartbeatIntervalMs: number;
  readonly killGraceMs: number;
  readonly biocVersion: string;
  readonly sandbox: Sandbox;
  readonly info: NodeInfo;
  readonly pipeline: PipelineSettings;
  /** The tarball of a tarball job, from the coordinator. */
  readonly fetchTarball: (jobId: string, signal: AbortSignal) => Promise<Buffer>;
  /** Keep the clone and library after a build (default: removed, logs and check directory kept). */
  readonly keepSources?: boolean;
  readonly log?: (line: string) => void;
}

function token(): string {
  return randomBytes(9).toString("base64url").replace(/^[-_]/, "w");
}

export class SpbWorker {
  readonly workerId = `${
    hostname()
      .replace(/[^A-Za-z0-9_-]/g, "-")
      .slice(0, 30) || "w"
  }-${process.pid}-${token()}`.slice(0, 64);
  private current: { jobId: string; step?: Step } | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly log: (line: string) => void;
  private readonly queue: WorkerQueue;

  /** `queueOf`: the back end's worker side, for this worker's id. */
  constructor(
    queueOf: (workerId: string) => WorkerQueue,
    private readonly settings: WorkerSettings,
  ) {
    this.queue = queueOf(this.workerId);
    this.log = settings.log ?? ((line) => process.stdout.write(`${line}\n`));
  }

  /** Runs until `signal` aborts; returns after the running build was reported. */
  async run(signal: AbortSignal): Promise<void> {
    // A worker killed -9 leaves its steps' processes running: they go first.
    const orphans = killOrphanedJobs();
    if (orphans.length > 0) this.log(`killed ${orphans.length} processes left by a worker that died`);
    mkdirSync(this.settings.jobsDir, { recursive: true });
    this.heartbeatTimer = setInterval(() => void this.beat(), this.settings.heartbeatIntervalMs);
    void this.beat();
    try {
      while (!signal.aborted) {
        let delivery: WorkDelivery | undefined;
        try {
          delivery = await this.queue.next(signal);
        } catch (error) {
          this.log(`cannot get work: ${errorMessage(error)}; trying again`);
          await new Promise((resolve) => setTimeout(resolve, 2000));
          continue;
        }
        if (delivery === undefined) break;
        await this.handle(delivery, signal);
      }
    } finally {
      clearInterval(this.heartbeatTimer);
      await this.queue.close();
    }
  }

  private async beat(): Promise<void> {
    await this.queue.heartbeat({
      node: this.settings.node,
      workerId: this.workerId,
      at: new Date().toISOString(),
      ...(this.current === undefined ? {} : { jobId: this.current.jobId }),
      ...(this.current?.step === undefined ? {} : { step: this.current.step }),
      version: this.settings.info.bbsVersion,
    });
  }

  private async handle(delivery: WorkDelivery, signal: AbortSignal): Promise<void> {
    const item = delivery.item;
    if (item.node !== this.settings.node) {
      this.log(`ignoring ${item.jobId}: it is for node ${item.node}`);
      await delivery.ack();
      return;
    }
    const claimId = token();
    let decision;
    try {
      decision = await this.queue.claim(
        { jobId: item.jobId, node: item.node, workerId: this.workerId, claimId },
        signal,
      );
    } catch (error) {
      await delivery.release();
      if (!signal.aborted) this.log(`cannot claim ${item.jobId}: ${errorMessage(error)}`);
      return;
    }
    await delivery.ack();
    if (!decision.accepted) {
      this.log(`not building ${item.jobId}: ${decision.reason}`);
      return;
    }
    await this.build(item, claimId, signal);
  }

  private async build(item: WorkItem, claimId: string, stop: AbortSignal): Promise<void> {
    const dir = join(this.settings.jobsDir, `${item.jobId}-${claimId}`);
    mkdirSync(dir, { recursive: true });
    this.log(`building ${item.jobId} (${item.package}) in ${dir}`);
    // Events outlive a stop by a little: the node's end must reach the coordinator.
    const sending = new AbortController();
    const events = new EventStream(this.queue, { jobId: item.jobId, node: item.node, claimId }, sending.signal);
    this.current = { jobId: item.jobId };
    events.emit({ type: "started", workerId: this.workerId, info: this.settings.info });
    void this.beat();
    let result;
    if (item.biocVersion !== this.settings.biocVersion) {
      result = {
        outcome: "abnormal" as const,
        reason: `node ${item.node} builds Bioconductor ${this.settings.biocVersion}, the job is for ${item.biocVersion}`,
      };
    } else {
      try {
        result = await runPipeline(
          item,
          {
            pkg: item.package,
            dir,
            env: {},
            sandbox: this.settings.sandbox,
            killGraceMs: this.settings.killGraceMs,
            events,
            signal: stop,
            onStep: (step) => {
              if (this.current !== undefined) this.current = { jobId: item.jobId, ...(step ? { step } : {}) };
            },
          },
          this.settings.pipeline,
          (signal) => this.settings.fetchTarball(item.jobId, signal),
        );
      } catch (error) {
        result = { outcome: "abnormal" as const, reason: `the worker failed: ${errorMessage(error)}` };
      }
    }
    events.emit({ type: "finished", outcome: result.outcome, ...(result.reason ? { reason: result.reason } : {}) });
    const grace = stop.aborted ? setTimeout(() => sending.abort(), 10_000) : undefined;
    try {
      await events.drain();
    } catch (error) {
      this.log(`events of ${item.jobId} refused: ${errorMessage(error)}`);
    } finally {
      clearTimeout(grace);
      sending.abort();
    }
    this.current = undefined;
    void this.beat();
    if (this.settings.keepSources !== true) {
      rmSync(join(dir, item.package), { recursive: true, force: true });
      rmSync(join(dir, "library"), { recursive: true, force: true });
    }
    this.log(`${item.jobId}: ${result.outcome}${result.reason ? ` (${result.reason})` : ""}`);
  }
}
