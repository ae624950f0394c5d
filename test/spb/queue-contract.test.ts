// The queue contract of src/spb/queue/types.ts, over every back end
// (embedded, and a real RabbitMQ started once for this file): work is per
// node and redelivered until acked, a claim decides, events are recorded once
// however often they arrive, a restart of the coordinator (and of the broker)
// in the middle of a job loses nothing and duplicates nothing, and wrong
// credentials end in a clear error. Coordinator and worker sides are the real
// classes a `bbs spb serve` and a `bbs spb worker` use, over real sockets;
// the events are the ones a build sends, without running one (that is the
// acceptance tests' part).

import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig, type ResolvedConfig } from "../../src/config/load.js";
import type { Credential } from "../../src/spb/auth.js";
import { SpbClient } from "../../src/spb/client.js";
import type { NodeEvent } from "../../src/spb/model.js";
import { HttpWorkerQueue } from "../../src/spb/queue/http-worker.js";
import { RabbitCoordinatorQueue } from "../../src/spb/queue/rabbitmq/coordinator.js";
import { RabbitWorkerQueue } from "../../src/spb/queue/rabbitmq/worker.js";
import { backendFactories } from "../../src/spb/queue/registry.js";
import type { WorkDelivery, WorkerQueue } from "../../src/spb/queue/types.js";
import { startCoordinator, type RunningCoordinator } from "../../src/spb/serve.js";
import { brokerSettings, clientCredential } from "../../src/spb/settings.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { freePort } from "../transport/sshd.js";
import { BACKENDS, type RunningBackend } from "./backends.js";
import { writeSpbSite, type SpbSite } from "./fixtures.js";

const dirs = useTempDirs();
const GIT_URL = "https://git.example.org/packages";
const COMMIT = "0123456789abcdef0123456789abcdef01234567";

/** The events of one node's whole build (started, source, every step, finished). */
function buildEvents(jobId: string, node: string, claimId: string, workerId: string): NodeEvent[] {
  const at = (): string => new Date().toISOString();
  const bodies: Array<Record<string, unknown>> = [
    {
      type: "started",
      workerId,
      info: { hostname: node, os: "Linux", arch: "x86_64", platform: "linux", rVersion: "4.2.2", bbsVersion: "0" },
    },
    { type: "source", commit: COMMIT, version: "1.0.0", maintainer: null },
    ...["deps", "install", "buildsrc", "checksrc", "biocgitclone", "bioccheck"].flatMap((step) => [
      { type: "step-started", step, command: ["R", "CMD", step] },
      { type: "log", step, offset: 0, text: `${step} of ${jobId} on ${node}\n` },
      { type: "step-finished", step, status: "OK", retCode: 0, elapsedSeconds: 1 },
    ]),
    { type: "step-finished", step: "buildbin", status: "skipped", retCode: null, elapsedSeconds: 0 },
    { type: "finished", outcome: "completed" },
  ];
  return bodies.map((body, index) => ({ jobId, node, claimId, seq: index + 1, at: at(), ...body }) as NodeEvent);
}

/** The next delivery, or undefined when none came within `ms` (for "nothing more is delivered"). */
async function nextWithin(queue: WorkerQueue, ms: number): Promise<WorkDelivery | undefined> {
  return queue.next(AbortSignal.timeout(ms));
}

describe.each(BACKENDS)("queue contract on the $name back end", (backend) => {
  let running: RunningBackend;
  let site: SpbSite;
  let coordinator: RunningCoordinator;
  let listen: string;
  const workers: WorkerQueue[] = [];
  let jobs = 0;

  const nodeConfig = (node: string): ResolvedConfig => loadConfig(site.config.dir, node, { env: {} });
  const client = (node: string, credential?: Credential): SpbClient =>
    new SpbClient(`http://${listen}`, credential ?? clientCredential(nodeConfig(node)));
  /** A worker of `node` as `bbs spb worker` makes it (the back end's factory). */
  const worker = (node: string, id: string): WorkerQueue => {
    const queue = backendFactories(backend.name).worker(nodeConfig(node), client(node), node, id);
    workers.push(queue);
    return queue;
  };
  const store = () => coordinator.coordinator.store;
  const submit = async () => {
    jobs += 1;
    const pkg = `contract${jobs}`;
    return coordinator.coordinator.submit(
      { source: { kind: "git", url: `${GIT_URL}/${pkg}.git`, commit: COMMIT }, newPackage: true },
      "submit:test",
    );
  };
  const restartCoordinator = async (between?: () => Promise<void>) => {
    await coordinator.stop();
    await between?.();
    coordinator = await startCoordinator(site.config.load(), { listen });
  };

  beforeAll(async () => {
    const root = await dirs.make(`spb-contract-${backend.name}`);
    running = await backend.start(root);
    site = writeSpbSite({
      root,
      // Deadlines far away: no node is lost here; the embedded lease short, for the redelivery case.
      spb: { ...running.spb, lease: 1, claimTimeout: 3600, heartbeatTimeout: 3600 },
      ...(running.host === undefined ? {} : { builderHost: running.host }),
    });
    // A port of its own, kept across coordinator restarts (workers of the embedded back end know it by URL).
    listen = `127.0.0.1:${await freePort()}`;
    coordinator = await startCoordinator(site.config.load(), { listen });
  });

  // A worker left open would keep its share of a node's queue (a broker hands it the next item).
  afterEach(async () => {
    for (const queue of workers.splice(0)) await queue.close();
  });

  afterAll(async () => {
    await coordinator?.stop();
    await running?.dispose();
  });

  it("delivers per node; an item neither acked nor released goes to the next worker; an acked one is gone", async () => {
    const job = await submit();
    const first = worker("spb1", "w-first");
    const delivered = await first.next(AbortSignal.timeout(60_000));
    expect(delivered?.item).toMatchObject({ jobId: job.id, node: "spb1", package: job.package, newPackage: true });
    expect(delivered?.item.source).toEqual({ kind: "git", url: `${GIT_URL}/${job.package}.git`, commit: COMMIT });
    // The worker dies between receipt and claim: its item goes back to the node's queue.
    await first.close();
    const second = worker("spb1", "w-second");
    const again = await second.next(AbortSignal.timeout(60_000));
    expect(again?.item.jobId).toBe(job.id);
    expect(await second.claim({ jobId: job.id, node: "spb1", workerId: "w-second", claimId: "c-second" })).toEqual({
      accepted: true,
    });
    await again?.ack();
    // spb2's item was on spb2's queue all along.
    const other = worker("spb2", "w-other");
    const theirs = await other.next(AbortSignal.timeout(60_000));
    expect(theirs?.item).toMatchObject({ jobId: job.id, node: "spb2" });
    await theirs?.ack();
    // A claim of a node another claim runs is refused.
    await second.publish(buildEvents(job.id, "spb1", "c-second", "w-second").slice(0, 1));
    await vi.waitFor(() => expect(store().job(job.id)?.nodes[0]?.state).toBe("running"), { timeout: 60_000 });
    const late = await other.claim({ jobId: job.id, node: "spb2", workerId: "w-other", claimId: "c-other" });
    expect(late).toEqual({ accepted: true });
    const stolen = await second.claim({ jobId: job.id, node: "spb1", workerId: "w-second", claimId: "c-thief" });
    expect(stolen.accepted).toBe(false);
    expect(await nextWithin(second, 1500)).toBeUndefined();
    expect(
      store()
        .job(job.id)
        ?.nodes.map((node) => node.state),
    ).toEqual(["running", "claimed"]);
  });

  it("records each event once however often it arrives, and completes the job once", async () => {
    const job = await submit();
    const [one, two] = [worker("spb1", "w-spb1"), worker("spb2", "w-spb2")];
    for (const [queue, node] of [
      [one, "spb1"],
      [two, "spb2"],
    ] as const) {
      const delivery = await queue.next(AbortSignal.timeout(60_000));
      expect(delivery?.item.jobId).toBe(job.id);
      expect(await queue.claim({ jobId: job.id, node, workerId: `w-${node}`, claimId: `c-${node}` })).toEqual({
        accepted: true,
      });
      await delivery?.ack();
    }
    const linux = buildEvents(job.id, "spb1", "c-spb1", "w-spb1");
    // Everything twice, the second time in reverse order.
    await one.publish(linux);
    await one.publish([...linux].reverse());
    const other = buildEvents(job.id, "spb2", "c-spb2", "w-spb2");
    await two.publish([other[0] as NodeEvent, other[0] as NodeEvent, ...other]);
    await vi.waitFor(() => expect(store().job(job.id)?.state).toBe("complete"), { timeout: 60_000 });
    expect(store().eventCount(job.id, "spb1")).toBe(linux.length);
    expect(store().eventCount(job.id, "spb2")).toBe(other.length);
    const view = store().job(job.id);
    expect(view?.result).toBe("OK");
    expect(view?.nodes.map((node) => [node.state, node.commit])).toEqual([
      ["done", COMMIT],
      ["done", COMMIT],
    ]);
    expect(store().log(job.id, "spb1", "checksrc")).toBe(`checksrc of ${job.id} on spb1\n`);
  });

  it("a node cannot send events for another node", async () => {
    const job = await submit();
    const [one, two] = [worker("spb1", "w-imp1"), worker("spb2", "w-imp2")];
    const delivery = await one.next(AbortSignal.timeout(60_000));
    await one.claim({ jobId: job.id, node: "spb1", workerId: "w-imp1", claimId: "c-imp1" });
    await delivery?.ack();
    const theirs = await two.next(AbortSignal.timeout(60_000));
    await theirs?.ack();
    const forged = buildEvents(job.id, "spb1", "c-imp1", "w-imp1");
    // embedded: the coordinator answers 403; rabbitmq: the broker takes it, the coordinator drops it.
    await two
      .publish(forged.slice(0, 2))
      .catch((error: unknown) => expect(String(error)).toMatch(/cannot act for node spb1/));
    await one.publish(forged.slice(2, 3));
    await vi.waitFor(() => expect(store().eventCount(job.id, "spb1")).toBe(1), { timeout: 60_000 });
    // seq 3 waits for 1 and 2, which only spb1 itself can send.
    expect(store().job(job.id)?.nodes[0]?.commit).toBeNull();
  });

  it("a coordinator restart mid-job (and a broker restart, with a broker) loses nothing and duplicates nothing", async () => {
    const job = await submit();
    const [one, two] = [worker("spb1", "w-spb1"), worker("spb2", "w-spb2")];
    for (const [queue, node] of [
      [one, "spb1"],
      [two, "spb2"],
    ] as const) {
      const delivery = await queue.next(AbortSignal.timeout(60_000));
      expect(delivery?.item.jobId).toBe(job.id);
      await queue.claim({ jobId: job.id, node, workerId: `w-${node}`, claimId: `c-rs-${node}` });
      await delivery?.ack();
    }
    const linux = buildEvents(job.id, "spb1", "c-rs-spb1", "w-spb1");
    const other = buildEvents(job.id, "spb2", "c-rs-spb2", "w-spb2");
    await one.publish(linux.slice(0, 5));
    await vi.waitFor(() => expect(store().eventCount(job.id, "spb1")).toBe(5), { timeout: 60_000 });
    // The coordinator goes down; the workers go on (publish waits for it, or the broker keeps the events).
    let laterJob = "";
    await restartCoordinator(async () => {
      const sent = Promise.all([one.publish(linux.slice(3, 12)), two.publish(other.slice(0, 8))]);
      if (backend.name === "rabbitmq") await sent;
      else void sent.catch(() => undefined);
    });
    if (running.broker !== undefined) {
      // The broker crashes (SIGKILL) with events and a submission in flight; clients reconnect and resubscribe.
      await running.broker.crash();
      const published = Promise.all([one.publish(linux.slice(10)), two.publish(other.slice(6))]);
      laterJob = (await submit()).id;
      await running.broker.start();
      await published;
    } else {
      await Promise.all([one.publish(linux.slice(10)), two.publish(other.slice(6))]);
      laterJob = (await submit()).id;
    }
    await vi.waitFor(() => expect(store().job(job.id)?.state).toBe("complete"), { timeout: 120_000 });
    expect(store().eventCount(job.id, "spb1")).toBe(linux.length);
    expect(store().eventCount(job.id, "spb2")).toBe(other.length);
    expect(store().job(job.id)?.result).toBe("OK");
    // The job submitted while the broker was down reaches both nodes once it is back.
    for (const [queue, node] of [
      [one, "spb1"],
      [two, "spb2"],
    ] as const) {
      const delivery = await queue.next(AbortSignal.timeout(120_000));
      expect(delivery?.item).toMatchObject({ jobId: laterJob, node });
      expect(await queue.claim({ jobId: laterJob, node, workerId: `w-${node}`, claimId: `c-late-${node}` })).toEqual({
        accepted: true,
      });
      await delivery?.ack();
    }
    expect(
      store()
        .job(laterJob)
        ?.nodes.map((node) => node.state),
    ).toEqual(["claimed", "claimed"]);
  });

  it("wrong credentials end in a clear error that names who, never the secret", async () => {
    const job = await submit();
    const wrong: Credential = { principal: "node:spb1", secret: "not-the-secret-of-spb1-at-all" };
    const impostor: WorkerQueue =
      backend.name === "embedded"
        ? new HttpWorkerQueue(client("spb1", wrong), "spb1", "w-wrong")
        : new RabbitWorkerQueue(brokerSettings(nodeConfig("spb1")), wrong, "spb1", "w-wrong", { claimRetryMs: 2000 });
    workers.push(impostor);
    const claim = impostor.claim({ jobId: job.id, node: "spb1", workerId: "w-wrong", claimId: "c-wrong" });
    await expect(claim).rejects.toThrow(/authenticat|refused|signed/i);
    await claim.catch((error: unknown) => expect(String(error)).not.toContain(wrong.secret));
    if (backend.name !== "rabbitmq") return;
    // A wrong broker password: the first connect fails at once, naming the broker and user.
    const settings = { ...brokerSettings(nodeConfig("spb1")), password: "wrong-broker-password" };
    const credential = clientCredential(nodeConfig("spb1")) as Credential;
    const locked = new RabbitWorkerQueue(settings, credential, "spb1", "w-locked", { log: () => undefined });
    workers.push(locked);
    const failure = await locked.next(AbortSignal.timeout(60_000)).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: "BBS_BROKER_AUTH" });
    expect(String((failure as Error).message)).toContain(`user "${settings.user}"`);
    expect(String((failure as Error).message)).not.toContain(settings.password);
    const lines: string[] = [];
    const coordinatorSide = new RabbitCoordinatorQueue(settings, [credential], { log: (line) => lines.push(line) });
    await expect(coordinatorSide.start(coordinator.coordinator.handlers)).rejects.toMatchObject({
      code: "BBS_BROKER_AUTH",
    });
    await coordinatorSide.close();
    expect(lines.join("\n")).not.toContain(settings.password);
  });
});
