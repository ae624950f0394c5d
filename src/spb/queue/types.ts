// The contract between the SPB coordinator, its workers and a queue back
// end. Two back ends implement it: `embedded` (the coordinator's own SQLite
// job table, served to workers over the coordinator's HTTP API: embedded.ts
// and http-worker.ts) and `rabbitmq` (STOMP 1.2 to a RabbitMQ broker).
// The acceptance tests run the same scenarios over every back end
// (test/spb/backends.ts lists their factories).
//
// What a back end must guarantee (the real SPB lost builds on each of these,
// docs/spb.md#what-the-real-spb-did-and-what-bbs-does-instead):
//
// 1. Work is durable and per node. `enqueue` puts one WorkItem on the queue of
//    one node (one call per expected node of a job). Once `enqueue` resolved,
//    the item survives a restart of the coordinator, of the broker and of the
//    node's worker, and is delivered to a worker of that node (and no other
//    node) until a worker acks it. Enqueueing the same (jobId, node) twice may
//    deliver it twice: claims make that harmless.
// 2. Claim, then ack. A worker receives a WorkDelivery (the item is leased to
//    it, not removed), asks `claim`, and acks the delivery only after the
//    claim decision came back: the coordinator has then recorded the claim
//    durably. A delivery that is neither acked nor released is delivered again
//    when the lease ends or the worker's connection is lost (a worker killed
//    between receipt and ack loses nothing). A refused claim is acked too
//    (the item is stale: the node was given up, or another worker has it).
// 3. Events are at least once, and idempotent. `publish` resolves once the
//    events are durable (embedded: the coordinator committed them; broker: the
//    broker confirmed persistent messages). The coordinator's handler is
//    called for every event at least once; it records each (jobId, node, seq)
//    once, so a duplicate (a retry, a redelivery) changes nothing, and the back
//    end acks the broker message only after the handler resolved. Events of
//    one (job, node) may arrive out of order; the store applies them in seq
//    order.
// 4. Heartbeats are best effort (the latest one counts): a lost heartbeat only
//    brings a node nearer its deadline.
// 5. Connections heal. Every worker-side method retries through a coordinator
//    or broker restart (reconnect, resubscribe) until its AbortSignal fires or
//    `close()` is called; none gives up silently.
// 6. Deafness is said. While the coordinator's side cannot hear workers (its
//    broker connection is down), `hearing` is false: the coordinator then
//    counts no heartbeat or claim deadline, and forgives the time it was deaf
//    once it hears again (a broker restart must not end every running node
//    `lost`).

import type { ClaimDecision, ClaimRequest, Heartbeat, NodeEvent, WorkItem } from "../model.js";

/** The back end names `spb.queue` accepts. */
export const QUEUE_BACKENDS = ["embedded", "rabbitmq"] as const;
export type QueueBackendName = (typeof QUEUE_BACKENDS)[number];

/** What the coordinator does with messages from workers; a back end calls these and acks only after they resolved. */
export interface CoordinatorHandlers {
  /**
   * Records a claim durably and decides it. Accepted when the node is still
   * waiting for the job (`queued`), or `claimed` by an earlier claim that never
   * started (that worker died before it acked: the new claim supersedes it).
   * Refused when the node is running under another claim, or is terminal.
   */
  claim(request: ClaimRequest): Promise<ClaimDecision>;
  /** Records events, each (jobId, node, seq) once; resolves once they are committed. */
  events(events: readonly NodeEvent[]): Promise<void>;
  heartbeat(heartbeat: Heartbeat): Promise<void>;
}

/** The coordinator's side of a back end. */
export interface CoordinatorQueue {
  readonly backend: QueueBackendName;
  /** False while workers' messages cannot reach the coordinator (guarantee 6); the embedded back end always hears. */
  readonly hearing: boolean;
  /** Starts consuming workers' messages (events, claims, heartbeats) with `handlers`. */
  start(handlers: CoordinatorHandlers): Promise<void>;
  /** Puts `item` on the queue of `item.node`; durable once resolved (guarantee 1). */
  enqueue(item: WorkItem): Promise<void>;
  /**
   * The coordinator gave up on (job, node) or the job is complete: an item
   * still queued need not be delivered any more. Best effort (a broker may
   * still deliver it; the claim is then refused).
   */
  withdraw(jobId: string, node: string): Promise<void>;
  close(): Promise<void>;
}

/** One delivered item, leased to the worker that received it. */
export interface WorkDelivery {
  readonly item: WorkItem;
  /** Removes the item from the node's queue (after the claim decision, accepted or refused). */
  ack(): Promise<void>;
  /** Gives the item back for redelivery (the worker is stopping before it claimed). */
  release(): Promise<void>;
}

/** A worker's side of a back end, bound to one node. */
export interface WorkerQueue {
  readonly backend: QueueBackendName;
  readonly node: string;
  /**
   * Waits for the next item of this node's queue (long poll, subscription...);
   * undefined when `signal` aborted. Reconnects on its own (guarantee 5).
   */
  next(signal: AbortSignal): Promise<WorkDelivery | undefined>;
  /** Asks the coordinator to record the claim; resolves with its decision. */
  claim(request: ClaimRequest, signal?: AbortSignal): Promise<ClaimDecision>;
  /** Sends events; resolves once they are durable (guarantee 3). Retries until `signal` aborts. */
  publish(events: readonly NodeEvent[], signal?: AbortSignal): Promise<void>;
  /** Best effort (guarantee 4): does not retry, does not throw on a connection error. */
  heartbeat(heartbeat: Heartbeat): Promise<void>;
  close(): Promise<void>;
}
