// Failures with real rsync and ssh: an unknown host fails at once, a refused
// connection is retried per policy (and succeeds once the server is back), a
// refused key fails at once, and a transfer killed midway (timeout or abort)
// leaves the old file under the final name, no half-written one, and no
// process behind.

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { TransportError } from "../../src/transport/errors.js";
import { LocalTransport } from "../../src/transport/local.js";
import { RsyncSshTransport } from "../../src/transport/rsync.js";
import type { AttemptFailure, Transport } from "../../src/transport/transport.js";
import { startSshd, type SshdFixture } from "./sshd.js";

let sshd: SshdFixture;
let base: string;
let bigFile: string;
/** Unique, space-free part of `base`: ssh's own command line shows the remote path backslash-escaped. */
let marker: string;

beforeAll(async () => {
  sshd = await startSshd();
  base = mkdtempSync(join(tmpdir(), "bbs transport failures "));
  marker = base.split(" ").pop() as string;
  // Random bytes do not compress, so rsync -z cannot shortcut the throttled transfer.
  bigFile = join(base, "big file.tar.gz");
  writeFileSync(bigFile, randomBytes(16 * 1024 * 1024));
});

afterAll(async () => {
  await sshd.dispose();
  rmSync(base, { recursive: true, force: true });
});

function sshTransport(root: string, fixture: SshdFixture = sshd, ssh = fixture.sshCommand): RsyncSshTransport {
  return new RsyncSshTransport({
    root,
    rsync: "rsync",
    rsyncOptions: "-rl",
    host: fixture.host,
    user: fixture.user,
    ssh,
    killGraceMs: 2_000,
  });
}

/** Command lines of live processes mentioning `marker` (rsync, ssh, the remote rsync under sshd). */
function processesMentioning(marker: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      if (cmdline.includes(marker)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

function caught(promise: Promise<unknown>): Promise<TransportError> {
  return promise.then(
    () => {
      throw new Error("expected a TransportError");
    },
    (error: unknown) => {
      expect(error).toBeInstanceOf(TransportError);
      return error as TransportError;
    },
  );
}

describe("connection failures", () => {
  it("fails at once, naming the host, when the host name does not resolve", async () => {
    const transport = new RsyncSshTransport({
      root: "/srv/central",
      rsync: "rsync",
      rsyncOptions: "-rl",
      host: "no-such-central.invalid",
      user: "biocbuild",
      ssh: "ssh",
    });
    // Default policies (5 attempts 30 s apart for put): a name that does not resolve is not retried.
    const put = await caught(transport.put(bigFile, "x.tar.gz"));
    expect(put).toMatchObject({ code: "BBS_TRANSPORT_FAILED", operation: "put", attempts: 1, permanent: true });
    expect(put.message).toContain("biocbuild@no-such-central.invalid:/srv/central/x.tar.gz");
    expect(put.message).toContain("Could not resolve hostname no-such-central.invalid");
    expect(put.hint).toMatch(/centralHost/);
    expect(put.hint).toContain("ssh -o BatchMode=yes -o ConnectTimeout=30 biocbuild@no-such-central.invalid true");

    const mkdirs = await caught(transport.mkdirs("products-in/n1"));
    expect(mkdirs.message).toMatch(
      /^mkdirs biocbuild@no-such-central\.invalid:\/srv\/central\/products-in\/n1 failed: ssh exited with code 255/,
    );
    expect((await caught(transport.exists("x"))).hint).toMatch(/centralHost/);
    expect((await caught(transport.list("x"))).hint).toMatch(/centralHost/);
  });

  it("retries a refused connection per policy and reports every attempt", async () => {
    const down = await startSshd({ stopped: true });
    try {
      const transport = sshTransport("/tmp", down);
      const retries: AttemptFailure[] = [];
      const error = await caught(
        transport.put(bigFile, "never.tar.gz", {
          retry: { attempts: 3, delayMs: 0 },
          onRetry: (failure) => void retries.push(failure),
        }),
      );
      expect(error).toMatchObject({ attempts: 3, permanent: false });
      expect(error.message).toMatch(/failed after 3 attempts: rsync exited with code \d+: .*Connection refused/s);
      expect(error.hint).toContain(`is ${down.user}@${down.host} up, and its sshd running?`);
      expect(retries.map((failure) => [failure.attempt, failure.attempts])).toEqual([
        [1, 3],
        [2, 3],
      ]);
    } finally {
      await down.dispose();
    }
  });

  it("succeeds on a later attempt once the server is back", async () => {
    const later = await startSshd({ stopped: true });
    try {
      const root = join(base, "central later");
      const transport = sshTransport(root, later);
      const source = join(base, "summary.dcf");
      writeFileSync(source, "Status: OK\n");
      const result = await transport.put(source, "products-in/n1/A.install-summary.dcf", {
        retry: { attempts: 3, delayMs: 0 },
        onRetry: async () => {
          if (!later.running) await later.start();
        },
      });
      expect(result.attempts).toBe(2);
      expect(readFileSync(join(root, "products-in/n1/A.install-summary.dcf"), "utf8")).toBe("Status: OK\n");
    } finally {
      await later.dispose();
    }
  });

  it("fails at once when the server refuses the key", async () => {
    const stranger = join(sshd.dir, "stranger_key");
    const keygen = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", stranger], { encoding: "utf8" });
    expect(keygen.status).toBe(0);
    const config = join(sshd.dir, "stranger_config");
    writeFileSync(
      config,
      readFileSync(sshd.sshConfigPath, "utf8").replace(/IdentityFile .*/, `IdentityFile ${stranger}`),
    );
    const transport = sshTransport("/tmp", sshd, `ssh -F ${config}`);
    const error = await caught(transport.readText("etc/hostname"));
    expect(error).toMatchObject({ attempts: 1, permanent: true });
    expect(error.message).toContain("Permission denied (publickey)");
    expect(error.hint).toMatch(/authorized keys/);
  });
});

describe("a transfer killed midway", () => {
  const kinds: { name: string; make: (root: string) => Transport }[] = [
    {
      name: "local",
      make: (root) => new LocalTransport({ root, rsync: "rsync", rsyncOptions: "-rl", killGraceMs: 2_000 }),
    },
    { name: "rsync over ssh", make: (root) => sshTransport(root) },
  ];

  describe.each(kinds)("$name", ({ name, make }) => {
    let root: string;
    let transport: Transport;
    const finalName = "products-in/n1/buildsrc/A_1.0.tar.gz";

    beforeAll(async () => {
      root = join(base, `central killed ${name.replaceAll(" ", "-")}`);
      transport = make(root);
      const previous = join(base, "previous.tar.gz");
      writeFileSync(previous, "the good previous tarball\n");
      await transport.put(previous, finalName);
    });

    /** Waits until rsync's temporary file for `A_1.0.tar.gz` has data on the receiving side. */
    async function temporaryFileGrowing(): Promise<void> {
      const dir = join(root, "products-in/n1/buildsrc");
      await vi.waitFor(
        () => {
          const temporary = readdirSync(dir).filter((entry) => entry.startsWith(".A_1.0.tar.gz."));
          expect(temporary.length).toBeGreaterThan(0);
        },
        { timeout: 60_000, interval: 100 },
      );
    }

    async function expectCleanAfterKill(): Promise<void> {
      // The good file is intact under its final name; no process of the transfer survives.
      expect(readFileSync(join(root, finalName), "utf8")).toBe("the good previous tarball\n");
      await vi.waitFor(() => expect(processesMentioning(marker)).toEqual([]), { timeout: 30_000, interval: 200 });
      expect(readFileSync(join(root, finalName), "utf8")).toBe("the good previous tarball\n");
      // rsync removed its temporary file when it was told to stop (or lost its peer).
      expect(readdirSync(join(root, "products-in/n1/buildsrc"))).toEqual(["A_1.0.tar.gz"]);
    }

    it("on abort: cancelled, old file intact, no process left", async () => {
      const controller = new AbortController();
      const put = caught(
        transport.put(bigFile, finalName, { bandwidthLimit: 256, signal: controller.signal, retry: { attempts: 3 } }),
      );
      await temporaryFileGrowing();
      const during = processesMentioning(marker);
      expect(during.some((line) => / rsync /.test(` ${line}`))).toBe(true);
      if (name !== "local") expect(during.some((line) => /^\d+: ssh /.test(line))).toBe(true);
      controller.abort();
      const error = await put;
      expect(error).toMatchObject({ operation: "put", attempts: 1, permanent: true, reason: "cancelled" });
      await expectCleanAfterKill();
    });

    it("on timeout: process group killed, old file intact, no process left", async () => {
      const error = await caught(
        transport.put(bigFile, finalName, {
          bandwidthLimit: 256,
          retry: { attempts: 1, timeoutMs: 3_000, bytesPerSecond: 1e12 },
        }),
      );
      expect(error.message).toMatch(/failed: timed out after 3 s \(process group killed\)/);
      expect(error.permanent).toBe(false);
      expect(error.hint).toMatch(/slow or stalled/);
      await expectCleanAfterKill();
    });
  });

  it("leaves nothing of a killed get under the local target", async () => {
    const root = join(base, "central get");
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, "big.tar.gz"), readFileSync(bigFile));
    const local = join(base, "got", "big.tar.gz");
    mkdirSync(join(base, "got"), { recursive: true });
    writeFileSync(local, "old\n");
    const controller = new AbortController();
    const get = caught(sshTransport(root).get("big.tar.gz", local, { bandwidthLimit: 256, signal: controller.signal }));
    await vi.waitFor(
      () => expect(readdirSync(join(base, "got")).some((entry) => entry.includes("bbs-get"))).toBe(true),
      { timeout: 60_000 },
    );
    controller.abort();
    expect((await get).reason).toBe("cancelled");
    expect(readFileSync(local, "utf8")).toBe("old\n");
    expect(readdirSync(join(base, "got"))).toEqual(["big.tar.gz"]);
  });
});
