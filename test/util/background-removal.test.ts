// Replacing a directory without waiting for the old tree to be deleted (issue
// 14, defect 12): two renames, then a detached process deletes the old tree;
// leftovers of a deleter that never finished go with the next replacement.

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { removeLeftoversInBackground, swapDirectoryInBackground } from "../../src/util/background-removal.js";
import { useTempDirs } from "../fixtures/tmp.js";

const temp = useTempDirs();

function tree(dir: string, files: number, content: string): void {
  for (let i = 0; i < files; i += 1) {
    mkdirSync(join(dir, `d${i % 20}`), { recursive: true });
    writeFileSync(join(dir, `d${i % 20}`, `f${i}.txt`), content);
  }
}

const aside = (parent: string): string[] => readdirSync(parent).filter((name) => name.includes(".old-"));

describe("swapDirectoryInBackground", () => {
  it("switches the new tree in at once, sets the old one aside, and a detached process deletes it", async () => {
    const parent = await temp.make("swap");
    const dir = join(parent, "report");
    tree(dir, 2000, "old");
    tree(join(parent, ".report.new-1"), 3, "new");
    swapDirectoryInBackground(join(parent, ".report.new-1"), dir);
    // Returned before the old tree is gone: it is only renamed aside by then.
    expect(readFileSync(join(dir, "d0", "f0.txt"), "utf8")).toBe("new");
    expect(aside(parent)).toHaveLength(1);
    await expect.poll(() => aside(parent), { timeout: 60_000, interval: 100 }).toEqual([]);
    expect(readdirSync(parent)).toEqual(["report"]);
  });

  it("works when there was no old tree", async () => {
    const parent = await temp.make("first");
    tree(join(parent, ".r.new-1"), 1, "new");
    swapDirectoryInBackground(join(parent, ".r.new-1"), join(parent, "r"));
    expect(readdirSync(parent)).toEqual(["r"]);
  });
});

describe("removeLeftoversInBackground", () => {
  it("deletes trees a deleter left aside, and the named leftovers, but nothing else", async () => {
    const parent = await temp.make("leftovers");
    tree(join(parent, ".report.old-999-1"), 50, "x");
    tree(join(parent, ".report.new-999-2"), 5, "x");
    tree(join(parent, "report"), 1, "current");
    tree(join(parent, ".other.old-1-1"), 1, "not ours");
    removeLeftoversInBackground(join(parent, "report"), [".report.new-"]);
    await expect
      .poll(() => readdirSync(parent).sort(), { timeout: 60_000, interval: 100 })
      .toEqual([".other.old-1-1", "report"]);
    expect(existsSync(join(parent, "report", "d0", "f0.txt"))).toBe(true);
  });
});
