// The builder's side of node liveness: `heartbeats/<node>.json` sent to the
// run's directory on the central node every run.heartbeatInterval seconds,
// at each stage's end and once more when the run ends (finished, failed or
// interrupted), with the jobs done out of the total, the stages at work and
// an ETA from recorded durations (the estimate the live view shows). A
// heartbeat that cannot be sent is skipped: the next one may get through,
// and a central node that hears nothing calls the node silent.

import { hostname } from "node:os";
import type { EngineProgress, Schedule } from "../../jobs/types.js";
import { heartbeatPath } from "../../layout/central.js";
import { STAGE_LABELS, type Stage } from "../../layout/stages.js";
import { formatHeartbeat, type Heartbeat } from "../../results/heartbeat.js";
import type { Transport } from "../../transport/index.js";
import { errorMessage } from "../../util/errors.js";
import { estimateRemaining } from "./progress.js";

export interface HeartbeatOptions {
  readonly transport: Transport;
  readonly node: string;
  readonly runId: string;
  readonly intervalSeconds: number;
  readonly schedule: Schedule;
  readonly startedAt: Date;
  /** The first heartbeat that could not be sent (later ones are not reported again). */
  readonly onFailure?: (message: string) => void;
}

export class HeartbeatSender {
  private readonly options: HeartbeatOptions;
  private engine: { progress(): EngineProgress } | undefined;
  private stage = "preparing";
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private again = false;
  private reported = false;
  private final: Heartbeat | undefined;

  constructor(options: HeartbeatOptions) {
    this.options = options;
  }

  /** Sends the first heartbeat and one every interval from now on. */
  start(): Promise<void> {
    this.timer = setInterval(() => void this.beat(), this.options.intervalSeconds * 1000);
    this.timer.unref();
    return this.beat();
  }

  /** What the node does before its jobs start (`preparing sources`...). */
  setStage(stage: string): void {
    this.stage = stage;
  }

  /** From now on, progress comes from the engine. */
  attach(engine: { progress(): EngineProgress }): void {
    this.engine = engine;
  }

  /** An extra heartbeat now (a stage ended). */
  beat(): Promise<void> {
    if (this.sending !== undefined) {
      this.again = true;
      return this.sending;
    }
    this.sending = this.send().finally(() => {
      this.sending = undefined;
      if (this.again && this.final === undefined) {
        this.again = false;
        void this.beat();
      }
    });
    return this.sending;
  }

  /** The last heartbeat: the run's end, in its state; stops the timer. */
  async stop(state: "finished" | "failed" | "interrupted", message?: string): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.final = { ...this.snapshot(new Date()), state, ...(message === undefined ? {} : { message }) };
    if (this.sending !== undefined) await this.sending;
    await this.send();
  }

  private snapshot(now: Date): Heartbeat {
    const { node, runId, intervalSeconds, schedule, startedAt } = this.options;
    let stage = this.stage;
    let jobsDone = 0;
    let jobsTotal = 0;
    let eta: string | null = null;
    if (this.engine !== undefined) {
      const progress = this.engine.progress();
      for (const pool of progress.pools) {
        jobsDone += pool.processed;
        jobsTotal += pool.total;
      }
      const active = progress.pools
        .filter((pool) => pool.running > 0 || pool.queued > 0)
        .map((pool) => STAGE_LABELS[pool.name as Stage] ?? pool.name);
      stage = active.length > 0 ? active.join(", ") : jobsDone === jobsTotal ? "delivering" : "waiting";
      eta = new Date(now.getTime() + estimateRemaining(progress, schedule, now) * 1000).toISOString();
    }
    return {
      node,
      runId,
      state: "running",
      stage,
      jobsDone,
      jobsTotal,
      startedAt: startedAt.toISOString(),
      updatedAt: now.toISOString(),
      eta,
      intervalSeconds,
      host: hostname(),
      pid: process.pid,
    };
  }

  private async send(): Promise<void> {
    const heartbeat = this.final ?? this.snapshot(new Date());
    try {
      await this.options.transport.putText(formatHeartbeat(heartbeat), heartbeatPath(this.options.node), {
        retry: { attempts: 1, delayMs: 0, timeoutMs: 30_000 },
      });
    } catch (error) {
      if (!this.reported) {
        this.reported = true;
        this.options.onFailure?.(
          `heartbeat not sent (the central node will call this node silent if this lasts): ${errorMessage(error).split("\n")[0] ?? ""}`,
        );
      }
    }
  }
}
