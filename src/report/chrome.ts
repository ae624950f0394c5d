// The page chrome (navigation bar with the A-Z dispatcher, time stamp, MOTD,
// a leaf page's selection style) and the fragments many pages share,
// rendered once per report: the navigation bar per letter, node tables, each
// package's gcard.

import type { Stage } from "../layout/stages.js";
import type { NodeModel, PackageModel, ReportModel } from "./model.js";
import type { Fragment, Renderer } from "./render.js";
import { nodeSpecsView } from "./notices.js";
import { gcardView, letterLinks, type LetterLink } from "./views.js";

export interface NavView {
  simple: boolean;
  isSimple: boolean;
  isLong: boolean;
  isMain: boolean;
  letters?: LetterLink[];
}

export interface PageView {
  base: string;
  reportTitle: string;
  pageTitle?: string;
  script: boolean;
  navHtml: Fragment;
  styleHtml?: Fragment;
  stamp: { generated: string; runId?: string; snapshotDate?: string };
  motd?: string;
}

export type MainKind = "simple" | "long" | "other";

export interface PageOptions {
  depth: 0 | 1;
  pageTitle?: string;
  script?: boolean;
  main?: MainKind;
  letter?: string;
  /** The page the A-Z bar jumps into: the page itself ("") when it has letter separators, else index.html. */
  lettersTarget?: string;
  /** A leaf page's selected cell (highlighted, other nodes toned down). */
  selection?: { nodeId: string; stage: Stage };
}

/**
 * Fragments shared by many pages, rendered once per report: the navigation
 * bar per letter, node tables, each package's gcard, a leaf page's selection.
 */
export class SharedParts {
  private readonly cache = new Map<string, Fragment>();

  constructor(
    readonly model: ReportModel,
    private readonly renderer: Renderer,
  ) {}

  private memo(key: string, make: () => Fragment): Fragment {
    let fragment = this.cache.get(key);
    if (fragment === undefined) {
      fragment = make();
      this.cache.set(key, fragment);
    }
    return fragment;
  }

  nav(options: PageOptions): Fragment {
    const main = options.main ?? "other";
    const base = options.depth === 0 ? "" : "../";
    return this.memo(`nav|${base}|${main}|${options.letter ?? ""}|${options.lettersTarget ?? "index.html"}`, () => {
      const { settings } = this.model;
      const nav: NavView = {
        simple: settings.simpleLayout,
        isSimple: main === "simple" || (main === "long" && !settings.simpleLayout),
        isLong: main === "long",
        isMain: main !== "other",
      };
      const letters = letterLinks(this.model, options.letter, options.lettersTarget ?? "index.html");
      if (letters) nav.letters = letters;
      return this.renderer.fragment("nav", { base, reportTitle: settings.title, nav }, base);
    });
  }

  nodeSpecs(depth: 0 | 1, nodes: readonly NodeModel[] = this.model.nodes): Fragment {
    const base = depth === 0 ? "" : "../";
    return this.memo(`specs|${base}|${nodes.map((n) => n.id).join(" ")}`, () =>
      this.renderer.fragment("node-specs", nodeSpecsView(this.model, nodes), base),
    );
  }

  /** A package's gcard on pages one level down (its own pages, other packages' reverse dependencies). */
  gcard(pkg: PackageModel): Fragment {
    return this.memo(`gcard|${pkg.name}`, () => this.renderer.fragment("gcard", gcardView(this.model, pkg), "../"));
  }

  selectionStyle(nodeId: string, stage: Stage): Fragment {
    const node = this.model.nodes.find((n) => n.id === nodeId);
    return this.memo(`style|${nodeId}|${stage}`, () =>
      this.renderer.fragment("leaf-style", { node: node?.ident ?? "", stage }, ""),
    );
  }
}

export function pageView(parts: SharedParts, options: PageOptions): PageView {
  const { model } = parts;
  const view: PageView = {
    base: options.depth === 0 ? "" : "../",
    reportTitle: model.settings.title,
    script: options.script === true,
    navHtml: parts.nav(options),
    stamp: { generated: model.formatDate(model.generatedAt) },
  };
  if (options.selection) view.styleHtml = parts.selectionStyle(options.selection.nodeId, options.selection.stage);
  if (options.pageTitle !== undefined) view.pageTitle = options.pageTitle;
  if (model.run.runId !== undefined) view.stamp.runId = model.run.runId;
  if (model.run.snapshotDate !== undefined) view.stamp.snapshotDate = model.run.snapshotDate;
  if (model.settings.motd !== undefined) view.motd = model.settings.motd;
  return view;
}
