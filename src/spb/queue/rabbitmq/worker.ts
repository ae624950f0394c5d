// The RabbitMQ back end, worker side, bound to one node: a subscription to
// the node's durable work queue (prefetch 1: a worker holds at most one item
// it has not decided on), claims sent to the coordinator's queue and answered
// on this worker's own reply queue, events as persistent messages (publish
// resolves on the broker's receipt), heartbeats as messages that expire.
//
// An item is acked after the claim decision (types.ts, guarantee 2); when the
// connection is lost before that, the broker delivers it again, to this
// worker or another of the node. An item this process already decided on is
// acked at once when it comes back (its ack was lost with a connection).
// Every call waits through a broker restart (StompClient reconnects and
// resubscribes) until its signal aborts or close() is called.

import { setTimeout as sleep } from "node:timers/promises";
import type { Credential } from "../../auth.js";
import { parseWorkItem } from "../../messages.js";
import type { ClaimDecision, ClaimRequest, Heartbeat, NodeEvent } from "../../model.js";
import type { BrokerSettings } from "../../settings.js";
import { BbsError, errorMessage } from "../../../util/errors.js";
import { BrokerError, type StompClient, type StompMessage } from "../../../transport/stomp/index.js";
import type { WorkDelivery, WorkerQueue } from "../types.js";
import { connectWhenReachable, stompOptions } from "./connect.js";
import {
  coordinatorQueue,
  QUEUE_PROPERTIES,
  replyDestination,
  signed,
  signer,
  toQueue,
  workQueue,
  type ClaimAnswer,
} from "./wire.js";

export interface RabbitWorkerOptions {
  /** Progress and dropped messages (default: stderr). Never carries a password or a secret. */
  readonly log?: (line: string) => void;
  /** A claim not answered this long is sent again (default 15 s; claims are idempotent by claim id). */
  readonly claimRetryMs?: number;
  /** A heartbeat not consumed this long is dropped by the broker (default 60 s): a stale one says nothing. */
  readonly heartbeatExpirationMs?: number;
}

/** Events per message: a batch of small events, or a few log chunks. */
const EVENTS_PER_MESSAGE = 200;

export class RabbitWorkerQueue implements WorkerQueue {
  readonly backend = "rabbitmq" as const;
  private readonly closed = new AbortController();
  private connecting: Promise<StompClient> | undefined;
  private client: StompClient | undefined;
  /** Delivered work not handed out by next() yet. */
  private readonly inbox: StompMessage[] = [];
  private readonly inboxWaiters = new Set<() => void>();
  /** Claims waiting for their answer, by claim id. */
  private readonly answers = new Map<string, (answer: ClaimAnswer) => void>();
  /** Jobs this process has decided on (claimed, then acked or tried to). */
  private readonly decided = new Set<string>();
  private readonly log: (line: string) => void;

  constructor(
    private readonly settings: BrokerSettings,
    private readonly credential: Credential,
    readonly node: string,
    private readonly workerId: string,
    private readonly options: RabbitWorkerOptions = {},
  ) {
    this.log = options.log ?? ((line) => process.stderr.write(`spb worker: broker: ${line}\n`));
  }

  private signalWith(signal?: AbortSignal): AbortSignal {
    return signal === undefined ? this.closed.signal : AbortSignal.any([signal, this.closed.signal]);
  }

  /** The connection with both subscriptions; made on first use, waiting for the broker if it is not up. */
  private ready(): Promise<StompClient> {
    this.connecting ??= (async () => {
      const client = await connectWhenReachable(stompOptions(this.settings, this.log), this.closed.signal, this.log);
      if (client === undefined) throw new BrokerError("the worker's broker connection was closed");
      try {
        await client.subscribe(
          replyDestination(this.settings.prefix, this.workerId),
          (message) => this.onAnswer(message),
          {
            ack: "auto",
          },
        );
        await client.subscribe(workQueue(this.settings.prefix, this.node), (message) => this.onWork(message), {
          prefetch: 1,
          headers: QUEUE_PROPERTIES,
        });
      } catch (error) {
        await client.close();
        throw error;
      }
      this.client = client;
      return client;
    })();
    return this.connecting;
  }

  private onWork(message: StompMessage): void {
    this.inbox.push(message);
    for (const wake of [...this.inboxWaiters]) wake();
  }

  private onAnswer(message: StompMessage): void {
    let answer: ClaimAnswer;
    try {
      answer = JSON.parse(message.text()) as ClaimAnswer;
    } catch {
      return;
    }
    const waiter = typeof answer.claimId === "string" ? this.answers.get(answer.claimId) : undefined;
    if (waiter === undefined) return; // an answer to a claim already answered (it was sent twice)
    // A decision must be the coordinator's (signed with this node's secret); a refusal to take the claim at all cannot do harm.
    const genuine = signer([this.credential], "claim-decision", message.headers, message.body) !== undefined;
    if ("decision" in answer ? genuine : typeof answer.error === "string") waiter(answer);
    else this.log(`dropped an unsigned claim decision for ${answer.claimId}`);
  }

  async next(signal: AbortSignal): Promise<WorkDelivery | undefined> {
    const both = this.signalWith(signal);
    if ((await untilAborted(this.ready(), both)) === undefined) return undefined;
    while (!both.aborted) {
      const message = this.inbox.shift();
      if (message === undefined) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            this.inboxWaiters.delete(done);
            both.removeEventListener("abort", done);
            resolve();
          };
          this.inboxWaiters.add(done);
          both.addEventListener("abort", done, { once: true });
        });
        continue;
      }
      const delivery = this.delivery(message);
      if (delivery !== undefined) return delivery;
    }
    return undefined;
  }

  /** The delivery of a work message, or undefined (acked and dropped) when it is not genuine work for this node. */
  private delivery(message: StompMessage): WorkDelivery | undefined {
    const drop = (why: string): undefined => {
      this.log(`dropped work message ${message.messageId}: ${why}`);
      message.ack().catch(() => undefined);
      return undefined;
    };
    if (signer([this.credential], "work", message.headers, message.body) === undefined)
      return drop(`not signed by the coordinator with the credential of node:${this.node}`);
    let item;
    try {
      item = parseWorkItem(JSON.parse(message.text()));
    } catch (error) {
      return drop(errorMessage(error));
    }
    if (item.node !== this.node) return drop(`an item of node ${item.node}`);
    const key = item.jobId;
    if (this.decided.has(key)) {
      // Its first ack was lost with a connection: this process decided on it already.
      message.ack().catch(() => undefined);
      return undefined;
    }
    return {
      item,
      ack: async () => {
        this.decided.add(key);
        await message.ack().catch((error: unknown) => {
          this.log(`the ack of ${key} did not reach the broker (${errorMessage(error)}); a redelivery is refused`);
        });
      },
      release: async () => {
        await message.nack({ requeue: true }).catch(() => undefined);
      },
    };
  }

  async claim(request: ClaimRequest, signal?: AbortSignal): Promise<ClaimDecision> {
    const both = this.signalWith(signal);
    const client = await this.ready();
    const retryMs = this.options.claimRetryMs ?? 15_000;
    // The claim waits in the coordinator's queue while the coordinator is down; an old copy expires, the latest counts.
    const message = toQueue(
      signed(
        this.credential,
        "claim",
        // The answer goes to this worker's reply queue, whatever worker id the request carries.
        { ...request, replyTo: this.workerId },
        { persistent: false, expirationMs: retryMs * 2 },
      ),
    );
    let answer: ClaimAnswer | undefined;
    const answered = new Promise<ClaimAnswer>((resolve) => this.answers.set(request.claimId, resolve));
    try {
      while (answer === undefined) {
        if (both.aborted) throw new BrokerError(`the claim of ${request.jobId} was abandoned (the worker is stopping)`);
        await client
          .send(coordinatorQueue(this.settings.prefix), message.body, message.headers)
          .catch((error: unknown) => {
            if (error instanceof BrokerError && error.frame !== undefined) throw error;
            this.log(`${errorMessage(error)}; sending the claim of ${request.jobId} again`);
          });
        answer = await Promise.race([answered, sleep(retryMs, undefined, { signal: both }).catch(() => undefined)]);
      }
    } finally {
      this.answers.delete(request.claimId);
    }
    if ("error" in answer)
      throw new BbsError("BBS_USAGE", `the SPB coordinator refused the claim of node ${this.node}: ${answer.error}`, {
        hint: `this node's spb.tokenFile must hold the node:${this.node} line of the coordinator's spb.tokensFile`,
      });
    return answer.decision;
  }

  async publish(events: readonly NodeEvent[], signal?: AbortSignal): Promise<void> {
    const both = this.signalWith(signal);
    const client = await this.ready();
    for (let start = 0; start < events.length; start += EVENTS_PER_MESSAGE) {
      const message = toQueue(
        signed(
          this.credential,
          "events",
          { events: events.slice(start, start + EVENTS_PER_MESSAGE) },
          { persistent: true },
        ),
      );
      for (;;) {
        if (both.aborted) throw new BrokerError("publishing events was abandoned (the worker is stopping)");
        try {
          await client.send(coordinatorQueue(this.settings.prefix), message.body, message.headers);
          break;
        } catch (error) {
          // The broker refusing the message (an ERROR frame for it) stays refused; anything else is retried.
          if (error instanceof BrokerError && error.frame !== undefined) throw error;
          this.log(`${errorMessage(error)}; sending the events again`);
        }
      }
    }
  }

  async heartbeat(heartbeat: Heartbeat): Promise<void> {
    const client = this.client;
    if (client === undefined) return;
    const message = toQueue(
      signed(this.credential, "heartbeat", heartbeat, {
        persistent: false,
        expirationMs: this.options.heartbeatExpirationMs ?? 60_000,
      }),
    );
    await client
      .send(coordinatorQueue(this.settings.prefix), message.body, message.headers, { timeoutMs: 10_000 })
      .catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed.abort();
    const client = await this.connecting?.catch(() => undefined);
    // Closing the connection hands every unacked delivery back to the broker.
    await client?.close();
  }
}

/** The promise's value, or undefined once `signal` aborted. */
async function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<undefined>((resolve) => {
        onAbort = () => resolve(undefined);
        signal.addEventListener("abort", onAbort, { once: true });
      }),
    ]);
  } finally {
    if (onAbort !== undefined) signal.removeEventListener("abort", onAbort);
  }
}
