// One STOMP 1.2 session over one TCP connection: the CONNECT handshake, the
// negotiated heart-beats both ways, frames in and out, and requests that wait
// for the broker's RECEIPT. It does not reconnect: when the socket closes, for
// whatever reason, every waiting request fails and onClose is called once;
// StompClient (client.ts) opens the next one.

import { connect, type Socket } from "node:net";
import { BrokerError, connectError, describeErrorFrame } from "./errors.js";
import { encodeFrame, FrameDecoder, HEARTBEAT, type OutgoingFrame, type StompFrame } from "./frame.js";

export interface ConnectionOptions {
  readonly host: string;
  readonly port: number;
  /** The CONNECT `host` header: RabbitMQ's virtual host. */
  readonly vhost: string;
  readonly login: string;
  readonly passcode: string;
  /** Heart-beat interval asked for in both directions (ms); 0 disables them. */
  readonly heartbeatMs: number;
  /** How long the TCP connect plus CONNECT/CONNECTED may take. */
  readonly connectTimeoutMs: number;
}

export interface ConnectionHandlers {
  /** Every frame but CONNECTED, RECEIPT and ERROR frames answering a request. */
  onFrame(frame: StompFrame): void;
  /** Called once, when the connection is gone; error is undefined after a clean close(). */
  onClose(error: BrokerError | undefined): void;
}

interface Waiting {
  resolve(frame: StompFrame): void;
  reject(error: Error): void;
}

/** A broker misses a heart-beat window only if this many intervals pass in silence (spec: allow some slack). */
const HEARTBEAT_TOLERANCE = 2;

/**
 * Heart-beat periods (ms) from what each side offered: `cx,cy` sent by the client, `sx,sy` answered.
 * Outgoing max(cx, sy), incoming max(cy, sx), each 0 when either side said 0.
 */
export function negotiateHeartbeats(
  clientMs: number,
  serverHeader: string | undefined,
): { send: number; receive: number } {
  const [sx, sy] = (serverHeader ?? "0,0").split(",").map((part) => Number(part.trim()) || 0);
  const send = clientMs > 0 && (sy ?? 0) > 0 ? Math.max(clientMs, sy ?? 0) : 0;
  const receive = clientMs > 0 && (sx ?? 0) > 0 ? Math.max(clientMs, sx ?? 0) : 0;
  return { send, receive };
}

export class StompConnection {
  readonly where: string;
  /** The CONNECTED frame's `server` and `session` headers. */
  server = "";
  session = "";
  private readonly socket: Socket;
  private readonly decoder = new FrameDecoder();
  private readonly waiting = new Map<string, Waiting>();
  private nextReceipt = 1;
  private closed = false;
  private lastReceived = Date.now();
  private timers: NodeJS.Timeout[] = [];

  private constructor(
    socket: Socket,
    where: string,
    private readonly handlers: ConnectionHandlers,
  ) {
    this.socket = socket;
    this.where = where;
  }

  /** Connects and logs in; rejects with BrokerAuthError on a refused login, BrokerError otherwise. */
  static open(options: ConnectionOptions, handlers: ConnectionHandlers): Promise<StompConnection> {
    const where = `${options.host}:${options.port}`;
    return new Promise((resolve, reject) => {
      const socket = connect({ host: options.host, port: options.port, noDelay: true, keepAlive: true });
      const connection = new StompConnection(socket, where, handlers);
      let settled = false;
      const fail = (error: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      const timer = setTimeout(
        () => fail(new BrokerError(`no CONNECTED from the broker at ${where} within ${options.connectTimeoutMs} ms`)),
        options.connectTimeoutMs,
      );
      socket.once("connect", () => {
        socket.write(
          encodeFrame({
            command: "CONNECT",
            headers: {
              "accept-version": "1.2",
              host: options.vhost,
              login: options.login,
              passcode: options.passcode,
              "heart-beat": `${options.heartbeatMs},${options.heartbeatMs}`,
            },
          }),
        );
      });
      const onData = (chunk: Buffer): void => {
        let frames: StompFrame[];
        try {
          frames = connection.decoder.push(chunk);
        } catch (error) {
          fail(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        const first = frames[0];
        if (first === undefined) return;
        if (first.command === "ERROR") {
          fail(connectError(first, where, options.login, options.vhost));
          return;
        }
        if (first.command !== "CONNECTED") {
          fail(new BrokerError(`the broker at ${where} answered CONNECT with ${first.command}`));
          return;
        }
        settled = true;
        clearTimeout(timer);
        socket.off("data", onData);
        socket.off("error", onEarlyError);
        socket.off("close", onEarlyClose);
        connection.server = first.headers.server ?? "";
        connection.session = first.headers.session ?? "";
        connection.start(negotiateHeartbeats(options.heartbeatMs, first.headers["heart-beat"]));
        resolve(connection);
        for (const frame of frames.slice(1)) connection.dispatch(frame);
      };
      const onEarlyError = (error: Error): void =>
        fail(new BrokerError(`cannot connect to the broker at ${where}: ${error.message}`, { cause: error }));
      const onEarlyClose = (): void =>
        fail(new BrokerError(`the broker at ${where} closed the connection before CONNECTED`));
      socket.on("data", onData);
      socket.once("error", onEarlyError);
      socket.once("close", onEarlyClose);
    });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Writes a frame without waiting for anything. */
  write(frame: OutgoingFrame): void {
    if (this.closed) throw new BrokerError(`the connection to the broker at ${this.where} is closed`);
    this.socket.write(encodeFrame(frame));
  }

  /** Writes a frame with a receipt header; resolves with the RECEIPT, rejects on an ERROR for it or a lost connection. */
  request(frame: OutgoingFrame): Promise<StompFrame> {
    if (this.closed) return Promise.reject(new BrokerError(`the connection to the broker at ${this.where} is closed`));
    const receipt = `r-${this.nextReceipt++}`;
    return new Promise((resolve, reject) => {
      this.waiting.set(receipt, { resolve, reject });
      this.socket.write(encodeFrame({ ...frame, headers: { ...frame.headers, receipt } }));
    });
  }

  /** DISCONNECT with a receipt (so everything sent before is processed), then close; bounded by timeoutMs. */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.closed) return;
    const closedSocket = new Promise<void>((resolve) => this.socket.once("close", () => resolve()));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([
      this.request({ command: "DISCONNECT" }).then(
        () => undefined,
        () => undefined,
      ),
      timeout,
    ]);
    this.finish(undefined);
    this.socket.end();
    await Promise.race([closedSocket, timeout]);
    clearTimeout(timer);
    this.socket.destroy();
  }

  /** Drops the connection at once (the broker redelivers what was not acknowledged). */
  destroy(error: BrokerError): void {
    this.finish(error);
    this.socket.destroy();
  }

  private start(heartbeats: { send: number; receive: number }): void {
    this.lastReceived = Date.now();
    this.socket.on("data", (chunk: Buffer) => {
      this.lastReceived = Date.now();
      let frames: StompFrame[];
      try {
        frames = this.decoder.push(chunk);
      } catch (error) {
        this.destroy(error instanceof BrokerError ? error : new BrokerError(String(error)));
        return;
      }
      for (const frame of frames) this.dispatch(frame);
    });
    this.socket.on("error", (error: Error) =>
      this.finish(
        new BrokerError(`connection to the broker at ${this.where} failed: ${error.message}`, { cause: error }),
      ),
    );
    this.socket.on("close", () => this.finish(new BrokerError(`the broker at ${this.where} closed the connection`)));
    if (heartbeats.send > 0) {
      const timer = setInterval(() => {
        if (!this.closed) this.socket.write(HEARTBEAT);
      }, heartbeats.send);
      timer.unref();
      this.timers.push(timer);
    }
    if (heartbeats.receive > 0) {
      const limit = heartbeats.receive * HEARTBEAT_TOLERANCE;
      const timer = setInterval(() => {
        if (Date.now() - this.lastReceived > limit) {
          this.destroy(new BrokerError(`no heart-beat from the broker at ${this.where} for ${limit} ms`));
        }
      }, heartbeats.receive);
      timer.unref();
      this.timers.push(timer);
    }
  }

  private dispatch(frame: StompFrame): void {
    const receipt = frame.headers["receipt-id"];
    const waiting = receipt === undefined ? undefined : this.waiting.get(receipt);
    if (receipt !== undefined && waiting !== undefined) {
      this.waiting.delete(receipt);
      if (frame.command === "RECEIPT") {
        waiting.resolve(frame);
        return;
      }
      waiting.reject(new BrokerError(`the broker at ${this.where} answered: ${describeErrorFrame(frame)}`, { frame }));
    }
    // ERROR frames go on too: the broker closes the connection after one, the client must know why.
    this.handlers.onFrame(frame);
  }

  private finish(error: BrokerError | undefined): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    const lost = error ?? new BrokerError(`the connection to the broker at ${this.where} was closed`);
    for (const waiting of this.waiting.values()) waiting.reject(lost);
    this.waiting.clear();
    this.handlers.onClose(error);
  }
}
