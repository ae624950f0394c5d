// A STOMP 1.2 client that outlives its connections. What it promises:
//
// - send() resolves only when the broker has confirmed the message with a
//   RECEIPT (RabbitMQ sends it after its publisher confirm: a persistent
//   message is on disk by then). A send whose connection drops before the
//   receipt is sent again on the next connection, in order: at least once,
//   never lost; consumers deduplicate (the SPB keys events by job, node, seq).
// - subscribe() registers a subscription that is made again on every new
//   connection. Messages are acknowledged by the handler (ack: client-individual
//   by default); what it has not acknowledged when a connection drops, the
//   broker delivers again (`redelivered` says so). A handler that throws has
//   its message NACKed (requeued) and the error reported through onError.
// - A lost connection (socket error, missed heart-beats, an ERROR frame,
//   a broker restart) is reopened with exponential backoff; the first
//   connect fails at once on a refused login (BrokerAuthError), since no retry
//   fixes a wrong password.
// - close() waits (bounded) for unconfirmed sends, then DISCONNECTs with a receipt.

import type { BbsError } from "../../util/errors.js";
import { BrokerAuthError, BrokerError, describeErrorFrame } from "./errors.js";
import { StompConnection, type ConnectionOptions } from "./connection.js";
import type { StompFrame } from "./frame.js";

export interface StompClientOptions {
  readonly host: string;
  readonly port: number;
  /** RabbitMQ virtual host (the CONNECT `host` header). */
  readonly vhost: string;
  readonly login: string;
  readonly passcode: string;
  /** Heart-beats asked for in both directions (ms; default 10 s; 0: none). */
  readonly heartbeatMs?: number;
  /** TCP connect plus login (default 30 s). */
  readonly connectTimeoutMs?: number;
  /** Backoff between reconnection attempts (default 200 ms doubling to 10 s); false: a lost connection closes the client. */
  readonly reconnect?: { readonly initialDelayMs?: number; readonly maxDelayMs?: number } | false;
  /** Keep trying the first connect while the broker cannot be reached (a worker started before its broker). */
  readonly waitForBroker?: boolean;
  /** How long send() waits for the broker's receipt, across reconnections (default 120 s). */
  readonly sendTimeoutMs?: number;
  /** How long close() waits for unconfirmed sends (default 10 s). */
  readonly closeTimeoutMs?: number;
  /** Progress lines (connected, lost, reconnecting); never carries the passcode. */
  readonly log?: (line: string) => void;
  /** Problems not tied to one call: ERROR frames, failed reconnects and resubscriptions, throwing handlers. */
  readonly onError?: (error: BbsError) => void;
  readonly onConnected?: (event: { reconnected: boolean; server: string; session: string }) => void;
}

export interface StompMessage {
  readonly destination: string;
  readonly messageId: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** The broker delivered it before (to a connection that did not acknowledge it). */
  readonly redelivered: boolean;
  text(): string;
  /** Acknowledges it (waits for the broker's receipt); rejects when its connection is gone (it will be redelivered). */
  ack(): Promise<void>;
  /** Hands it back; with requeue (default) the broker delivers it again. */
  nack(options?: { requeue?: boolean }): Promise<void>;
}

export type MessageHandler = (message: StompMessage) => void | Promise<void>;

export interface SubscribeOptions {
  /** Default client-individual: each message acknowledged on its own. */
  readonly ack?: "auto" | "client" | "client-individual";
  /** Unacknowledged messages the broker hands this subscription at once (RabbitMQ prefetch-count; default 1). */
  readonly prefetch?: number;
  /** More SUBSCRIBE headers (RabbitMQ: durable, auto-delete, x-queue-type...). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Subscription {
  readonly id: string;
  readonly destination: string;
  /** UNSUBSCRIBE; unacknowledged messages go back to the queue. */
  unsubscribe(): Promise<void>;
}

interface SubscriptionRecord {
  readonly id: string;
  readonly destination: string;
  readonly headers: Record<string, string>;
  readonly handler: MessageHandler;
}

interface PendingSend {
  readonly headers: Record<string, string>;
  readonly body: Buffer | string;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
  done: boolean;
}

type State = "connecting" | "connected" | "reconnecting" | "closed";

export class StompClient {
  private readonly options: StompClientOptions;
  private readonly connectionOptions: ConnectionOptions;
  private connection: StompConnection | undefined;
  /** Incremented per connection: a message can only be acknowledged on the connection that delivered it. */
  private generation = 0;
  private state: State = "connecting";
  private readonly subscriptions = new Map<string, SubscriptionRecord>();
  /** Sends not confirmed yet, in the order they were made. */
  private readonly outbox: PendingSend[] = [];
  private nextSubscription = 1;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  /** close() waiting for the outbox to empty. */
  private drainWaiters: Array<() => void> = [];

  private constructor(options: StompClientOptions) {
    this.options = options;
    this.connectionOptions = {
      host: options.host,
      port: options.port,
      vhost: options.vhost,
      login: options.login,
      passcode: options.passcode,
      heartbeatMs: options.heartbeatMs ?? 10_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 30_000,
    };
  }

  /** Connects and logs in. Rejects with BrokerAuthError on a refused login, BrokerError when unreachable. */
  static async connect(options: StompClientOptions): Promise<StompClient> {
    const client = new StompClient(options);
    for (;;) {
      try {
        await client.open(false);
        return client;
      } catch (error) {
        if (options.waitForBroker !== true || error instanceof BrokerAuthError) throw error;
        client.log(`${error instanceof Error ? error.message : String(error)}; retrying in ${client.backoff()} ms`);
        await new Promise((resolve) => setTimeout(resolve, client.backoff()));
        client.attempt += 1;
      }
    }
  }

  get where(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  get connected(): boolean {
    return this.state === "connected";
  }

  /** SEND; resolves when the broker confirmed it (see the file comment). `timeoutMs`: instead of sendTimeoutMs for this one. */
  send(
    destination: string,
    body: Buffer | string,
    headers: Readonly<Record<string, string>> = {},
    options: { readonly timeoutMs?: number } = {},
  ): Promise<void> {
    if (this.state === "closed") return Promise.reject(new BrokerError(`the client of ${this.where} is closed`));
    return new Promise((resolve, reject) => {
      const pending: PendingSend = {
        headers: { ...headers, destination },
        body,
        resolve,
        reject,
        timer: undefined,
        done: false,
      };
      const timeoutMs = options.timeoutMs ?? this.options.sendTimeoutMs ?? 120_000;
      pending.timer = setTimeout(
        () =>
          this.settle(
            pending,
            new BrokerError(
              `the broker at ${this.where} did not confirm a message to ${destination} within ${timeoutMs} ms`,
              {
                hint: "check that the broker is running and reachable; the message was not confirmed and may not have been stored",
              },
            ),
          ),
        timeoutMs,
      );
      this.outbox.push(pending);
      if (this.state === "connected") this.transmit(pending);
    });
  }

  /** SUBSCRIBE, made again on every new connection; resolves once the broker confirmed it (or at once while reconnecting). */
  async subscribe(destination: string, handler: MessageHandler, options: SubscribeOptions = {}): Promise<Subscription> {
    if (this.state === "closed") throw new BrokerError(`the client of ${this.where} is closed`);
    const id = `sub-${this.nextSubscription++}`;
    const record: SubscriptionRecord = {
      id,
      destination,
      handler,
      headers: {
        ...options.headers,
        id,
        destination,
        ack: options.ack ?? "client-individual",
        "prefetch-count": String(options.prefetch ?? 1),
      },
    };
    this.subscriptions.set(id, record);
    if (this.state === "connected" && this.connection !== undefined) {
      try {
        await this.connection.request({ command: "SUBSCRIBE", headers: record.headers });
      } catch (error) {
        // A refused subscription (no permission, mismatched queue arguments) stays refused.
        if (error instanceof BrokerError && error.frame !== undefined) this.subscriptions.delete(id);
        throw error;
      }
    }
    return {
      id,
      destination,
      unsubscribe: async () => {
        if (!this.subscriptions.delete(id)) return;
        if (this.state === "connected" && this.connection !== undefined) {
          await this.connection.request({ command: "UNSUBSCRIBE", headers: { id } });
        }
      },
    };
  }

  /** Waits (bounded) for unconfirmed sends, then DISCONNECT; pending work not confirmed by then fails. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    if (this.state === "connected" && this.outbox.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.drainWaiters.push(resolve)),
        new Promise((resolve) => (timer = setTimeout(resolve, this.options.closeTimeoutMs ?? 10_000))),
      ]);
      clearTimeout(timer);
    }
    this.state = "closed";
    clearTimeout(this.reconnectTimer);
    for (const pending of [...this.outbox]) {
      this.settle(
        pending,
        new BrokerError(`the client of ${this.where} was closed before the broker confirmed a message`),
      );
    }
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close();
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  private report(error: BbsError): void {
    this.options.onError?.(error);
  }

  private backoff(): number {
    const settings = this.options.reconnect === false ? {} : (this.options.reconnect ?? {});
    const initial = settings.initialDelayMs ?? 200;
    return Math.min(settings.maxDelayMs ?? 10_000, initial * 2 ** Math.min(this.attempt, 20));
  }

  /** Opens a connection, resubscribes, resends what was not confirmed. */
  private async open(reconnected: boolean): Promise<void> {
    const generation = this.generation + 1;
    const connection = await StompConnection.open(this.connectionOptions, {
      onFrame: (frame) => this.onFrame(frame, generation),
      onClose: (error) => this.onClose(connection, error),
    });
    if (this.state === "closed") {
      await connection.close();
      return;
    }
    this.generation = generation;
    this.connection = connection;
    this.attempt = 0;
    for (const record of this.subscriptions.values()) {
      connection.request({ command: "SUBSCRIBE", headers: record.headers }).catch((error: unknown) => {
        if (error instanceof BrokerError && error.frame !== undefined) {
          this.report(
            new BrokerError(`resubscribing to ${record.destination} failed: ${error.message}`, { frame: error.frame }),
          );
        }
      });
    }
    this.state = "connected";
    for (const pending of this.outbox) this.transmit(pending);
    this.log(
      `${reconnected ? "reconnected" : "connected"} to ${connection.server || "the broker"} at ${this.where} ` +
        `(vhost ${this.options.vhost}, user ${this.options.login}, ${this.subscriptions.size} subscription(s))`,
    );
    this.options.onConnected?.({ reconnected, server: connection.server, session: connection.session });
  }

  private transmit(pending: PendingSend): void {
    const connection = this.connection;
    if (connection === undefined || pending.done) return;
    connection.request({ command: "SEND", headers: pending.headers, body: pending.body }).then(
      () => this.settle(pending, undefined),
      (error: unknown) => {
        // An ERROR frame answering this SEND is the broker refusing it: final. A lost connection is not: resend later.
        if (error instanceof BrokerError && error.frame !== undefined) this.settle(pending, error);
      },
    );
  }

  private settle(pending: PendingSend, error: Error | undefined): void {
    if (pending.done) return;
    pending.done = true;
    clearTimeout(pending.timer);
    const index = this.outbox.indexOf(pending);
    if (index >= 0) this.outbox.splice(index, 1);
    if (error === undefined) pending.resolve();
    else pending.reject(error);
    if (this.outbox.length === 0) for (const waiter of this.drainWaiters.splice(0)) waiter();
  }

  private onFrame(frame: StompFrame, generation: number): void {
    if (frame.command === "ERROR") {
      // The broker closes the connection after an ERROR; onClose reconnects.
      this.report(new BrokerError(`the broker at ${this.where} reported: ${describeErrorFrame(frame)}`, { frame }));
      return;
    }
    if (frame.command !== "MESSAGE") return;
    const record = this.subscriptions.get(frame.headers.subscription ?? "");
    // A message for a subscription just cancelled: not acknowledged, so the broker requeues it.
    if (record === undefined) return;
    const message = this.message(frame, record, generation);
    Promise.resolve()
      .then(() => record.handler(message))
      .catch((error: unknown) => {
        this.report(
          new BrokerError(
            `the handler of ${record.destination} failed on message ${message.messageId}: ${String(error)}`,
            {
              cause: error,
            },
          ),
        );
        message.nack({ requeue: true }).catch(() => undefined);
      });
  }

  private message(frame: StompFrame, record: SubscriptionRecord, generation: number): StompMessage {
    const ackId = frame.headers.ack;
    const automatic = record.headers.ack === "auto";
    let answered = false;
    const answer = async (command: "ACK" | "NACK", headers: Record<string, string>): Promise<void> => {
      if (automatic || answered) return;
      const connection = this.connection;
      if (connection === undefined || this.generation !== generation || !connection.isOpen || ackId === undefined) {
        throw new BrokerError(
          `cannot ${command} message ${frame.headers["message-id"] ?? "?"}: the connection that delivered it is gone ` +
            "(the broker delivers it again)",
        );
      }
      answered = true;
      await connection.request({ command, headers: { ...headers, id: ackId } });
    };
    return {
      destination: frame.headers.destination ?? record.destination,
      messageId: frame.headers["message-id"] ?? "",
      headers: frame.headers,
      body: frame.body,
      redelivered: frame.headers.redelivered === "true",
      text: () => frame.body.toString("utf8"),
      ack: () => answer("ACK", {}),
      nack: (options = {}) => answer("NACK", { requeue: String(options.requeue ?? true) }),
    };
  }

  private onClose(connection: StompConnection, error: BrokerError | undefined): void {
    if (this.connection !== connection) return;
    this.connection = undefined;
    if (this.state === "closed") return;
    const reason = error?.message ?? `the connection to ${this.where} was closed`;
    if (this.options.reconnect === false) {
      this.state = "closed";
      this.report(error ?? new BrokerError(reason));
      for (const pending of [...this.outbox])
        this.settle(pending, new BrokerError(`${reason}; the message was not confirmed`));
      return;
    }
    this.state = "reconnecting";
    this.scheduleReconnect(reason);
  }

  private scheduleReconnect(reason: string): void {
    const delay = this.backoff();
    this.log(`${reason}; reconnecting in ${delay} ms`);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.state === "closed") return;
      this.open(true).catch((error: unknown) => {
        if (this.state === "closed") return;
        this.attempt += 1;
        const failure = error instanceof BrokerError || error instanceof BrokerAuthError ? error : undefined;
        if (failure instanceof BrokerAuthError) this.report(failure);
        this.scheduleReconnect(failure?.message ?? String(error));
      });
    }, delay);
  }
}
