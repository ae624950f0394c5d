// What the RabbitMQ back end puts on the broker: the destinations, and the
// messages with their signatures. Both sides import this file, so the two
// can only disagree by version.
//
//   <prefix>.work.<node>   durable queue, one per node: WorkItems, persistent,
//                          signed by the coordinator with that node's secret
//   <prefix>.coordinator   durable queue: what workers send (claims, events,
//                          heartbeats), signed by each node with its secret
//   amq.direct, key <prefix>.reply.<workerId>
//                          the claim decisions for one worker process: its
//                          subscription makes an exclusive queue that goes away
//                          with its connection (a decision lost with it is asked
//                          for again: claims are idempotent by claim id)
//
// Broker users can publish anywhere their permissions allow; the signatures
// (the SPB credentials of spb.tokensFile / spb.tokenFile, see auth.ts) are
// what stop one node from speaking for another, or a broker user without SPB
// credentials from forging work or results.

import { signMessage, verifyMessage, type Credential } from "../../auth.js";
import type { ClaimDecision } from "../../model.js";

/** The `bbs-kind` header: what a message's JSON body is. */
export type MessageKind = "work" | "claim" | "claim-decision" | "events" | "heartbeat";

export const KIND_HEADER = "bbs-kind";
export const SIGNATURE_HEADER = "bbs-signature";

export function workQueue(prefix: string, node: string): string {
  return `/queue/${prefix}.work.${node}`;
}

export function coordinatorQueue(prefix: string): string {
  return `/queue/${prefix}.coordinator`;
}

export function replyDestination(prefix: string, workerId: string): string {
  return `/exchange/amq.direct/${prefix}.reply.${workerId}`;
}

/**
 * How a /queue/ destination's queue is declared (SEND and SUBSCRIBE both
 * declare it), said in each such frame: RabbitMQ's STOMP plugin otherwise declares a queue first
 * sent to after an /exchange/ subscription of the same connection as
 * exclusive, and every other connection is then refused (RESOURCE_LOCKED).
 */
export const QUEUE_PROPERTIES: Readonly<Record<string, string>> = {
  durable: "true",
  "auto-delete": "false",
  exclusive: "false",
};

/** The body and headers of a signed message of `kind` (persistent: written to disk by the broker). */
export function signed(
  credential: Credential,
  kind: MessageKind,
  value: unknown,
  options: { persistent: boolean; expirationMs?: number },
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(value);
  return {
    body,
    headers: {
      "content-type": "application/json",
      [KIND_HEADER]: kind,
      [SIGNATURE_HEADER]: signMessage(credential, kind, body),
      persistent: String(options.persistent),
      ...(options.expirationMs === undefined ? {} : { expiration: String(options.expirationMs) }),
    },
  };
}

/** A message for a /queue/ destination: with the queue's properties. */
export function toQueue(message: { body: string; headers: Record<string, string> }): {
  body: string;
  headers: Record<string, string>;
} {
  return { body: message.body, headers: { ...message.headers, ...QUEUE_PROPERTIES } };
}

/** The principal that signed a received message of `kind`, or undefined. */
export function signer(
  credentials: readonly Credential[],
  kind: MessageKind,
  headers: Readonly<Record<string, string>>,
  body: Buffer,
): string | undefined {
  if (headers[KIND_HEADER] !== kind) return undefined;
  return verifyMessage(credentials, headers[SIGNATURE_HEADER], kind, body);
}

/** The coordinator's answer to a claim: the decision, or why it could not take the claim at all. */
export type ClaimAnswer =
  { readonly claimId: string; readonly decision: ClaimDecision } | { readonly claimId: string; readonly error: string };
