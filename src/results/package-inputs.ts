// What one node of a run built against, read from the run directory: every
// package of the node's dependency graph with its version, its commit when
// the build itself builds it, and its direct dependencies. Postrun stores it
// in the history (run_packages) with the run's results; the impact of a
// change compares it with a package's last good run.
//
//   packages of the build   version: meat-index.dcf; commit: gitlog/git-log-<pkg>.dcf;
//                           deps: the node's pkg_dep_graph.txt, else the target repo's PACKAGES;
//                           suggests: PACKAGES (the ones that are packages of the build)
//   other packages          version: the node's NodeInfo/R-instpkgs.txt; deps: pkg_dep_graph.txt
//
// Every file is optional: a run without them records less, never fails
// (postrun goes on when a builder delivered half its files).

import { join } from "node:path";
import type { RunPackage } from "../history/packages.js";
import {
  DEP_GRAPH_FILE,
  GITLOG_DIR,
  gitLogFileName,
  NODE_INFO_DIR,
  NODE_INFO_FILES,
  nodeProductsPath,
  TARGET_REPO_PACKAGES_FILE,
} from "../layout/central.js";
import { parseDcf } from "../rpkg/dcf.js";
import { parseDependencies } from "../rpkg/description.js";
import type { MeatIndexRecord } from "../rpkg/meat-index.js";
import { errorMessage } from "../util/errors.js";
import { readTextIfExists } from "../util/fs.js";

export type Warn = (message: string) => void;

/** `<pkg>: <dep> <dep>` lines (docs/formats.md#pkg_dep_graphtxt). */
export function parseDepGraphText(text: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    graph.set(
      line.slice(0, colon).trim(),
      line
        .slice(colon + 1)
        .split(" ")
        .map((dep) => dep.trim())
        .filter((dep) => dep !== ""),
    );
  }
  return graph;
}

/**
 * Versions of `installed.packages()` as NodeInfo/R-instpkgs.txt prints it (a
 * header line, then `<pkg> <LibPath> <Version> <Built>`): the first library
 * that has a package wins, as in R's search of .libPaths().
 */
export function parseInstalledVersions(text: string): Map<string, string> {
  const versions = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4) continue;
    const [name] = fields;
    const version = fields[fields.length - 2];
    if (name !== undefined && version !== undefined && !versions.has(name)) versions.set(name, version);
  }
  return versions;
}

/** `git_last_commit` of a package's gitlog file, undefined when it has none. */
export function readGitCommit(runDir: string, pkg: string): string | undefined {
  const text = readTextIfExists(join(runDir, GITLOG_DIR, gitLogFileName(pkg)));
  if (text === undefined) return undefined;
  const commit = parseDcf(text, { source: gitLogFileName(pkg) })[0]
    ?.fields.get("git_last_commit")
    ?.trim();
  return commit === undefined || commit === "" ? undefined : commit;
}

interface TargetRecord {
  deps: string[];
  suggests: string[];
}

/** Hard dependencies and Suggests of each package of the target repo's PACKAGES. */
function readTargetRepo(runDir: string, warn: Warn): Map<string, TargetRecord> {
  const path = join(runDir, TARGET_REPO_PACKAGES_FILE);
  const records = new Map<string, TargetRecord>();
  const text = readTextIfExists(path);
  if (text === undefined) return records;
  try {
    for (const record of parseDcf(text, { source: path })) {
      const name = record.fields.get("Package");
      if (name === undefined) continue;
      const field = (key: string): string[] => {
        const value = record.fields.get(key);
        return value === undefined
          ? []
          : parseDependencies(value, `${path}: ${name}, field ${key}`)
              .map((dependency) => dependency.name)
              .filter((dep) => dep !== "R");
      };
      records.set(name, {
        deps: [...field("Depends"), ...field("Imports"), ...field("LinkingTo")],
        suggests: field("Suggests"),
      });
    }
  } catch (error) {
    warn(`${errorMessage(error)}: dependencies of the build's packages are read from pkg_dep_graph.txt only`);
  }
  return records;
}

/** The packages node `nodeId` built against in the run of `runDir` (see the top of this file). */
export function readNodePackages(
  runDir: string,
  nodeId: string,
  records: readonly MeatIndexRecord[],
  warn: Warn = () => {},
): RunPackage[] {
  const graphText = readTextIfExists(join(runDir, nodeProductsPath(nodeId, DEP_GRAPH_FILE)));
  const graph = graphText === undefined ? new Map<string, string[]>() : parseDepGraphText(graphText);
  const installedText = readTextIfExists(
    join(runDir, nodeProductsPath(nodeId, `${NODE_INFO_DIR}/${NODE_INFO_FILES.instPkgs}`)),
  );
  const installed = installedText === undefined ? new Map<string, string>() : parseInstalledVersions(installedText);
  const target = readTargetRepo(runDir, warn);
  const ofBuild = new Set(records.map((record) => record.package));
  const packages: RunPackage[] = records.map((record) => {
    const fromRepo = target.get(record.package);
    return {
      package: record.package,
      source: "build",
      version: record.version,
      commit: readGitCommit(runDir, record.package) ?? null,
      deps: graph.get(record.package) ?? fromRepo?.deps ?? [],
      suggests: (fromRepo?.suggests ?? []).filter((name) => ofBuild.has(name)),
    };
  });
  for (const [name, deps] of graph) {
    if (ofBuild.has(name)) continue;
    packages.push({
      package: name,
      source: "installed",
      version: installed.get(name) ?? null,
      commit: null,
      deps,
      suggests: [],
    });
  }
  return packages;
}

/** readNodePackages by name, once per node: what computeImpacts asks for tonight's inputs. */
export function nodePackagesReader(
  runDir: string,
  records: readonly MeatIndexRecord[],
  warn: Warn = () => {},
): (nodeId: string) => ReadonlyMap<string, RunPackage> {
  const cache = new Map<string, ReadonlyMap<string, RunPackage>>();
  return (nodeId) => {
    let packages = cache.get(nodeId);
    if (packages === undefined) {
      packages = new Map(readNodePackages(runDir, nodeId, records, warn).map((p) => [p.package, p] as const));
      cache.set(nodeId, packages);
    }
    return packages;
  };
}
