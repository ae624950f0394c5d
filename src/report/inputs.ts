// The files of a run directory the report reads besides the summaries (which
// src/results reads): gitlog, the propagation DB, the first node's dependency
// graph, NodeInfo and BBS_EndOfRun.txt. Every reader degrades: a missing or
// damaged file gives "nothing known" plus a warning, never a failed report.

import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parseDcf } from "../rpkg/dcf.js";
import { SKIPPED_REASONS_FILE } from "../layout/central.js";
import { parsePropagationDb } from "../results/status-db.js";
import { type Stage, stageOfName } from "../layout/stages.js";
import { errorMessage } from "../util/errors.js";
import { decodeText, readBytesIfPresent, readTextIfPresent } from "./text.js";
import {
  END_OF_RUN_FILE,
  GITLOG_DIR,
  gitLogFileName,
  NODE_INFO_DIR,
  NODE_INFO_FILES,
  nodeProductsPath,
  PROPAGATION_STATUS_DB_FILE,
  toolOfVersionFile,
} from "../layout/central.js";

/** Collects what went wrong while reading, for ReportSummary.warnings. */
export type Warn = (message: string) => void;

// ---- gitlog ------------------------------------------------------------------------

export interface GitInfo {
  url?: string;
  branch?: string;
  lastCommit?: string;
  lastCommitDate?: string;
}

const GIT_FIELDS: ReadonlyArray<readonly [string, keyof GitInfo]> = [
  ["git_url", "url"],
  ["git_branch", "branch"],
  ["git_last_commit", "lastCommit"],
  ["git_last_commit_date", "lastCommitDate"],
];

/** `gitlog/git-log-<pkg>.dcf`, or undefined when absent or unreadable. */
export function readGitInfo(runDir: string, pkg: string, warn: Warn): GitInfo | undefined {
  const path = join(runDir, GITLOG_DIR, gitLogFileName(pkg));
  const text = readTextIfPresent(path);
  if (text === undefined) return undefined;
  try {
    const [record] = parseDcf(text, { source: path });
    if (record === undefined) return undefined;
    const info: GitInfo = {};
    for (const [field, key] of GIT_FIELDS) {
      const value = record.fields.get(field);
      if (value !== undefined && value !== "") info[key] = value;
    }
    return info;
  } catch (error) {
    warn(errorMessage(error));
    return undefined;
  }
}

/** The gitlog fields in raw-results/info.dcf, with their file names. */
export function gitInfoFields(info: GitInfo | undefined): Array<[string, string]> {
  if (info === undefined) return [];
  return GIT_FIELDS.flatMap(([field, key]) =>
    info[key] === undefined ? [] : [[field, info[key] as string] as [string, string]],
  );
}

// ---- skipped-reasons.json -----------------------------------------------------------

/** Why prerun skipped each package of skipped-index.dcf (bbs's own file; absent in BBS runs: nothing known). */
export function readSkipReasons(runDir: string, warn: Warn): Map<string, string> {
  const path = join(runDir, SKIPPED_REASONS_FILE);
  const text = readTextIfPresent(path);
  const reasons = new Map<string, string>();
  if (text === undefined) return reasons;
  try {
    const value = JSON.parse(text) as { packages?: unknown };
    for (const entry of Array.isArray(value.packages) ? (value.packages as unknown[]) : []) {
      const { package: pkg, message } = (entry ?? {}) as { package?: unknown; message?: unknown };
      if (typeof pkg === "string" && typeof message === "string") reasons.set(pkg, message);
    }
  } catch (error) {
    warn(`${path}: ${errorMessage(error)}; the report does not say why packages were skipped`);
  }
  return reasons;
}

// ---- PROPAGATION_STATUS_DB.txt --------------------------------------------------------

/** `<pkg>#<pkgType>` -> explanation; empty when the file is absent (no LEDs, as BBS). */
export function readPropagationDb(runDir: string, warn: Warn): Map<string, string> {
  const path = join(runDir, PROPAGATION_STATUS_DB_FILE);
  const text = readTextIfPresent(path);
  const db = new Map<string, string>();
  if (text === undefined) return db;
  try {
    for (const line of parsePropagationDb(text, path)) db.set(`${line.package}#${line.pkgType}`, line.explanation);
  } catch (error) {
    warn(`${errorMessage(error)}; the report shows no propagation LEDs`);
    db.clear();
  }
  return db;
}

// ---- pkg_dep_graph.txt ---------------------------------------------------------------

/** `<pkg>: <dep1> <dep2> ...` (docs/formats.md#pkg_dep_graphtxt): package -> its direct dependencies. */
export function parseDepGraph(text: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const pkg = line.slice(0, colon).trim();
    graph.set(
      pkg,
      line
        .slice(colon + 1)
        .split(" ")
        .filter((dep) => dep !== ""),
    );
  }
  return graph;
}

/**
 * Direct reverse dependencies within `packages` (docs/bbs-rules.md#report-pages): for each package,
 * the packages of the build that list it, in `packages` order.
 */
export function reverseDependencies(
  graph: ReadonlyMap<string, readonly string[]>,
  packages: readonly string[],
): Map<string, string[]> {
  const known = new Set(packages);
  const reverse = new Map<string, string[]>();
  for (const pkg of packages) {
    for (const dep of new Set(graph.get(pkg) ?? [])) {
      if (!known.has(dep) || dep === pkg) continue;
      const list = reverse.get(dep);
      if (list === undefined) reverse.set(dep, [pkg]);
      else list.push(pkg);
    }
  }
  return reverse;
}

// ---- NodeInfo --------------------------------------------------------------------------

export interface NodeInfo {
  /** First line of R-version.txt minus "R version ". */
  rVersion?: string;
  /** `VAR: value` lines of R-config.txt. */
  rConfig: Map<string, string>;
  /** `<name>-version.txt` contents by name (CC, CXX, CXX11, JAVA, java, pandoc...). */
  versions: Map<string, string>;
  sessionInfo?: string;
  /** Text of R-instpkgs.txt. */
  instPkgs?: string;
  /** Lines of R-instpkgs.txt minus its header line. */
  installedPackages?: number;
}

export function readNodeInfo(runDir: string, nodeId: string, encoding: string | undefined): NodeInfo {
  const dir = join(runDir, nodeProductsPath(nodeId, NODE_INFO_DIR));
  const read = (name: string): string | undefined => readTextIfPresent(join(dir, name), encoding);
  const info: NodeInfo = { rConfig: new Map(), versions: new Map() };
  const rVersion = read(NODE_INFO_FILES.rVersion);
  if (rVersion !== undefined) {
    const first = rVersion.split(/\r?\n/, 1)[0]?.trim() ?? "";
    if (first !== "") info.rVersion = first.replace(/^R version /, "");
  }
  for (const line of (read(NODE_INFO_FILES.rConfig) ?? "").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) info.rConfig.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  if (existsSync(dir)) {
    for (const name of readdirSync(dir).sort()) {
      const tool = toolOfVersionFile(name);
      if (tool === undefined || tool === "R") continue;
      const text = read(name);
      if (text !== undefined) info.versions.set(tool, text);
    }
  }
  const sessionInfo = read(NODE_INFO_FILES.sessionInfo);
  if (sessionInfo !== undefined) info.sessionInfo = sessionInfo;
  const instPkgs = read(NODE_INFO_FILES.instPkgs);
  if (instPkgs !== undefined) {
    info.instPkgs = instPkgs;
    const lines = instPkgs.split(/\r?\n/).filter((line) => line.trim() !== "").length;
    info.installedPackages = Math.max(0, lines - 1);
  }
  return info;
}

// ---- BBS_EndOfRun.txt --------------------------------------------------------------------

/** Slot counts per stage from BBS_EndOfRun.txt (`STAGE4 | nb_cpu=22 | ...`). */
export function readEndOfRunSlots(runDir: string, nodeId: string): Map<Stage, number> {
  const slots = new Map<Stage, number>();
  const bytes = readBytesIfPresent(join(runDir, nodeProductsPath(nodeId, END_OF_RUN_FILE)));
  if (bytes === undefined) return slots;
  for (const line of decodeText(bytes).split(/\r?\n/)) {
    const match = /^(STAGE\d)\s*\|\s*nb_cpu=(\d+)/.exec(line);
    const stage = match?.[1] === undefined ? undefined : stageOfName(match[1]);
    if (stage !== undefined && match?.[2] !== undefined) slots.set(stage, Number(match[2]));
  }
  return slots;
}
