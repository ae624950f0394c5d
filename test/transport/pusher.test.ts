// The asynchronous-mode pusher: its cadence (>= 10 jobs since the last push
// began and no push running; a final blocking push), that failures are
// reported and healed by the next push, and a real push over ssh.
//
// The cadence test holds each push at a gate the test opens, in front of the
// real local transport: which pushes start, and when, is the behaviour under
// test, and the gate makes it independent of timing.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { LocalTransport } from "../../src/transport/local.js";
import { BatchedPusher, type PushRecord } from "../../src/transport/pusher.js";
import { RsyncSshTransport } from "../../src/transport/rsync.js";
import type { Transport } from "../../src/transport/transport.js";
import { startSshd, type SshdFixture } from "./sshd.js";

let base: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), "bbs pusher "));
});

afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

/** A job's products land in the outbox, then the job counts as finished. */
function finishJob(pusher: BatchedPusher, outbox: string, n: number): void {
  writeFileSync(join(outbox, `pkg${n}.install-summary.dcf`), `Package: pkg${n}\nStatus: OK\n`);
  pusher.jobFinished();
}

describe("cadence", () => {
  it("pushes after 10 jobs, never two at once, and once more at the end", async () => {
    const central = join(base, "central cadence");
    const outbox = join(base, "work cadence", "products-out", "install");
    const logFile = join(base, "work cadence", "products-out", "install-push.log");
    const real = new LocalTransport({ root: central, rsync: "rsync", rsyncOptions: "-rl" });
    const gates: (() => void)[] = [];
    const gated: Pick<Transport, "put" | "location"> = {
      location: (path) => real.location(path),
      put: async (localPath, remotePath, options) => {
        await new Promise<void>((open) => gates.push(open));
        return real.put(localPath, remotePath, options);
      },
    };
    const seen: PushRecord[] = [];
    const pusher = new BatchedPusher({
      transport: gated,
      localDir: outbox,
      remoteDir: "products-in/n1/install",
      logFile,
      onPush: (record) => void seen.push(record),
    });

    for (let n = 1; n <= 9; n += 1) finishJob(pusher, outbox, n);
    expect(pusher.pushing).toBe(false);
    expect(gates).toHaveLength(0);

    finishJob(pusher, outbox, 10);
    expect(pusher.pushing).toBe(true);
    expect(gates).toHaveLength(1);

    // 15 more jobs while the first push runs: no second push starts meanwhile.
    for (let n = 11; n <= 25; n += 1) finishJob(pusher, outbox, n);
    expect(gates).toHaveLength(1);
    expect(pusher.pending).toBe(15);

    // When it ends, the 15 jobs already due start the next push at once.
    gates[0]?.();
    await vi.waitFor(() => expect(gates).toHaveLength(2));
    expect(seen.map((record) => [record.number, record.jobs, record.ok])).toEqual([[1, 10, true]]);
    expect(pusher.pending).toBe(0);

    for (let n = 26; n <= 28; n += 1) finishJob(pusher, outbox, n);
    gates[1]?.();
    await vi.waitFor(() => expect(pusher.pushing).toBe(false));
    expect(gates).toHaveLength(2); // 3 jobs are not a batch

    const finishing = pusher.finish();
    await vi.waitFor(() => expect(gates).toHaveLength(3));
    gates[2]?.();
    const report = await finishing;

    expect(report.complete).toBe(true);
    expect(report.failures).toEqual([]);
    expect(report.pushes.map((record) => [record.number, record.jobs, record.final])).toEqual([
      [1, 10, false],
      [2, 15, false],
      [3, 3, true],
    ]);
    // Each push sent what was new since the previous one (rsync skips the rest).
    expect(report.pushes[0]?.result?.transferred.length).toBeGreaterThanOrEqual(10);
    expect(report.pushes.reduce((sum, record) => sum + (record.result?.transferred.length ?? 0), 0)).toBe(28);
    for (let n = 1; n <= 28; n += 1) {
      expect(readFileSync(join(central, "products-in/n1/install", `pkg${n}.install-summary.dcf`), "utf8")).toBe(
        `Package: pkg${n}\nStatus: OK\n`,
      );
    }
    const log = readFileSync(logFile, "utf8");
    expect(log.match(/^PUSH #\d+/gm)).toEqual(["PUSH #1", "PUSH #2", "PUSH #3"]);
    expect(log).toContain("PUSH #3: LAST PUSH!");
    expect(log).toContain("Jobs finished since the previous push: 15");
    expect(log.match(/^DONE\. /gm)).toHaveLength(3);
    expect(log).toMatch(/^Command: rsync -rlt /m);

    expect(() => pusher.jobFinished()).toThrow(/after finish/);
  });

  it("makes the final push even when no batch was ever due", async () => {
    const central = join(base, "central small");
    const outbox = join(base, "work small", "products-out", "buildsrc");
    const pusher = new BatchedPusher({
      transport: new LocalTransport({ root: central, rsync: "rsync", rsyncOptions: "-rl" }),
      localDir: outbox,
      remoteDir: "products-in/n1/buildsrc",
    });
    finishJob(pusher, outbox, 1);
    expect(pusher.pushing).toBe(false);
    const report = await pusher.finish();
    expect(report.pushes.map((record) => [record.jobs, record.final, record.ok])).toEqual([[1, true, true]]);
    expect(readFileSync(join(central, "products-in/n1/buildsrc/pkg1.install-summary.dcf"), "utf8")).toContain("pkg1");
  });
});

describe("over ssh", () => {
  let sshd: SshdFixture;

  beforeAll(async () => {
    sshd = await startSshd({ stopped: true });
  });

  afterAll(async () => {
    await sshd.dispose();
  });

  function transport(root: string): RsyncSshTransport {
    return new RsyncSshTransport({
      root,
      rsync: "rsync",
      rsyncOptions: "-rl",
      host: sshd.host,
      user: sshd.user,
      ssh: sshd.sshCommand,
    });
  }

  it("reports a failed push instead of ignoring it, and the next push sends everything", async () => {
    const central = join(base, "central ssh");
    const outbox = join(base, "work ssh", "products-out", "checksrc");
    const logFile = join(base, "work ssh", "products-out", "checksrc-push.log");
    const seen: PushRecord[] = [];
    const pusher = new BatchedPusher({
      transport: transport(central),
      localDir: outbox,
      remoteDir: "products-in/n 1/checksrc",
      logFile,
      batchSize: 2,
      finalRetry: { attempts: 2, delayMs: 0 },
      onPush: (record) => void seen.push(record),
    });
    mkdirSync(join(outbox, "pkg1.Rcheck"), { recursive: true });
    writeFileSync(join(outbox, "pkg1.Rcheck", "00check.log"), "Status: OK\n");
    finishJob(pusher, outbox, 1);
    finishJob(pusher, outbox, 2); // the server is down: this background push fails
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    expect(seen[0]).toMatchObject({ number: 1, ok: false, final: false });
    expect(seen[0]?.error?.code).toBe("BBS_TRANSPORT_FAILED");
    expect(seen[0]?.error?.message).toMatch(/Connection refused/);
    expect(readFileSync(logFile, "utf8")).toMatch(
      /^FAILED: put .* -> .*products-in\/n 1\/checksrc failed: rsync exited with code \d+/m,
    );
    expect(readFileSync(logFile, "utf8")).toMatch(/^Hint: is .* up, and its sshd running\?/m);

    await sshd.start();
    finishJob(pusher, outbox, 3);
    const report = await pusher.finish();
    expect(report.complete).toBe(true);
    expect(report.failures.map((record) => record.number)).toEqual([1]);
    expect(report.pushes.at(-1)?.result?.transferred.sort()).toEqual([
      "pkg1.Rcheck/00check.log",
      "pkg1.install-summary.dcf",
      "pkg2.install-summary.dcf",
      "pkg3.install-summary.dcf",
    ]);
    expect(readFileSync(join(central, "products-in/n 1/checksrc/pkg1.Rcheck/00check.log"), "utf8")).toBe(
      "Status: OK\n",
    );
  });

  it("says the run is incomplete when the final push fails", async () => {
    await sshd.stop();
    const outbox = join(base, "work ssh down", "products-out", "install");
    const pusher = new BatchedPusher({
      transport: transport(join(base, "central down")),
      localDir: outbox,
      remoteDir: "products-in/n1/install",
      finalRetry: { attempts: 2, delayMs: 0 },
    });
    finishJob(pusher, outbox, 1);
    const report = await pusher.finish();
    expect(report.complete).toBe(false);
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]?.error?.message).toMatch(/failed after 2 attempts/);
  });
});
