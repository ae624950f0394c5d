// What can go wrong talking to a STOMP broker, as errors an operator can act
// on. A refused login is its own class (BBS_BROKER_AUTH): retrying cannot fix
// a wrong password, so the first connect fails at once with it. Everything
// else (unreachable, ERROR frames, unconfirmed messages, protocol violations)
// is a BrokerError (BBS_BROKER_FAILED). Messages name the broker and the user,
// never the passcode.

import { BbsError, type BbsErrorOptions } from "../../util/errors.js";
import type { StompFrame } from "./types.js";

export class BrokerError extends BbsError {
  /** The broker's ERROR frame, when the error came from one. */
  readonly frame: StompFrame | undefined;

  constructor(message: string, options: BbsErrorOptions & { frame?: StompFrame } = {}) {
    super("BBS_BROKER_FAILED", message, options);
    this.name = "BrokerError";
    this.frame = options.frame;
  }
}

export class BrokerAuthError extends BbsError {
  readonly frame: StompFrame | undefined;

  constructor(message: string, options: BbsErrorOptions & { frame?: StompFrame } = {}) {
    super("BBS_BROKER_AUTH", message, options);
    this.name = "BrokerAuthError";
    this.frame = options.frame;
  }
}

/** Bytes that are not STOMP 1.2: the connection is closed, the client reconnects. */
export class StompProtocolError extends BrokerError {
  constructor(message: string) {
    super(`STOMP protocol error: ${message}`);
    this.name = "StompProtocolError";
  }
}

/** The text of an ERROR frame: its message header and its body (what RabbitMQ puts the details in). */
export function describeErrorFrame(frame: StompFrame): string {
  const summary = frame.headers.message ?? "ERROR";
  const details = frame.body.toString("utf8").trim();
  return details === "" || details === summary ? summary : `${summary}: ${details}`;
}

/**
 * An ERROR frame answering CONNECT as the error to throw: RabbitMQ says
 * "Access refused for user" (wrong user or password) or "Virtual host ...
 * access denied" (no permission on the vhost) in the body of "Bad CONNECT".
 */
export function connectError(frame: StompFrame, where: string, login: string, vhost: string): BbsError {
  const text = describeErrorFrame(frame);
  if (/access refused|access denied|not authori[sz]ed|authentication|login/i.test(text)) {
    return new BrokerAuthError(
      `the broker at ${where} refused the login of user "${login}" on vhost "${vhost}": ${text}`,
      {
        frame,
        hint:
          "check the user name and the password file, and that the user has permissions on the vhost " +
          `(on the broker: rabbitmqctl list_users; rabbitmqctl list_permissions -p ${vhost})`,
      },
    );
  }
  return new BrokerError(`the broker at ${where} refused the connection: ${text}`, { frame });
}
