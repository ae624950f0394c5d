// Template contexts of package lists: package headers, cells, gcards,
// compact rows, quick stats and letter separators. Links are relative to the
// report root (templates prefix them with the page's `base`); path
// components are URL-encoded, so no package name can make a link leave the
// report or run script (`javascript:` cannot survive encodeURIComponent).

import { REUSED_FROM_FIELD } from "../results/summary.js";
import { propagationVerdict } from "../results/status-db.js";
import { type Status } from "../results/status.js";
import { STAGE_LABELS, type Stage } from "../layout/stages.js";
import {
  filterClasses,
  type FilterClass,
  type NodeModel,
  type NodeRowModel,
  type PackageModel,
  type ReportModel,
} from "./model.js";
import { ledFileName, type LedColor } from "./led.js";
import type { Fragment } from "./render.js";
import { landingPageUrl } from "./settings.js";

export const enc = encodeURIComponent;

// ---- letters ------------------------------------------------------------------------

export interface LetterLink {
  letter: string;
  href?: string;
  current: boolean;
}

const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ".split("");

/** Letters with packages, computed once per model. */
const letterSets = new WeakMap<ReportModel, Set<string>>();

export function lettersWithPackages(model: ReportModel): Set<string> {
  let set = letterSets.get(model);
  if (set === undefined) {
    set = new Set(model.packages.map((p) => p.letter));
    letterSets.set(model, set);
  }
  return set;
}

/** The A-Z dispatcher: links to the letter separators of `page` (root-relative; "" for the page itself). */
export function letterLinks(model: ReportModel, current: string | undefined, page: string): LetterLink[] | undefined {
  if (!model.settings.alphabetDispatch) return undefined;
  const present = lettersWithPackages(model);
  return LETTERS.map((letter) => {
    const link: LetterLink = { letter, current: letter === current };
    if (present.has(letter)) link.href = `${page}#${letter}`;
    return link;
  });
}

// ---- packages and cells ------------------------------------------------------------

export interface PkgView {
  name: string;
  href?: string;
  version: string;
  maintainer: string;
  deprecated: boolean;
  landing?: string;
  git?: { lastCommit?: string; lastCommitDate?: string };
  notes?: Array<{ kind: string; text: string }>;
}

/** `<pkg>/` relative to the report root, when the package has pages. */
export function packageHref(pkg: PackageModel): string | undefined {
  return pkg.hasDir ? `${enc(pkg.name)}/` : undefined;
}

export function pkgView(model: ReportModel, pkg: PackageModel, notes?: Array<{ kind: string; text: string }>): PkgView {
  const view: PkgView = {
    name: pkg.name,
    version: pkg.record?.version ?? "",
    maintainer: pkg.record?.maintainer ?? "",
    deprecated: pkg.deprecated,
  };
  const href = packageHref(pkg);
  if (href) view.href = href;
  if (!pkg.badDescription)
    view.landing = landingPageUrl(model.settings.buildType, model.settings.biocVersion, pkg.name);
  if (pkg.git && (pkg.git.lastCommit !== undefined || pkg.git.lastCommitDate !== undefined)) {
    view.git = {};
    if (pkg.git.lastCommit !== undefined) view.git.lastCommit = pkg.git.lastCommit;
    // First three tokens: "2024-10-23 10:12:33 -0400".
    if (pkg.git.lastCommitDate !== undefined)
      view.git.lastCommitDate = pkg.git.lastCommitDate.split(" ").slice(0, 3).join(" ");
  }
  if (notes && notes.length > 0) view.notes = notes;
  return view;
}

export type CellView =
  { blank: true; cls: string } | { blank?: false; cls: string; status: Status; href?: string; reusedFrom?: string };

export interface RowView {
  nodeId: string;
  ident: string;
  nodeHref?: string;
  nodeClass: string;
  os: string;
  arch: string;
  span?: {
    colspan: number;
    unsupported?: boolean;
    badDescription?: boolean;
    /** Why the DESCRIPTION is bad, when prerun said. */
    reason?: string;
    foreignHref?: string;
  };
  cells?: CellView[];
  ledColumn: boolean;
  led?: { src: string; title: string };
}

/** Leaf page of a cell: `<pkg>/<node>-<stage>.html` relative to the report root. */
export function leafHref(pkg: string, nodeId: string, stage: Stage): string {
  return `${enc(pkg)}/${enc(nodeId)}-${stage}.html`;
}

export function nodePageHref(model: ReportModel, node: NodeModel): string | undefined {
  return model.nodes.length > 1 ? `${enc(node.id)}-index.html` : undefined;
}

function ledColor(explanation: string): LedColor {
  const verdict = propagationVerdict(explanation);
  return verdict === "YES" ? "Green" : verdict === "NO" ? "Red" : "Blue";
}

export function rowView(model: ReportModel, pkg: PackageModel, row: NodeRowModel): RowView {
  const { node } = row;
  const ledColumn = model.settings.propagationColumn;
  const view: RowView = {
    nodeId: node.id,
    ident: node.ident,
    nodeClass: node.cssClass,
    os: node.os,
    arch: node.arch,
    ledColumn,
  };
  const nodeHref = nodePageHref(model, node);
  if (nodeHref) view.nodeHref = nodeHref;
  const colspan = model.settings.displayedStages.length + (ledColumn ? 1 : 0);
  switch (row.kind) {
    case "unsupported":
      view.span = { colspan, unsupported: true };
      return view;
    case "bad-description":
      view.span = {
        colspan,
        badDescription: true,
        ...(pkg.skipReason === undefined ? {} : { reason: pkg.skipReason }),
      };
      return view;
    case "foreign":
      view.span = { colspan, foreignHref: `../bioc-mac-arm64-LATEST/${enc(pkg.name)}/` };
      return view;
    case "cells":
      break;
  }
  view.cells = row.cells.map((cell): CellView => {
    if (cell === undefined) return { blank: true, cls: `node ${node.cssClass}` };
    const cellView: CellView = {
      cls: `status ${node.cssClass} ${cell.stage} c_${node.ident}_${cell.stage}`,
      status: cell.status,
    };
    if (cell.leaf && pkg.hasDir) cellView.href = leafHref(pkg.name, node.id, cell.stage);
    // Incremental runs: the result was taken from an earlier run whose job had the same inputs.
    const reusedFrom = cell.cell.summary?.fields.get(REUSED_FROM_FIELD);
    if (reusedFrom !== undefined) cellView.reusedFrom = reusedFrom;
    return cellView;
  });
  if (row.propagation !== undefined) view.led = { src: ledFileName(ledColor(row.propagation)), title: row.propagation };
  return view;
}

export interface GcardView {
  classes: string;
  position: number;
  total: number;
  heads: Array<{ stage: Stage; label: string }>;
  ledColumn: boolean;
  rowspan: number;
  pkg: PkgView;
  rows: RowView[];
}

export function packageClasses(pkg: PackageModel, node?: NodeModel): string {
  const classes = node === undefined ? pkg.classes : nodeClasses(pkg, node);
  return classes.join(" ") + (pkg.newProblem ? " new_problem" : "");
}

/** Filtering classes of a package on one node (node pages filter on that node's results). */
function nodeClasses(pkg: PackageModel, node: NodeModel): FilterClass[] {
  const row = pkg.rows.find((r) => r.node.id === node.id);
  const statuses = new Set<Status>();
  if (row?.kind === "cells") for (const cell of row.cells) if (cell) statuses.add(cell.status);
  return filterClasses(statuses, pkg.badDescription);
}

export function gcardView(
  model: ReportModel,
  pkg: PackageModel,
  notes?: Array<{ kind: string; text: string }>,
): GcardView {
  return {
    classes: packageClasses(pkg),
    position: pkg.position,
    total: model.packages.length,
    heads: model.settings.displayedStages.map((stage) => ({ stage, label: STAGE_LABELS[stage] })),
    ledColumn: model.settings.propagationColumn,
    rowspan: pkg.rows.length,
    pkg: pkgView(model, pkg, notes),
    rows: pkg.rows.map((row) => rowView(model, pkg, row)),
  };
}

const NEW_NOTE = [{ kind: "new", text: "new problem since the last run" }];
// ---- lists ------------------------------------------------------------------------------

export interface QuickStatsView {
  heads: Array<{ stage: Stage; label: string }>;
  ledColumn: boolean;
  rows: Array<{
    nodeId: string;
    nodeHref?: string;
    nodeClass: string;
    os: string;
    arch: string;
    toned: boolean;
    stages: Array<{ counts?: Array<{ status: string; count: number }> }>;
  }>;
}

export function quickStatsView(model: ReportModel, highlight?: string): QuickStatsView {
  return {
    heads: model.settings.displayedStages.map((stage) => ({ stage, label: STAGE_LABELS[stage] })),
    ledColumn: model.settings.propagationColumn,
    rows: model.nodes.map((node) => {
      const stats = model.quickStats.get(node.id);
      const row: QuickStatsView["rows"][number] = {
        nodeId: node.id,
        nodeClass: node.cssClass,
        os: node.os,
        arch: node.arch,
        toned: highlight !== undefined && highlight !== node.id,
        stages: model.settings.displayedStages.map((stage) => {
          const counts = stats?.get(stage);
          if (node.foreign || counts === undefined || !node.stages.includes(stage)) return {};
          const shown =
            stage === "checksrc"
              ? (["TIMEOUT", "ERROR", "WARNINGS", "OK"] as const)
              : (["TIMEOUT", "ERROR", "OK"] as const);
          return { counts: shown.map((status) => ({ status, count: counts[status] })) };
        }),
      };
      const href = nodePageHref(model, node);
      if (href) row.nodeHref = href;
      return row;
    }),
  };
}

export type ListItem =
  | { separator: { classes: string; letter: string; colspan: number; rest: number; letters?: LetterLink[] } }
  | { gcard: GcardView }
  | { gcardHtml: Fragment }
  | { compact: CompactView };

export interface CompactView {
  classes: string;
  position: number;
  total: number;
  even: boolean;
  pkg: PkgView;
  overall?: string;
  overallHref?: string;
  /** No report node supports the package: "...NOT SUPPORTED..." instead of a glyph. */
  notSupported?: boolean;
  row?: RowView;
}

export interface ListView {
  id?: string;
  compact: boolean;
  quickstats?: QuickStatsView;
  simpleHead?: string;
  items: ListItem[];
}

/** Where pages one level down take a package's gcard, rendered once per report (chrome.ts's SharedParts). */
export interface SharedGcards {
  gcard(pkg: PackageModel): Fragment;
}

/** gcards rendered here (`gcard`, once per list) or the shared fragments of pages one level down (`shared-gcard`). */
export type ListLayout =
  | { kind: "gcard" }
  | { kind: "shared-gcard"; parts: SharedGcards }
  | { kind: "simple" }
  | { kind: "compact"; node: NodeModel };

function columnCount(model: ReportModel, layout: ListLayout): number {
  if (layout.kind === "simple") return 4;
  return 3 + model.settings.displayedStages.length + (model.settings.propagationColumn ? 1 : 0);
}

/**
 * A list of packages: gcards (long layout), one glyph per package (simple
 * layout), or one node's compact rows. `filterable` gives it the id the
 * filters act on, with every show_* class on.
 */
export function listView(
  model: ReportModel,
  packages: readonly PackageModel[],
  layout: ListLayout,
  options: { filterable: boolean; separators: boolean; quickstats?: QuickStatsView; markNew?: boolean },
): ListView {
  const view: ListView = { compact: layout.kind === "simple" || layout.kind === "compact", items: [] };
  if (options.filterable) view.id = "THE_BIG_GCARD_LIST";
  if (options.quickstats) view.quickstats = options.quickstats;
  if (layout.kind === "simple") {
    view.simpleHead = model.settings.displayedStages
      .filter((stage) => stage !== "buildbin")
      .map((stage) => STAGE_LABELS[stage])
      .join("/");
  }
  const colspan = columnCount(model, layout);
  const separators = options.separators && model.settings.alphabetDispatch;
  const classNode = layout.kind === "compact" ? layout.node : undefined;
  const letterClasses = new Map<string, Set<string>>();
  if (separators) {
    for (const pkg of packages) {
      const set = letterClasses.get(pkg.letter) ?? new Set<string>();
      for (const cls of packageClasses(pkg, classNode).split(" ")) set.add(cls);
      letterClasses.set(pkg.letter, set);
    }
  }
  let letter: string | undefined;
  for (const pkg of packages) {
    if (separators && pkg.letter !== letter) {
      letter = pkg.letter;
      const separator: Extract<ListItem, { separator: unknown }>["separator"] = {
        classes: [...(letterClasses.get(letter) ?? [])].join(" "),
        letter,
        colspan,
        rest: colspan - 1,
      };
      const letters = letterLinks(model, letter, "");
      if (letters) separator.letters = letters;
      view.items.push({ separator });
    }
    const notes = options.markNew && pkg.newProblem ? NEW_NOTE : undefined;
    if (layout.kind === "gcard") {
      view.items.push({ gcard: gcardView(model, pkg, notes) });
      continue;
    }
    if (layout.kind === "shared-gcard") {
      view.items.push({ gcardHtml: layout.parts.gcard(pkg) });
      continue;
    }
    const position = pkg.position;
    const compact: CompactView = {
      classes: packageClasses(pkg, classNode),
      position,
      total: model.packages.length,
      even: position % 2 === 0,
      pkg: pkgView(model, pkg, notes),
    };
    if (layout.kind === "simple") {
      compact.overall = pkg.overall;
      if (pkg.overall === "NotSupported") compact.notSupported = true;
      const href = packageHref(pkg);
      if (href) compact.overallHref = href;
    } else {
      const row = pkg.rows.find((r) => r.node.id === layout.node.id);
      if (row) compact.row = rowView(model, pkg, row);
    }
    view.items.push({ compact });
  }
  return view;
}
