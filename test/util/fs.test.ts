// swapDirectory: a directory put in place of another with renames only;
// linkOrCopy: files and trees put in place by hard links.

import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { linkOrCopy, swapDirectory } from "../../src/util/fs.js";
import { useTempDirs } from "../fixtures/tmp.js";

const dirs = useTempDirs();

function filled(root: string, name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
  return dir;
}

describe("swapDirectory", () => {
  it("moves the replacement in where nothing was", async () => {
    const root = await dirs.make("swap");
    swapDirectory(filled(root, "new", { PACKAGES: "a\n" }), join(root, "contrib"));
    expect(readFileSync(join(root, "contrib", "PACKAGES"), "utf8")).toBe("a\n");
    expect(readdirSync(root)).toEqual(["contrib"]);
  });

  it("replaces a directory whole, leaving nothing of the old one", async () => {
    const root = await dirs.make("swap");
    filled(root, "contrib", { PACKAGES: "old\n", "stale_1.0.tar.gz": "" });
    swapDirectory(filled(root, "new", { PACKAGES: "new\n" }), join(root, "contrib"));
    expect(readdirSync(join(root, "contrib"))).toEqual(["PACKAGES"]);
    expect(readFileSync(join(root, "contrib", "PACKAGES"), "utf8")).toBe("new\n");
    expect(readdirSync(root)).toEqual(["contrib"]);
  });

  it("puts the old directory back when the replacement cannot be moved in", async () => {
    const root = await dirs.make("swap");
    filled(root, "contrib", { PACKAGES: "old\n" });
    expect(() => swapDirectory(join(root, "missing"), join(root, "contrib"))).toThrow(/ENOENT/);
    expect(readFileSync(join(root, "contrib", "PACKAGES"), "utf8")).toBe("old\n");
    expect(existsSync(join(root, "missing"))).toBe(false);
    expect(readdirSync(root)).toEqual(["contrib"]);
  });
});

describe("linkOrCopy", () => {
  it("hard-links a file, replacing what was at the target", async () => {
    const root = await dirs.make("link");
    writeFileSync(join(root, "a_1.0.tar.gz"), "new");
    writeFileSync(join(root, "target"), "old");
    expect(linkOrCopy(join(root, "a_1.0.tar.gz"), join(root, "target"))).toBe("linked");
    expect(readFileSync(join(root, "target"), "utf8")).toBe("new");
    expect(statSync(join(root, "target")).ino).toBe(statSync(join(root, "a_1.0.tar.gz")).ino);
  });

  it("links a directory tree file by file, symbolic links kept as links", async () => {
    const root = await dirs.make("link");
    const source = filled(root, "a.Rcheck", { "00check.log": "Status: OK\n" });
    filled(source, "00_pkg_src", { DESCRIPTION: "Package: a\n" });
    symlinkSync("00check.log", join(source, "latest.log"));
    filled(root, "out", { "stale.txt": "" });
    expect(linkOrCopy(source, join(root, "out"))).toBe("linked");
    expect(readdirSync(join(root, "out")).sort()).toEqual(["00_pkg_src", "00check.log", "latest.log"]);
    expect(statSync(join(root, "out", "00_pkg_src", "DESCRIPTION")).ino).toBe(
      statSync(join(source, "00_pkg_src", "DESCRIPTION")).ino,
    );
    expect(readlinkSync(join(root, "out", "latest.log"))).toBe("00check.log");
  });

  it("throws, naming the error, when the source is missing", async () => {
    const root = await dirs.make("link");
    expect(() => linkOrCopy(join(root, "missing"), join(root, "target"))).toThrow(/ENOENT/);
  });
});
