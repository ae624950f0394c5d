// A scripted SPB node for web and tracker tests: it speaks the real worker
// protocol of the embedded back end over the coordinator's HTTP API (lease,
// claim, ack, events, heartbeats, signed with the node's credential), but the
// build is a script the test plays step by step (no R). A stand-in for a
// worker, named so; the worker itself (src/spb/worker) is tested with R.

import { randomUUID } from "node:crypto";
import type { Credential } from "../../src/spb/auth.js";
import { SpbClient } from "../../src/spb/client.js";
import type { NodeEvent, Step, StepStatus, WorkItem } from "../../src/spb/model.js";
import { HttpWorkerQueue } from "../../src/spb/queue/http-worker.js";

type EventBody = NodeEvent extends infer E
  ? E extends NodeEvent
    ? Omit<E, "jobId" | "node" | "seq" | "at" | "claimId">
    : never
  : never;

export class ScriptedNode {
  readonly workerId = `w-${randomUUID().slice(0, 8)}`;
  private readonly queue: HttpWorkerQueue;
  private seq = 0;
  private claimId = "";
  private readonly offsets = new Map<Step, number>();
  item: WorkItem | undefined;

  constructor(
    url: string,
    credential: Credential,
    readonly node: string,
  ) {
    this.queue = new HttpWorkerQueue(new SpbClient(url, credential), node, this.workerId, 5000);
  }

  /** Waits for this node's next item, claims it (accepted) and acks the delivery. */
  async claimNext(): Promise<WorkItem> {
    const signal = AbortSignal.timeout(30_000);
    const delivery = await this.queue.next(signal);
    if (delivery === undefined) throw new Error(`${this.node}: no work item within 30 s`);
    this.claimId = randomUUID();
    this.seq = 0;
    this.offsets.clear();
    const decision = await this.queue.claim({
      jobId: delivery.item.jobId,
      node: this.node,
      workerId: this.workerId,
      claimId: this.claimId,
    });
    if (!decision.accepted) throw new Error(`${this.node}: claim refused: ${decision.reason}`);
    await delivery.ack();
    this.item = delivery.item;
    return delivery.item;
  }

  async send(...bodies: EventBody[]): Promise<void> {
    const item = this.item as WorkItem;
    const events = bodies.map(
      (body) =>
        ({
          ...body,
          jobId: item.jobId,
          node: this.node,
          seq: ++this.seq,
          at: new Date().toISOString(),
          claimId: this.claimId,
        }) as NodeEvent,
    );
    await this.queue.publish(events);
  }

  started(): Promise<void> {
    return this.send({
      type: "started",
      workerId: this.workerId,
      info: {
        hostname: this.node,
        os: "Linux",
        arch: "x86_64",
        platform: "x86_64-pc-linux-gnu",
        rVersion: "R 4.2.2",
        bbsVersion: "test",
      },
    });
  }

  stepStarted(step: Step, command: readonly string[]): Promise<void> {
    return this.send({ type: "step-started", step, command });
  }

  log(step: Step, text: string): Promise<void> {
    const offset = this.offsets.get(step) ?? 0;
    this.offsets.set(step, offset + Buffer.byteLength(text));
    return this.send({ type: "log", step, offset, text });
  }

  stepFinished(step: Step, status: StepStatus, elapsedSeconds = 1, detail?: string): Promise<void> {
    return this.send({
      type: "step-finished",
      step,
      status,
      retCode: status === "OK" || status === "WARNINGS" ? 0 : 1,
      elapsedSeconds,
      ...(detail === undefined ? {} : { detail }),
    });
  }

  source(commit: string, version = "1.0.0"): Promise<void> {
    return this.send({ type: "source", commit, version, maintainer: "A. Maintainer <a@example.org>" });
  }

  finished(outcome: "completed" | "unsupported" | "abnormal" = "completed", reason?: string): Promise<void> {
    return this.send({ type: "finished", outcome, ...(reason === undefined ? {} : { reason }) });
  }

  heartbeat(): Promise<void> {
    return this.queue.heartbeat({
      node: this.node,
      workerId: this.workerId,
      at: new Date().toISOString(),
      ...(this.item ? { jobId: this.item.jobId } : {}),
    });
  }

  /** Plays a whole clean build of every step (statuses by step, default OK). */
  async buildAll(commit: string, statuses: Partial<Record<Step, StepStatus>> = {}): Promise<void> {
    await this.started();
    for (const step of [
      "source",
      "deps",
      "install",
      "buildsrc",
      "checksrc",
      "biocgitclone",
      "bioccheck",
      "buildbin",
    ] as const) {
      await this.stepStarted(step, ["R", "CMD", step]);
      if (step === "source") await this.source(commit);
      await this.log(step, `${step} output\n`);
      await this.stepFinished(step, statuses[step] ?? (step === "buildbin" ? "skipped" : "OK"));
    }
    await this.finished();
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
