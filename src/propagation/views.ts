// VIEWS (docs/formats.md#views): one DCF record per package of the repository, the data
// the website's landing pages are built from. Written natively, after the
// documents are extracted, so the has* flags and vignette lists describe the
// same prepare (biocViews wrote VIEWS first and lagged one run). Reverse
// dependencies and dependency counts are computed over the repository's own
// packages (biocViews used the public repositories plus CRAN, which lag one
// push and need the network).

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseDependencies, type DependencyField } from "../rpkg/description.js";
import { compareFileNames, packagesIndexFields, type PackagesIndexEntry } from "../rpkg/packages-index.js";
import { formatRDcf } from "../rpkg/r-write-dcf.js";
import type { ContribDir } from "./layout.js";

/** DESCRIPTION fields VIEWS adds to the standard repository fields, in order. */
export const VIEWS_DESCRIPTION_FIELDS = [
  "Title",
  "Description",
  "biocViews",
  "Author",
  "Maintainer",
  "URL",
  "License",
  "SystemRequirements",
  "organism",
  "manufacturer",
  "hasReadme",
  "VignetteBuilder",
  "Video",
  "BugReports",
  "PackageStatus",
  "git_url",
  "git_branch",
  "git_last_commit",
  "git_last_commit_date",
  "Date/Publication",
] as const;

/** The DESCRIPTION fields of a VIEWS row, in column order (standard source fields first). */
export function viewsDescriptionFields(): string[] {
  return packagesIndexFields(VIEWS_DESCRIPTION_FIELDS);
}

export type ViewsValues = ReadonlyMap<string, string | undefined>;

export interface ViewsInput {
  root: string;
  contribDirs: readonly ContribDir[];
  /** Rows of the source packages, in index order: DESCRIPTION values (viewsDescriptionFields), MD5sum and NeedsCompilation included. */
  sourceRows: readonly ViewsValues[];
  /** Each contrib directory's index entries (what its PACKAGES lists), by package type. */
  indexes: ReadonlyMap<string, readonly PackagesIndexEntry[]>;
  /** Placeholder rows of manifest packages the repository lacks, in manifest order. */
  placeholders: readonly ViewsValues[];
}

const REVERSE_FIELDS: readonly [string, DependencyField][] = [
  ["dependsOnMe", "Depends"],
  ["importsMe", "Imports"],
  ["suggestsMe", "Suggests"],
  ["linksToMe", "LinkingTo"],
];

function fieldsOf(entry: PackagesIndexEntry): Map<string, string> {
  return new Map(entry.fields);
}

/** Names in a dependency field, without `R`; an unparsable field counts as none. */
function dependencyNames(value: string | undefined): string[] {
  if (value === undefined) return [];
  try {
    return parseDependencies(value)
      .map((dependency) => dependency.name)
      .filter((name) => name !== "R");
  } catch {
    return [];
  }
}

function listDocFiles(dir: string, test: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => test(name) && statSync(join(dir, name)).isFile())
    .sort((a, b) => compareFileNames(a, b));
}

const VIGNETTE_INDEX_ENTRY = /^[ \t]*%+[ \t]*\\VignetteIndexEntry\{([^}]*(\{[^}]*\})*[^}]*)\}/m;

function vignetteIndexEntry(file: string): string | undefined {
  try {
    return VIGNETTE_INDEX_ENTRY.exec(readFileSync(file, "utf8"))?.[1];
  } catch {
    return undefined;
  }
}

function decodeEntities(text: string): string {
  const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, code: string) => {
    if (code.startsWith("#x")) return String.fromCodePoint(parseInt(code.slice(2), 16));
    if (code.startsWith("#")) return String.fromCodePoint(parseInt(code.slice(1), 10));
    return named[code] ?? whole;
  });
}

function htmlTitle(file: string): string | undefined {
  try {
    const match = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(readFileSync(file, "utf8"));
    return match === undefined || match === null ? undefined : decodeEntities(match[1]!.replace(/\s+/g, " "));
  } catch {
    return undefined;
  }
}

/** biocViews getDocumentTitles: the title of each document, from its source, else the file name; commas doubled. */
function documentTitle(dir: string, file: string, kind: "pdf" | "html"): string {
  const stem = file.replace(kind === "pdf" ? /\.pdf$/ : /\.html$/i, "");
  const sources = kind === "pdf" ? [".Rnw", ".Rmd"] : [".Rmd", ".Rhtml"];
  const source = sources.map((extension) => join(dir, stem + extension)).find((path) => existsSync(path));
  let title: string | undefined;
  if (source !== undefined) title = vignetteIndexEntry(source);
  if (title === undefined && kind === "html") title = htmlTitle(join(dir, file));
  title = title?.trim();
  return title === undefined || title === "" ? file : title.replaceAll(",", ",,");
}

/** The vignette, title and R-file columns of one package, from vignettes/<pkg>/inst/doc. */
function vignetteColumns(root: string, pkg: string): [string, string | undefined][] {
  const relative = `vignettes/${pkg}/inst/doc`;
  const dir = join(root, relative);
  const pdfs = listDocFiles(dir, (name) => name.endsWith(".pdf"));
  const htmls = listDocFiles(dir, (name) => /\.html$/i.test(name) && name.toLowerCase() !== "index.html");
  const rFiles = listDocFiles(dir, (name) => name.endsWith(".R"));
  const documents = [...pdfs.map((file) => [file, "pdf"] as const), ...htmls.map((file) => [file, "html"] as const)];
  const joined = (files: readonly string[]): string | undefined =>
    files.length === 0 ? undefined : files.map((file) => `${relative}/${file}`).join(", ");
  return [
    ["vignettes", joined(documents.map(([file]) => file))],
    [
      "vignetteTitles",
      documents.length === 0 ? undefined : documents.map(([file, kind]) => documentTitle(dir, file, kind)).join(", "),
    ],
    ["hasREADME", String(existsSync(join(root, "readmes", pkg, "README"))).toUpperCase()],
    ["hasNEWS", String(existsSync(join(root, "news", pkg, "NEWS"))).toUpperCase()],
    ["hasINSTALL", String(existsSync(join(root, "install", pkg, "INSTALL"))).toUpperCase()],
    ["hasLICENSE", String(existsSync(join(root, "licenses", pkg, "LICENSE"))).toUpperCase()],
    ["Rfiles", joined(rFiles)],
  ];
}

/** Number of distinct packages reachable through Depends, Imports and LinkingTo (those outside the repository are counted, not followed). */
function dependencyCounts(rows: readonly ViewsValues[]): Map<string, number> {
  const strong = new Map<string, string[]>();
  for (const row of rows) {
    const name = row.get("Package");
    if (name === undefined) continue;
    strong.set(name, [
      ...new Set(["Depends", "Imports", "LinkingTo"].flatMap((field) => dependencyNames(row.get(field)))),
    ]);
  }
  const counts = new Map<string, number>();
  for (const name of strong.keys()) {
    const seen = new Set<string>();
    const stack = [...(strong.get(name) ?? [])];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (seen.has(next) || next === name) continue;
      seen.add(next);
      stack.push(...(strong.get(next) ?? []));
    }
    counts.set(name, seen.size);
  }
  return counts;
}

/** The VIEWS text. */
export function formatViews(input: ViewsInput): string {
  const descriptionFields = viewsDescriptionFields();
  const rows: Map<string, string | undefined>[] = input.sourceRows.map(
    (row) => new Map(descriptionFields.map((field) => [field, row.get(field)])),
  );
  const known = new Set(rows.map((row) => row.get("Package")));
  // Packages only in binary contrib directories, with what their index says.
  for (const dir of input.contribDirs) {
    if (dir.pkgType === "source") continue;
    for (const entry of input.indexes.get(dir.pkgType) ?? []) {
      const fields = fieldsOf(entry);
      const name = fields.get("Package");
      if (name === undefined || known.has(name)) continue;
      known.add(name);
      rows.push(new Map(descriptionFields.map((field) => [field, field === "MD5sum" ? undefined : fields.get(field)])));
    }
  }
  for (const placeholder of input.placeholders) {
    const name = placeholder.get("Package");
    if (name === undefined || known.has(name)) continue;
    known.add(name);
    rows.push(new Map(descriptionFields.map((field) => [field, placeholder.get(field)])));
  }
  const index = new Map(rows.map((row, position) => [row.get("Package")!, position]));

  for (const dir of input.contribDirs) {
    const column = `${dir.pkgType}.ver`;
    for (const row of rows) row.set(column, undefined);
    for (const entry of input.indexes.get(dir.pkgType) ?? []) {
      const fields = fieldsOf(entry);
      const position = index.get(fields.get("Package") ?? "");
      if (position === undefined) continue;
      const row = rows[position]!;
      row.set(column, `${dir.path}/${fields.get("Package")}_${fields.get("Version")}.${dir.extension}`);
      // Archs comes from the Windows index where it has one (biocViews).
      if (dir.pkgType.startsWith("win") && fields.has("Archs")) row.set("Archs", fields.get("Archs"));
    }
  }
  for (const row of rows) {
    for (const [column, value] of vignetteColumns(input.root, row.get("Package")!)) row.set(column, value);
  }
  const names = rows.map((row) => row.get("Package")!);
  for (const [column, field] of REVERSE_FIELDS) {
    const users = new Map<string, string[]>(names.map((name) => [name, []]));
    for (const row of rows) {
      for (const dependency of new Set(dependencyNames(row.get(field))))
        users.get(dependency)?.push(row.get("Package")!);
    }
    for (const row of rows) {
      const list = users.get(row.get("Package")!) ?? [];
      row.set(column, list.length === 0 ? undefined : list.join(", "));
    }
  }
  const counts = dependencyCounts(rows);
  for (const row of rows) row.set("dependencyCount", String(counts.get(row.get("Package")!) ?? 0));
  return rows.map((row) => `${formatRDcf([[...row]])}\n`).join("");
}
