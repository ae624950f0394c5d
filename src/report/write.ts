// What goes into the report directory besides the pages' rendering: the
// static files (stylesheet, script and LED images of templates/report/assets/),
// copies of the run's databases, Renviron.bioc, and for each package its
// pages, raw results and report.json.

import { join } from "node:path";
import type { ResolvedConfig } from "../config/load.js";
import { parseReportNodes } from "../config/nodes.js";
import { formatDcfRecord } from "../rpkg/dcf.js";
import { MEAT_INDEX_FILE, SKIPPED_INDEX_FILE, SUMMARY_FILE_SUFFIX, OUT_FILE_SUFFIX } from "../layout/central.js";
import { gitInfoFields } from "./inputs.js";
import { BUILD_STATUS_DB_FILE, PROPAGATION_STATUS_DB_FILE } from "../layout/central.js";
import { packageReportJson } from "./json.js";
import type { PackageModel, ReportModel } from "./model.js";
import type { ReportTree } from "./output.js";
import { outputPath, packagePages, RENVIRON_FILE, REPORT_JSON, summaryPath, type Page } from "./pages.js";
import { RENVIRON_BIOC } from "../rpkg/renviron.js";
import { staticAssets, type Renderer } from "./render.js";
import type { SharedParts } from "./chrome.js";

const HTACCESS = "AddCharset UTF-8 .dcf .txt .TXT .log\n";

/**
 * R_ENVIRON_USER of the build (central's, else the first report node's):
 * published as Renviron.bioc. Undefined when neither sets `r.environUser`:
 * the jobs then ran with bbs's bundled Renviron.bioc, which is published.
 */
function rEnvironFile(central: ResolvedConfig, hosts: ReadonlyMap<string, ResolvedConfig>): string | undefined {
  const own = central.values["r.environUser"];
  if (own !== undefined) return own;
  const first = parseReportNodes(central.values.reportNodes).find((node) => !node.foreign);
  return first ? hosts.get(first.id)?.values["r.environUser"] : undefined;
}

/** Static files and copies of the run's databases; returns the names of the root files present. */
export function writeRootFiles(
  tree: ReportTree,
  central: ResolvedConfig,
  hosts: ReadonlyMap<string, ResolvedConfig>,
  runDir: string,
): Set<string> {
  const present = new Set<string>();
  for (const [name, content] of staticAssets()) tree.write(name, content);
  tree.write(".htaccess", HTACCESS);
  for (const file of [MEAT_INDEX_FILE, SKIPPED_INDEX_FILE, BUILD_STATUS_DB_FILE, PROPAGATION_STATUS_DB_FILE]) {
    if (tree.include(join(runDir, file), file)) present.add(file);
  }
  const environ = rEnvironFile(central, hosts);
  if (environ === undefined) {
    tree.write(RENVIRON_FILE, RENVIRON_BIOC);
    present.add(RENVIRON_FILE);
  } else if (tree.include(environ, RENVIRON_FILE)) present.add(RENVIRON_FILE);
  return present;
}

/** `<pkg>/raw-results/`: info.dcf and, for every leaf, the summary and the command output. */
function writeRawResults(tree: ReportTree, model: ReportModel, pkg: PackageModel): void {
  const fields: Array<[string, string]> = [["Package", pkg.name]];
  if (pkg.record) {
    fields.push(["Version", pkg.record.version]);
    if (pkg.record.maintainer !== undefined) fields.push(["Maintainer", pkg.record.maintainer]);
    if (pkg.record.maintainerEmail !== undefined)
      fields.push(["MaintainerEmail", pkg.record.maintainerEmail.replace(/@/g, " at ")]);
  }
  fields.push(...gitInfoFields(pkg.git));
  tree.write(`${pkg.name}/raw-results/info.dcf`, formatDcfRecord(fields));
  for (const row of pkg.rows) {
    if (row.kind !== "cells") continue;
    for (const cell of row.cells) {
      if (!cell?.leaf) continue;
      const dir = `${pkg.name}/raw-results/${row.node.id}`;
      tree.include(summaryPath(model, pkg, row.node, cell.stage), `${dir}/${cell.stage}${SUMMARY_FILE_SUFFIX}`);
      tree.include(outputPath(model, pkg, row.node, cell.stage), `${dir}/${cell.stage}${OUT_FILE_SUFFIX}`);
    }
  }
}

export function writePages(tree: ReportTree, renderer: Renderer, pages: readonly Page[]): number {
  for (const page of pages) {
    tree.write(page.path, renderer.page(page.template, page.context));
    // The raw results may hold the command output already (same name, same file).
    for (const file of page.includes ?? []) if (!tree.has(file.path)) tree.include(file.source, file.path);
  }
  return pages.length;
}

/** Everything under `<pkg>/`; returns the number of pages. */
export function writePackage(
  tree: ReportTree,
  parts: SharedParts,
  renderer: Renderer,
  pkg: PackageModel,
  present: ReadonlySet<string>,
): number {
  const { model } = parts;
  if (model.settings.rawResults && !pkg.badDescription) writeRawResults(tree, model, pkg);
  const pages = writePages(tree, renderer, packagePages(parts, pkg, present));
  tree.write(`${pkg.name}/${REPORT_JSON}`, packageReportJson(model, pkg));
  return pages;
}
