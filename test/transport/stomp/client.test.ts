// The STOMP client against a real RabbitMQ (rabbitmq_stomp) started for this
// file: publish with receipts and consume with acknowledgements, redelivery
// of unacknowledged messages to another consumer, refused logins, and the
// broker stopped, crashed or frozen under a connected client (reconnect,
// resubscribe, durable messages kept, no publish lost).

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { signalProcess } from "../../../src/jobs/procfs.js";
import {
  BrokerAuthError,
  StompClient,
  type StompClientOptions,
  type StompMessage,
} from "../../../src/transport/stomp/index.js";
import { startRabbitMq, type RabbitMqFixture } from "../../fixtures/rabbitmq.js";

const QUEUE = { durable: "true", "auto-delete": "false" };
const PERSISTENT = { ...QUEUE, persistent: "true" };

/** Messages of one subscription, awaitable one at a time (no sleeps: each wait ends with a delivery). */
class Inbox {
  private readonly queued: StompMessage[] = [];
  private readonly waiters: Array<(message: StompMessage) => void> = [];

  readonly handler = (message: StompMessage): void => {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter(message);
    else this.queued.push(message);
  };

  /** The next delivery; rejects after `timeoutMs` so a lost message fails the test instead of hanging it. */
  next(timeoutMs = 180_000): Promise<StompMessage> {
    const message = this.queued.shift();
    if (message !== undefined) return Promise.resolve(message);
    return new Promise((resolve, reject) => {
      const waiter = (delivered: StompMessage): void => {
        clearTimeout(timer);
        resolve(delivered);
      };
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new Error(`no message delivered within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  get size(): number {
    return this.queued.length;
  }
}

function waitFor(predicate: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = (): void => {
      if (predicate()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(poll, 50);
    };
    poll();
  });
}

describe("StompClient against RabbitMQ", () => {
  let broker: RabbitMqFixture;
  const clients: StompClient[] = [];
  let queueCounter = 0;
  const queue = (label: string): string => `/queue/bbs-test-${label}-${++queueCounter}`;

  const options = (overrides: Partial<StompClientOptions> = {}): StompClientOptions => ({
    host: broker.host,
    port: broker.stompPort,
    vhost: broker.vhost,
    login: broker.user,
    passcode: broker.password,
    reconnect: { initialDelayMs: 100, maxDelayMs: 1000 },
    ...overrides,
  });
  const connect = async (overrides: Partial<StompClientOptions> = {}): Promise<StompClient> => {
    const client = await StompClient.connect(options(overrides));
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    broker = await startRabbitMq({ label: "stomp-client" });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  afterAll(async () => {
    await broker?.dispose();
  });

  it("publishes with receipts and consumes in order, bodies and headers intact", async () => {
    const client = await connect();
    const destination = queue("publish");
    const binary = Buffer.from([0, 1, 0, 255, 10, 13, 0]);
    await client.send(destination, "first", { ...PERSISTENT, "x-note": "a:b\nc\\d" });
    await client.send(destination, binary, PERSISTENT);
    await client.send(destination, JSON.stringify({ job: 1, node: "n1", seq: 3 }), PERSISTENT);
    const inbox = new Inbox();
    await client.subscribe(destination, inbox.handler, { headers: QUEUE, prefetch: 10 });
    const first = await inbox.next();
    expect(first.text()).toBe("first");
    expect(first.headers["x-note"]).toBe("a:b\nc\\d");
    expect(first.redelivered).toBe(false);
    const second = await inbox.next();
    expect(second.body.equals(binary)).toBe(true);
    const third = await inbox.next();
    expect(JSON.parse(third.text())).toEqual({ job: 1, node: "n1", seq: 3 });
    for (const message of [first, second, third]) await message.ack();
    // Acknowledged: a new consumer of the queue gets nothing of them.
    await client.close();
    const other = await connect();
    const rest = new Inbox();
    await other.subscribe(destination, rest.handler, { headers: QUEUE });
    await other.send(destination, "marker", PERSISTENT);
    expect((await rest.next()).text()).toBe("marker");
  });

  it("redelivers an unacknowledged message to another consumer once the first disconnects", async () => {
    const destination = queue("redeliver");
    const first = await connect();
    await first.send(destination, "job-1", PERSISTENT);
    const firstInbox = new Inbox();
    await first.subscribe(destination, firstInbox.handler, { headers: QUEUE, prefetch: 1 });
    const taken = await firstInbox.next();
    expect(taken.text()).toBe("job-1");

    const second = await connect();
    const secondInbox = new Inbox();
    await second.subscribe(destination, secondInbox.handler, { headers: QUEUE, prefetch: 1 });
    // While the first consumer holds it unacknowledged, nobody else gets it.
    await second.send(queue("unrelated"), "round trip", PERSISTENT);
    expect(secondInbox.size).toBe(0);

    await first.close();
    const again = await secondInbox.next();
    expect(again.text()).toBe("job-1");
    expect(again.redelivered).toBe(true);
    await again.ack();
    // The first client's connection is gone: its late ack fails instead of pretending.
    await expect(taken.ack()).rejects.toThrow(/connection that delivered it is gone/);
  });

  it("NACKs (requeues) a message whose handler throws, and reports the error", async () => {
    const errors: string[] = [];
    const client = await connect({ onError: (error) => errors.push(error.message) });
    const destination = queue("nack");
    let calls = 0;
    const inbox = new Inbox();
    await client.subscribe(
      destination,
      async (message) => {
        calls += 1;
        if (calls === 1) throw new Error("database busy");
        inbox.handler(message);
        await message.ack();
      },
      { headers: QUEUE },
    );
    await client.send(destination, "retry me", PERSISTENT);
    const message = await inbox.next();
    expect(message.text()).toBe("retry me");
    expect(message.redelivered).toBe(true);
    expect(errors.some((line) => line.includes("database busy"))).toBe(true);
  });

  it("refuses a wrong password and an unknown vhost with a login error naming the user, not the password", async () => {
    const wrong = "not-the-password-123";
    const refused = await StompClient.connect(options({ passcode: wrong })).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(BrokerAuthError);
    const auth = refused as BrokerAuthError;
    expect(auth.code).toBe("BBS_BROKER_AUTH");
    expect(auth.message).toContain(`user "${broker.user}"`);
    expect(auth.message).not.toContain(wrong);
    expect(auth.hint).toMatch(/password/);

    await expect(StompClient.connect(options({ vhost: "no-such-vhost" }))).rejects.toThrow(
      /refused the login .*no-such-vhost/,
    );
    // Waiting for the broker never turns a refused login into an endless retry.
    await expect(StompClient.connect(options({ passcode: wrong, waitForBroker: true }))).rejects.toBeInstanceOf(
      BrokerAuthError,
    );
  });

  it("reconnects and resubscribes after a broker restart; durable messages survive; a send made while it is down is delivered", async () => {
    const connectedEvents: boolean[] = [];
    const client = await connect({
      onConnected: (event) => connectedEvents.push(event.reconnected),
      // A restart on a loaded machine can take minutes: the send waits for it.
      sendTimeoutMs: 600_000,
    });
    const live = queue("live");
    const parked = queue("parked");
    const inbox = new Inbox();
    await client.subscribe(live, inbox.handler, { headers: QUEUE });
    // Messages waiting in a queue nobody consumes: they must outlive the broker process.
    const publisher = await connect();
    for (const n of [1, 2, 3]) await publisher.send(parked, `parked-${n}`, PERSISTENT);

    await broker.stop();
    await waitFor(() => !client.connected, "the client to notice the broker is gone");
    const sentWhileDown = client.send(live, "sent while the broker was down", PERSISTENT);
    await broker.start();
    await sentWhileDown;
    await waitFor(() => connectedEvents.includes(true), "the client to reconnect");

    // The subscription was made again on the new connection.
    const whileDown = await inbox.next();
    expect(whileDown.text()).toBe("sent while the broker was down");
    // prefetch 1: the next delivery waits for this ack.
    await whileDown.ack();
    await publisher.send(live, "after restart", PERSISTENT);
    const after = await inbox.next();
    expect(after.text()).toBe("after restart");
    await after.ack();

    const reader = new Inbox();
    await client.subscribe(parked, reader.handler, { headers: QUEUE, prefetch: 10 });
    const texts: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const message = await reader.next();
      texts.push(message.text());
      await message.ack();
    }
    expect(texts).toEqual(["parked-1", "parked-2", "parked-3"]);
  }, 900_000);

  it("keeps confirmed persistent messages across a crash (SIGKILL) of the broker", async () => {
    const destination = queue("crash");
    const publisher = await connect();
    for (const n of [1, 2]) await publisher.send(destination, `confirmed-${n}`, PERSISTENT);
    await broker.restart({ crash: true });
    await waitFor(() => publisher.connected, "the publisher to reconnect");
    const inbox = new Inbox();
    await publisher.subscribe(destination, inbox.handler, { headers: QUEUE, prefetch: 10 });
    try {
      expect((await inbox.next()).text()).toBe("confirmed-1");
      expect((await inbox.next()).text()).toBe("confirmed-2");
    } catch (error) {
      throw new Error(`${String(error)}\n--- broker\n${broker.logTail(60)}`);
    }
  }, 900_000);

  it("notices a frozen broker by its missing heart-beats and reconnects when it answers again", async () => {
    const lines: string[] = [];
    const client = await connect({ heartbeatMs: 500, log: (line) => lines.push(line) });
    const beam = broker.processes().find((process_) => process_.command === "beam.smp");
    expect(beam).toBeDefined();
    if (beam === undefined) return;
    signalProcess(beam.pid, "SIGSTOP");
    try {
      await waitFor(() => lines.some((line) => line.includes("no heart-beat")), "a missed heart-beat");
    } finally {
      signalProcess(beam.pid, "SIGCONT");
    }
    await waitFor(() => client.connected, "the client to reconnect");
    const destination = queue("thawed");
    const inbox = new Inbox();
    await client.subscribe(destination, inbox.handler, { headers: QUEUE });
    await client.send(destination, "alive", PERSISTENT);
    expect((await inbox.next()).text()).toBe("alive");
    expect(lines.join("\n")).not.toContain(broker.password);
  }, 300_000);
});
