// The STAGE2 dependency graph (docs/bbs-rules.md#dependency-graph), computed in TypeScript where
// BBS ran utils/build_pkg_dep_graph.R:
//   seed    = the target packages, then the packages named in their Suggests;
//   closure over Depends, Imports, LinkingTo: each package's direct
//             dependencies come from its DESCRIPTION (targets), else from the
//             repositories' PACKAGES (the target repo first, then the
//             non-target repositories; the highest version wins), else from
//             the installed packages (which gives base R's packages);
//   unknown packages (found nowhere) get no line, but stay in the lines of
//             the packages that name them.
// `pkg_dep_graph.txt`: one `<pkg>: <dep1> <dep2> ...` line per known package
// (`<pkg>: ` when it has none), targets first (sorted), then the others in
// the order they were reached.

import { parseDcf } from "../../rpkg/dcf.js";
import { parseDependencies, type Description } from "../../rpkg/description.js";
import { compareVersions, tryParseVersion } from "../../rpkg/version.js";
import { hardDependencies } from "../../rpkg/r-env.js";

/** Where a package of the graph comes from: it decides its STAGE2 job. */
export type GraphSource = "target" | "repository" | "installed";

export interface GraphNode {
  readonly name: string;
  readonly deps: readonly string[];
  readonly source: GraphSource;
  /** Version where known (repository or installed). */
  readonly version?: string;
}

/** One package of a repository index. */
export interface AvailablePackage {
  readonly name: string;
  readonly version: string;
  readonly deps: readonly string[];
  /** The repository URL it comes from. */
  readonly repository: string;
}

/**
 * Packages of a PACKAGES index (text), with their hard dependencies. Records
 * without Package or Version, or whose dependency fields do not parse, are
 * reported in `problems` and left out.
 */
export function parsePackagesIndex(
  text: string,
  repository: string,
): { packages: AvailablePackage[]; problems: string[] } {
  const packages: AvailablePackage[] = [];
  const problems: string[] = [];
  for (const record of parseDcf(text, { source: `${repository}/src/contrib/PACKAGES` })) {
    const name = record.fields.get("Package");
    const version = record.fields.get("Version");
    if (name === undefined || version === undefined) {
      problems.push(`${repository}/src/contrib/PACKAGES:${record.line}: record without Package or Version`);
      continue;
    }
    try {
      const deps = ["Depends", "Imports", "LinkingTo"].flatMap((field) => {
        const value = record.fields.get(field);
        return value === undefined
          ? []
          : parseDependencies(value, `${repository}: ${name}, field ${field}`).map((dependency) => dependency.name);
      });
      packages.push({ name, version, deps: [...new Set(deps.filter((dep) => dep !== "R"))], repository });
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  return { packages, problems };
}

/** available.packages() over several repositories: the highest version of each package, the first repository among equals. */
export function mergeAvailable(
  repositories: ReadonlyArray<readonly AvailablePackage[]>,
): Map<string, AvailablePackage> {
  const merged = new Map<string, AvailablePackage>();
  for (const packages of repositories) {
    for (const pkg of packages) {
      const current = merged.get(pkg.name);
      if (current === undefined) {
        merged.set(pkg.name, pkg);
        continue;
      }
      if (
        tryParseVersion(pkg.version) !== undefined &&
        tryParseVersion(current.version) !== undefined &&
        compareVersions(pkg.version, current.version) > 0
      ) {
        merged.set(pkg.name, pkg);
      }
    }
  }
  return merged;
}

export interface GraphInputs {
  /** Target packages (sorted as the target list) with their DESCRIPTION. */
  readonly targets: ReadonlyArray<{ readonly name: string; readonly description: Description }>;
  readonly available: ReadonlyMap<string, AvailablePackage>;
  readonly installed: ReadonlyMap<string, { readonly version?: string | undefined; readonly deps: readonly string[] }>;
}

export interface DependencyGraph {
  /** Known packages, in file order. */
  readonly nodes: readonly GraphNode[];
  /** Names reached but found nowhere (no line, no job). */
  readonly unknown: readonly string[];
}

export function computeDependencyGraph(inputs: GraphInputs): DependencyGraph {
  const targets = new Map(inputs.targets.map((target) => [target.name, target.description] as const));
  const queue: string[] = inputs.targets.map((target) => target.name);
  for (const target of inputs.targets) {
    for (const name of target.description.dependencies("Suggests").map((dependency) => dependency.name)) {
      if (name !== "R") queue.push(name);
    }
  }
  const seen = new Set<string>();
  const nodes: GraphNode[] = [];
  const unknown: string[] = [];
  for (let position = 0; position < queue.length; position += 1) {
    const name = queue[position] as string;
    if (seen.has(name)) continue;
    seen.add(name);
    const node = lookUp(name, targets, inputs);
    if (node === undefined) {
      unknown.push(name);
      continue;
    }
    nodes.push(node);
    for (const dep of node.deps) if (!seen.has(dep)) queue.push(dep);
  }
  return { nodes, unknown };
}

function lookUp(name: string, targets: ReadonlyMap<string, Description>, inputs: GraphInputs): GraphNode | undefined {
  const description = targets.get(name);
  if (description !== undefined)
    return { name, deps: hardDependencies(description), source: "target", version: description.version };
  const available = inputs.available.get(name);
  if (available !== undefined) return { name, deps: available.deps, source: "repository", version: available.version };
  const installed = inputs.installed.get(name);
  if (installed !== undefined)
    return {
      name,
      deps: installed.deps,
      source: "installed",
      ...(installed.version === undefined ? {} : { version: installed.version }),
    };
  return undefined;
}

/** pkg_dep_graph.txt text. */
export function formatDependencyGraph(nodes: readonly GraphNode[]): string {
  return nodes.map((node) => `${node.name}: ${node.deps.join(" ")}\n`).join("");
}

/** Parses pkg_dep_graph.txt (split on the first `:`, then on single spaces, empties dropped). */
export function parseDependencyGraph(text: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    graph.set(
      line.slice(0, colon).trim(),
      line
        .slice(colon + 1)
        .split(" ")
        .filter((dep) => dep.trim() !== "")
        .map((dep) => dep.trim()),
    );
  }
  return graph;
}
