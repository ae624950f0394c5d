// Every page of the report, as (path, template, context): the main pages
// (index.html, long-report.html), the node pages, and per package its index
// page and leaf pages (docs/formats.md#report-url-layout). Contexts come from views.ts; this
// module decides which pages exist and what each one shows.

import { STAGE_LABELS, type Stage } from "../layout/stages.js";
import { HISTORY_SHOWN, type CellHistory } from "./history.js";
import { impactView } from "./impact-view.js";
import { leafSections, summaryFields } from "./leaf.js";
import {
  productPath,
  type CellModel,
  type NodeModel,
  type PackageModel,
  type ReportModel,
  type StatusCounts,
} from "./model.js";
import type { PageTemplate } from "./render.js";
import { axisTicks, barStatus, buildTimeline, jobsFromNdjson, type Timeline, type TimelineJob } from "./timeline.js";
import { pageView, type SharedParts } from "./chrome.js";
import { legendView, nodeAlerts, nodeStateText } from "./notices.js";
import { enc, leafHref, listView, quickStatsView, type QuickStatsView } from "./views.js";
import { formatDuration } from "../util/log-format.js";
import {
  BUILD_STATUS_DB_FILE,
  PROPAGATION_STATUS_DB_FILE,
  MEAT_INDEX_FILE,
  SKIPPED_INDEX_FILE,
  SUMMARY_FILE_SUFFIX,
  OUT_FILE_SUFFIX,
  outFileName,
  summaryFileName,
  JOBS_LOG_FILE,
} from "../layout/central.js";

export interface Page {
  /** Path relative to the report root (raw names: this is a file path, not a URL). */
  path: string;
  template: PageTemplate;
  context: object;
  /** Files the page links, put into the report (source, path relative to the report root). */
  includes?: Array<{ source: string; path: string }>;
}

export const RENVIRON_FILE = "Renviron.bioc";
export const REPORT_JSON = "report.json";

const MACHINE_FILES = [BUILD_STATUS_DB_FILE, PROPAGATION_STATUS_DB_FILE, MEAT_INDEX_FILE, SKIPPED_INDEX_FILE];

function machineLinks(json: string, present: ReadonlySet<string>): { json: string; files: string[] } {
  return { json, files: MACHINE_FILES.filter((file) => present.has(file)) };
}

// ---- main pages ----------------------------------------------------------------------

export function mainPages(parts: SharedParts, present: ReadonlySet<string>): Page[] {
  const { model } = parts;
  const { settings } = model;
  const alerts = nodeAlerts(model);
  const snapshot = model.run.snapshotDate;
  const longTestsNote = settings.buildType === "bioc-longtests";
  const singleNode = model.nodes.length === 1 ? model.nodes[0] : undefined;
  const longContext = {
    page: pageView(parts, { depth: 0, script: true, main: "long", lettersTarget: "" }),
    longTestsNote,
    snapshot,
    nodeSpecsHtml: parts.nodeSpecs(0),
    alerts,
    legend: legendView(model, "long", { filters: true, newProblems: true }),
    list: listView(model, model.packages, singleNode ? { kind: "compact", node: singleNode } : { kind: "gcard" }, {
      filterable: true,
      separators: true,
      quickstats: quickStatsView(model),
      markNew: true,
    }),
    machine: machineLinks(REPORT_JSON, present),
  };
  if (!settings.simpleLayout) return [{ path: "index.html", template: "main", context: longContext }];
  const simpleContext = {
    page: pageView(parts, { depth: 0, script: true, main: "simple", lettersTarget: "" }),
    longTestsNote,
    snapshot,
    alerts,
    switchHref: "long-report.html",
    switchLabel: "Switch to long report",
    legend: legendView(model, "simple", { filters: true, newProblems: true }),
    list: listView(model, model.packages, { kind: "simple" }, { filterable: true, separators: true, markNew: true }),
    machine: machineLinks(REPORT_JSON, present),
  };
  return [
    { path: "index.html", template: "main", context: simpleContext },
    {
      path: "long-report.html",
      template: "main",
      context: { ...longContext, switchHref: "index.html", switchLabel: "Switch to simplified report" },
    },
  ];
}

// ---- node pages ----------------------------------------------------------------------

const NODE_INFO_SECTIONS: ReadonlyArray<{ title: string; vars: string[]; version?: string }> = [
  { title: "C compiler", vars: ["CC", "CFLAGS", "CPICFLAGS", "CPP"], version: "CC" },
  { title: "C++ compiler", vars: ["CXX", "CXXFLAGS", "CXXPICFLAGS", "CXXCPP"], version: "CXX" },
  { title: "C++11 compiler", vars: ["CXX11", "CXX11FLAGS", "CXX11PICFLAGS", "CXX11STD"], version: "CXX11" },
  { title: "C++14 compiler", vars: ["CXX14", "CXX14FLAGS", "CXX14PICFLAGS", "CXX14STD"], version: "CXX14" },
  { title: "C++17 compiler", vars: ["CXX17", "CXX17FLAGS", "CXX17PICFLAGS", "CXX17STD"], version: "CXX17" },
];

function nodeInfoSections(
  node: NodeModel,
): Array<{ title: string; vars: Array<{ name: string; value: string }>; versionLabel?: string; versionText?: string }> {
  const { info } = node;
  const sections: ReturnType<typeof nodeInfoSections> = [];
  for (const spec of NODE_INFO_SECTIONS) {
    const vars = spec.vars.flatMap((name) =>
      info.rConfig.has(name) ? [{ name, value: info.rConfig.get(name) ?? "" }] : [],
    );
    const text = spec.version === undefined ? undefined : info.versions.get(spec.version);
    if (vars.length === 0 && text === undefined) continue;
    const section: (typeof sections)[number] = { title: spec.title, vars };
    if (text !== undefined && spec.version !== undefined) {
      section.versionLabel = `Compiler version ('${info.rConfig.get(spec.version) ?? spec.version} --version' output)`;
      section.versionText = text;
    }
    sections.push(section);
  }
  const java = info.versions.get("JAVA") ?? info.versions.get("java");
  if (java !== undefined)
    sections.push({
      title: "Java",
      vars: [],
      versionLabel: "Java version ('java -version' output)",
      versionText: java,
    });
  const pandoc = info.versions.get("pandoc");
  if (pandoc !== undefined)
    sections.push({
      title: "Pandoc",
      vars: [],
      versionLabel: "Pandoc version ('pandoc --version' output)",
      versionText: pandoc,
    });
  if (info.sessionInfo !== undefined)
    sections.push({
      title: "R session",
      vars: [],
      versionLabel: "sessionInfo() output",
      versionText: info.sessionInfo,
    });
  return sections;
}

export function nodePages(parts: SharedParts, present: ReadonlySet<string>): Page[] {
  const { model } = parts;
  const pages: Page[] = [];
  for (const node of model.nodes) {
    if (node.foreign) continue;
    const id = enc(node.id);
    const common = {
      state: nodeStateText(node),
      timelineHref: `${id}-timeline.html`,
      instHref: `${id}-R-instpkgs.html`,
      installed: node.info.installedPackages ?? "",
    };
    pages.push({
      path: `${node.id}-NodeInfo.html`,
      template: "node-info",
      context: {
        page: pageView(parts, { depth: 0, pageTitle: `More about ${node.id}` }),
        node: {
          id: node.id,
          hostname: node.hostname,
          os: node.os,
          arch: node.arch,
          platform: node.platform,
          rVersion: node.info.rVersion ?? "",
          cssClass: node.cssClass,
        },
        renvironHref: present.has(RENVIRON_FILE) ? RENVIRON_FILE : undefined,
        sections: nodeInfoSections(node),
        ...common,
      },
    });
    pages.push({
      path: `${node.id}-R-instpkgs.html`,
      template: "r-instpkgs",
      context: {
        page: pageView(parts, { depth: 0, pageTitle: `R packages installed on ${node.id}` }),
        nodeId: node.id,
        nodeClass: node.cssClass,
        text: node.info.instPkgs,
      },
    });
    pages.push(timelinePage(parts, node));
    if (model.nodes.length > 1) {
      pages.push({
        path: `${node.id}-index.html`,
        template: "node-index",
        context: {
          page: pageView(parts, { depth: 0, script: true, pageTitle: `All results on ${node.id}`, lettersTarget: "" }),
          nodeId: node.id,
          nodeSpecsHtml: parts.nodeSpecs(0, [node]),
          alerts: nodeAlerts(model, [node]),
          legend: legendView(model, "long", { filters: true }),
          list: listView(
            model,
            model.packages,
            { kind: "compact", node },
            { filterable: true, separators: true, quickstats: quickStatsView(model, node.id) },
          ),
          machine: machineLinks(REPORT_JSON, present),
        },
      });
    }
  }
  return pages;
}

/** The node's jobs: jobs.ndjson when delivered, else the summaries' start and end times. */
export function nodeJobs(model: ReportModel, node: NodeModel): { jobs: TimelineJob[]; source: string } {
  const fromEvents = jobsFromNdjson(
    model.runDir,
    node.id,
    node.presence?.lastActivity?.getTime() ?? model.generatedAt.getTime(),
  );
  if (fromEvents !== undefined && fromEvents.jobs.length > 0)
    return { jobs: fromEvents.jobs, source: `the job events (${JOBS_LOG_FILE})` };
  const jobs: TimelineJob[] = [];
  for (const pkg of model.packages) {
    for (const stage of node.stages) {
      const summary = model.results.cell(pkg.name, node.id, stage)?.summary;
      if (summary?.startedAt === undefined || summary.endedAt === undefined) continue;
      jobs.push({
        pkg: pkg.name,
        stage,
        start: summary.startedAt.getTime(),
        end: summary.endedAt.getTime(),
        status: summary.status,
      });
    }
  }
  return { jobs, source: "the job summaries (StartedAt/EndedAt; slots placed greedily)" };
}

function timelinePage(parts: SharedParts, node: NodeModel): Page {
  const { model } = parts;
  const { jobs, source } = nodeJobs(model, node);
  const timeline: Timeline | undefined = buildTimeline(jobs, node.slots);
  let view: object | undefined;
  if (timeline) {
    const total = timeline.end - timeline.start;
    view = {
      source,
      startText: model.formatDate(new Date(timeline.start), true),
      endText: model.formatDate(new Date(timeline.end), true),
      duration: formatDuration(total / 1000),
      ticks: axisTicks(total),
      stages: timeline.stages.map((stage) => ({
        label: STAGE_LABELS[stage.stage],
        jobs: stage.jobs,
        slots: stage.slots,
        busy: formatDuration(stage.busySeconds),
        span: formatDuration(stage.spanSeconds),
        utilisation: `${Math.round(stage.utilisation * 100)}%`,
        rows: stage.rows.map((row, index) => ({
          slot: index + 1,
          bars: row.map((bar) => {
            const pkg = model.byName.get(bar.job.pkg);
            const cell = pkg ? model.results.cell(pkg.name, node.id, bar.job.stage) : undefined;
            const status = barStatus(bar.job, cell?.status);
            const item: { left: string; width: string; status: string; title: string; href?: string } = {
              left: bar.leftPct.toFixed(3),
              width: bar.widthPct.toFixed(3),
              status,
              title: `${bar.job.pkg} ${STAGE_LABELS[bar.job.stage]}: ${status}, ${formatDuration((bar.job.end - bar.job.start) / 1000)}`,
            };
            if (pkg?.hasDir && cell !== undefined && cell.status !== "NA" && cell.status !== "skipped")
              item.href = leafHref(pkg.name, node.id, bar.job.stage);
            return item;
          }),
        })),
      })),
    };
  }
  return {
    path: `${node.id}-timeline.html`,
    template: "timeline",
    context: {
      page: pageView(parts, { depth: 0, pageTitle: `Timeline of the run on ${node.id}` }),
      nodeId: node.id,
      alerts: nodeAlerts(model, [node]),
      timeline: view,
    },
  };
}

// ---- package pages ---------------------------------------------------------------------

function countStats(model: ReportModel, packages: readonly PackageModel[]): Map<string, Map<Stage, StatusCounts>> {
  const stats = new Map<string, Map<Stage, StatusCounts>>();
  for (const node of model.nodes) {
    stats.set(
      node.id,
      new Map(
        model.settings.displayedStages.map(
          (stage) => [stage, { TIMEOUT: 0, ERROR: 0, WARNINGS: 0, OK: 0, NA: 0, skipped: 0, NotNeeded: 0 }] as const,
        ),
      ),
    );
  }
  for (const pkg of packages) {
    for (const row of pkg.rows) {
      if (row.kind !== "cells") continue;
      for (const cell of row.cells)
        if (cell) (stats.get(row.node.id)?.get(cell.stage) as StatusCounts)[cell.status] += 1;
    }
  }
  return stats;
}

function notesView(
  model: ReportModel,
  pkg: PackageModel,
  present: ReadonlySet<string>,
  node?: NodeModel,
): object | undefined {
  const nodeNotes = (node ? [node] : model.nodes).flatMap((n) =>
    n.reportNote === undefined ? [] : [{ nodeId: n.id, text: n.reportNote }],
  );
  const renviron = present.has(RENVIRON_FILE) && node !== undefined;
  if (!renviron && nodeNotes.length === 0) return undefined;
  return { pkg: pkg.name, renvironHref: renviron ? RENVIRON_FILE : undefined, nodeNotes };
}

function historyNote(model: ReportModel, history: CellHistory | undefined): { kind: string; text: string } | undefined {
  if (history?.failingSince) {
    const since = history.failingSince;
    return {
      kind: "failing",
      text: `failing since ${since.beyondWindow ? "before " : ""}${model.formatDate(since.at)}`,
    };
  }
  if (history?.fixedSince) return { kind: "fixed", text: `fixed since ${model.formatDate(history.fixedSince.at)}` };
  return undefined;
}

interface HistoryRow {
  nodeId: string;
  stage: Stage;
  [field: string]: unknown;
}

/** History rows to show: the package page shows them all, each leaf page its own cell's. */
function historyView(
  rows: readonly HistoryRow[],
  only?: { nodeId: string; stage: Stage },
): { rows: readonly HistoryRow[] } {
  return { rows: only ? rows.filter((row) => row.nodeId === only.nodeId && row.stage === only.stage) : rows };
}

/** "<date> (run <id>): " of each run, shared by all the squares of that run. */
const runLabels = new WeakMap<ReportModel, Map<string, string>>();

function runLabel(model: ReportModel, runId: string, startedAt: Date): string {
  let labels = runLabels.get(model);
  if (labels === undefined) {
    labels = new Map();
    runLabels.set(model, labels);
  }
  let label = labels.get(runId);
  if (label === undefined) {
    label = `${model.formatDate(startedAt)} (run ${runId}): `;
    labels.set(runId, label);
  }
  return label;
}

function historyRows(model: ReportModel, pkg: PackageModel): HistoryRow[] {
  const rows: HistoryRow[] = [];
  for (const row of pkg.rows) {
    if (row.kind !== "cells") continue;
    for (const cell of row.cells) {
      if (cell?.history === undefined) continue;
      const history = cell.history;
      const item: HistoryRow = {
        nodeId: row.node.id,
        stage: cell.stage,
        nodeClass: row.node.cssClass,
        stageLabel: STAGE_LABELS[cell.stage],
        current: cell.status,
        past: history.recent.slice(0, HISTORY_SHOWN).map((entry) => ({
          status: entry.status,
          title: runLabel(model, entry.runId, entry.startedAt) + entry.status,
        })),
      };
      const note = historyNote(model, history);
      if (note) item.note = note;
      if (history.recent.length > 0 || note) rows.push(item);
    }
  }
  return rows;
}

/** The package's index page and its leaf pages. */
export function packagePages(parts: SharedParts, pkg: PackageModel, present: ReadonlySet<string>): Page[] {
  const { model } = parts;
  const letter = pkg.letter;
  const base = { depth: 1 as const, letter };
  const history = historyRows(model, pkg);
  const revdepNames = model.reverseDeps.get(pkg.name) ?? [];
  const revdeps = revdepNames.flatMap((name) => {
    const revdep = model.byName.get(name);
    return revdep ? [revdep] : [];
  });
  let revdepList: object | undefined;
  if (revdeps.length > 0) {
    const quickstats: QuickStatsView = quickStatsView({ ...model, quickStats: countStats(model, revdeps) });
    for (const row of quickstats.rows) delete row.nodeHref;
    revdepList = listView(
      model,
      revdeps,
      { kind: "shared-gcard", parts },
      { filterable: false, separators: false, quickstats },
    );
  }
  const pages: Page[] = [
    {
      path: `${pkg.name}/index.html`,
      template: "package",
      context: {
        page: pageView(parts, { ...base, pageTitle: `All results for package ${pkg.name}` }),
        pkg: pkg.name,
        nodeSpecsHtml: parts.nodeSpecs(1),
        alerts: nodeAlerts(model),
        notes: notesView(model, pkg, present),
        rawResults: model.settings.rawResults && !pkg.badDescription,
        gcardHtml: parts.gcard(pkg),
        history: historyView(history),
        impact: impactView(model, pkg),
        revdeps: revdepList,
        machine: { json: `${enc(pkg.name)}/${REPORT_JSON}`, files: [] },
      },
    },
  ];
  for (const row of pkg.rows) {
    if (row.kind !== "cells") continue;
    for (const cell of row.cells) if (cell?.leaf) pages.push(leafPage(parts, pkg, row.node, cell, present, history));
  }
  return pages;
}

function leafPage(
  parts: SharedParts,
  pkg: PackageModel,
  node: NodeModel,
  cell: CellModel,
  present: ReadonlySet<string>,
  history: readonly HistoryRow[],
): Page {
  const { model } = parts;
  const title = `${STAGE_LABELS[cell.stage]} results for ${pkg.name} on ${node.id}`;
  const rawDir = `raw-results/${enc(node.id)}/${cell.stage}`;
  const { sections, outputPresent, fullFiles } = leafSections({
    runDir: model.runDir,
    buildType: model.settings.buildType,
    pkg: pkg.name,
    nodeId: node.id,
    stage: cell.stage,
    encoding: node.encoding,
  });
  return {
    path: `${pkg.name}/${node.id}-${cell.stage}.html`,
    includes: fullFiles.map((file) => ({ source: file.source, path: `${pkg.name}/${file.relative}` })),
    template: "leaf",
    context: {
      page: pageView(parts, {
        depth: 1,
        pageTitle: title,
        letter: pkg.letter,
        selection: { nodeId: node.id, stage: cell.stage },
      }),
      heading: title,
      nodeSpecsHtml: parts.nodeSpecs(1, [node]),
      notes: notesView(model, pkg, present, node),
      rawResults: model.settings.rawResults
        ? { summary: `${rawDir}${SUMMARY_FILE_SUFFIX}`, out: outputPresent ? `${rawDir}${OUT_FILE_SUFFIX}` : undefined }
        : undefined,
      gcardHtml: parts.gcard(pkg),
      history: historyView(history, { nodeId: node.id, stage: cell.stage }),
      nodeClass: node.cssClass,
      summary: cell.cell.summary ? summaryFields(cell.cell.summary) : undefined,
      sections,
    },
  };
}

/** A cell's command output in the run directory. */
export function outputPath(model: ReportModel, pkg: PackageModel, node: NodeModel, stage: Stage): string {
  return productPath(model.runDir, node.id, stage, outFileName(pkg.name, stage));
}

/** A cell's summary in the run directory. */
export function summaryPath(model: ReportModel, pkg: PackageModel, node: NodeModel, stage: Stage): string {
  return productPath(model.runDir, node.id, stage, summaryFileName(pkg.name, stage));
}
