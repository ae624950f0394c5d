// The SPB job store and state machine on a real SQLite file: explicit
// expected nodes, claims, idempotent events applied in order, deadlines, the
// completion outbox, and a reopened store (a restarted coordinator) that
// carries on where it was.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { NodeEvent, StepStatus } from "../../src/spb/model.js";
import { jobResult, nodeCells, type NodeSnapshot } from "../../src/spb/state.js";
import { SpbStore, type NewJob } from "../../src/spb/store/store.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function openStore(path?: string): SpbStore {
  const file = path ?? join(mkdtempSync(join(tmpdir(), "bbs-spb-store-")), "spb.db");
  if (path === undefined) dirs.push(join(file, ".."));
  return SpbStore.open(file, { subscribers: ["tracker"] });
}

const JOB: NewJob = {
  package: "tinyPkg",
  source: { kind: "git", url: "file:///git/tinyPkg.git", commit: "abc123" },
  issue: 42,
  newPackage: true,
  biocVersion: "3.16",
  nodes: ["linux1", "mac1"],
  submittedBy: "submit:test",
};

function events(jobId: string, node: string, claimId: string, bodies: Array<Record<string, unknown>>): NodeEvent[] {
  return bodies.map(
    (body, index) => ({ jobId, node, claimId, seq: index + 1, at: new Date().toISOString(), ...body }) as NodeEvent,
  );
}

function fullBuild(jobId: string, node: string, claimId: string, check: StepStatus = "OK"): NodeEvent[] {
  const steps: Array<[string, StepStatus]> = [
    ["source", "OK"],
    ["deps", "OK"],
    ["install", "OK"],
    ["buildsrc", "OK"],
    ["checksrc", check],
    ["biocgitclone", "OK"],
    ["bioccheck", "OK"],
    ["buildbin", "skipped"],
  ];
  return events(jobId, node, claimId, [
    {
      type: "started",
      workerId: `w-${node}`,
      info: {
        hostname: node,
        os: "Linux",
        arch: "x86_64",
        platform: "x86_64-pc-linux-gnu",
        rVersion: "4.2.2",
        bbsVersion: "0.1.0",
      },
    },
    { type: "source", commit: "abc123def", version: "1.0.0", maintainer: "M <m@example.org>" },
    ...steps.flatMap(([step, status]) => [
      { type: "step-started", step, command: ["R", "CMD", step] },
      { type: "log", step, offset: 0, text: `${step} log\n` },
      { type: "step-finished", step, status, retCode: 0, elapsedSeconds: 1 },
    ]),
    { type: "finished", outcome: "completed" },
  ]);
}

describe("SpbStore", () => {
  it("records a job with its expected nodes, job ids counting per package", () => {
    const store = openStore();
    const first = store.createJob(JOB, 60_000);
    const second = store.createJob(JOB, 60_000);
    expect(first.job.id).toBe("tinyPkg-1");
    expect(second.job.id).toBe("tinyPkg-2");
    expect(first.items.map((item) => item.node)).toEqual(["linux1", "mac1"]);
    expect(first.job.nodes.map((node) => node.state)).toEqual(["queued", "queued"]);
    expect(first.job.state).toBe("queued");
    expect(store.unenqueued()).toHaveLength(4);
    store.markEnqueued("tinyPkg-1", "linux1");
    expect(store.unenqueued()).toHaveLength(3);
    store.close();
  });

  it("claims: the first wins, a claim that never started is superseded, a running one is not", () => {
    const store = openStore();
    const { job } = store.createJob(JOB, 60_000);
    expect(store.claim({ jobId: job.id, node: "linux1", workerId: "w1", claimId: "c1" })).toEqual({ accepted: true });
    expect(store.claim({ jobId: job.id, node: "linux1", workerId: "w1", claimId: "c1" })).toEqual({ accepted: true });
    // w1 died before its ack; the redelivered item is claimed again by the restarted worker.
    expect(store.claim({ jobId: job.id, node: "linux1", workerId: "w2", claimId: "c2" })).toEqual({ accepted: true });
    expect(store.job(job.id)?.state).toBe("running");
    store.applyEvents(fullBuild(job.id, "linux1", "c2").slice(0, 1));
    const refused = store.claim({ jobId: job.id, node: "linux1", workerId: "w3", claimId: "c3" });
    expect(refused.accepted).toBe(false);
    // Events of the superseded claim are refused.
    const stale = store.applyEvents(events(job.id, "linux1", "c1", [{}, { type: "finished", outcome: "completed" }]));
    expect(stale.recorded).toBe(0);
    expect(store.job(job.id)?.nodes[0]?.state).toBe("running");
    store.close();
  });

  it("events: the same event twice is one row; out of order they are applied in seq order; the job completes once", () => {
    const store = openStore();
    const { job } = store.createJob(JOB, 60_000);
    store.claim({ jobId: job.id, node: "linux1", workerId: "w1", claimId: "c1" });
    store.claim({ jobId: job.id, node: "mac1", workerId: "w2", claimId: "c2" });
    const linux = fullBuild(job.id, "linux1", "c1");
    const first = store.applyEvents([linux[0] as NodeEvent, linux[0] as NodeEvent]);
    expect(first).toMatchObject({ recorded: 1, duplicates: 1 });
    // Everything but seq 2, then seq 2: nothing is applied past the gap until it is filled.
    store.applyEvents(linux.slice(2));
    expect(store.job(job.id)?.nodes[0]?.commit).toBeNull();
    expect(store.job(job.id)?.nodes[0]?.state).toBe("running");
    store.applyEvents(linux.slice(1, 2));
    const node = store.job(job.id)?.nodes[0];
    expect(node?.state).toBe("done");
    expect(node?.commit).toBe("abc123def");
    expect(node?.cells).toEqual({ install: "OK", build: "OK", check: "OK", bioccheck: "OK", buildbin: "skipped" });
    expect(node?.steps.find((step) => step.step === "buildsrc")?.command).toEqual(["R", "CMD", "buildsrc"]);
    expect(store.eventCount(job.id, "linux1")).toBe(linux.length);
    expect(store.log(job.id, "linux1", "checksrc")).toBe("checksrc log\n");
    const done = store.applyEvents(fullBuild(job.id, "mac1", "c2", "WARNINGS"));
    expect(done.completedJobs).toEqual([job.id]);
    expect(store.applyEvents(fullBuild(job.id, "mac1", "c2")).completedJobs).toEqual([]);
    expect(store.job(job.id)).toMatchObject({ state: "complete", result: "WARNINGS" });
    expect(store.dueOutbox("tracker").map((entry) => entry.jobId)).toEqual([job.id]);
    store.close();
  });

  it("deadlines: a node that never claims and one that stops heart-beating are lost; the job completes ABNORMAL for them", () => {
    const store = openStore();
    const now = Date.now();
    const { job } = store.createJob(JOB, 1_000, now);
    store.claim({ jobId: job.id, node: "linux1", workerId: "w1", claimId: "c1" }, now);
    store.applyEvents(fullBuild(job.id, "linux1", "c1").slice(0, 4), now);
    expect(store.expire(5_000, now + 500).lost).toEqual([]);
    const first = store.expire(5_000, now + 1_000);
    expect(first.lost.map((node) => node.node)).toEqual(["mac1"]);
    expect(first.lost[0]?.reason).toMatch(/did not claim/);
    store.heartbeat({ node: "linux1", workerId: "w-linux1", at: new Date().toISOString(), jobId: job.id }, now + 3_000);
    expect(store.expire(5_000, now + 7_000).lost).toEqual([]);
    const second = store.expire(5_000, now + 8_000);
    expect(second.lost.map((node) => node.node)).toEqual(["linux1"]);
    expect(second.completedJobs).toEqual([job.id]);
    const view = store.job(job.id);
    expect(view?.result).toBe("ABNORMAL");
    expect(view?.nodes.map((node) => node.state)).toEqual(["lost", "lost"]);
    expect(view?.nodes[0]?.cells.check).toBe("ABNORMAL");
    // Late events of a lost node change nothing.
    store.applyEvents(fullBuild(job.id, "linux1", "c1").slice(4), now + 9_000);
    expect(store.job(job.id)?.nodes[0]?.state).toBe("lost");
    store.close();
  });

  it("a reopened store (coordinator restart) keeps every job, and grace keeps downtime from counting", () => {
    const dir = mkdtempSync(join(tmpdir(), "bbs-spb-store-"));
    dirs.push(dir);
    const path = join(dir, "spb.db");
    const now = Date.now();
    let store = openStore(path);
    const { job } = store.createJob(JOB, 1_000, now);
    store.claim({ jobId: job.id, node: "linux1", workerId: "w1", claimId: "c1" }, now);
    store.close();
    store = openStore(path);
    store.grantGrace(10_000, now + 60_000);
    expect(store.expire(5_000, now + 61_000).lost).toEqual([]);
    expect(store.job(job.id)?.nodes.map((node) => node.state)).toEqual(["claimed", "queued"]);
    store.close();
  });

  it("the embedded queue table: lease, redelivery after the lease, ack", () => {
    const store = openStore();
    const now = Date.now();
    const { items } = store.createJob(JOB, 60_000, now);
    for (const item of items) store.putDelivery(item, now);
    expect(store.leaseDelivery("linux1", "w1", 1_000, now)?.jobId).toBe("tinyPkg-1");
    expect(store.leaseDelivery("linux1", "w2", 1_000, now + 10)).toBeUndefined();
    expect(store.leaseDelivery("linux1", "w2", 1_000, now + 1_000)?.jobId).toBe("tinyPkg-1");
    store.ackDelivery("tinyPkg-1", "linux1", "w2");
    expect(store.leaseDelivery("linux1", "w3", 1_000, now + 5_000)).toBeUndefined();
    expect(store.leaseDelivery("mac1", "w3", 1_000, now)?.node).toBe("mac1");
    store.close();
  });
});

describe("overall result (spec 2.7, 9.10)", () => {
  const node = (statuses: Partial<Record<string, StepStatus>>, extra: Partial<NodeSnapshot> = {}): NodeSnapshot => ({
    state: "done",
    outcome: "completed",
    steps: new Map(Object.entries(statuses)) as NodeSnapshot["steps"],
    runningStep: null,
    ...extra,
  });
  const clean = {
    source: "OK",
    deps: "OK",
    install: "OK",
    buildsrc: "OK",
    checksrc: "OK",
    biocgitclone: "OK",
    bioccheck: "OK",
    buildbin: "skipped",
  } as const;

  it("OK only when every node is OK, skipped or UNSUPPORTED; else the distinct problems, worst first", () => {
    expect(jobResult([node(clean), node({}, { outcome: "unsupported" })])).toBe("OK");
    expect(jobResult([node({ ...clean, checksrc: "WARNINGS" }), node({ ...clean, bioccheck: "ERROR" })])).toBe(
      "ERROR, WARNINGS",
    );
    expect(jobResult([node(clean), node({}, { state: "lost", outcome: null })])).toBe("ABNORMAL");
    expect(jobResult([node({}, { state: "lost", outcome: null })])).toBe("ABNORMAL");
    expect(jobResult([])).toBe("ABNORMAL");
  });

  it("a failed build skips the later columns; BiocCheck is the worse of its two steps", () => {
    const cells = nodeCells(
      node({
        source: "OK",
        deps: "OK",
        install: "OK",
        buildsrc: "ERROR",
        checksrc: "skipped",
        biocgitclone: "WARNINGS",
        bioccheck: "skipped",
        buildbin: "skipped",
      }),
    );
    expect(cells).toEqual({
      install: "OK",
      build: "ERROR",
      check: "skipped",
      bioccheck: "WARNINGS",
      buildbin: "skipped",
    });
    expect(nodeCells(node({ source: "OK" }, { state: "running", runningStep: "install" })).install).toBe("running");
  });
});
