// The SPB web pages' Handlebars environment: templates/spb/pages/*.hbs as
// pages, templates/spb/partials/*.hbs as partials, in a private Handlebars
// instance with only the built-in helpers. Every value is written with
// `{{ }}` (HTML-escaped); there is no `{{{ }}}` (test/spb/web.test.ts checks). The stylesheet is the nightly report's
// (templates/report/assets/report.css), served as is next to the SPB's few
// own rules and script.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";
import { BbsError } from "../../util/errors.js";

export const SPB_PAGES = ["jobs", "packages", "package", "job", "nodes", "signin", "message"] as const;
export type SpbPage = (typeof SPB_PAGES)[number];

/** Partials served on their own (the job page's live part, fetched by its script). */
export const SPB_FRAGMENTS = ["job-live"] as const;
export type SpbFragment = (typeof SPB_FRAGMENTS)[number];

/** templates/ of the installed bbs (found from this module: src/, dist/ or dist-bench/src/). */
export function templatesRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "templates", "spb", "partials", "layout.hbs"))) return join(dir, "templates");
    const parent = dirname(dir);
    if (parent === dir)
      throw new BbsError("BBS_INTERNAL", "cannot find the SPB templates (templates/spb/) above the bbs installation", {
        hint: "reinstall bbs: the package ships templates/ next to dist/",
      });
    dir = parent;
  }
}

export interface SpbRenderer {
  page(name: SpbPage, context: object): string;
  fragment(name: SpbFragment, context: object): string;
  /** Static files by URL name: report.css (the report's own), spb.css, spb.js. */
  readonly assets: ReadonlyMap<string, { readonly type: string; readonly body: Buffer }>;
}

const COMPILE_OPTIONS: CompileOptions = { knownHelpersOnly: true, strict: false, preventIndent: true };

let cached: SpbRenderer | undefined;

export function spbRenderer(): SpbRenderer {
  if (cached !== undefined) return cached;
  const root = templatesRoot();
  const handlebars = Handlebars.create();
  const partials = join(root, "spb", "partials");
  for (const file of readdirSync(partials).filter((name) => name.endsWith(".hbs")))
    handlebars.registerPartial(
      file.slice(0, -".hbs".length),
      handlebars.compile(readFileSync(join(partials, file), "utf8").replace(/\n$/, ""), COMPILE_OPTIONS),
    );
  const pages = new Map(
    SPB_PAGES.map(
      (name) =>
        [
          name,
          handlebars.compile(readFileSync(join(root, "spb", "pages", `${name}.hbs`), "utf8"), COMPILE_OPTIONS),
        ] as const,
    ),
  );
  const fragments = new Map(
    SPB_FRAGMENTS.map((name) => [name, handlebars.compile(`{{> ${name}}}`, COMPILE_OPTIONS)] as const),
  );
  const asset = (file: string, type: string) => ({ type, body: readFileSync(file) });
  const renderer: SpbRenderer = {
    page: (name, context) => (pages.get(name) as HandlebarsTemplateDelegate)(context),
    fragment: (name, context) => (fragments.get(name) as HandlebarsTemplateDelegate)(context),
    assets: new Map([
      ["report.css", asset(join(root, "report", "assets", "report.css"), "text/css; charset=utf-8")],
      ["spb.css", asset(join(root, "spb", "assets", "spb.css"), "text/css; charset=utf-8")],
      ["spb.js", asset(join(root, "spb", "assets", "spb.js"), "text/javascript; charset=utf-8")],
    ]),
  };
  cached = renderer;
  return renderer;
}
