// docs/spb.md names the files that hold each piece and the tests that prove
// issue 11's acceptance ("How the acceptance is tested"): every path it names
// must exist, so the table cannot drift from the tree.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../fixtures/test-config.js";

const ROOT = repoRoot();
const DOC = readFileSync(join(ROOT, "docs", "spb.md"), "utf8");

/** `src/...`, `test/...`, `templates/...`, `bench/...` paths in backticks. */
function namedPaths(markdown: string): string[] {
  const paths = new Set<string>();
  for (const match of markdown.matchAll(/`((?:src|test|templates|bench)\/[A-Za-z0-9_./-]+)`/g))
    paths.add((match[1] as string).replace(/\/$/, ""));
  return [...paths].sort();
}

describe("docs/spb.md", () => {
  it("every file and directory it names exists", () => {
    const paths = namedPaths(DOC);
    expect(paths).toContain("test/spb/acceptance.test.ts");
    expect(paths.filter((path) => !existsSync(join(ROOT, path)))).toEqual([]);
  });

  it("has the sections the issue asks for", () => {
    const headings = DOC.split("\n").filter((line) => line.startsWith("## "));
    for (const wanted of [
      "## Pieces and how they start",
      "## Queue back ends",
      "## State machine",
      "## HTTP API",
      "## Tracker integration",
      "## What the real SPB did, and what bbs does instead",
      "## How the acceptance is tested",
    ])
      expect(
        headings.some((heading) => heading.startsWith(wanted)),
        wanted,
      ).toBe(true);
  });
});
