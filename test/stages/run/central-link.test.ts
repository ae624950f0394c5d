// How a builder reaches its central node over ssh when something is wrong with
// the link (issue 12's defects): an unreachable port is the transport's
// failure (BBS_TRANSPORT_FAILED, exit 1, with the host, the port and how to
// test ssh by hand), a permanent one (unknown host) fails at once instead of
// waiting for run.targetRepoTimeout, an unset central.user leaves the login
// name to the ssh config's alias, and puts work without rsync's --mkpath
// (stock macOS rsync 2.6.9 / openrsync has none). No R runs here.

import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SCHEMA } from "../../../src/config/schema.js";
import { RsyncSshTransport } from "../../../src/transport/rsync.js";
import { writeTestConfig } from "../../fixtures/test-config.js";
import { useTempDirs } from "../../fixtures/tmp.js";
import { freePort, startSshd, type SshdFixture } from "../../transport/sshd.js";
import { makeCli } from "./helpers.js";

const dirs = useTempDirs();
let sshd: SshdFixture;

beforeAll(async () => {
  sshd = await startSshd();
});

afterAll(async () => {
  await sshd.dispose();
});

async function builderConfig(label: string, host: Record<string, unknown>, global: Record<string, unknown> = {}) {
  const root = await dirs.make(`central-link-${label}`);
  return writeTestConfig({
    workDir: join(root, "work"),
    global: { central: { dir: join(root, "central") }, ...global },
    host: { tools: { ssh: sshd.sshCommand }, ...host },
  });
}

describe("a builder that cannot reach its central node", () => {
  it("fails with the transport's error and hint, exit 1, once the wait for the target repo is over", async () => {
    const port = await freePort();
    const config = await builderConfig("refused", {
      centralHost: "127.0.0.1",
      tools: { ssh: `ssh -p ${port} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null` },
      run: { targetRepoPoll: 1, targetRepoTimeout: 2 },
    });
    const result = await makeCli(config).run(["run"]);
    expect(result.exitCode, result.all).toBe(1);
    expect(result.all).toMatch(/error\[BBS_TRANSPORT_FAILED\]: readText .*127\.0\.0\.1:.*run\.json failed/);
    expect(result.all).toContain(`port ${port}`);
    expect(result.all).toMatch(/Connection refused/);
    expect(result.all).toMatch(/hint: is 127\.0\.0\.1 up, and its sshd running\? Test the connection by hand: ssh -p/);
    expect(result.all).not.toContain("BBS_PRECONDITION");
  });

  it("fails at once on a permanent error (a host name that does not resolve), not after run.targetRepoTimeout", async () => {
    // The default wait is 90 minutes: retrying a permanent failure would run into the test's time limit.
    const config = await builderConfig("unresolvable", {
      centralHost: "no-such-central-node.invalid",
      tools: { ssh: "ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null" },
    });
    expect(config.load().values["run.targetRepoTimeout"]).toBe(5400);
    const result = await makeCli(config).run(["run"]);
    expect(result.exitCode, result.all).toBe(1);
    expect(result.all).toMatch(/error\[BBS_TRANSPORT_FAILED\]/);
    expect(result.all).toMatch(/hint: no-such-central-node\.invalid does not resolve: check centralHost/);
    expect(result.all).not.toMatch(/waiting for the target repo/);
  });
});

describe("central.user", () => {
  it("has no default: the User of the ssh alias logs in", async () => {
    expect("default" in SCHEMA["central.user"]).toBe(false);
    const config = await builderConfig("alias-user", {
      centralHost: sshd.host,
      run: { targetRepoPoll: 1, targetRepoTimeout: 1 },
    });
    expect(config.load().values["central.user"]).toBeUndefined();
    // The ssh login works (no "Permission denied"): the builder only finds no run there.
    const result = await makeCli(config).run(["run"]);
    expect(result.exitCode, result.all).toBe(2);
    expect(result.all).toMatch(new RegExp(`waiting for the target repo: ${sshd.host}:.*run\\.json does not exist`));
    expect(result.all).not.toMatch(/Permission denied/);
  });

  it("set, overrides the alias's User (and a wrong one is refused at once, naming central.user)", async () => {
    const config = await builderConfig("wrong-user", { centralHost: sshd.host }, { central: { user: "nobody-here" } });
    const result = await makeCli(config).run(["run"]);
    expect(result.exitCode, result.all).toBe(1);
    expect(result.all).toMatch(/Permission denied \(publickey/);
    expect(result.all).toMatch(/hint: ssh refused the login to nobody-here@bbs-test-central: .*central\.user/);
  });
});

describe("an rsync without --mkpath (stock macOS)", () => {
  it("still puts files into directories that do not exist yet on the central node", async () => {
    const root = await dirs.make("central-link-old-rsync");
    // A stand-in for rsync 2.6.9: refuses --mkpath as old versions do, runs the real rsync otherwise.
    const oldRsync = join(root, "rsync-2.6.9-stand-in");
    writeFileSync(
      oldRsync,
      [
        "#!/bin/sh",
        'for arg in "$@"; do',
        '  case "$arg" in --mkpath) echo "rsync: --mkpath: unknown option" >&2; echo "rsync error: syntax or usage error (code 1)" >&2; exit 1;; esac',
        "done",
        'exec rsync "$@"',
        "",
      ].join("\n"),
    );
    chmodSync(oldRsync, 0o755);
    const central = join(root, "central");
    mkdirSync(central);
    const transport = new RsyncSshTransport({
      root: central,
      rsync: oldRsync,
      rsyncOptions: SCHEMA["tools.rsyncOptions"].default,
      host: sshd.host,
      user: sshd.user,
      ssh: sshd.sshCommand,
    });
    const local = join(root, "summary.dcf");
    writeFileSync(local, "Package: a\n");
    await transport.put(local, "products-in/builder2/checksrc/a.checksrc-summary.dcf", { retry: { attempts: 1 } });
    expect(readFileSync(join(central, "products-in/builder2/checksrc/a.checksrc-summary.dcf"), "utf8")).toBe(
      "Package: a\n",
    );
    const tree = join(root, "NodeInfo");
    mkdirSync(tree);
    writeFileSync(join(tree, "R-version.txt"), "R 4.2\n");
    await transport.put(tree, "products-in/builder3/NodeInfo", { retry: { attempts: 1 } });
    expect(readFileSync(join(central, "products-in/builder3/NodeInfo/R-version.txt"), "utf8")).toBe("R 4.2\n");
  });
});
