// The embedded back end, worker side: long polls the coordinator for this
// node's next item (GET /api/v1/work), claims, acks and sends events and
// heartbeats over HTTP. Every call but the heartbeat retries through a
// coordinator restart until its signal aborts (guarantee 5 of types.ts).

import type { ClaimDecision, ClaimRequest, Heartbeat, NodeEvent, WorkItem } from "../model.js";
import type { SpbClient } from "../client.js";
import { parseWorkItem } from "../messages.js";
import type { WorkDelivery, WorkerQueue } from "./types.js";

export class HttpWorkerQueue implements WorkerQueue {
  readonly backend = "embedded" as const;
  private readonly closed = new AbortController();

  constructor(
    private readonly client: SpbClient,
    readonly node: string,
    private readonly workerId: string,
    private readonly waitMs = 25_000,
  ) {}

  private signalWith(signal?: AbortSignal): AbortSignal {
    return signal === undefined ? this.closed.signal : AbortSignal.any([signal, this.closed.signal]);
  }

  async next(signal: AbortSignal): Promise<WorkDelivery | undefined> {
    const both = this.signalWith(signal);
    while (!both.aborted) {
      const path = `/api/v1/work?node=${encodeURIComponent(this.node)}&worker=${encodeURIComponent(this.workerId)}&wait=${this.waitMs}`;
      const answer = await this.client
        .request<{ item: unknown }>("GET", path, { signal: both, retry: true, timeoutMs: this.waitMs + 30_000 })
        .catch((error: unknown) => {
          if (both.aborted) return { item: null };
          throw error;
        });
      if (answer.item !== null) return this.delivery(parseWorkItem(answer.item));
    }
    return undefined;
  }

  private delivery(item: WorkItem): WorkDelivery {
    const body = { jobId: item.jobId, node: item.node, workerId: this.workerId };
    return {
      item,
      ack: async () => {
        await this.client.request("POST", "/api/v1/work/ack", { body, retry: true, signal: this.closed.signal });
      },
      release: async () => {
        await this.client.request("POST", "/api/v1/work/release", { body, timeoutMs: 5000 }).catch(() => undefined);
      },
    };
  }

  claim(request: ClaimRequest, signal?: AbortSignal): Promise<ClaimDecision> {
    return this.client.request<ClaimDecision>("POST", "/api/v1/claims", {
      body: request,
      retry: true,
      signal: this.signalWith(signal),
    });
  }

  async publish(events: readonly NodeEvent[], signal?: AbortSignal): Promise<void> {
    await this.client.request("POST", "/api/v1/events", {
      body: { events },
      retry: true,
      signal: this.signalWith(signal),
    });
  }

  async heartbeat(heartbeat: Heartbeat): Promise<void> {
    await this.client
      .request("POST", "/api/v1/heartbeats", { body: heartbeat, timeoutMs: 10_000 })
      .catch(() => undefined);
  }

  close(): Promise<void> {
    this.closed.abort();
    return Promise.resolve();
  }
}
