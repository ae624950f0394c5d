// swapDirectory: a directory put in place of another with renames only.

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { swapDirectory } from "../../src/util/fs.js";
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
