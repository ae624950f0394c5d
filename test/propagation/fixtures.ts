// Inputs of `bbs propagate`, built the way a finished postrun leaves them
// (spec bbs-propagation.md 1.5 and 2.2): OUTGOING/<type>/<pkg>_<ver>.<ext>,
// OUTGOING/manuals/<pkg>.pdf and PROPAGATION_STATUS_DB.txt, from the real
// corpus tarballs and from generated packages built with real `R CMD build`
// (for version bumps, and for landing-page documents the corpus lacks).

import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { corpusDir } from "../fixtures/corpus.js";
import { writePackage, type PackageSpec } from "../fixtures/rpkg-generator.js";
import { runRscript } from "../rpkg/helpers/r.js";

export const CORPUS = corpusDir();
export const CORPUS_VERSIONS: Readonly<Record<string, string>> = {
  Biobase: "2.58.0",
  BiocGenerics: "0.44.0",
  GenomeInfoDb: "1.34.9",
  GenomeInfoDbData: "1.2.9",
  GenomicRanges: "1.50.2",
  IRanges: "2.32.0",
  S4Vectors: "0.36.1",
  XVector: "0.38.0",
  zlibbioc: "1.44.0",
};

export function corpusTarball(pkg: string): string {
  return join(CORPUS, `${pkg}_${CORPUS_VERSIONS[pkg]}.tar.gz`);
}

/** A small but valid PDF (what OUTGOING/manuals holds: R CMD check's reference manual). */
export function minimalPdf(title: string): Buffer {
  return Buffer.from(
    `%PDF-1.4\n% ${title}\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n` +
      `3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n`,
    "latin1",
  );
}

export interface OutgoingPackage {
  /** Path of the package file to place in OUTGOING/<type>/. */
  path: string;
  /** Default "source". */
  pkgType?: string;
  /** The DB status (default "YES"). */
  status?: string;
  /** Also place OUTGOING/manuals/<pkg>.pdf (source packages). */
  manual?: boolean;
}

/**
 * Writes a postrun-shaped central directory: OUTGOING (files hard-linked as
 * postrun does when possible, else copied), manuals and the DB, replacing
 * what was there.
 */
export function writeCentralDir(
  centralDir: string,
  packages: readonly OutgoingPackage[],
  options: { dbExtraLines?: string[] } = {},
): void {
  rmSync(join(centralDir, "OUTGOING"), { recursive: true, force: true });
  const lines: string[] = [];
  for (const entry of packages) {
    const pkgType = entry.pkgType ?? "source";
    const file = entry.path.split("/").pop()!;
    const pkg = file.split("_")[0]!;
    const dir = join(centralDir, "OUTGOING", pkgType);
    mkdirSync(dir, { recursive: true });
    copyFileSync(entry.path, join(dir, file));
    lines.push(`${pkg}#${pkgType}#propagate: ${entry.status ?? "YES"}`);
    if (entry.manual === true) {
      mkdirSync(join(centralDir, "OUTGOING", "manuals"), { recursive: true });
      writeFileSync(join(centralDir, "OUTGOING", "manuals", `${pkg}.pdf`), minimalPdf(`${file} manual`));
    }
  }
  writeFileSync(
    join(centralDir, "PROPAGATION_STATUS_DB.txt"),
    [...lines, ...(options.dbExtraLines ?? [])].map((line) => `${line}\n`).join(""),
  );
}

/** A generated package with landing-page documents, built with real `R CMD build --no-build-vignettes`. */
export interface DocPackageOptions {
  name: string;
  version: string;
  /** NEWS kind (default md). */
  news?: "md" | "Rd" | "plain" | "none";
  /** inst/CITATION: valid (default), broken (stop()), or none. */
  citation?: "valid" | "broken" | "none";
  /** Extra incompressible bytes in inst/extdata (slow uploads for fault tests). */
  padBytes?: number;
  spec?: Partial<PackageSpec>;
}

const NEWS_TEXT = {
  md: (name: string, version: string) => `# ${name} ${version}\n\n* First release of ${name}.\n`,
  Rd: (name: string, version: string) =>
    `\\name{NEWS}\n\\title{News for Package \\pkg{${name}}}\n\\section{Changes in version ${version}}{\n  \\itemize{\n    \\item Documents now come with version ${version}.\n  }\n}\n`,
  plain: (name: string, version: string) =>
    `CHANGES IN VERSION ${version}\n------------------------\n\n    o Plain NEWS of ${name}.\r\n`,
};

/** Builds the package into `outDir` and returns the tarball path. */
export async function buildDocPackage(workDir: string, outDir: string, options: DocPackageOptions): Promise<string> {
  const source = join(workDir, `${options.name}-${options.version}`);
  rmSync(source, { recursive: true, force: true });
  mkdirSync(source, { recursive: true });
  const dir = await writePackage(source, {
    name: options.name,
    version: options.version,
    title: `Documents of ${options.name}`,
    ...options.spec,
  });
  writeFileSync(join(dir, "README"), `${options.name} README, version ${options.version}\n`);
  writeFileSync(join(dir, "INSTALL"), `Install ${options.name} with install.packages().\n`);
  const news = options.news ?? "md";
  if (news === "md") writeFileSync(join(dir, "NEWS.md"), NEWS_TEXT.md(options.name, options.version));
  if (news === "Rd") {
    mkdirSync(join(dir, "inst"), { recursive: true });
    writeFileSync(join(dir, "inst", "NEWS.Rd"), NEWS_TEXT.Rd(options.name, options.version));
  }
  if (news === "plain") writeFileSync(join(dir, "NEWS"), NEWS_TEXT.plain(options.name, options.version));
  const doc = join(dir, "inst", "doc");
  mkdirSync(doc, { recursive: true });
  writeFileSync(
    join(doc, "intro.Rmd"),
    `---\ntitle: "Intro"\nvignette: >\n  %\\VignetteIndexEntry{Introduction to ${options.name}, briefly}\n  %\\VignetteEngine{knitr::rmarkdown}\n---\n\nText of version ${options.version}.\n`,
  );
  writeFileSync(
    join(doc, "intro.html"),
    `<html><head><title>Intro HTML</title></head><body>version ${options.version}</body></html>\n`,
  );
  writeFileSync(join(doc, "intro.R"), `x <- "${options.version}"\n`);
  writeFileSync(join(doc, "overview.pdf"), minimalPdf(`${options.name} overview`));
  const citation = options.citation ?? "valid";
  if (citation !== "none") {
    writeFileSync(
      join(dir, "inst", "CITATION"),
      citation === "valid"
        ? `bibentry("Manual", title = "${options.name}: documents for tests", author = person("Fixture", "Maintainer"), year = 2024, note = paste("R package version", meta$Version))\n`
        : `stop("this CITATION file is broken on purpose")\n`,
    );
  }
  if (options.padBytes !== undefined) {
    mkdirSync(join(dir, "inst", "extdata"), { recursive: true });
    // Deterministic, incompressible bytes: gzip cannot shrink them, so uploads take their size.
    const pad = Buffer.alloc(options.padBytes);
    let state = 0x9e3779b9;
    for (let i = 0; i < pad.length; i += 1) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      pad[i] = state & 0xff;
    }
    writeFileSync(join(dir, "inst", "extdata", "pad.bin"), pad);
  }
  mkdirSync(outDir, { recursive: true });
  execFileSync("R", ["CMD", "build", "--no-build-vignettes", "--no-manual", dir], {
    cwd: outDir,
    stdio: "ignore",
    env: { ...process.env, R_LIBS_USER: "", LANG: "C.UTF-8" },
  });
  const tarball = join(outDir, `${options.name}_${options.version}.tar.gz`);
  if (!existsSync(tarball)) throw new Error(`R CMD build did not produce ${tarball}`);
  return tarball;
}

/** Package -> version as R's available.packages() sees a contrib URL (no filters). */
export function rAvailable(contribDir: string): Map<string, string> {
  const out = runRscript(
    `ap <- available.packages(contriburl = paste0("file://", commandArgs(TRUE)[1]), filters = list())
if (nrow(ap)) cat(paste(ap[, "Package"], ap[, "Version"], file.exists(file.path(commandArgs(TRUE)[1], paste0(ap[, "Package"], "_", ap[, "Version"], ".tar.gz"))), sep = "\\t"), sep = "\\n")`,
    [contribDir],
  );
  const result = new Map<string, string>();
  for (const line of out.split("\n")) {
    if (line === "") continue;
    const [pkg, version, exists] = line.split("\t") as [string, string, string];
    if (exists !== "TRUE")
      throw new Error(`available.packages() lists ${pkg} ${version}, but its file is missing in ${contribDir}`);
    result.set(pkg, version);
  }
  return result;
}

/** Every file and symlink under `dir` with size and content digest (symlinks as their target), for before/after comparisons. */
export function snapshotTree(dir: string, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) out[prefix + name] = `-> ${readlinkSync(path)}`;
    else if (stat.isDirectory()) Object.assign(out, snapshotTree(path, `${prefix}${name}/`));
    else out[prefix + name] = `${stat.size} ${stat.mtimeMs} ${readFileSync(path).subarray(0, 64).toString("hex")}`;
  }
  return out;
}

/**
 * Real binary packages of a source tarball: `R CMD INSTALL --build` (Linux),
 * renamed `.tgz` as a mac.binary, and repacked as the `.zip` of a win.binary.
 */
export function buildBinaries(workDir: string, sourceTarball: string): { tgz: string; zip: string } {
  const [pkg, version] = sourceTarball
    .split("/")
    .pop()!
    .replace(/\.tar\.gz$/, "")
    .split("_") as [string, string];
  const lib = join(workDir, "lib");
  const out = join(workDir, "binaries");
  mkdirSync(lib, { recursive: true });
  mkdirSync(out, { recursive: true });
  execFileSync("R", ["CMD", "INSTALL", "--build", "-l", lib, sourceTarball], {
    cwd: workDir,
    stdio: "ignore",
    env: { ...process.env, R_LIBS_USER: "" },
  });
  const built = readdirSync(workDir).find((name) => name.startsWith(`${pkg}_${version}_R_`))!;
  const tgz = join(out, `${pkg}_${version}.tgz`);
  copyFileSync(join(workDir, built), tgz);
  const tree = join(workDir, "tree");
  mkdirSync(tree, { recursive: true });
  execFileSync("tar", ["-xzf", join(workDir, built), "-C", tree]);
  const zip = join(out, `${pkg}_${version}.zip`);
  execFileSync("zip", ["-q", "-r", zip, pkg], { cwd: tree });
  return { tgz, zip };
}
