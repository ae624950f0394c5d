// The report's Handlebars environment: every template of templates/report/
// compiled once per process (partials/*.hbs as partials, pages/*.hbs as page
// templates), in a private Handlebars instance with only the built-in helpers.
//
// Escaping rule: templates use `{{ }}` (HTML-escaped) for every value; there
// is no `{{{ }}}` anywhere (a test checks). Pages nest in the layout through
// a partial block, so no rendered HTML is ever passed through a variable.

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
      throw new BbsError("BBS_INTERNAL", "cannot find the report templates (templates/report/partials/layout.hbs) above the bbs installation", {
        hint: "reinstall bbs: the package ships templates/ next to dist/",
      });
    }
    dir = parent;
  }
}

export type RenderPage = (template: PageTemplate, context: object) => string;

const COMPILE_OPTIONS: CompileOptions = { knownHelpersOnly: true, strict: false, preventIndent: true };

let cached: { dir: string; render: RenderPage } | undefined;

/** The compiled templates of `dir` (default: the installed ones), compiled once per process. */
export function pageRenderer(dir: string = reportTemplatesDir()): RenderPage {
  if (cached?.dir === dir) return cached.render;
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
  const render: RenderPage = (template, context) => {
    const compiled = pages.get(template);
    if (compiled === undefined) throw new BbsError("BBS_INTERNAL", `no report template ${template}`);
    return compiled(context);
  };
  cached = { dir, render };
  return render;
}

/** The static files of the report (report.css, report.js), by name. */
export function staticAssets(dir: string = reportTemplatesDir()): Map<string, Buffer> {
  const assetsDir = join(dir, "assets");
  return new Map(readdirSync(assetsDir).map((name) => [name, readFileSync(join(assetsDir, name))] as const));
}
