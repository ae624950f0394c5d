// Pieces of push that the end-to-end tests do not reach on their own: which
// releases a push removes, and destination scripts too long for a command
// line (thousands of superseded files to keep), locally and over ssh.

import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SCHEMA } from "../../src/config/schema.js";
import { releasesToRemove, runDestinationScript } from "../../src/propagation/destination.js";
import { LocalTransport, RsyncSshTransport, type Transport } from "../../src/transport/index.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { startSshd, type SshdFixture } from "../transport/sshd.js";

const dirs = useTempDirs();
let sshd: SshdFixture;

beforeAll(async () => {
  sshd = await startSshd();
});

afterAll(async () => {
  await sshd.dispose();
});

describe("releasesToRemove", () => {
  it("keeps the current release and the keep - 1 published before it; partial releases go", () => {
    const state = { releases: ["r1", "r2", "r3", "r4-partial", "r5"], published: ["r1", "r2", "r3", "r5"] };
    expect(releasesToRemove(state, "r5", 2)).toEqual(["r1", "r2", "r4-partial"]);
    expect(releasesToRemove(state, "r5", 3)).toEqual(["r1", "r4-partial"]);
    // A release published twice (a rollback, then a push of it again) counts once.
    expect(releasesToRemove({ releases: ["a", "b", "c"], published: ["a", "b", "a", "c"] }, "c", 2)).toEqual(["b"]);
    expect(releasesToRemove({ releases: ["a", "b", "c"], published: ["a", "b", "c"] }, "c", 2)).toEqual(["a"]);
  });
});

describe.each([
  {
    name: "local",
    make: (root: string): Transport =>
      new LocalTransport({ root, rsync: "rsync", rsyncOptions: SCHEMA["tools.rsyncOptions"].default }),
  },
  {
    name: "ssh",
    make: (root: string): Transport =>
      new RsyncSshTransport({
        root,
        rsync: "rsync",
        rsyncOptions: SCHEMA["tools.rsyncOptions"].default,
        host: sshd.host,
        user: sshd.user,
        ssh: sshd.sshCommand,
      }),
  },
])("destination scripts ($name)", ({ make }) => {
  it("runs a script longer than a command line may be, and leaves no script file behind", async () => {
    const root = await dirs.make("push-script");
    mkdirSync(join(root, ".bbs"));
    const lines = Array.from({ length: 3000 }, (_, i) => `touch 'file with a long name number ${i}.tar.gz'`);
    const output = await runDestinationScript(make(root), `${lines.join("\n")}\necho done`);
    expect(output).toBe("done\n");
    expect(readdirSync(root).filter((name) => name.endsWith(".tar.gz"))).toHaveLength(3000);
    expect(readdirSync(join(root, ".bbs"))).toEqual([]);
  });

  it("stops at the first failing command (set -e)", async () => {
    const root = await dirs.make("push-script-fail");
    await expect(runDestinationScript(make(root), "false\ntouch after")).rejects.toMatchObject({
      code: "BBS_TRANSPORT_FAILED",
    });
    expect(readdirSync(root)).toEqual([]);
  });
});
