// File-system failures are classified (issue 15, item 5): the CLI never calls
// them "a bug in bbs", and every message names a path when one is known.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { reportError } from "../../src/cli/main.js";
import { ERROR_CODES } from "../../src/util/errors.js";
import { classifyFsError } from "../../src/util/fs-errors.js";
import { writeFileAtomic } from "../../src/util/fs.js";
import { canMountSmallFs, mountSmallFs, type SmallFs } from "../fixtures/small-fs.js";
import { useTempDirs } from "../fixtures/tmp.js";

const dirs = useTempDirs();

function errno(code: string, extra: Partial<NodeJS.ErrnoException> = {}): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: something, write`), { code, ...extra });
}

describe("classifyFsError", () => {
  it.each([
    ["EACCES", "BBS_FILE_ACCESS", "permission denied"],
    ["EPERM", "BBS_FILE_ACCESS", "operation not permitted"],
    ["EISDIR", "BBS_FILE_ACCESS", "is a directory"],
    ["ENOTDIR", "BBS_FILE_ACCESS", "not a directory"],
    ["ELOOP", "BBS_FILE_ACCESS", "symbolic link loop"],
    ["ENOSPC", "BBS_DISK_FULL", "no space left"],
    ["EDQUOT", "BBS_DISK_FULL", "quota"],
    ["EROFS", "BBS_FS_READ_ONLY", "read-only"],
    ["EMFILE", "BBS_RESOURCE_LIMIT", "too many open files"],
    ["ENFILE", "BBS_RESOURCE_LIMIT", "too many open files"],
  ])("%s is %s, never BBS_INTERNAL", (code, expected, words) => {
    const error = classifyFsError(errno(code, { syscall: "open", path: "/srv/x" }));
    expect(error?.code).toBe(expected);
    expect(ERROR_CODES[expected as keyof typeof ERROR_CODES].exit).not.toBe(ERROR_CODES.BBS_INTERNAL.exit);
    expect(error?.message).toContain("/srv/x");
    expect(error?.message).toContain(words);
    expect(error?.message).toContain(`(${code} [open])`);
    expect(error?.hint).toBeTruthy();
  });

  it("names the caller's path when Node's error names none (write on an open file)", () => {
    const error = classifyFsError(errno("ENOSPC", { syscall: "write" }), { path: "/srv/staging/PACKAGES" });
    expect(error?.message).toMatch(/^\/srv\/staging\/PACKAGES could not be written: no space left/);
    expect(error?.hint).toContain("df -h /srv/staging/PACKAGES");
  });

  it("leaves other errors alone: they are bugs or already explained", () => {
    expect(classifyFsError(new Error("plain"))).toBeUndefined();
    expect(classifyFsError(errno("ENOENT", { path: "/x" }))).toBeUndefined();
    expect(classifyFsError("text")).toBeUndefined();
  });
});

describe("the CLI's last line of defence", () => {
  it("an unexpected ENOSPC reaching main is BBS_DISK_FULL (exit 1), not 'a bug in bbs' (exit 3)", () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      expect(reportError(errno("ENOSPC", { syscall: "write" }), false)).toBe(1);
    } finally {
      spy.mockRestore();
    }
    const text = written.join("");
    expect(text).toMatch(/^error\[BBS_DISK_FULL\]: a file could not be written: no space left/);
    expect(text).toContain("re-run with --debug to see which file");
    expect(text).not.toContain("a bug in bbs");
  });
});

describe.skipIf(!canMountSmallFs())("a read-only file system (a real tmpfs mounted ro; needs root)", () => {
  let disk: SmallFs | undefined;
  afterAll(() => disk?.dispose());

  it("writeFileAtomic into it is BBS_FS_READ_ONLY naming the file, and leaves nothing", async () => {
    const root = join(await dirs.make("erofs"), "mnt");
    mkdirSync(root);
    disk = mountSmallFs(root, 64, { readOnly: true });
    let caught: unknown;
    try {
      writeFileAtomic(join(root, "state.json"), "{}\n");
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: "BBS_FS_READ_ONLY" });
    expect((caught as Error).message).toMatch(/^\S+\/state\.json is on a read-only file system \(EROFS \[open\]\)$/);
    expect((caught as Error).message).toContain(join(root, "state.json"));
    expect(() => writeFileSync(join(root, "x"), "")).toThrow(/EROFS/);
  });
});
