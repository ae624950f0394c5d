// The embedded back end, coordinator side: the work queue is the store's
// `deliveries` table, served to workers by the coordinator's HTTP API
// (GET /api/v1/work long-polls `lease`). A leased item returns to the queue
// when its lease ends without an ack, so a worker killed between receipt and
// ack loses nothing; claims, events and heartbeats arrive over HTTP and go
// straight to the handlers (the HTTP answer is the ack). Nothing to install.

import type { WorkItem } from "../model.js";
import type { SpbStore } from "../store/store.js";
import type { CoordinatorHandlers, CoordinatorQueue } from "./types.js";

export class EmbeddedQueue implements CoordinatorQueue {
  readonly backend = "embedded" as const;
  /** Workers reach the coordinator's own HTTP API: when it runs, it hears them. */
  readonly hearing = true;
  private handlers: CoordinatorHandlers | undefined;
  /** Long polls waiting for work, by node. */
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(
    private readonly store: SpbStore,
    private readonly leaseMs: number,
  ) {}

  start(handlers: CoordinatorHandlers): Promise<void> {
    this.handlers = handlers;
    return Promise.resolve();
  }

  /** The handlers the HTTP API hands workers' claims, events and heartbeats to. */
  get coordinator(): CoordinatorHandlers {
    if (this.handlers === undefined) throw new Error("EmbeddedQueue: start() was not called");
    return this.handlers;
  }

  enqueue(item: WorkItem): Promise<void> {
    this.store.putDelivery(item);
    this.wake(item.node);
    return Promise.resolve();
  }

  withdraw(jobId: string, node: string): Promise<void> {
    this.store.removeDelivery(jobId, node);
    return Promise.resolve();
  }

  /**
   * The next item of `node`'s queue, leased to `workerId`; waits up to
   * `waitMs` for one (a long poll), re-looking when a lease may have ended.
   */
  async lease(node: string, workerId: string, waitMs: number, signal: AbortSignal): Promise<WorkItem | undefined> {
    const until = Date.now() + waitMs;
    for (;;) {
      const item = this.store.leaseDelivery(node, workerId, this.leaseMs);
      if (item !== undefined || signal.aborted) return item;
      const left = until - Date.now();
      if (left <= 0) return undefined;
      // Woken by an enqueue, or after a while to see ended leases.
      await new Promise<void>((resolve) => {
        const waiters = this.waiters.get(node) ?? new Set<() => void>();
        this.waiters.set(node, waiters);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(done);
          signal.removeEventListener("abort", done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(left, 1000));
        waiters.add(done);
        signal.addEventListener("abort", done, { once: true });
      });
    }
  }

  ack(jobId: string, node: string, workerId: string): void {
    this.store.ackDelivery(jobId, node, workerId);
  }

  release(jobId: string, node: string, workerId: string): void {
    this.store.releaseDelivery(jobId, node, workerId);
    this.wake(node);
  }

  private wake(node: string): void {
    for (const waiter of [...(this.waiters.get(node) ?? [])]) waiter();
  }

  close(): Promise<void> {
    for (const node of this.waiters.keys()) this.wake(node);
    return Promise.resolve();
  }
}
