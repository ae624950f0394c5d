// The RabbitMQ back end, coordinator side: work items go to the durable
// queue of their node as persistent messages (enqueue resolves on the
// broker's receipt, i.e. once the message is on disk); claims, events and
// heartbeats come from the coordinator's own durable queue, each acked only
// after its handler resolved, so a coordinator killed mid-way gets them
// again. A message whose signature does not check out is dropped (and
// logged); a claim among them is answered with the reason, so that a worker
// with a wrong spb.tokenFile says so instead of waiting forever.
//
// The broker down when the coordinator starts is not fatal: the coordinator
// serves its API and records submissions, and the items are enqueued when
// the broker is back (Coordinator's retry of store.unenqueued()). A refused
// login is fatal at once: no retry fixes a wrong password.

import type { Credential } from "../../auth.js";
import { isToken } from "../../ids.js";
import { parseClaimRequest, parseHeartbeat, parseNodeEvent } from "../../messages.js";
import type { ClaimRequest, Heartbeat, NodeEvent, WorkItem } from "../../model.js";
import type { BrokerSettings } from "../../settings.js";
import { BbsError, errorMessage } from "../../../util/errors.js";
import { BrokerAuthError, BrokerError, StompClient, type StompMessage } from "../../../transport/stomp/index.js";
import type { CoordinatorHandlers, CoordinatorQueue } from "../types.js";
import { connectWhenReachable, stompOptions } from "./connect.js";
import {
  coordinatorQueue,
  KIND_HEADER,
  QUEUE_PROPERTIES,
  replyDestination,
  signed,
  signer,
  toQueue,
  workQueue,
  type ClaimAnswer,
  type MessageKind,
} from "./wire.js";

export interface RabbitCoordinatorOptions {
  /** Progress and rejected messages (default: stderr). Never carries a password or a secret. */
  readonly log?: (line: string) => void;
  /** How long enqueue waits for the broker's receipt before the item is left to the retry (default 15 s). */
  readonly enqueueTimeoutMs?: number;
  /** Unacknowledged messages of the coordinator's queue in flight at once (default 50). */
  readonly prefetch?: number;
}

const KINDS: readonly MessageKind[] = ["claim", "events", "heartbeat"];

export class RabbitCoordinatorQueue implements CoordinatorQueue {
  readonly backend = "rabbitmq" as const;
  private client: StompClient | undefined;
  private handlers: CoordinatorHandlers | undefined;
  private readonly stopping = new AbortController();
  private background: Promise<void> | undefined;
  private readonly log: (line: string) => void;

  constructor(
    private readonly settings: BrokerSettings,
    private readonly credentials: readonly Credential[],
    private readonly options: RabbitCoordinatorOptions = {},
  ) {
    this.log = options.log ?? ((line) => process.stderr.write(`spb: broker: ${line}\n`));
  }

  async start(handlers: CoordinatorHandlers): Promise<void> {
    this.handlers = handlers;
    const options = stompOptions(this.settings, this.log);
    try {
      await this.connected(await StompClient.connect(options));
    } catch (error) {
      if (error instanceof BrokerAuthError || !(error instanceof BrokerError)) throw error;
      this.log(`${error.message}; jobs are recorded, and enqueued once the broker is reachable`);
      this.background = connectWhenReachable(options, this.stopping.signal, this.log).then(
        async (client) => {
          if (client === undefined) return;
          await this.connected(client);
          this.log(`connected to the broker at ${this.settings.host}:${this.settings.port}`);
        },
        (failure: unknown) => this.log(`gave up on the broker: ${errorMessage(failure)}; restart bbs spb serve`),
      );
    }
  }

  private async connected(client: StompClient): Promise<void> {
    if (this.stopping.signal.aborted) {
      await client.close();
      return;
    }
    await client.subscribe(coordinatorQueue(this.settings.prefix), (message) => this.receive(message), {
      prefetch: this.options.prefetch ?? 50,
      headers: QUEUE_PROPERTIES,
    });
    this.client = client;
  }

  /** Connected to the broker with the subscription to the coordinator's queue (not reconnecting). */
  get hearing(): boolean {
    return this.client?.connected === true;
  }

  /** True once a connection to the broker was made (it may be reconnecting). */
  get ready(): boolean {
    return this.client !== undefined;
  }

  private nodeCredential(node: string): Credential {
    const credential = this.credentials.find((candidate) => candidate.principal === `node:${node}`);
    if (credential === undefined)
      throw new BbsError("BBS_CONFIG_INVALID", `spb.tokensFile has no credential for node:${node}`, {
        hint: `add a \`node:${node} <secret>\` line (the same line as in that node's spb.tokenFile)`,
      });
    return credential;
  }

  async enqueue(item: WorkItem): Promise<void> {
    const client = this.client;
    // Not waiting for a broker that is down: the item stays in the store, and the coordinator offers it again.
    if (client === undefined || !client.connected)
      throw new BrokerError(`not connected to the broker at ${this.settings.host}:${this.settings.port}`);
    const message = toQueue(signed(this.nodeCredential(item.node), "work", item, { persistent: true }));
    await client.send(workQueue(this.settings.prefix, item.node), message.body, message.headers, {
      timeoutMs: this.options.enqueueTimeoutMs ?? 15_000,
    });
  }

  /** A broker cannot take one message back out of a queue: the claim of a withdrawn item is refused instead. */
  withdraw(): Promise<void> {
    return Promise.resolve();
  }

  private async receive(message: StompMessage): Promise<void> {
    const parsed = this.parse(message);
    // A message that cannot be taken now never will be: acked (dropped) and logged, not redelivered in a loop.
    // A handler that throws (the store failed) is not caught: the client NACKs the message, the broker redelivers it.
    if ("rejected" in parsed) this.log(`dropped message ${message.messageId}: ${parsed.rejected}`);
    else if ("unauthorized" in parsed) {
      this.log(`refused: ${parsed.unauthorized}`);
      await this.answer(parsed, { claimId: parsed.claim.claimId, error: parsed.unauthorized }, undefined);
    } else if ("claim" in parsed) {
      const decision = await this.handlersOrThrow().claim(parsed.claim);
      await this.answer(parsed, { claimId: parsed.claim.claimId, decision }, this.nodeCredential(parsed.claim.node));
    } else if ("events" in parsed) await this.handlersOrThrow().events(parsed.events);
    else await this.handlersOrThrow().heartbeat(parsed.heartbeat);
    await message.ack();
  }

  private handlersOrThrow(): CoordinatorHandlers {
    if (this.handlers === undefined) throw new Error("RabbitCoordinatorQueue: start() was not called");
    return this.handlers;
  }

  /** The checked content of a message from a worker, or why it is refused. */
  private parse(
    message: StompMessage,
  ):
    | { rejected: string }
    | { unauthorized: string; claim: ClaimRequest; replyTo: string }
    | { claim: ClaimRequest; replyTo: string }
    | { events: NodeEvent[] }
    | { heartbeat: Heartbeat } {
    const kind = KINDS.find((candidate) => candidate === message.headers[KIND_HEADER]);
    if (kind === undefined) return { rejected: `unknown kind ${JSON.stringify(message.headers[KIND_HEADER] ?? "")}` };
    const principal = signer(this.credentials, kind, message.headers, message.body);
    const node = principal?.startsWith("node:") ? principal.slice("node:".length) : undefined;
    try {
      const body: unknown = JSON.parse(message.text());
      if (kind === "claim") {
        const claim = parseClaimRequest(body);
        const replyTo = (body as { replyTo?: unknown }).replyTo;
        if (typeof replyTo !== "string" || !isToken(replyTo)) return { rejected: "a claim without a valid replyTo" };
        if (node !== claim.node)
          return {
            unauthorized: `the claim of ${claim.jobId} for node ${claim.node} is not signed with the SPB credential of node:${claim.node}`,
            claim,
            replyTo,
          };
        return { claim, replyTo };
      }
      if (node === undefined) return { rejected: `a ${kind} message without a valid signature of a node` };
      if (kind === "events") {
        const list = (body as { events?: unknown }).events;
        if (!Array.isArray(list)) return { rejected: "events must be a list" };
        const events = list.map(parseNodeEvent);
        const foreign = events.find((event) => event.node !== node);
        if (foreign !== undefined) return { rejected: `node:${node} sent an event of node ${foreign.node}` };
        return { events };
      }
      const heartbeat = parseHeartbeat(body);
      if (heartbeat.node !== node) return { rejected: `node:${node} sent a heartbeat of node ${heartbeat.node}` };
      return { heartbeat };
    } catch (error) {
      return { rejected: `a malformed ${kind} message: ${errorMessage(error)}` };
    }
  }

  /** Sends a claim's answer to the worker that asked (transient: a lost one is asked for again). */
  private async answer(
    { claim, replyTo }: { claim: ClaimRequest; replyTo: string },
    answer: ClaimAnswer,
    credential: Credential | undefined,
  ): Promise<void> {
    const client = this.client;
    if (client === undefined) return;
    const destination = replyDestination(this.settings.prefix, replyTo);
    const message =
      credential === undefined
        ? { body: JSON.stringify(answer), headers: { [KIND_HEADER]: "claim-decision", persistent: "false" } }
        : signed(credential, "claim-decision", answer, { persistent: false });
    await client.send(destination, message.body, message.headers).catch((error: unknown) => {
      this.log(`could not answer the claim ${claim.claimId} of ${claim.jobId}: ${errorMessage(error)}`);
    });
  }

  async close(): Promise<void> {
    this.stopping.abort();
    await this.background;
    await this.client?.close();
  }
}
