// The pure parts of the transport: quoting, rsync output parsing, paths,
// destinations. Everything that talks to rsync or ssh is tested for real in the
// other files of this directory.

import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseDestination, isLocalHost } from "../../src/transport/factory.js";
import { LocalTransport } from "../../src/transport/local.js";
import { parseItemized, resolveUnder, rsyncLocalPath, unescapeRsyncName } from "../../src/transport/rsync-base.js";
import { parseRsyncListing } from "../../src/transport/rsync.js";
import { quoteForShell, rsyncRemoteShell, splitShellWords } from "../../src/transport/shell.js";
import { attemptTimeoutMs, resolvePolicy } from "../../src/transport/retry.js";
import { RETRY_POLICIES } from "../../src/transport/transport.js";
import { BbsError } from "../../src/util/errors.js";

describe("shell words", () => {
  it("splits config command lines with POSIX quoting", () => {
    expect(splitShellWords("ssh -F /a/b", "tools.ssh")).toEqual(["ssh", "-F", "/a/b"]);
    expect(splitShellWords(`ssh -F "/x y/config" -o 'IdentityFile /k k'`, "tools.ssh")).toEqual([
      "ssh",
      "-F",
      "/x y/config",
      "-o",
      "IdentityFile /k k",
    ]);
    expect(splitShellWords(`-rl --exclude='.git' --exclude='.git_*'`, "tools.rsyncOptions")).toEqual([
      "-rl",
      "--exclude=.git",
      "--exclude=.git_*",
    ]);
    expect(splitShellWords(`a\\ b "c\\"d" ''`, "k")).toEqual(["a b", 'c"d', ""]);
  });

  it("names the key when a quote is not closed", () => {
    expect(() => splitShellWords(`ssh -F "/x`, "tools.ssh")).toThrow(/tools\.ssh: unterminated double quote/);
  });

  it("quotes words for a remote shell and for rsync -e", () => {
    expect(quoteForShell("/plain/path")).toBe("/plain/path");
    expect(quoteForShell("a b")).toBe("'a b'");
    expect(quoteForShell("it's")).toBe(`'it'\\''s'`);
    expect(quoteForShell("")).toBe("''");
    expect(rsyncRemoteShell(["ssh", "-F", "/x y/c", "-o", `Opt "q"`])).toBe(`ssh -F '/x y/c' -o 'Opt "q"'`);
    expect(rsyncRemoteShell(["ssh", "-F", "/it's"])).toBe(`ssh -F "/it's"`);
    expect(() => rsyncRemoteShell([`a'b"c`])).toThrow(BbsError);
  });
});

describe("rsync output", () => {
  it("reads itemized changes, deletions and escaped names", () => {
    const stdout = [
      "created 2 directories for /x/y",
      ">f+++++++++ caf\\#303\\#251",
      "cL+++++++++ link",
      "<f.st...... a b/c d.txt",
      "cd+++++++++ sub/",
      "*deleting   old/",
      "*deleting   new\\#012line",
      "",
    ].join("\n");
    expect(parseItemized(stdout)).toEqual({ transferred: ["café", "a b/c d.txt"], deleted: ["old", "new\nline"] });
    expect(unescapeRsyncName("plain")).toBe("plain");
  });

  it("reads rsync --list-only listings", () => {
    const stdout = [
      "drwxr-xr-x          4,096 2024/05/01 10:00:00 .",
      "-rw-r--r--      1,234,567 2024/05/01 10:00:01 b file.tar.gz",
      "lrwxrwxrwx              2 2024/05/01 10:00:02 link -> f1",
      "drwxr-xr-x          4,096 2024/05/01 10:00:03 A.Rcheck",
      "-rw-r--r--              2 2024/05/01 10:00:04 caf\\#303\\#251",
    ].join("\n");
    const entries = parseRsyncListing(stdout);
    expect(entries.map((entry) => [entry.name, entry.type, entry.size])).toEqual([
      ["A.Rcheck", "directory", 4096],
      ["b file.tar.gz", "file", 1234567],
      ["café", "file", 2],
      ["link", "symlink", 2],
    ]);
    expect(entries[0]?.mtime.getFullYear()).toBe(2024);
  });
});

describe("paths", () => {
  it("resolves paths under the root and refuses to leave it", () => {
    expect(resolveUnder("/c", "", path.posix)).toBe("/c");
    expect(resolveUnder("/c/", "products-in/n1/install", path.posix)).toBe("/c/products-in/n1/install");
    expect(resolveUnder("/c", "a/../b", path.posix)).toBe("/c/b");
    expect(() => resolveUnder("/c", "../d", path.posix)).toThrow(/leaves the root/);
    expect(() => resolveUnder("/c", "/etc", path.posix)).toThrow(/must be relative/);
  });

  it("writes Windows paths in cygwin form for rsync", () => {
    expect(rsyncLocalPath("F:\\biocbuild\\bbs-3.21\\meat", "win32")).toBe("/cygdrive/f/biocbuild/bbs-3.21/meat");
    expect(rsyncLocalPath("C:/x y/z", "win32")).toBe("/cygdrive/c/x y/z");
    expect(rsyncLocalPath("/tmp/a", "linux")).toBe("/tmp/a");
  });

  it("parses destinations as rsync does", () => {
    expect(parseDestination("webadmin@master.bioconductor.org:/extra/www/bioc/", "report.publishDest")).toEqual({
      kind: "remote",
      host: "master.bioconductor.org",
      user: "webadmin",
      path: "/extra/www/bioc/",
    });
    expect(parseDestination("central:/srv/x", "k")).toEqual({
      kind: "remote",
      host: "central",
      user: undefined,
      path: "/srv/x",
    });
    expect(parseDestination("/srv/a:b", "k")).toEqual({ kind: "local", path: "/srv/a:b" });
    expect(parseDestination("F:/published", "k")).toEqual({ kind: "local", path: "F:/published" });
    expect(() => parseDestination("host:relative/dir", "propagation.destination")).toThrow(
      /propagation\.destination: the remote path .* must be absolute/,
    );
    expect(() => parseDestination("host::module/x", "k")).toThrow(/daemon/);
    expect(isLocalHost("localhost")).toBe(true);
    expect(isLocalHost("")).toBe(true);
    expect(isLocalHost("nebbiolo1")).toBe(false);
  });
});

describe("configuration checks", () => {
  it("refuses rsync options that would write files in place", () => {
    for (const option of ["--inplace", "--partial", "-avP", "--append-verify", "--partial-dir=.x"]) {
      expect(() => new LocalTransport({ root: "/tmp", rsync: "rsync", rsyncOptions: `-rl ${option}` })).toThrow(
        /tools\.rsyncOptions: .* half-written/,
      );
    }
    expect(() => new LocalTransport({ root: "/tmp", rsync: "", rsyncOptions: "" })).toThrow(/tools\.rsync is empty/);
  });
});

describe("retry policies", () => {
  it("gives put 120 s plus size / 100 KB/s per attempt, as BBS", () => {
    expect(attemptTimeoutMs(RETRY_POLICIES.put, 0)).toBe(120_000);
    expect(attemptTimeoutMs(RETRY_POLICIES.put, 50_000_000)).toBe(620_000);
    expect(attemptTimeoutMs(RETRY_POLICIES.get, 50_000_000)).toBe(60_000);
  });

  it("merges overrides and refuses zero attempts", () => {
    expect(resolvePolicy(RETRY_POLICIES.put, { delayMs: 0 })).toEqual({
      attempts: 5,
      delayMs: 0,
      timeoutMs: 120_000,
      bytesPerSecond: 100_000,
    });
    expect(() => resolvePolicy(RETRY_POLICIES.put, { attempts: 0 })).toThrow(/positive integer/);
  });
});
