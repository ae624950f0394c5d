// VIEWS placeholder rows (docs/formats.md#views, rows 3): one per manifest package the
// repository does not hold, filled from MEAT0/<pkg>/DESCRIPTION so the
// website can show a page for a package that has not propagated yet. Author
// and Maintainer come from Authors@R when the DESCRIPTION has only that (R
// evaluates it, in prepare's R batch); a package whose DESCRIPTION cannot be
// read gets Title and Maintainer "ERROR", as biocViews does.

import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { ResolvedConfig } from "../config/load.js";
import { Description } from "../rpkg/description.js";
import { parseDcf } from "../rpkg/dcf.js";
import type { RJob, RJobResult } from "./r-batch.js";
import { viewsDescriptionFields } from "./views.js";

/** The manifest file prerun reads: in the manifest clone, or a local file when manifest.gitUrl is unset. */
export function manifestFilePath(cfg: ResolvedConfig): string {
  const file = cfg.values["manifest.file"];
  if (cfg.values["manifest.gitUrl"] !== undefined) return join(cfg.values.manifestCloneDir, file);
  return isAbsolute(file) ? file : join(cfg.configDir, file);
}

/** Package names of a manifest (`Package: <name>` lines, or bare names; `#` comments and blank lines skipped). */
export function parseManifestPackages(text: string): string[] {
  const names: string[] = [];
  for (const raw of text.split(/\r\n?|\n/)) {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") continue;
    const name = line.replace(/^Package:\s*/, "").trim();
    if (/^[A-Za-z][A-Za-z0-9.]*$/.test(name)) names.push(name);
  }
  return names;
}

export interface PlaceholderPlan {
  /** Rows in manifest order; rows waiting for Authors@R are completed by `complete`. */
  rows: Map<string, string | undefined>[];
  rJobs: RJob[];
  warnings: string[];
  /** Fills Author/Maintainer from the R jobs' results. */
  complete(results: readonly RJobResult[]): void;
}

function errorRow(pkg: string): Map<string, string | undefined> {
  return new Map<string, string | undefined>([
    ["Package", pkg],
    ["Title", "ERROR"],
    ["Maintainer", "ERROR"],
  ]);
}

/** Plans the placeholder rows of `missing` packages from `meat0Dir/<pkg>/DESCRIPTION`; `scratch` holds the R outputs. */
export function planPlaceholders(missing: readonly string[], meat0Dir: string, scratch: string): PlaceholderPlan {
  const rows: Map<string, string | undefined>[] = [];
  const rJobs: RJob[] = [];
  const warnings: string[] = [];
  const waiting = new Map<string, Map<string, string | undefined>>();
  const fields = viewsDescriptionFields().filter((field) => field !== "MD5sum");
  for (const pkg of missing) {
    const file = join(meat0Dir, pkg, "DESCRIPTION");
    let description: Description;
    try {
      description = Description.read(file);
    } catch (error) {
      warnings.push(
        `VIEWS placeholder for ${pkg}: ${existsSync(file) ? (error as Error).message : `${file} does not exist`}`,
      );
      rows.push(errorRow(pkg));
      continue;
    }
    const row = new Map<string, string | undefined>(fields.map((field) => [field, description.get(field)]));
    row.set("Package", pkg);
    rows.push(row);
    if (
      description.get("Authors@R") !== undefined &&
      (row.get("Author") === undefined || row.get("Maintainer") === undefined)
    ) {
      mkdirSync(scratch, { recursive: true });
      const output = join(scratch, `${pkg}.authors.dcf`);
      rJobs.push({ kind: "authors", pkg, file, output });
      waiting.set(pkg, row);
    }
  }
  const complete = (results: readonly RJobResult[]): void => {
    for (const result of results) {
      if (result.job.kind !== "authors") continue;
      const row = waiting.get(result.job.pkg);
      if (row === undefined) continue;
      if (!result.ok) {
        warnings.push(
          `VIEWS placeholder for ${result.job.pkg}: Authors@R could not be evaluated: ${result.message ?? "failed"}`,
        );
        row.set("Title", "ERROR");
        row.set("Maintainer", "ERROR");
        continue;
      }
      const [record] = parseDcf(readFileSync(result.job.output));
      if (row.get("Author") === undefined) row.set("Author", record?.fields.get("Author"));
      if (row.get("Maintainer") === undefined) row.set("Maintainer", record?.fields.get("Maintainer"));
    }
  };
  return { rows, rJobs, warnings, complete };
}
