// report.json and <pkg>/report.json: every status, time and link of the
// report as data, so nobody scrapes HTML (anchors: BiocPkgTools#51,
// BiocBuildReporter). Schema documented in docs/report-json.md; the `schema`
// field changes only when a field changes meaning or disappears.

import { REUSED_FROM_FIELD } from "../results/summary.js";
import type { ReportModel, PackageModel, CellModel, NodeModel } from "./model.js";
import type { CellHistory } from "./history.js";
import { nodeStateText } from "./notices.js";
import { impactJson } from "./impact.js";
import { enc, leafHref, packageHref } from "./views.js";
import { SUMMARY_FILE_SUFFIX, OUT_FILE_SUFFIX } from "../layout/central.js";

export const REPORT_JSON_SCHEMA = "bbs-report/1";

// History entries share their run's Date: format each instant once.
const isoCache = new Map<number, string>();

function iso(date: Date | undefined): string | null {
  if (date === undefined) return null;
  const time = date.getTime();
  let text = isoCache.get(time);
  if (text === undefined) {
    text = date.toISOString();
    if (isoCache.size > 10_000) isoCache.clear();
    isoCache.set(time, text);
  }
  return text;
}

function nodeJson(model: ReportModel, node: NodeModel): object {
  const id = enc(node.id);
  const stats: Record<string, object> = {};
  for (const [stage, counts] of model.quickStats.get(node.id) ?? [])
    if (node.stages.includes(stage)) stats[stage] = counts;
  return {
    id: node.id,
    hostname: node.hostname,
    os: node.os,
    arch: node.arch,
    platform: node.platform,
    pkgType: node.pkgType,
    bin: node.bin,
    foreign: node.foreign,
    stages: node.stages,
    state: nodeStateText(node),
    lastActivity: iso(node.presence?.lastActivity),
    finishedAt: iso(node.presence?.finishedAt),
    rVersion: node.info.rVersion ?? null,
    installedPackages: node.info.installedPackages ?? null,
    links: node.foreign
      ? {}
      : {
          nodeInfo: `${id}-NodeInfo.html`,
          installedPackages: `${id}-R-instpkgs.html`,
          timeline: `${id}-timeline.html`,
          ...(model.nodes.length > 1 ? { index: `${id}-index.html` } : {}),
        },
    stats,
  };
}

function historyJson(history: CellHistory): object {
  return {
    newProblem: history.newProblem,
    failingSince: history.failingSince
      ? {
          at: iso(history.failingSince.at),
          runId: history.failingSince.runId ?? null,
          beforeWindow: history.failingSince.beyondWindow,
        }
      : null,
    fixedSince: history.fixedSince ? { at: iso(history.fixedSince.at), runId: history.fixedSince.runId ?? null } : null,
    previous: history.recent.map((entry) => ({
      runId: entry.runId,
      startedAt: iso(entry.startedAt),
      status: entry.status,
    })),
  };
}

function cellJson(model: ReportModel, pkg: PackageModel, node: NodeModel, cell: CellModel, detailed: boolean): object {
  const summary = cell.cell.summary;
  const entry: Record<string, unknown> = {
    node: node.id,
    stage: cell.stage,
    status: cell.status,
    startedAt: iso(summary?.startedAt),
    endedAt: iso(summary?.endedAt),
    elapsedSeconds: summary?.elapsedSeconds ?? null,
    link: cell.leaf && pkg.hasDir ? leafHref(pkg.name, node.id, cell.stage) : null,
    reusedFrom: summary?.fields.get(REUSED_FROM_FIELD) ?? null,
  };
  if (detailed) {
    entry.version = summary?.version ?? null;
    entry.retCode = summary?.retCode ?? null;
    entry.command = summary?.command ?? null;
    entry.summaryFile = cell.cell.summaryPath ?? null;
    if (cell.cell.problem !== undefined) entry.problem = cell.cell.problem;
    const raw =
      cell.leaf && pkg.hasDir && model.settings.rawResults
        ? `${enc(pkg.name)}/raw-results/${enc(node.id)}/${cell.stage}`
        : undefined;
    entry.raw =
      raw === undefined ? null : { summary: `${raw}${SUMMARY_FILE_SUFFIX}`, output: `${raw}${OUT_FILE_SUFFIX}` };
    entry.history = cell.history ? historyJson(cell.history) : null;
  }
  return entry;
}

function packageJson(model: ReportModel, pkg: PackageModel, detailed: boolean): object {
  const results: object[] = [];
  const unsupportedOn: string[] = [];
  const propagation: Record<string, string> = {};
  for (const row of pkg.rows) {
    if (row.kind === "unsupported") unsupportedOn.push(row.node.id);
    if (row.kind !== "cells") continue;
    for (const cell of row.cells) if (cell) results.push(cellJson(model, pkg, row.node, cell, detailed));
    if (row.propagation !== undefined && row.node.ledPkgType !== undefined)
      propagation[row.node.ledPkgType] = row.propagation;
  }
  const href = packageHref(pkg);
  const entry: Record<string, unknown> = {
    package: pkg.name,
    version: pkg.record?.version ?? null,
    maintainer: pkg.record?.maintainer ?? null,
    deprecated: pkg.deprecated,
    badDescription: pkg.badDescription,
    overall: pkg.overall,
    classes: pkg.classes,
    newProblem: pkg.newProblem,
    links: href ? { page: href, json: `${href}report.json` } : {},
    git: pkg.git
      ? {
          url: pkg.git.url ?? null,
          branch: pkg.git.branch ?? null,
          lastCommit: pkg.git.lastCommit ?? null,
          lastCommitDate: pkg.git.lastCommitDate ?? null,
        }
      : null,
    unsupportedOn,
    propagation,
    impact: impactJson(model.impacts.get(pkg.name) ?? []),
    results,
  };
  if (detailed) {
    entry.reverseDependencies = model.reverseDeps.get(pkg.name) ?? [];
    if (pkg.hasDir && model.settings.rawResults && !pkg.badDescription) entry.rawResults = `${href ?? ""}raw-results/`;
  }
  return entry;
}

function header(model: ReportModel): Record<string, unknown> {
  return {
    schema: REPORT_JSON_SCHEMA,
    title: model.settings.title,
    buildType: model.settings.buildType,
    biocVersion: model.settings.biocVersion,
    generatedAt: model.generatedAt.toISOString(),
    run: {
      runId: model.run.runId ?? null,
      snapshotDate: model.run.snapshotDate ?? null,
      snapshotTime: iso(model.run.snapshotTime),
    },
    stages: model.settings.displayedStages,
  };
}

/** The whole report as one JSON document. */
export function reportJson(model: ReportModel): string {
  const doc = {
    ...header(model),
    historyAvailable: model.historyAvailable,
    nodes: model.nodes.map((node) => nodeJson(model, node)),
    packages: model.packages.map((pkg) => packageJson(model, pkg, false)),
  };
  return `${JSON.stringify(doc)}\n`;
}

/** One package in detail (commands, raw files, history). */
export function packageReportJson(model: ReportModel, pkg: PackageModel): string {
  return `${JSON.stringify({ ...header(model), package: packageJson(model, pkg, true) })}\n`;
}
