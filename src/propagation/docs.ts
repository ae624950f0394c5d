// Landing-page documents of a source tarball (docs/propagation.md#prepare),
// taken from the archive members read in the same pass as DESCRIPTION:
//
//   vignettes/<pkg>/inst/doc/...   every file under <pkg>/inst/doc/
//   readmes/<pkg>/README           <pkg>/README (README.md is not matched, as BBS)
//   install/<pkg>/INSTALL          <pkg>/INSTALL
//   licenses/<pkg>/LICENSE         <pkg>/LICENSE
//   news/<pkg>/NEWS                NEWS.Rd, else NEWS.md (rendered by R), else NEWS (copied);
//                                  each at the top level first, then in inst/
//   citations/<pkg>/citation.html  inst/CITATION evaluated by R, else generated from DESCRIPTION
//
// A package's documents are assembled in a scratch directory next to the
// repository and switched in as a whole, replacing the previous version's.

import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { splitDcfLines } from "../rpkg/dcf.js";
import type { PackageTarballScan } from "../rpkg/tarball.js";
import { DOC_DIRS } from "./layout.js";
import type { RJob } from "./r-batch.js";

const NEWS_CANDIDATES = ["NEWS.Rd", "inst/NEWS.Rd", "NEWS.md", "inst/NEWS.md", "NEWS", "inst/NEWS"] as const;
const TOP_LEVEL_FILES: Readonly<Record<string, "readmes" | "install" | "licenses">> = {
  README: "readmes",
  INSTALL: "install",
  LICENSE: "licenses",
};

/** A member name that stays inside its package directory once extracted. */
function safeRelative(name: string): boolean {
  const normalized = posix.normalize(name);
  return !posix.isAbsolute(name) && normalized === name.replace(/\/+$/, "") && !normalized.split("/").includes("..");
}

/** Whether a tarball member of package `pkg` is a landing-page document (or one R needs to render one). */
export function isDocumentMember(pkg: string, name: string): boolean {
  if (!name.startsWith(`${pkg}/`) || !safeRelative(name)) return false;
  const rest = name.slice(pkg.length + 1);
  return (
    (rest.startsWith("inst/doc/") && rest.length > "inst/doc/".length) ||
    rest in TOP_LEVEL_FILES ||
    (NEWS_CANDIDATES as readonly string[]).includes(rest) ||
    rest === "inst/CITATION"
  );
}

/** A package's documents assembled in `dir` (one subdirectory per document kind), and the R jobs still to run. */
export interface PackageDocs {
  pkg: string;
  dir: string;
  rJobs: RJob[];
}

function writeMember(path: string, data: Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}

/** R's `paste(readLines(file), collapse = "\n")`, bytes kept: lines without their endings, no final newline. */
function plainNews(data: Buffer): Buffer {
  return Buffer.from(splitDcfLines(data.toString("latin1")).join("\n"), "latin1");
}

/**
 * Writes the documents found in a scanned tarball into `scratch/<pkg>/` and
 * returns the R jobs that complete them (NEWS rendering, citation).
 */
export function assemblePackageDocs(scratch: string, pkg: string, scan: PackageTarballScan): PackageDocs {
  const dir = join(scratch, pkg);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const prefix = `${pkg}/`;
  for (const [name, data] of scan.members) {
    const rest = name.slice(prefix.length);
    if (rest.startsWith("inst/doc/")) writeMember(join(dir, "vignettes", rest), data);
    const topLevel = TOP_LEVEL_FILES[rest];
    if (topLevel !== undefined) writeMember(join(dir, topLevel, rest), data);
  }
  const rJobs: RJob[] = [];
  const news = NEWS_CANDIDATES.find((candidate) => scan.members.has(prefix + candidate));
  if (news !== undefined) {
    const data = scan.members.get(prefix + news)!;
    const output = join(dir, "news", "NEWS");
    if (news.endsWith(".Rd") || news.endsWith(".md")) {
      const source = join(dir, "r-input", posix.basename(news));
      writeMember(source, data);
      mkdirSync(dirname(output), { recursive: true });
      rJobs.push({ kind: "news", pkg, file: source, output });
    } else {
      writeMember(output, plainNews(data));
    }
  }
  // citation(): a library holding <pkg>/DESCRIPTION (and inst/CITATION when the package has one).
  const libDir = join(dir, "r-input", "lib");
  if (scan.description !== undefined) writeMember(join(libDir, pkg, "DESCRIPTION"), scan.description);
  const citation = scan.members.get(`${prefix}inst/CITATION`);
  if (citation !== undefined) writeMember(join(libDir, pkg, "inst", "CITATION"), citation);
  mkdirSync(join(dir, "citations"), { recursive: true });
  rJobs.push({ kind: "citation", pkg, libDir, output: join(dir, "citations", "citation.html") });
  return { pkg, dir, rJobs };
}

/** The notice written when R cannot render a package's citation (docs/propagation.md#prepare). */
export function citationNotice(pkg: string, message: string): string {
  const escaped = message.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
  return (
    `<p style="color: red">Important note to the maintainer of the ${pkg} package: ` +
    `an error occurred while trying to generate the citation from the CITATION file. ` +
    `This typically occurs when the CITATION file contains R code that fails to evaluate (${escaped}). ` +
    `Please fix this and make sure that citation("${pkg}") works.</p>\n`
  );
}

/** Replaces `root/<kind>/<pkg>` by the assembled documents of each kind (removed when the package has none). */
export function installPackageDocs(root: string, docs: PackageDocs): void {
  for (const kind of DOC_DIRS) {
    const target = join(root, kind, docs.pkg);
    rmSync(target, { recursive: true, force: true });
    const assembled = join(docs.dir, kind);
    if (!existsSync(assembled)) continue;
    mkdirSync(dirname(target), { recursive: true });
    renameSync(assembled, target);
  }
  rmSync(docs.dir, { recursive: true, force: true });
}

/** Removes every document of a package that left the repository. */
export function removePackageDocs(root: string, pkg: string): void {
  for (const kind of DOC_DIRS) rmSync(join(root, kind, pkg), { recursive: true, force: true });
}
