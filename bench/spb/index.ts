// The SPB benchmark: how many submissions per minute the coordinator
// accepts (HTTP POST /api/v1/jobs, authenticated) and dispatches to every
// node until the jobs complete, and how many worker events per second reach
// the job store, on each queue back end, side by side in one run. The
// coordinator runs in this process with its real store and back end; the
// workers are stand-ins (`standInWorker`: no R, no build) that claim, ack
// and report a build in three events, so what is measured is the
// coordinator and the queue. The RabbitMQ back end uses a broker of its own
// (test/fixtures/rabbitmq.ts), started untimed.
//
// Options: --jobs N      submissions (default 200)
//          --events N    events of one node's build, per message size (default 4000)
//          --backends a,b   back ends to measure (default embedded,rabbitmq)

import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.js";
import { SpbClient } from "../../src/spb/client.js";
import type { NodeEvent } from "../../src/spb/model.js";
import { backendFactories } from "../../src/spb/queue/registry.js";
import type { QueueBackendName, WorkerQueue } from "../../src/spb/queue/types.js";
import { startCoordinator, type RunningCoordinator } from "../../src/spb/serve.js";
import { clientCredential } from "../../src/spb/settings.js";
import { startRabbitMq, type RabbitMqFixture } from "../../test/fixtures/rabbitmq.js";
import { freePort } from "../../test/transport/sshd.js";
import { writeSpbSite, type SpbSite } from "../../test/spb/fixtures.js";
import { numberOption, optionValue, type Benchmark } from "../types.js";

const NODES = ["spb1", "spb2"] as const;
const COMMIT = "0123456789abcdef0123456789abcdef01234567";

interface Figures {
  acceptedPerMinute: number;
  completedPerMinute: number;
  /** Events per second by events per message. */
  eventsPerSecond: Map<number, number>;
}

/** The events of a stand-in build: started, what was built, `logs` log events, finished. */
function standInEvents(jobId: string, node: string, claimId: string, workerId: string, logs = 0): NodeEvent[] {
  const at = new Date().toISOString();
  const base = { jobId, node, claimId, at };
  const events: NodeEvent[] = [
    {
      ...base,
      seq: 1,
      type: "started",
      workerId,
      info: { hostname: node, os: "Linux", arch: "x86_64", platform: "stand-in", rVersion: "none", bbsVersion: "0" },
    },
    { ...base, seq: 2, type: "source", commit: COMMIT, version: "1.0.0", maintainer: null },
  ];
  for (let i = 0; i < logs; i += 1)
    events.push({ ...base, seq: 3 + i, type: "log", step: "checksrc", offset: i * 64, text: `${"x".repeat(63)}\n` });
  events.push({ ...base, seq: 3 + logs, type: "finished", outcome: "completed" });
  return events;
}

/**
 * A stand-in for `bbs spb worker` (no R): takes each delivery, claims it,
 * acks it and reports a build; `logs(jobId)` log events, `perMessage` per publish.
 */
async function standInWorker(
  queue: WorkerQueue,
  workerId: string,
  signal: AbortSignal,
  logs: (jobId: string) => { count: number; perMessage: number },
): Promise<void> {
  let claims = 0;
  for (;;) {
    const delivery = await queue.next(signal).catch(() => undefined);
    if (delivery === undefined) return;
    const { jobId, node } = delivery.item;
    claims += 1;
    const claimId = `${workerId}-${claims}`;
    try {
      const decision = await queue.claim({ jobId, node, workerId, claimId }, signal);
      await delivery.ack();
      if (!decision.accepted) continue;
      const { count, perMessage } = logs(jobId);
      const events = standInEvents(jobId, node, claimId, workerId, count);
      for (let start = 0; start < events.length; start += perMessage)
        await queue.publish(events.slice(start, start + perMessage), signal);
    } catch (error) {
      // Stopped mid-delivery (the measurement is over, e.g. a redelivered
      // job's events): end quietly; any other failure is the bench's.
      if (signal.aborted) return;
      throw error;
    }
  }
}

async function measure(
  name: QueueBackendName,
  broker: RabbitMqFixture | undefined,
  options: { jobs: number; events: number },
): Promise<Figures> {
  const root = mkdtempSync(join(tmpdir(), `bbs-bench-spb-${name}-`));
  let running: RunningCoordinator | undefined;
  const stop = new AbortController();
  const workers: WorkerQueue[] = [];
  try {
    const listen = `127.0.0.1:${await freePort()}`;
    const site: SpbSite = writeSpbSite({
      root,
      nodes: [...NODES],
      spb: {
        queue: name,
        url: `http://${listen}`,
        claimTimeout: 3600,
        heartbeatTimeout: 3600,
        ...(broker === undefined ? {} : { rabbitmq: { vhost: broker.vhost, prefix: `bench.${Date.now()}` } }),
      },
      ...(broker === undefined
        ? {}
        : {
            builderHost: {
              spb: {
                rabbitmq: { port: broker.stompPort, user: broker.user, passwordFile: broker.passwordFile },
              },
            },
          }),
    });
    running = await startCoordinator(site.config.load(), { listen });
    const coordinator = running.coordinator;
    const completed = new Set<string>();
    let onComplete: () => void = () => undefined;
    coordinator.changes.on("change", (change) => {
      if (change.type === "job" && change.state === "complete" && !completed.has(change.jobId)) {
        completed.add(change.jobId);
        onComplete();
      }
    });
    const until = (count: number): Promise<void> =>
      new Promise((resolve) => {
        onComplete = () => {
          if (completed.size >= count) resolve();
        };
        onComplete();
      });
    let logs: (jobId: string) => { count: number; perMessage: number } = () => ({ count: 0, perMessage: 10 });
    const loops = NODES.map((node) => {
      const config = loadConfig(site.config.dir, node, { env: {} });
      const client = new SpbClient(`http://${listen}`, clientCredential(config));
      const queue = backendFactories(name).worker(config, client, node, `stand-in-${node}`);
      workers.push(queue);
      return standInWorker(queue, `stand-in-${node}`, stop.signal, (jobId) => logs(jobId));
    });
    const operator = new SpbClient(`http://${listen}`, site.credentials.get("submit:bot"));

    // Submissions: 4 clients at once, as a tracker bot and git hooks would.
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < options.jobs) {
          next += 1;
          await operator.request("POST", "/api/v1/jobs", {
            body: { git: { url: `https://git.example.org/packages/benchPkg${next}.git`, commit: COMMIT } },
          });
        }
      }),
    );
    const acceptedMs = performance.now() - started;
    await until(options.jobs);
    const completedMs = performance.now() - started;

    // Events: one job whose spb1 build sends `events` log events, n per message.
    const eventsPerSecond = new Map<number, number>();
    for (const perMessage of [1, 100]) {
      const count = perMessage === 1 ? Math.max(1, Math.round(options.events / 10)) : options.events;
      logs = () => ({ count, perMessage });
      const before = completed.size;
      const eventsStarted = performance.now();
      await operator.request("POST", "/api/v1/jobs", {
        body: { git: { url: `https://git.example.org/packages/benchEvents${perMessage}.git`, commit: COMMIT } },
      });
      await until(before + 1);
      eventsPerSecond.set(perMessage, (count + 3) / ((performance.now() - eventsStarted) / 1000));
    }
    stop.abort();
    for (const queue of workers) await queue.close();
    await Promise.all(loops);
    return {
      acceptedPerMinute: options.jobs / (acceptedMs / 60_000),
      completedPerMinute: options.jobs / (completedMs / 60_000),
      eventsPerSecond,
    };
  } finally {
    stop.abort();
    for (const queue of workers) await queue.close().catch(() => undefined);
    await running?.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

export const spbBenchmark: Benchmark = {
  name: "spb",
  description: "SPB coordinator: submissions/min accepted and dispatched, event throughput, per queue back end",
  async run(args) {
    const jobs = numberOption(args, "jobs", 200);
    const events = numberOption(args, "events", 4000);
    const names = (optionValue(args, "backends") ?? "embedded,rabbitmq").split(",") as QueueBackendName[];
    const results = new Map<QueueBackendName, Figures>();
    for (const name of names) {
      if (name !== "embedded" && name !== "rabbitmq") throw new Error(`--backends: unknown back end ${name}`);
      const broker = name === "rabbitmq" ? await startRabbitMq({ label: "bench" }) : undefined;
      try {
        results.set(name, await measure(name, broker, { jobs, events }));
      } finally {
        await broker?.dispose();
      }
    }
    process.stdout.write(
      `${jobs} submissions by 4 clients; 2 nodes, one in-process stand-in worker each (no R); ` +
        `load average ${loadavg()
          .map((v) => v.toFixed(2))
          .join(" ")}\n`,
    );
    const columns = [...results.keys()];
    const ratio = columns.length === 2 ? `  ${columns[1]}/${columns[0]}` : "";
    process.stdout.write(`${"".padEnd(34)}${columns.map((c) => c.padStart(12)).join("")}${ratio}\n`);
    const row = (label: string, value: (f: Figures) => number): void => {
      const values = columns.map((c) => value(results.get(c) as Figures));
      const shown = values.map((v) => v.toFixed(0).padStart(12)).join("");
      const r =
        values.length === 2 ? `  ${((values[1] as number) / (values[0] as number)).toFixed(2).padStart(8)}` : "";
      process.stdout.write(`${label.padEnd(34)}${shown}${r}\n`);
    };
    row("submissions accepted / min", (f) => f.acceptedPerMinute);
    row("jobs dispatched and complete / min", (f) => f.completedPerMinute);
    row("events / s, 1 per message", (f) => f.eventsPerSecond.get(1) ?? 0);
    row("events / s, 100 per message", (f) => f.eventsPerSecond.get(100) ?? 0);
  },
};
