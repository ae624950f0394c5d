// The Transport contract, run against both implementations with real rsync:
// the local one, and rsync over ssh to a real sshd on 127.0.0.1 (test/transport/sshd.ts).
// Every path has spaces; names have quotes and non-ASCII characters.

import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SCHEMA } from "../../src/config/schema.js";
import { TransportError } from "../../src/transport/errors.js";
import { LocalTransport } from "../../src/transport/local.js";
import { RsyncSshTransport } from "../../src/transport/rsync.js";
import type { Transport } from "../../src/transport/transport.js";
import { startSshd, type SshdFixture } from "./sshd.js";

const rsyncOptions = SCHEMA["tools.rsyncOptions"].default;

let sshd: SshdFixture;
let base: string;

beforeAll(async () => {
  sshd = await startSshd();
  base = mkdtempSync(join(tmpdir(), "bbs transport "));
});

afterAll(async () => {
  await sshd.dispose();
  rmSync(base, { recursive: true, force: true });
});

const kinds: { name: string; make: (root: string) => Transport }[] = [
  { name: "local", make: (root) => new LocalTransport({ root, rsync: "rsync", rsyncOptions }) },
  {
    name: "rsync over ssh",
    make: (root) =>
      new RsyncSshTransport({
        root,
        rsync: "rsync",
        rsyncOptions,
        host: sshd.host,
        user: sshd.user,
        ssh: sshd.sshCommand,
      }),
  },
];

/** Every file under a directory with its content (symlinks as `-> target`). */
function tree(dir: string, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) out[prefix + name] = `-> ${readlinkSync(path)}`;
    else if (stat.isDirectory()) Object.assign(out, tree(path, `${prefix}${name}/`));
    else out[prefix + name] = readFileSync(path, "utf8");
  }
  return out;
}

describe.each(kinds)("$name transport", ({ name, make }) => {
  let root: string;
  let work: string;
  let transport: Transport;

  beforeAll(() => {
    const slug = name.replaceAll(" ", "-");
    root = join(base, `central dir ${slug}`);
    work = join(base, `work dir ${slug}`);
    mkdirSync(root, { recursive: true });
    mkdirSync(work, { recursive: true });
    transport = make(root);
  });

  it("names its locations", () => {
    const expected = transport.kind === "local" ? join(root, "a b") : `${sshd.user}@${sshd.host}:${join(root, "a b")}`;
    expect(transport.location("a b")).toBe(expected);
  });

  it("puts a file under a new nested path, and skips it when unchanged", async () => {
    const file = join(work, "meat index.dcf");
    writeFileSync(file, "Package: A\nVersion: 1.0\n");
    const first = await transport.put(file, "new dir/sub dir/meat-index.dcf");
    expect(first).toMatchObject({ operation: "put", transferred: ["meat-index.dcf"], attempts: 1 });
    expect(first.destination).toBe(transport.location("new dir/sub dir/meat-index.dcf"));
    expect(await transport.readText("new dir/sub dir/meat-index.dcf")).toBe("Package: A\nVersion: 1.0\n");
    const again = await transport.put(file, "new dir/sub dir/meat-index.dcf");
    expect(again.transferred).toEqual([]);
  });

  it("puts a directory's contents with odd names, merging unless asked to mirror", async () => {
    const dir = join(work, "products out");
    mkdirSync(join(dir, "A.Rcheck", "00_pkg src"), { recursive: true });
    writeFileSync(join(dir, "A.checksrc-summary.dcf"), "Status: OK\n");
    writeFileSync(join(dir, "it's café.txt"), "quoted\n");
    writeFileSync(join(dir, "A.Rcheck", "00_pkg src", "x y.R"), "f <- 1\n");
    symlinkSync("A.checksrc-summary.dcf", join(dir, "link"));
    const result = await transport.put(dir, "products-in/n 1/checksrc");
    expect(result.transferred.sort()).toEqual(["A.Rcheck/00_pkg src/x y.R", "A.checksrc-summary.dcf", "it's café.txt"]);
    expect(tree(join(root, "products-in/n 1/checksrc"))).toEqual(tree(dir));

    writeFileSync(join(root, "products-in/n 1/checksrc", "stale.txt"), "old\n");
    await transport.put(dir, "products-in/n 1/checksrc");
    expect(await transport.exists("products-in/n 1/checksrc/stale.txt")).toBe(true);
    const mirrored = await transport.put(dir, "products-in/n 1/checksrc", { delete: true });
    expect(mirrored.deleted).toEqual(["stale.txt"]);
    expect(tree(join(root, "products-in/n 1/checksrc"))).toEqual(tree(dir));
  });

  it("writes text with putText and reads it back", async () => {
    await transport.putText("Node: n1\nDate: now\n", "products-in/n 1/BBS_EndOfRun.txt");
    expect(await transport.readText("products-in/n 1/BBS_EndOfRun.txt")).toBe("Node: n1\nDate: now\n");
    expect(await transport.readTextIfExists("products-in/n 1/nothing.txt")).toBeUndefined();
  });

  it("gets a file and a directory, replacing what was there as a whole", async () => {
    mkdirSync(join(root, "gitlog dir"), { recursive: true });
    writeFileSync(join(root, "gitlog dir", "git-log A.dcf"), "Last Commit: 1\n");
    writeFileSync(join(root, "gitlog dir", "git-log.dcf"), "all\n");

    const localFile = join(work, "got", "one file.dcf");
    mkdirSync(join(work, "got"), { recursive: true });
    writeFileSync(localFile, "previous\n");
    const file = await transport.get("gitlog dir/git-log A.dcf", localFile);
    expect(file.transferred).toEqual(["one file.dcf"]);
    expect(readFileSync(localFile, "utf8")).toBe("Last Commit: 1\n");

    const localDir = join(work, "got", "gitlog");
    mkdirSync(localDir, { recursive: true });
    writeFileSync(join(localDir, "left over"), "x");
    const dir = await transport.get("gitlog dir", localDir);
    expect(dir.transferred.sort()).toEqual(["git-log A.dcf", "git-log.dcf"]);
    expect(tree(localDir)).toEqual({ "git-log A.dcf": "Last Commit: 1\n", "git-log.dcf": "all\n" });
    // No staging or old copy is left next to the target.
    expect(readdirSync(join(work, "got")).sort()).toEqual(["gitlog", "one file.dcf"]);
  });

  it("syncs a remote directory into a local mirror with the configured excludes", async () => {
    mkdirSync(join(root, "MEAT0", "A pkg", ".git"), { recursive: true });
    writeFileSync(join(root, "MEAT0", "A pkg", "DESCRIPTION"), "Package: A\n");
    writeFileSync(join(root, "MEAT0", "A pkg", ".git", "HEAD"), "ref\n");
    const mirror = join(work, "meat");
    mkdirSync(join(mirror, "gone pkg"), { recursive: true });
    writeFileSync(join(mirror, "gone pkg", "DESCRIPTION"), "Package: Gone\n");
    const result = await transport.sync("MEAT0", mirror);
    expect(result.transferred).toEqual(["A pkg/DESCRIPTION"]);
    expect(result.deleted.sort()).toEqual(["gone pkg", "gone pkg/DESCRIPTION"]);
    expect(tree(mirror)).toEqual({ "A pkg/DESCRIPTION": "Package: A\n" });
  });

  it("makes, lists, remakes and removes directories", async () => {
    await transport.mkdirs("products-in/n 2/install");
    await transport.putText("Status: OK\n", "products-in/n 2/install/A.install-summary.dcf");
    const entries = await transport.list("products-in/n 2");
    expect(entries.map((entry) => [entry.name, entry.type])).toEqual([["install", "directory"]]);
    const files = await transport.list("products-in/n 2/install");
    expect(files).toMatchObject([{ name: "A.install-summary.dcf", type: "file", size: 11 }]);
    expect(Math.abs((files[0]?.mtime.getTime() ?? 0) - Date.now())).toBeLessThan(24 * 3600 * 1000);

    await transport.remake("products-in/n 2");
    expect(await transport.list("products-in/n 2")).toEqual([]);
    await transport.remove("products-in/n 2");
    expect(await transport.exists("products-in/n 2")).toBe(false);
    await transport.remove("products-in/n 2"); // a missing path is fine
    await expect(transport.remove("")).rejects.toThrow(/refused/);
    await expect(transport.remake(".")).rejects.toThrow(/refused/);
    await expect(transport.list("products-in/missing")).rejects.toBeInstanceOf(TransportError);
  });

  it("runs commands in a directory under the root", async () => {
    await transport.mkdirs("work area");
    const result = await transport.run("pwd; echo done", { cwd: "work area" });
    expect(result.stdout).toBe(`${join(root, "work area")}\ndone\n`);
    const failure = await transport.run("echo oops >&2; exit 3", { allowFailure: true });
    expect(failure.exitCode).toBe(3);
    const error = await transport.run("echo oops >&2; exit 3").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).message).toMatch(/exit 3.*code 3: oops/s);
  });

  it("reports a missing file to read, a missing source to put and a missing file to get", async () => {
    const read = (await transport.readText("no such/file.txt").catch((e: unknown) => e)) as TransportError;
    expect(read).toBeInstanceOf(TransportError);
    expect(read.code).toBe("BBS_TRANSPORT_FAILED");
    expect(read.message).toContain(transport.location("no such/file.txt"));

    const put = (await transport.put(join(work, "never made"), "x").catch((e: unknown) => e)) as TransportError;
    expect(put.message).toMatch(/^put .*never made -> .* failed: cannot read the source/);
    expect(put.hint).toMatch(/did not run or failed/);

    // BBS's Get policy allows 5 attempts 20 s apart; a missing file is not worth retrying.
    const get = (await transport
      .get("no such dir/file.tar.gz", join(work, "x.tar.gz"))
      .catch((e: unknown) => e)) as TransportError;
    expect(get).toBeInstanceOf(TransportError);
    expect(get).toMatchObject({ operation: "get", attempts: 1, permanent: true });
    expect(get.message).toContain("No such file or directory");
    expect(get.hint).toMatch(/source does not exist/);
    expect(existsSync(join(work, "x.tar.gz"))).toBe(false);
  });
});
