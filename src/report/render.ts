// The report's Handlebars environment: every template of templates/report/
// compiled once per process (partials/*.hbs as partials, pages/*.hbs as page
// templates), in a private Handlebars instance with only the built-in helpers.
//
// Escaping rule: templates use `{{ }}` (HTML-escaped) for every value; there
// is no `{{{ }}}` anywhere (a test checks). The only HTML that reaches a page
// unescaped is a Fragment: the output of one of these templates (rendered once
// and reused by many pages: a package's gcard, the A-Z bar, a node table),
// which only this module can create.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";
import { BbsError } from "../util/errors.js";

export const PAGE_TEMPLATES = ["main", "node-index", "node-info", "r-instpkgs", "package", "leaf", "timeline"] as const;
export type PageTemplate = (typeof PAGE_TEMPLATES)[number];

/** templates/report/ of the installed bbs (found from this module: src/, dist/ or dist-bench/src/). */
export function reportTemplatesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "templates", "report");
    if (existsSync(join(candidate, "partials", "layout.hbs"))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new BbsError(
        "BBS_INTERNAL",
        "cannot find the report templates (templates/report/partials/layout.hbs) above the bbs installation",
        {
          hint: "reinstall bbs: the package ships templates/ next to dist/",
        },
      );
    }
    dir = parent;
  }
}

/** Partials that can be rendered on their own, as fragments. */
export const FRAGMENT_PARTIALS = ["gcard", "nav", "node-specs", "leaf-style"] as const;
export type FragmentPartial = (typeof FRAGMENT_PARTIALS)[number];

const FRAGMENT_TOKEN = Symbol("fragment");

/**
 * HTML rendered by the report's templates, inserted as is where a template
 * uses it (Handlebars does not escape objects with toHTML()).
 */
export class Fragment {
  readonly #html: string;

  constructor(token: typeof FRAGMENT_TOKEN, html: string) {
    if (token !== FRAGMENT_TOKEN) throw new BbsError("BBS_INTERNAL", "fragments come from the report's templates only");
    this.#html = html;
  }

  toHTML(): string {
    return this.#html;
  }

  toString(): string {
    return this.#html;
  }
}

export interface Renderer {
  /** A whole page. */
  page(template: PageTemplate, context: object): string;
  /** A partial on its own; links in it are prefixed with `base` (the page's depth: "" or "../"). */
  fragment(partial: FragmentPartial, context: object, base: string): Fragment;
}

const COMPILE_OPTIONS: CompileOptions = { knownHelpersOnly: true, strict: false, preventIndent: true };

let cached: { dir: string; renderer: Renderer } | undefined;

/** The compiled templates of `dir` (default: the installed ones), compiled once per process. */
export function reportRenderer(dir: string = reportTemplatesDir()): Renderer {
  if (cached?.dir === dir) return cached.renderer;
  const handlebars = Handlebars.create();
  const partialsDir = join(dir, "partials");
  for (const file of readdirSync(partialsDir).filter((name) => name.endsWith(".hbs"))) {
    // A partial file's final newline would land inside inline markup.
    const source = readFileSync(join(partialsDir, file), "utf8").replace(/\n$/, "");
    handlebars.registerPartial(file.slice(0, -".hbs".length), handlebars.compile(source, COMPILE_OPTIONS));
  }
  const pages = new Map<PageTemplate, HandlebarsTemplateDelegate>();
  for (const name of PAGE_TEMPLATES) {
    const template = handlebars.compile(readFileSync(join(dir, "pages", `${name}.hbs`), "utf8"), COMPILE_OPTIONS);
    pages.set(name, template);
  }
  const fragments = new Map<FragmentPartial, HandlebarsTemplateDelegate>(
    FRAGMENT_PARTIALS.map((name) => [name, handlebars.compile(`{{> ${name}}}`, COMPILE_OPTIONS)] as const),
  );
  const renderer: Renderer = {
    page(template, context) {
      const compiled = pages.get(template);
      if (compiled === undefined) throw new BbsError("BBS_INTERNAL", `no report template ${template}`);
      return compiled(context);
    },
    fragment(partial, context, base) {
      const compiled = fragments.get(partial);
      if (compiled === undefined) throw new BbsError("BBS_INTERNAL", `no report partial ${partial}`);
      // Partials reach the page's depth through @root.page.base.
      return new Fragment(FRAGMENT_TOKEN, compiled(context, { data: { root: { page: { base } } } }));
    },
  };
  cached = { dir, renderer };
  return renderer;
}

/** The static files of the report (report.css, report.js), by name. */
export function staticAssets(dir: string = reportTemplatesDir()): Map<string, Buffer> {
  const assetsDir = join(dir, "assets");
  return new Map(readdirSync(assetsDir).map((name) => [name, readFileSync(join(assetsDir, name))] as const));
}
