// put's linkDest (rsync --link-dest) and dryRun, with real rsync, locally and
// over ssh to the real sshd fixture (same machine: the result is inspected
// directly on disk).

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SCHEMA } from "../../src/config/schema.js";
import { LocalTransport } from "../../src/transport/local.js";
import { RsyncSshTransport } from "../../src/transport/rsync.js";
import type { Transport } from "../../src/transport/transport.js";
import { startSshd, type SshdFixture } from "./sshd.js";

const rsyncOptions = SCHEMA["tools.rsyncOptions"].default;
let sshd: SshdFixture;
let base: string;

beforeAll(async () => {
  sshd = await startSshd();
  base = mkdtempSync(join(tmpdir(), "bbs put options "));
});

afterAll(async () => {
  await sshd.dispose();
  rmSync(base, { recursive: true, force: true });
});

describe.each([
  { name: "local", make: (root: string): Transport => new LocalTransport({ root, rsync: "rsync", rsyncOptions }) },
  {
    name: "ssh",
    make: (root: string): Transport =>
      new RsyncSshTransport({
        root,
        rsync: "rsync",
        rsyncOptions,
        host: sshd.host,
        user: sshd.user,
        ssh: sshd.sshCommand,
      }),
  },
])("$name put", ({ name, make }) => {
  let root: string;
  let source: string;
  let transport: Transport;

  beforeAll(() => {
    root = join(base, `dest ${name}`);
    source = join(base, `source ${name}`);
    mkdirSync(join(source, "sub dir"), { recursive: true });
    mkdirSync(root);
    writeFileSync(join(source, "same.tar.gz"), "unchanged\n");
    writeFileSync(join(source, "sub dir", "changed.txt"), "first\n");
    transport = make(root);
  });

  it("dryRun reports the transfer and changes nothing", async () => {
    const result = await transport.put(source, "releases/1", { dryRun: true });
    expect(result.transferred.sort()).toEqual(["same.tar.gz", "sub dir/changed.txt"]);
    expect(existsSync(join(root, "releases", "1", "same.tar.gz"))).toBe(false);
  });

  it("linkDest hard-links unchanged files and sends only what changed", async () => {
    await transport.put(source, "releases/1");
    writeFileSync(join(source, "sub dir", "changed.txt"), "second version\n");
    utimesSync(join(source, "sub dir", "changed.txt"), new Date(), new Date(Date.now() + 5_000));
    const result = await transport.put(source, "releases/2", { linkDest: "releases/1" });
    expect(result.transferred).toEqual(["sub dir/changed.txt"]);
    expect(statSync(join(root, "releases", "2", "same.tar.gz")).ino).toBe(
      statSync(join(root, "releases", "1", "same.tar.gz")).ino,
    );
    expect(readFileSync(join(root, "releases", "2", "sub dir", "changed.txt"), "utf8")).toBe("second version\n");
    expect(readFileSync(join(root, "releases", "1", "sub dir", "changed.txt"), "utf8")).toBe("first\n");
  });
});
