// Reads the results of one run from its central directory: which packages the
// build covers (meat and skipped indexes), which nodes report, whether each node
// is absent, still running or finished, and the status of every (package, node,
// stage) cell from `products-in/<node>/<stage>/<pkg>.<stage>-summary.dcf`.
// A missing node or file is data (NA, "absent"), never an exception: postrun and
// the report must go on when a builder is late (BBS crashed, BBS#30/#31/#297).

import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ResolvedConfig } from "../config/load.js";
import { parseReportNodes, type ReportNode } from "../config/nodes.js";
import type { BuildType } from "../config/schema.js";
import { readSummary, type ParsedSummary } from "./summary.js";
import { readMeatIndex, readSkippedIndex, sortCaseInsensitively, type MeatIndexRecord } from "../rpkg/meat-index.js";
import {
  MEAT_INDEX_FILE,
  SKIPPED_INDEX_FILE,
  END_OF_RUN_FILE,
  stageProductsDir,
  nodeIncomingDir,
  nodeProductsDir,
  RCHECK_DIR_SUFFIX,
  summaryFileName,
  heartbeatPath,
} from "../layout/central.js";
import { isSupportedOn, type NodeIdentity } from "../rpkg/support.js";
import { errorMessage } from "../util/errors.js";
import { asStatus, stagesFor, withSkipped, type Status } from "./status.js";
import type { Stage } from "../layout/stages.js";

export interface ResultNode extends ReportNode {
  identity: NodeIdentity;
  /** nodespecs-like facts for display. */
  os: string;
  arch: string;
  pkgType: string;
  /** Stages with a status line for this node. */
  stages: Stage[];
}

export type NodeState = "absent" | "running" | "finished";

export interface NodePresence {
  state: NodeState;
  /** Newest modification time under products-in/<node>/ (when it last delivered something). */
  lastActivity?: Date;
  /** When BBS_EndOfRun.txt was written. */
  finishedAt?: Date;
}

export interface Cell {
  /** Shown status: the recorded one, `NA` when there is no summary, or `skipped` after a failed BUILD. */
  status: Status;
  /** Path of the summary relative to the run directory, when it exists. */
  summaryPath?: string;
  summary?: ParsedSummary;
  /** A summary that exists but could not be read. */
  problem?: string;
}

export interface PackageEntry {
  name: string;
  /** Undefined for packages of the skipped index (bad DESCRIPTION). */
  record?: MeatIndexRecord;
}

export interface RunResults {
  runDir: string;
  buildType: BuildType;
  nodes: ResultNode[];
  presence: ReadonlyMap<string, NodePresence>;
  /** Meat-index and skipped-index packages, sorted case-insensitively (docs/bbs-rules.md#report-pages). */
  packages: PackageEntry[];
  isSupported(pkg: string, nodeId: string): boolean;
  /** The cell, or undefined when the package is not supported on the node or the stage is not one of the node's. */
  cell(pkg: string, nodeId: string, stage: Stage): Cell | undefined;
  /**
   * What the node's summary for the stage says, read once and shared with `cell`, for any node
   * (also one that is not a report node) and without the report's `skipped` rule.
   */
  recorded(pkg: string, nodeId: string, stage: Stage): Cell;
}

export function nodeIdentityOf(config: ResolvedConfig): NodeIdentity {
  const v = config.values;
  return { hostname: v.hostname ?? config.nodeId, arch: v.arch, pkgType: v.pkgType, rPlatform: v.rPlatform };
}

/** The report nodes of a build, with what each node's own config says about it. */
export function resultNodes(central: ResolvedConfig, hosts: ReadonlyMap<string, ResolvedConfig>): ResultNode[] {
  const buildType = central.values.buildType;
  return parseReportNodes(central.values.reportNodes).map((node) => {
    const host = hosts.get(node.id);
    const identity: NodeIdentity = host ? nodeIdentityOf(host) : { hostname: node.id, arch: "", pkgType: "source" };
    return {
      ...node,
      identity,
      os: host?.values.os ?? "",
      arch: host?.values.arch ?? "",
      pkgType: host?.values.pkgType ?? "source",
      stages: stagesFor(buildType, node.bin),
    };
  });
}

/** Where a node's products for a stage are, relative to the run directory. */
export function stageDir(nodeId: string, stage: string): string {
  return join(stageProductsDir(nodeId, stage));
}

export function nodePresence(runDir: string, nodeId: string): NodePresence {
  const dir = join(runDir, nodeProductsDir(nodeId));
  if (!existsSync(dir)) {
    // A delivery being assembled (stages/run/delivery.ts): the node is at work, none of it counts yet.
    const incoming = join(runDir, nodeIncomingDir(nodeId));
    if (existsSync(incoming)) {
      const lastActivity = newestMtime(incoming);
      return { state: "running", ...(lastActivity ? { lastActivity } : {}) };
    }
    // A heartbeat in this run's directory: the node started this run but none of its
    // deliveries arrived (e.g. the central node's sshd stopped): it has not finished.
    const heartbeat = join(runDir, heartbeatPath(nodeId));
    if (existsSync(heartbeat)) return { state: "running", lastActivity: statSync(heartbeat).mtime };
    return { state: "absent" };
  }
  const lastActivity = newestMtime(dir);
  const endOfRun = join(dir, END_OF_RUN_FILE);
  if (existsSync(endOfRun)) {
    return { state: "finished", finishedAt: statSync(endOfRun).mtime, ...(lastActivity ? { lastActivity } : {}) };
  }
  return { state: "running", ...(lastActivity ? { lastActivity } : {}) };
}

function newestMtime(dir: string): Date | undefined {
  let newest = 0;
  const walk = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      const mtime = statSync(full).mtimeMs;
      if (mtime > newest) newest = mtime;
      if (entry.isDirectory() && !entry.name.endsWith(RCHECK_DIR_SUFFIX)) walk(full);
    }
  };
  walk(dir);
  return newest > 0 ? new Date(newest) : undefined;
}

/** Collects the results of the run in `runDir` for the given report nodes. */
export function collectRunResults(runDir: string, buildType: BuildType, nodes: readonly ResultNode[]): RunResults {
  const meatIndexPath = join(runDir, MEAT_INDEX_FILE);
  const skippedPath = join(runDir, SKIPPED_INDEX_FILE);
  const records = existsSync(meatIndexPath) ? readMeatIndex(meatIndexPath) : [];
  const skipped = existsSync(skippedPath) ? readSkippedIndex(skippedPath) : [];
  const byName = new Map(records.map((r) => [r.package, r] as const));
  const packages = sortCaseInsensitively<PackageEntry>(
    [
      ...records.map((record) => ({ name: record.package, record })),
      ...skipped.filter((name) => !byName.has(name)).map((name) => ({ name })),
    ],
    (entry) => entry.name,
  );
  const nodeById = new Map(nodes.map((n) => [n.id, n] as const));
  const presence = new Map(nodes.filter((n) => !n.foreign).map((n) => [n.id, nodePresence(runDir, n.id)] as const));
  const recordedCache = new Map<string, Cell>();

  const recorded = (pkg: string, nodeId: string, stage: Stage): Cell => {
    const key = `${pkg}#${nodeId}#${stage}`;
    const cached = recordedCache.get(key);
    if (cached) return cached;
    const summaryPath = join(stageDir(nodeId, stage), summaryFileName(pkg, stage));
    let cell: Cell;
    try {
      const summary = readSummary(join(runDir, summaryPath));
      cell = summary ? { status: asStatus(summary.status), summaryPath, summary } : { status: "NA" };
    } catch (error) {
      cell = { status: "NA", summaryPath, problem: errorMessage(error) };
    }
    recordedCache.set(key, cell);
    return cell;
  };

  const isSupported = (pkg: string, nodeId: string): boolean => {
    const record = byName.get(pkg);
    const node = nodeById.get(nodeId);
    return record !== undefined && node !== undefined && isSupportedOn(record.unsupportedPlatforms, node.identity);
  };

  return {
    runDir,
    buildType,
    nodes: [...nodes],
    presence,
    packages,
    isSupported,
    recorded,
    cell(pkg, nodeId, stage) {
      const node = nodeById.get(nodeId);
      if (!node || node.foreign || !node.stages.includes(stage) || !isSupported(pkg, nodeId)) return undefined;
      const own = recorded(pkg, nodeId, stage);
      const build =
        stage === "checksrc" || stage === "buildbin" ? recorded(pkg, nodeId, "buildsrc").status : own.status;
      const status = withSkipped(stage, own.status, build);
      return status === own.status ? own : { ...own, status };
    },
  };
}
