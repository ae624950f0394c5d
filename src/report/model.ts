// The report's model of a run: the run's results (src/results) joined with
// what the pages show about them: nodes with their NodeInfo and presence,
// packages with their cells on every node, filtering classes, the overall
// glyph, propagation verdicts, reverse dependencies, quick stats and history.
// Built once; every page and report.json is rendered from it.

import { join } from "node:path";
import type { ResolvedConfig } from "../config/load.js";
import {
  collectRunResults,
  resultNodes,
  type Cell,
  type NodePresence,
  type ResultNode,
  type RunResults,
} from "../results/collect.js";
import type { RunFacts } from "../results/run-info.js";
import { parseResultsRunId } from "../results/history.js";
import { describeLiveness, nodeLiveness, readHeartbeat } from "../results/heartbeat.js";
import { type Status } from "../results/status.js";
import type { Stage } from "../layout/stages.js";
import type { MeatIndexRecord } from "../rpkg/meat-index.js";
import { osFamilyOf } from "../rpkg/support.js";
import { HistoryView, type CellHistory } from "./history.js";
import { runImpacts } from "./impact.js";
import type { PackageImpact } from "../results/impact.js";
import {
  parseDepGraph,
  readEndOfRunSlots,
  readGitInfo,
  readNodeInfo,
  readPropagationDb,
  readSkipReasons,
  reverseDependencies,
  type GitInfo,
  type NodeInfo,
  type Warn,
} from "./inputs.js";
import { DEP_GRAPH_FILE, nodeProductsPath, stageProductsDir } from "../layout/central.js";
import { settingsFrom, type ReportSettings } from "./settings.js";
import { readTextIfPresent } from "./text.js";
import { formatBbsDate, localTimeZone } from "../util/bbs-date.js";

export interface NodeModel extends ResultNode {
  hostname: string;
  platform: string;
  /** CSS classes of this node's cells: a per-node class and a tint by OS family. */
  cssClass: string;
  /** The node id as a CSS identifier ([A-Za-z0-9_-]), for per-node classes. */
  ident: string;
  /** Undefined for foreign nodes (no products here). */
  presence?: NodePresence;
  info: NodeInfo;
  /** Package type whose propagation verdicts are this node's LEDs (OUTGOING map). */
  ledPkgType?: string;
  /** Configured slots per stage (host config, else BBS_EndOfRun.txt). */
  slots: Map<Stage, number>;
  encoding: string;
  reportNote?: string;
  /** Not finished: what its heartbeat says (`running CHECK 12/40 jobs, ETA ...`, `silent since ...`), as `bbs status`. */
  liveness?: string;
  /** The node's last finished run in the history (said when the node is absent). */
  lastSeen?: { runId: string; at: Date };
}

export interface CellModel {
  stage: Stage;
  status: Status;
  cell: Cell;
  /** A leaf page exists (docs/bbs-rules.md#report-pages: not for skipped and NA). */
  leaf: boolean;
  history?: CellHistory;
}

export type NodeRowModel =
  | { kind: "cells"; node: NodeModel; cells: Array<CellModel | undefined>; propagation?: string }
  | { kind: "unsupported" | "bad-description" | "foreign"; node: NodeModel };

export type FilterClass = "timeout" | "error" | "warnings" | "ok";
/** `NotSupported`: no report node builds the package (BBS's "...NOT SUPPORTED..."). */
export type OverallStatus = "ERROR" | "TIMEOUT" | "WARNINGS" | "NA" | "OK" | "NotSupported";

export interface PackageModel {
  name: string;
  /** 1-based position in the sorted package list. */
  position: number;
  record?: MeatIndexRecord;
  badDescription: boolean;
  /** Why prerun skipped it (bad DESCRIPTION), when the run says. */
  skipReason?: string;
  deprecated: boolean;
  git?: GitInfo;
  /** One per report node, in report order. */
  rows: NodeRowModel[];
  classes: FilterClass[];
  overall: OverallStatus;
  letter: string;
  /** The name is a safe single path component (has a directory in the report). */
  hasDir: boolean;
  newProblem: boolean;
}

export type StatusCounts = Record<"TIMEOUT" | "ERROR" | "WARNINGS" | "OK" | "NA" | "skipped" | "NotNeeded", number>;

export interface ReportModel {
  settings: ReportSettings;
  run: RunFacts;
  runDir: string;
  generatedAt: Date;
  results: RunResults;
  nodes: NodeModel[];
  packages: PackageModel[];
  byName: Map<string, PackageModel>;
  reverseDeps: Map<string, string[]>;
  /** node -> stage -> counts over supported meat-index packages. */
  quickStats: Map<string, Map<Stage, StatusCounts>>;
  /** Whether "new problems since the last run" can be computed. */
  historyAvailable: boolean;
  /** Packages worse than in their last good run, and what changed since (src/report/impact.ts). */
  impacts: Map<string, PackageImpact[]>;
  /** BBS date (without seconds unless asked) in the local time zone; memoised, pages repeat the same few dates. */
  formatDate(date: Date, seconds?: boolean): string;
  depGraphText?: string;
}

/** A package name usable as a directory of the report (R names always are; skipped-index names may not be). */
export function isSafePathComponent(name: string): boolean {
  return name !== "" && name !== "." && name !== ".." && !/[/\\\0]/.test(name) && !name.startsWith(".");
}

function cssIdent(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, "_");
}

function familyClass(node: ResultNode, rPlatform: string | undefined): string {
  const family =
    osFamilyOf(rPlatform) ??
    (node.pkgType.startsWith("win") ? "win" : node.pkgType.startsWith("mac") ? "mac" : "linux");
  const arm = /arm64|aarch64/i.test(node.arch) || /arm64|aarch64/i.test(rPlatform ?? "");
  if (family === "win") return "os_windows";
  if (family === "mac") return arm ? "os_mac_arm64" : "os_mac";
  return arm ? "os_linux_arm64" : "os_linux";
}

const SLOT_KEYS = {
  install: "slots.install",
  buildsrc: "slots.build",
  checksrc: "slots.check",
  buildbin: "slots.buildbin",
} as const;

function nodeModels(
  hosts: ReadonlyMap<string, ResolvedConfig>,
  results: RunResults,
  settings: ReportSettings,
): NodeModel[] {
  return results.nodes.map((node) => {
    const host = hosts.get(node.id);
    const rPlatform = host?.values.rPlatform;
    // Slots per stage: what the builder recorded for this run (BBS_EndOfRun.txt), else its configuration.
    const slots = new Map<Stage, number>();
    if (host) for (const stage of node.stages) slots.set(stage, host.values[SLOT_KEYS[stage]]);
    for (const [stage, count] of readEndOfRunSlots(results.runDir, node.id)) slots.set(stage, count);
    const model: NodeModel = {
      ...node,
      hostname: node.identity.hostname,
      platform: rPlatform ?? "",
      cssClass: `node_${cssIdent(node.id)} ${cssIdent(node.identity.hostname.replace(/\./g, "_"))} ${familyClass(node, rPlatform)}`,
      ident: cssIdent(node.id),
      info: node.foreign
        ? { rConfig: new Map(), versions: new Map() }
        : readNodeInfo(results.runDir, node.id, host?.values.logEncoding),
      slots,
      encoding: host?.values.logEncoding ?? "utf-8",
    };
    const presence = results.presence.get(node.id);
    if (presence) model.presence = presence;
    const led = settings.outgoing.find((source) => source.nodeId === node.id);
    if (led) model.ledPkgType = led.pkgType;
    const note = host?.values.reportNote;
    if (note !== undefined && note.trim() !== "") model.reportNote = note;
    return model;
  });
}

function emptyCounts(): StatusCounts {
  return { TIMEOUT: 0, ERROR: 0, WARNINGS: 0, OK: 0, NA: 0, skipped: 0, NotNeeded: 0 };
}

/** Filtering classes (docs/bbs-rules.md#report-legend-and-filtering): distinct statuses but skipped; `ok` when none of timeout/error/warnings. */
export function filterClasses(statuses: ReadonlySet<Status>, badDescription: boolean): FilterClass[] {
  if (badDescription) return ["error"];
  const classes: FilterClass[] = [];
  if (statuses.has("TIMEOUT")) classes.push("timeout");
  if (statuses.has("ERROR")) classes.push("error");
  if (statuses.has("WARNINGS")) classes.push("warnings");
  return classes.length === 0 ? ["ok"] : classes;
}

/**
 * Simple layout's single glyph: ERROR > TIMEOUT > WARNINGS > NA > OK; a
 * package no report node supports is NotSupported (shown as BBS shows its
 * cells, "...NOT SUPPORTED..."); one supported only on nodes that delivered
 * nothing is NA (its results are not available).
 */
export function overallStatus(
  statuses: ReadonlySet<Status>,
  badDescription: boolean,
  supportedSomewhere: boolean,
): OverallStatus {
  if (badDescription || statuses.has("ERROR")) return "ERROR";
  for (const status of ["TIMEOUT", "WARNINGS", "NA", "OK"] as const) if (statuses.has(status)) return status;
  return supportedSomewhere ? "NA" : "NotSupported";
}

export interface ModelInput {
  central: ResolvedConfig;
  hosts: ReadonlyMap<string, ResolvedConfig>;
  runDir: string;
  run: RunFacts;
  historyDb?: string;
  generatedAt: Date;
  warn: Warn;
}

export function buildModel(input: ModelInput): ReportModel {
  const { central, hosts, runDir, run, warn } = input;
  const nodes = resultNodes(central, hosts);
  const settings = settingsFrom(central, nodes.length);
  const results = collectRunResults(runDir, central.values.buildType, nodes);
  const nodeList = nodeModels(hosts, results, settings);
  // What `bbs status` says about a node that has not finished (its heartbeat), as of the report's time.
  const formatDate = dateFormatter();
  for (const node of nodeList) {
    const presence = node.presence;
    if (node.foreign || presence === undefined || presence.state === "finished") continue;
    const { heartbeat } = readHeartbeat(runDir, node.id);
    if (heartbeat === undefined || (run.runId !== undefined && heartbeat.runId !== run.runId)) continue;
    const liveness = nodeLiveness(node.id, presence, heartbeat, input.generatedAt, heartbeat.intervalSeconds);
    node.liveness = describeLiveness(liveness, (iso) => formatDate(new Date(iso)));
  }
  const propagation = readPropagationDb(runDir, warn);
  const skipReasons = readSkipReasons(runDir, warn);

  const history =
    input.historyDb === undefined
      ? undefined
      : HistoryView.open(input.historyDb, currentRun(run, input.generatedAt), warn);
  const historyAvailable = history?.hasPreviousRuns(nodeList.filter((n) => !n.foreign).map((n) => n.id)) ?? false;
  if (history) {
    for (const node of nodeList) {
      // The run to cite is the node's last *finished* one (a run it was absent from says nothing), by its own id.
      const last =
        node.presence?.state === "absent"
          ? history.previousRuns(node.id).find((run) => run.status === "finished")
          : undefined;
      if (last) node.lastSeen = { runId: parseResultsRunId(last.runId)?.runId ?? last.runId, at: last.startedAt };
    }
  }

  const quickStats = new Map<string, Map<Stage, StatusCounts>>();
  for (const node of nodeList)
    quickStats.set(node.id, new Map(settings.displayedStages.map((stage) => [stage, emptyCounts()] as const)));

  const packages: PackageModel[] = results.packages.map((entry, index) => {
    const badDescription = entry.record === undefined;
    const past = history?.packagePast(entry.name);
    const statuses = new Set<Status>();
    // The simple layout's glyph ignores nodes that delivered nothing: their NA would hide
    // every package's own result (the pages say the node is absent).
    const shownStatuses = new Set<Status>();
    let newProblem = false;
    const rows: NodeRowModel[] = nodeList.map((node) => {
      if (badDescription) return { kind: "bad-description", node };
      if (node.foreign) return { kind: "foreign", node };
      if (!results.isSupported(entry.name, node.id)) return { kind: "unsupported", node };
      const stats = quickStats.get(node.id);
      const cells = settings.displayedStages.map((stage): CellModel | undefined => {
        const cell = results.cell(entry.name, node.id, stage);
        if (cell === undefined) return undefined;
        const model: CellModel = {
          stage,
          status: cell.status,
          cell,
          leaf: cell.status !== "NA" && cell.status !== "skipped",
        };
        statuses.add(cell.status);
        if (node.presence?.state !== "absent" && cell.status !== "skipped") shownStatuses.add(cell.status);
        const counts = stats?.get(stage);
        if (counts) counts[cell.status] += 1;
        if (history && past) {
          model.history = history.cellHistory(
            { pkg: entry.name, node: node.id, stage },
            cell.status,
            past.get(`${node.id}#${stage}`) ?? [],
          );
          if (model.history.newProblem) newProblem = true;
        }
        return model;
      });
      const row: NodeRowModel = { kind: "cells", node, cells };
      if (node.ledPkgType !== undefined) {
        const verdict = propagation.get(`${entry.name}#${node.ledPkgType}`);
        if (verdict !== undefined) row.propagation = verdict;
      }
      return row;
    });
    const model: PackageModel = {
      name: entry.name,
      position: index + 1,
      badDescription,
      deprecated: entry.record?.packageStatus === "Deprecated",
      rows,
      classes: filterClasses(statuses, badDescription),
      overall: overallStatus(
        shownStatuses,
        badDescription,
        rows.some((row) => row.kind === "cells"),
      ),
      letter: entry.name.slice(0, 1).toUpperCase(),
      hasDir: isSafePathComponent(entry.name),
      newProblem,
    };
    if (entry.record) model.record = entry.record;
    const skipReason = badDescription ? skipReasons.get(entry.name) : undefined;
    if (skipReason !== undefined) model.skipReason = skipReason;
    const git = readGitInfo(runDir, entry.name, warn);
    if (git) model.git = git;
    if (!model.hasDir) warn(`package name ${JSON.stringify(entry.name)} cannot be a directory name: it has no pages`);
    return model;
  });
  const impacts =
    history && historyAvailable
      ? runImpacts(history.store, results, nodeList, run, warn)
      : new Map<string, PackageImpact[]>();
  history?.close();

  let depGraphText: string | undefined;
  let reverseDeps = new Map<string, string[]>();
  // The graph of the first report node that delivered one: every node computes it from the
  // same target repo, so an absent first node (often the central one) must not cost the notes.
  const builders = nodeList.filter((node) => !node.foreign);
  if (settings.reverseDeps && builders.length > 0) {
    for (const node of builders) {
      depGraphText = readTextIfPresent(join(runDir, nodeProductsPath(node.id, DEP_GRAPH_FILE)));
      if (depGraphText !== undefined) break;
    }
    if (depGraphText === undefined)
      warn(
        `no report node delivered ${DEP_GRAPH_FILE} (looked for ${builders.map((node) => nodeProductsPath(node.id, DEP_GRAPH_FILE)).join(", ")}): no reverse dependencies on package pages`,
      );
    else
      reverseDeps = reverseDependencies(
        parseDepGraph(depGraphText),
        packages.map((p) => p.name),
      );
  }

  const model: ReportModel = {
    formatDate,
    settings,
    run,
    runDir,
    generatedAt: input.generatedAt,
    results,
    nodes: nodeList,
    packages,
    byName: new Map(packages.map((p) => [p.name, p] as const)),
    reverseDeps,
    quickStats,
    historyAvailable,
    impacts,
  };
  if (depGraphText !== undefined) model.depGraphText = depGraphText;
  return model;
}

function dateFormatter(): (date: Date, seconds?: boolean) => string {
  // Resolving the local zone builds an Intl formatter: once per report, not per date.
  const timeZone = localTimeZone();
  const cache = new Map<string, string>();
  return (date, seconds = false) => {
    const key = `${date.getTime()}${seconds ? "s" : ""}`;
    let text = cache.get(key);
    if (text === undefined) {
      text = formatBbsDate(date, { timeZone, seconds });
      cache.set(key, text);
    }
    return text;
  };
}

function currentRun(run: RunFacts, generatedAt: Date): { runId?: string; startedAt?: Date; at: Date } {
  const current: { runId?: string; startedAt?: Date; at: Date } = { at: run.snapshotTime ?? generatedAt };
  if (run.runId !== undefined) current.runId = run.runId;
  if (run.snapshotTime !== undefined) current.startedAt = run.snapshotTime;
  return current;
}

/** Where a node's file for a package and stage is, in the run directory. */
export function productPath(runDir: string, nodeId: string, stage: string, file: string): string {
  return `${runDir}/${stageProductsDir(nodeId, stage)}/${file}`;
}
