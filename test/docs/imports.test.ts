// The import rules of DEVELOPERS.md, checked on the source: no import cycle
// between modules of src/ (type-only imports included: eslint's
// import-x/no-cycle ignores those, and a type cycle still ties two modules
// together), and imports between areas pointing one way only.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** Static imports and re-exports (`import type` included, `import()` not) of each file, as src/ paths. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles("src")) {
    const info = ts.preProcessFile(readFileSync(join(ROOT, file), "utf8"), true, false);
    const targets = info.importedFiles
      .map((imported) => imported.fileName)
      .filter((name) => name.startsWith("."))
      .map((name) => relative(ROOT, resolve(ROOT, dirname(file), name)).replace(/\.js$/, ".ts"));
    graph.set(file, targets);
  }
  return graph;
}

/** Groups of modules that import each other, directly or not (Tarjan's strongly connected components). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(target) ?? 0));
      } else if (onStack.has(target)) low.set(node, Math.min(low.get(node) ?? 0, index.get(target) ?? 0));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

/**
 * The areas of src/ by layer (DEVELOPERS.md): an area imports areas of lower
 * layers, and of its own layer only along the edges listed in LATERAL.
 */
const LAYER: Readonly<Record<string, number>> = {
  cli: 6,
  stages: 5,
  report: 5,
  notify: 5,
  propagation: 5,
  demo: 5,
  spb: 5,
  schedule: 5,
  results: 4,
  jobs: 3,
  rpkg: 2,
  config: 2,
  history: 2,
  transport: 2,
  util: 0,
  layout: 0,
};
const LATERAL = new Set([
  "stages -> report", // postrun orchestrates the report (stage 6d)
  "spb -> stages", // the SPB builds a package with bbs run's command lines and status rules
  "spb -> report", // the SPB's pages share the report's styles and helpers
  "rpkg -> config",
  "transport -> config",
  "history -> config",
]);

function areaOf(file: string): string {
  return file.split("/")[1]?.replace(/\.ts$/, "") ?? file;
}

describe("imports of src/", () => {
  const graph = importGraph();

  it("form no cycle, type-only imports included", () => {
    expect(cycles(graph)).toEqual([]);
  });

  it("point one way between areas", () => {
    const problems: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) {
        const from = areaOf(file);
        const to = areaOf(target);
        if (from === to) continue;
        const fromLayer = LAYER[from];
        const toLayer = LAYER[to];
        if (fromLayer === undefined) problems.push(`${file}: area src/${from}/ has no layer in this test`);
        else if (toLayer === undefined)
          problems.push(`${file} -> ${target}: area src/${to}/ has no layer in this test`);
        else if (toLayer > fromLayer || (toLayer === fromLayer && !LATERAL.has(`${from} -> ${to}`)))
          problems.push(`${file} imports ${target}: ${from} may not import ${to}`);
      }
    }
    expect([...new Set(problems)]).toEqual([]);
  });
});
