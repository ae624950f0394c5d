// A clone of bbs must be self-contained: every reference in the sources and
// the documentation points inside the checkout. Comments in src/ cite
// `docs/<page>.md#<section>` (never the workspace's spec), the docs' links
// lead to pages and headings that exist, and nothing names the workspace's
// `shared/` directory (the corpus and benchmark data live in the repository).

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../fixtures/test-config.js";

const ROOT = repoRoot();
const SELF = relative(ROOT, new URL(import.meta.url).pathname);

/** Text files under `dir` (relative to the root) with one of `extensions`. */
function filesUnder(dir: string, extensions: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (path: string): void => {
    for (const entry of readdirSync(join(ROOT, path))) {
      const child = join(path, entry);
      if (statSync(join(ROOT, child)).isDirectory()) walk(child);
      else if (extensions.some((extension) => entry.endsWith(extension))) found.push(child);
    }
  };
  walk(dir);
  return found.sort();
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2... */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading?.[1] === undefined) continue;
    const base = heading[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, "")
      .replace(/ /g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

const anchorCache = new Map<string, Set<string>>();
function anchorsOfFile(path: string): Set<string> {
  let anchors = anchorCache.get(path);
  if (anchors === undefined) {
    anchors = anchorsOf(readFileSync(join(ROOT, path), "utf8"));
    anchorCache.set(path, anchors);
  }
  return anchors;
}

function exists(path: string): boolean {
  try {
    statSync(join(ROOT, path));
    return true;
  } catch {
    return false;
  }
}

/** `file:line: problem` for each reference found in `file` that leads nowhere. */
function brokenReferences(file: string, targets: Iterable<{ page: string; anchor?: string; line: number }>): string[] {
  const problems: string[] = [];
  for (const { page, anchor, line } of targets) {
    if (!exists(page)) problems.push(`${file}:${line}: ${page} does not exist`);
    else if (anchor !== undefined && page.endsWith(".md") && !anchorsOfFile(page).has(anchor))
      problems.push(`${file}:${line}: ${page} has no section #${anchor}`);
  }
  return problems;
}

/** `docs/<page>.md#<anchor>` in code comments, and `#<anchor>` right after one on the same line. */
function codeReferences(text: string): Array<{ page: string; anchor?: string; line: number }> {
  const references: Array<{ page: string; anchor?: string; line: number }> = [];
  text.split("\n").forEach((content, index) => {
    let page: string | undefined;
    for (const match of content.matchAll(/(docs\/[\w-]+\.md)(?:#([\w-]+))?|[(,] ?#([a-z0-9_-]+)\)/g)) {
      if (match[1] !== undefined) {
        page = match[1];
        references.push({ page, line: index + 1, ...(match[2] === undefined ? {} : { anchor: match[2] }) });
      } else if (page !== undefined && match[3] !== undefined) {
        references.push({ page, anchor: match[3], line: index + 1 });
      }
    }
  });
  return references;
}

/** Relative Markdown links `[text](target)` of a Markdown file, outside code blocks. */
function markdownLinks(file: string, text: string): Array<{ page: string; anchor?: string; line: number }> {
  const links: Array<{ page: string; anchor?: string; line: number }> = [];
  let fenced = false;
  text.split("\n").forEach((content, index) => {
    if (content.startsWith("```")) fenced = !fenced;
    if (fenced) return;
    for (const match of content.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1] ?? "";
      if (/^[a-z]+:/i.test(target)) continue; // http:, mailto:
      const [path = "", anchor] = target.split("#");
      const page = path === "" ? file : join(file, "..", path);
      links.push({ page, line: index + 1, ...(anchor === undefined ? {} : { anchor }) });
    }
  });
  return links;
}

const SOURCES = [
  ...filesUnder("src", [".ts"]),
  ...filesUnder("test", [".ts"]),
  ...filesUnder("bench", [".ts"]),
  ...filesUnder("scripts", [""]),
  "vitest.config.ts",
  "package.json",
];
const MARKDOWN = [
  "README.md",
  "DEVELOPERS.md",
  ...filesUnder("docs", [".md"]),
  ...filesUnder("test", [".md"]),
  ...filesUnder("bench", [".md"]),
];

describe("references stay inside the checkout", () => {
  it("src/ cites docs/ sections that exist, never the workspace's spec", () => {
    const problems: string[] = [];
    // src/spb/ is being written against the SPB spec; its references move to docs/ with its documentation.
    for (const file of filesUnder("src", [".ts"]).filter((path) => !path.startsWith("src/spb/"))) {
      const text = readFileSync(join(ROOT, file), "utf8");
      text.split("\n").forEach((line, index) => {
        if (
          /\bspec(?: section)? §?\d+(\.\d+)*|bbs-core\.md|bbs-propagation\.md|(?<!docs\/)\bspb\.md|anchors\.md/.test(
            line,
          )
        )
          problems.push(`${file}:${index + 1}: ${line.trim()}`);
      });
      problems.push(...brokenReferences(file, codeReferences(text)));
    }
    expect(problems).toEqual([]);
  });

  it("the documentation links to pages and headings that exist", () => {
    const problems: string[] = [];
    for (const file of MARKDOWN) {
      const text = readFileSync(join(ROOT, file), "utf8");
      problems.push(...brokenReferences(file, markdownLinks(file, text)));
    }
    expect(problems).toEqual([]);
  });

  it("nothing reads the workspace's shared/ directory (corpus, data, spec)", () => {
    const problems: string[] = [];
    for (const file of [...SOURCES, ...MARKDOWN, ".ci/run"]) {
      if (file === SELF || !exists(file)) continue;
      readFileSync(join(ROOT, file), "utf8")
        .split("\n")
        .forEach((line, index) => {
          if (/(?:\.\.\/)+shared\b|\/work\/shared|shared\/(?:corpus|data|spec|seeds)\b/.test(line))
            problems.push(`${file}:${index + 1}: ${line.trim()}`);
        });
    }
    expect(problems).toEqual([]);
  });

  it("the corpus and the benchmark data are in the repository", () => {
    const tarballs = readdirSync(join(ROOT, "test/corpus/bioc-3.16")).filter((file) => file.endsWith(".tar.gz"));
    expect(tarballs).toHaveLength(9);
    const sums = readFileSync(join(ROOT, "test/corpus/SHA256SUMS"), "utf8");
    for (const tarball of tarballs) expect(sums).toContain(tarball);
    for (const file of ["bioc-3.18-software.tsv", "cran-closure-3.18.tsv", "bioc-install-time-estimates.tsv"])
      expect(exists(join("bench/data", file))).toBe(true);
  });
});
