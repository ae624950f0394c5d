// Template contexts of what pages say about the build: the glyph and LED
// legends, the node table, and alerts about nodes absent or unfinished.

import type { FilterClass, NodeModel, ReportModel } from "./model.js";
import { ledFileName } from "./led.js";
import { LED_LEGEND, legendEntries } from "./settings.js";
import { enc } from "./views.js";
import { nodeProductsDir, END_OF_RUN_FILE } from "../layout/central.js";

export interface LegendView {
  entries: Array<{ status: string; text: string; filter?: FilterClass; checkbox: boolean; notSupported?: boolean }>;
  leds?: Array<{ src: string; verdict: string; text: string }>;
  newProblems?: { count: number; one: boolean };
}

export function legendView(
  model: ReportModel,
  layout: "long" | "simple",
  options: { filters: boolean; newProblems?: boolean },
): LegendView {
  const view: LegendView = {
    entries: legendEntries(model.settings, layout).map((entry) => {
      const item: LegendView["entries"][number] = {
        status: entry.status,
        text: entry.text,
        checkbox: options.filters && entry.filter !== undefined,
      };
      if (entry.filter !== undefined) item.filter = entry.filter;
      return item;
    }),
  };
  // BBS's "...NOT SUPPORTED..." cells, explained when the report has one.
  const unsupported = model.packages.some((pkg) =>
    layout === "simple" ? pkg.overall === "NotSupported" : pkg.rows.some((row) => row.kind === "unsupported"),
  );
  if (unsupported) {
    view.entries.push({
      status: "NotSupported",
      text:
        layout === "simple"
          ? "Package is not supported on any of the build machines (its UnsupportedPlatforms excludes them)"
          : "Package is not supported on this build machine (its UnsupportedPlatforms excludes it)",
      checkbox: false,
      notSupported: true,
    });
  }
  if (layout === "long" && model.settings.propagationColumn) {
    view.leds = LED_LEGEND.map((led) => ({ src: ledFileName(led.color), verdict: led.verdict, text: led.text }));
  }
  if (options.filters && options.newProblems && model.historyAvailable) {
    const count = model.packages.filter((p) => p.newProblem).length;
    view.newProblems = { count, one: count === 1 };
  }
  return view;
}

export interface NodeSpecsView {
  rows: Array<{
    nodeId: string;
    nodeClass: string;
    infoHref?: string;
    os: string;
    arch: string;
    rVersion: string;
    installed: string;
    instHref?: string;
    state: string;
    timelineHref?: string;
  }>;
}

export function nodeStateText(node: NodeModel): string {
  if (node.foreign) return "foreign (results of another build)";
  const presence = node.presence;
  if (node.liveness !== undefined && presence?.state !== "finished") return node.liveness;
  if (presence === undefined || presence.state === "absent") return "absent";
  if (presence.state === "running") return "unfinished";
  return "finished";
}

export function nodeSpecsView(model: ReportModel, nodes: readonly NodeModel[] = model.nodes): NodeSpecsView {
  return {
    rows: nodes.map((node) => {
      const row: NodeSpecsView["rows"][number] = {
        nodeId: node.id,
        nodeClass: node.cssClass,
        os: node.os,
        arch: node.arch,
        rVersion: node.info.rVersion ?? "",
        installed: node.info.installedPackages === undefined ? "" : String(node.info.installedPackages),
        state: nodeStateText(node),
      };
      if (!node.foreign) {
        row.infoHref = `${enc(node.id)}-NodeInfo.html`;
        row.instHref = `${enc(node.id)}-R-instpkgs.html`;
        row.timelineHref = `${enc(node.id)}-timeline.html`;
      }
      return row;
    }),
  };
}

/** What the report says about nodes that are absent or have not finished (docs/bbs-rules.md#absent-nodes: BBS crashed instead). */
export function nodeAlerts(
  model: ReportModel,
  nodes: readonly NodeModel[] = model.nodes,
): Array<{ kind: string; text: string }> {
  const alerts: Array<{ kind: string; text: string }> = [];
  for (const node of nodes) {
    const presence = node.presence;
    if (node.foreign || presence === undefined) continue;
    if (presence.state === "absent") {
      const since = node.lastSeen
        ? ` The last build this node finished is the one of ${model.formatDate(node.lastSeen.at)} (run ${node.lastSeen.runId}).`
        : model.run.snapshotDate !== undefined
          ? ` It has been absent since at least the snapshot of this run (${model.run.snapshotDate}).`
          : "";
      alerts.push({
        kind: "absent",
        text: `Node ${node.id} delivered no results for this run (${nodeProductsDir(node.id)} does not exist): its results are shown as NA.${since}`,
      });
    } else if (presence.state === "running") {
      const since = presence.lastActivity
        ? ` Its last delivery was on ${model.formatDate(presence.lastActivity)}.`
        : "";
      alerts.push({
        kind: "unfinished",
        text: `Node ${node.id} has not finished this run (no ${END_OF_RUN_FILE}): results it has not delivered yet are shown as NA.${since}`,
      });
    }
  }
  return alerts;
}
