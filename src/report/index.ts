// The build report (BBS-report.py, postrun's stage6d), public entry point.
//
//   generateReport({ central, hosts, runDir, reportDir, historyDb?, generatedAt? }): Promise<ReportSummary>
//
// reads a run directory (BBS's central layout: meat-index.dcf,
// skipped-index.dcf, BUILD_STATUS_DB.txt, PROPAGATION_STATUS_DB.txt, run.json,
// gitlog/, products-in/<node>/...) and writes the whole report into
// `reportDir`, atomically (assembled beside it, then switched in). `central`
// is the central node's configuration (report.*, reportNodes, outgoing,
// buildType, timeouts), `hosts` every node's (OS, arch, slots, log encoding,
// report notes), as loadAllHosts() returns them. `historyDb` is the SQLite
// history to read past runs from (optional). A missing node, file, propagation
// DB or history never fails the report: they are said on the pages and listed
// in the summary's warnings. Pages and URLs: docs/report.md; JSON schema:
// docs/report-json.md.

import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ResolvedConfig } from "../config/load.js";
import { formatDcfRecord } from "../rpkg/dcf.js";
import { MEAT_INDEX_FILE, SKIPPED_INDEX_FILE } from "../rpkg/meat-index.js";
import { readRunFacts } from "../results/run-info.js";
import { BUILD_STATUS_DB_FILE, DEP_GRAPH_FILE, gitInfoFields, PROPAGATION_DB_FILE } from "./inputs.js";
import { packageReportJson, reportJson } from "./json.js";
import { buildModel, type PackageModel, type ReportModel } from "./model.js";
import { mainPages, nodePages, outputPath, packagePages, RENVIRON_FILE, REPORT_JSON, summaryPath, type Page } from "./pages.js";
import { drawLed, ledFileName } from "./png.js";
import { reportRenderer, staticAssets, type Renderer } from "./render.js";
import { ReportTree } from "./output.js";
import { nodeStateText, SharedParts } from "./views.js";
import { BbsError } from "../util/errors.js";

export interface ReportInput {
  /** The central node's configuration. */
  central: ResolvedConfig;
  /** Every node's configuration, by node id (loadAllHosts). */
  hosts: ReadonlyMap<string, ResolvedConfig>;
  /** The run's central directory. */
  runDir: string;
  /** Where the report goes (replaced atomically). */
  reportDir: string;
  /** SQLite history with previous runs (optional). */
  historyDb?: string;
  /** "This page was generated on" (default: now). */
  generatedAt?: Date;
}

export interface ReportSummary {
  reportDir: string;
  runId?: string;
  packages: number;
  nodes: Array<{ id: string; state: string }>;
  pages: number;
  files: number;
  bytes: number;
  /** Problems met and worked around (missing files, unreadable inputs...). */
  warnings: string[];
  elapsedMs: number;
  /** Milliseconds per phase: reading the run (model), package pages, node pages, main pages, switching the report in. */
  timings: { model: number; packages: number; nodes: number; main: number; commit: number };
}

const HTACCESS = "AddCharset UTF-8 .dcf .txt .TXT .log\n";

function rEnvironFile(model: ReportModel, hosts: ReadonlyMap<string, ResolvedConfig>): string | undefined {
  if (model.settings.rEnvironFile !== undefined) return model.settings.rEnvironFile;
  const first = model.nodes.find((node) => !node.foreign);
  return first ? hosts.get(first.id)?.values["r.environUser"] : undefined;
}

/** Static files and copies of the run's databases; returns the names of the root files present. */
function writeRootFiles(tree: ReportTree, model: ReportModel, runDir: string, hosts: ReadonlyMap<string, ResolvedConfig>): Set<string> {
  const present = new Set<string>();
  for (const [name, content] of staticAssets()) tree.write(name, content);
  for (const color of ["Red", "Green", "Blue"] as const) tree.write(ledFileName(color), drawLed(color));
  tree.write(".htaccess", HTACCESS);
  for (const file of [MEAT_INDEX_FILE, SKIPPED_INDEX_FILE, BUILD_STATUS_DB_FILE, PROPAGATION_DB_FILE]) {
    if (tree.include(join(runDir, file), file)) present.add(file);
  }
  const environ = rEnvironFile(model, hosts);
  if (environ !== undefined && tree.include(environ, RENVIRON_FILE)) present.add(RENVIRON_FILE);
  if (model.depGraphText !== undefined) {
    tree.write(DEP_GRAPH_FILE, model.depGraphText);
    present.add(DEP_GRAPH_FILE);
  }
  return present;
}

/** `<pkg>/raw-results/`: info.dcf and, for every leaf, the summary and the command output. */
function writeRawResults(tree: ReportTree, model: ReportModel, pkg: PackageModel): void {
  const fields: Array<[string, string]> = [["Package", pkg.name]];
  if (pkg.record) {
    fields.push(["Version", pkg.record.version]);
    if (pkg.record.maintainer !== undefined) fields.push(["Maintainer", pkg.record.maintainer]);
    if (pkg.record.maintainerEmail !== undefined) fields.push(["MaintainerEmail", pkg.record.maintainerEmail.replace(/@/g, " at ")]);
  }
  fields.push(...gitInfoFields(pkg.git));
  tree.write(`${pkg.name}/raw-results/info.dcf`, formatDcfRecord(fields));
  for (const row of pkg.rows) {
    if (row.kind !== "cells") continue;
    for (const cell of row.cells) {
      if (!cell?.leaf) continue;
      const dir = `${pkg.name}/raw-results/${row.node.id}`;
      tree.include(summaryPath(model, pkg, row.node, cell.stage), `${dir}/${cell.stage}-summary.dcf`);
      tree.include(outputPath(model, pkg, row.node, cell.stage), `${dir}/${cell.stage}-out.txt`);
    }
  }
}

function writePages(tree: ReportTree, renderer: Renderer, pages: readonly Page[]): number {
  for (const page of pages) tree.write(page.path, renderer.page(page.template, page.context));
  return pages.length;
}

/** Generates the report of the run in `input.runDir` into `input.reportDir`. */
export async function generateReport(input: ReportInput): Promise<ReportSummary> {
  const started = Date.now();
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
  };
  if (!existsSync(input.runDir)) {
    throw new BbsError("BBS_PRECONDITION", `run directory ${input.runDir} does not exist`, { hint: "the report is generated from a run's central directory, made by `bbs prerun`" });
  }
  const generatedAt = input.generatedAt ?? new Date();
  const run = readRunFacts(input.runDir);
  if (run.problem !== undefined) warn(`${run.problem}: the report does not say which run and snapshot it shows`);
  const renderer = reportRenderer();
  const timings = { model: 0, packages: 0, nodes: 0, main: 0, commit: 0 };
  let phase = Date.now();
  const lap = (name: keyof typeof timings): void => {
    const now = Date.now();
    timings[name] = now - phase;
    phase = now;
  };
  const model = buildModel({
    central: input.central,
    hosts: input.hosts,
    runDir: input.runDir,
    run,
    ...(input.historyDb === undefined ? {} : { historyDb: input.historyDb }),
    generatedAt,
    warn,
  });
  for (const node of model.nodes) {
    if (node.presence?.state === "absent") warn(`node ${node.id}: no results in this run (products-in/${node.id} is missing)`);
    else if (node.presence?.state === "running") warn(`node ${node.id}: has not finished this run (no BBS_EndOfRun.txt)`);
  }
  if (!existsSync(join(input.runDir, MEAT_INDEX_FILE))) warn(`${join(input.runDir, MEAT_INDEX_FILE)} is missing: the report lists no packages`);

  lap("model");
  const parts = new SharedParts(model, renderer);
  const tree = ReportTree.create(input.reportDir);
  let pages = 0;
  try {
    const present = writeRootFiles(tree, model, input.runDir, input.hosts);
    for (const pkg of model.packages) {
      if (!pkg.hasDir) continue;
      if (model.settings.rawResults && !pkg.badDescription) writeRawResults(tree, model, pkg);
      pages += writePages(tree, renderer, packagePages(parts, pkg, present));
      tree.write(`${pkg.name}/${REPORT_JSON}`, packageReportJson(model, pkg));
    }
    lap("packages");
    pages += writePages(tree, renderer, nodePages(parts, present));
    lap("nodes");
    pages += writePages(tree, renderer, mainPages(parts, present));
    tree.write(REPORT_JSON, reportJson(model));
    lap("main");
    tree.commit();
    lap("commit");
  } catch (error) {
    tree.discard();
    throw error;
  }
  const summary: ReportSummary = {
    reportDir: input.reportDir,
    packages: model.packages.length,
    nodes: model.nodes.map((node) => ({ id: node.id, state: nodeStateText(node) })),
    pages,
    files: tree.files,
    bytes: tree.bytes,
    warnings,
    elapsedMs: Date.now() - started,
    timings,
  };
  if (run.runId !== undefined) summary.runId = run.runId;
  return summary;
}
