// The PACKAGES index of a CRAN-style repository directory, identical to what
// `tools::write_PACKAGES(dir, type = <type>, fields = ...)` writes (R 4.x),
// without starting R or a tar process per file. Types: `source` (tarballs),
// `mac.binary` (.tgz, read like tarballs, no NeedsCompilation) and
// `win.binary` (.zip, DESCRIPTION read from the zip, no MD5sum: R reads it
// through unz() and never hashes the file).
//
// - files: names matching `_.*\.tar\.[^_]*$` (source), `_.*\.tgz$` or
//   `_.*\.zip$`, in the order R's list.files
//   gives them: ICU collation in a UTF-8 locale (R's usual setting, C.UTF-8 and
//   en_US.UTF-8 alike: case-insensitive first, punctuation before letters), or
//   byte order when R runs in the C locale; the package name is what precedes the first `_`;
// - per file: the fields below plus the extra `fields`, read from the first
//   record of `<pkg>/DESCRIPTION` in the archive; `MD5sum` of the file;
//   `NeedsCompilation`, when DESCRIPTION lacks it, "yes" iff the archive has a
//   `<pkg>/src/` entry; a file whose DESCRIPTION is missing or not DCF is left
//   out (reported in `problems`, as R prints a message);
// - only the highest version of each package is kept (`latestOnly`), the first
//   file among equal versions;
// - `License` standardized as R does, or dropped (license.ts);
// - empty values omitted; records written by R's write.dcf rules (r-write-dcf.ts).
//
// Unlike write_PACKAGES, a directory with no package gets empty PACKAGES and
// PACKAGES.gz files (and, when asked, a PACKAGES.rds holding a matrix with no
// rows) instead of keeping a stale index. PACKAGES.rds, the same records as
// R's character matrix, is written natively (rds.ts) when `rds` is set.

import { readdirSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, join } from "node:path";
import { gzipSync } from "node:zlib";
import pLimit from "p-limit";
import { BbsError, errorMessage, isBbsError } from "../util/errors.js";
import { writeFileAtomic } from "../util/fs.js";
import { parseDcf } from "./dcf.js";
import { standardizeLicense } from "./license.js";
import { formatRDcf } from "./r-write-dcf.js";
import { characterMatrixRds, type CharacterMatrix } from "./rds.js";
import { packageNameFromFileName, readPackageTarball, type PackageTarballContents } from "./tarball.js";
import { indexOfLatestVersion } from "./version.js";
import { readZipMember } from "./zip.js";

/** The `type` argument of write_PACKAGES: what kind of package files a directory holds. */
export type RepositoryIndexType = "source" | "mac.binary" | "win.binary";

/** The fields write_PACKAGES always reads for `type = "source"`, in its order. */
export const SOURCE_PACKAGES_FIELDS = [
  "Package",
  "Version",
  "Priority",
  "Depends",
  "Imports",
  "LinkingTo",
  "Suggests",
  "Enhances",
  "License",
  "License_is_FOSS",
  "License_restricts_use",
  "OS_type",
  "Archs",
  "MD5sum",
  "NeedsCompilation",
] as const;

/** `tools:::.get_standard_repository_db_fields(type)`: binaries have no NeedsCompilation. */
export function standardIndexFields(type: RepositoryIndexType = "source"): readonly string[] {
  return type === "source"
    ? SOURCE_PACKAGES_FIELDS
    : SOURCE_PACKAGES_FIELDS.filter((field) => field !== "NeedsCompilation");
}

/** The extra fields BBS adds to the target repository's index (prerun's make-target-repo). */
export const BBS_GIT_FIELDS = ["git_url", "git_branch", "git_last_commit", "git_last_commit_date"] as const;

/** `tools:::.get_pkg_file_pattern(type)`. */
const PACKAGE_FILE_PATTERNS: Readonly<Record<RepositoryIndexType, RegExp>> = {
  source: /_.*\.tar\.[^_]*$/,
  "mac.binary": /_.*\.tgz$/,
  "win.binary": /_.*\.zip$/,
};

/** What one package file contributes before the index-wide steps (latestOnly, License). */
export interface PackageFileRecord {
  /** File name in the directory. */
  file: string;
  /** Value of every index field, in index field order; undefined where DESCRIPTION has none (R's NA). */
  values: Map<string, string | undefined>;
}

/** One record of the index: its file and its non-empty fields in order. */
export interface PackagesIndexEntry {
  file: string;
  fields: [string, string][];
}

export interface PackagesIndexProblem {
  file: string;
  message: string;
}

export interface PackagesIndex {
  /** The fields of the index, in order. */
  fields: string[];
  entries: PackagesIndexEntry[];
  /** Files left out, and why. */
  problems: PackagesIndexProblem[];
}

export interface PackagesIndexOptions {
  /** Fields beyond the standard ones (e.g. BBS_GIT_FIELDS). */
  fields?: readonly string[];
  /** Keep only the highest version of each package (default true, as R). */
  latestOnly?: boolean;
  /** Tarballs read at once (default: defaultReadConcurrency()). */
  concurrency?: number;
  /** Record order: `icu` (R in a UTF-8 locale, default) or `c` (R with LC_COLLATE=C). */
  fileOrder?: FileOrder;
  /** The kind of package files (default `source`). */
  type?: RepositoryIndexType;
}

export interface WritePackagesIndexOptions extends PackagesIndexOptions {
  /** Also write PACKAGES.rds (default false). */
  rds?: boolean;
}

export type FileOrder = "icu" | "c";

const icuCollator = new Intl.Collator("en-US");

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** R's `sort()` of file names: ICU root collation (ties broken by code points), or C byte order. */
export function compareFileNames(a: string, b: string, order: FileOrder = "icu"): number {
  if (order === "c") return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return icuCollator.compare(a, b) || compareCodePoints(a, b);
}

/** Package files read at once by default: twice the CPUs, so reading overlaps decompression (measured by `npm run bench -- propagation`). */
export function defaultReadConcurrency(): number {
  return 2 * Math.max(1, availableParallelism());
}

/** `unique(c(standard fields, extra))`: the index's fields in order. */
export function packagesIndexFields(extra: readonly string[] = [], type: RepositoryIndexType = "source"): string[] {
  return [...new Set<string>([...standardIndexFields(type), ...extra])];
}

/** Whether `name` is a package file of that type for write_PACKAGES. */
export function isPackageFileName(name: string, type: RepositoryIndexType = "source"): boolean {
  return PACKAGE_FILE_PATTERNS[type].test(name);
}

/** Package files of `dir` (regular files only) in the order write_PACKAGES lists them. */
export function listPackageFiles(
  dir: string,
  type: RepositoryIndexType = "source",
  order: FileOrder = "icu",
): string[] {
  return readdirSync(dir)
    .filter((name) => isPackageFileName(name, type) && statSync(join(dir, name)).isFile())
    .sort((a, b) => compareFileNames(a, b, order));
}

/** Source package files of `dir` (regular files only) in the order write_PACKAGES lists them. */
export function listSourcePackageFiles(dir: string, order: FileOrder = "icu"): string[] {
  return listPackageFiles(dir, "source", order);
}

/**
 * Reads one package file's record for an index of `type`: tarballs (source,
 * mac.binary) as readSourcePackageRecord, zips (win.binary) through their
 * `<pkg>/DESCRIPTION` member, without MD5sum.
 */
export async function readPackageFileRecord(
  path: string,
  type: RepositoryIndexType = "source",
  fields: readonly string[] = packagesIndexFields([], type),
): Promise<PackageFileRecord> {
  if (type !== "win.binary") return readSourcePackageRecord(path, fields);
  const packageName = packageNameFromFileName(path);
  const description = readZipMember(path, `${packageName}/DESCRIPTION`);
  if (description === undefined) {
    throw new BbsError("BBS_INPUT_INVALID", `${path} has no ${packageName}/DESCRIPTION`, {
      hint: "a Windows binary package must be named <package>_<version>.zip and hold <package>/DESCRIPTION",
    });
  }
  return { file: basename(path), values: descriptionValues(path, description, fields) };
}

/**
 * Reads one package file's record. Throws BBS_INPUT_INVALID, naming the file,
 * when it has no `<pkg>/DESCRIPTION` or its DESCRIPTION is not DCF.
 */
export async function readSourcePackageRecord(
  path: string,
  fields: readonly string[] = packagesIndexFields(),
): Promise<PackageFileRecord> {
  const packageName = packageNameFromFileName(path);
  const wantsNeedsCompilation = fields.includes("NeedsCompilation");
  const contents = await readPackageTarball(path, packageName, {
    needsListing: (bytes) => {
      try {
        return wantsNeedsCompilation && descriptionValues(path, bytes, fields).get("NeedsCompilation") === undefined;
      } catch {
        return false; // reported by sourcePackageRecord, once reading is over
      }
    },
  });
  return sourcePackageRecord(path, contents, fields);
}

/** The values of `fields` in the first record of a DESCRIPTION read from the package file at `path`. */
function descriptionValues(path: string, bytes: Buffer, fields: readonly string[]): Map<string, string | undefined> {
  const packageName = packageNameFromFileName(path);
  // R keeps DESCRIPTION's bytes and write.dcf shows invalid UTF-8 as <xx>: "r-utf8" does the same.
  const [first] = parseDcf(bytes, { source: `${path}: ${packageName}/DESCRIPTION`, decoding: "r-utf8" });
  if (first === undefined) throw new BbsError("BBS_INPUT_INVALID", `${path}: ${packageName}/DESCRIPTION has no fields`);
  return new Map(fields.map((field) => [field, first.fields.get(field)]));
}

/**
 * A tarball's record from what was read of it (readPackageTarball or
 * scanPackageTarball): DESCRIPTION's fields, MD5sum, NeedsCompilation
 * inferred from `src/` when DESCRIPTION lacks it. Throws BBS_INPUT_INVALID
 * naming the file when DESCRIPTION is missing or not DCF.
 */
export function sourcePackageRecord(
  path: string,
  contents: PackageTarballContents,
  fields: readonly string[] = packagesIndexFields(),
): PackageFileRecord {
  const packageName = packageNameFromFileName(path);
  if (contents.description === undefined) {
    throw new BbsError("BBS_INPUT_INVALID", `${path} has no ${packageName}/DESCRIPTION`, {
      hint: "a source package file must be named <package>_<version>.tar.gz and hold <package>/DESCRIPTION",
    });
  }
  // The last DESCRIPTION entry wins, as when tar extracts duplicates.
  const values = descriptionValues(path, contents.description, fields);
  if (fields.includes("NeedsCompilation") && values.get("NeedsCompilation") === undefined) {
    values.set("NeedsCompilation", contents.hasSrcDirectory ? "yes" : "no");
  }
  if (values.has("MD5sum")) values.set("MD5sum", contents.md5);
  return { file: basename(path), values };
}

/**
 * The index-wide steps of write_PACKAGES over per-file records (in file
 * order): highest version per package, License standardization, empty values
 * dropped.
 */
export function assemblePackagesIndex(
  records: readonly PackageFileRecord[],
  options: { latestOnly?: boolean } = {},
): PackagesIndexEntry[] {
  const kept = options.latestOnly === false ? [...records] : latestOnly(records);
  return kept.map((record) => {
    const fields: [string, string][] = [];
    for (const [field, raw] of record.values) {
      const value = field === "License" ? standardizeLicense(raw) : raw;
      if (value !== undefined && value !== "") fields.push([field, value]);
    }
    return { file: record.file, fields };
  });
}

/** R's `.remove_stale_dups`: for a package listed several times, keep the first of its highest versions. */
function latestOnly(records: readonly PackageFileRecord[]): PackageFileRecord[] {
  const byPackage = new Map<string, number[]>();
  records.forEach((record, index) => {
    const name = record.values.get("Package");
    if (name === undefined) return;
    byPackage.set(name, [...(byPackage.get(name) ?? []), index]);
  });
  const stale = new Set<number>();
  for (const [name, indexes] of byPackage) {
    if (indexes.length < 2) continue;
    const versions = indexes.map((index) => {
      const version = records[index]!.values.get("Version");
      if (version === undefined)
        throw new BbsError("BBS_INPUT_INVALID", `${records[index]!.file}: package ${name} has no Version`);
      return version;
    });
    const keep = indexes[indexOfLatestVersion(versions)];
    for (const index of indexes) if (index !== keep) stale.add(index);
  }
  return records.filter((_, index) => !stale.has(index));
}

/** PACKAGES text for the entries (R's write.dcf format). */
export function formatPackagesIndex(entries: readonly PackagesIndexEntry[]): string {
  return formatRDcf(entries.map((entry) => entry.fields));
}

/** Reads every source package file of `dir` and assembles the index (nothing written). */
export async function buildPackagesIndex(dir: string, options: PackagesIndexOptions = {}): Promise<PackagesIndex> {
  const type = options.type ?? "source";
  const fields = packagesIndexFields(options.fields, type);
  const limit = pLimit(options.concurrency ?? defaultReadConcurrency());
  const problems: PackagesIndexProblem[] = [];
  const files = listPackageFiles(dir, type, options.fileOrder);
  const results = await Promise.all(
    files.map((file) =>
      limit(async () => {
        try {
          return await readPackageFileRecord(join(dir, file), type, fields);
        } catch (error) {
          if (!isBbsError(error)) throw error;
          problems.push({ file, message: errorMessage(error) });
          return undefined;
        }
      }),
    ),
  );
  const records = results.filter((record): record is PackageFileRecord => record !== undefined);
  problems.sort((a, b) => files.indexOf(a.file) - files.indexOf(b.file));
  return { fields, entries: assemblePackagesIndex(records, options), problems };
}

/**
 * Builds the index of `dir` and writes `PACKAGES.gz` then `PACKAGES`
 * atomically (empty files when there is no package), and PACKAGES.rds first
 * when `rds` is set.
 */
export async function writePackagesIndex(dir: string, options: WritePackagesIndexOptions = {}): Promise<PackagesIndex> {
  const index = await buildPackagesIndex(dir, options);
  for (const file of packagesIndexFiles(index, { rds: options.rds })) writeFileAtomic(join(dir, file.name), file.bytes);
  return index;
}

/**
 * The bytes of an index's files in the order they are written:
 * PACKAGES.rds (when `rds`), PACKAGES.gz, PACKAGES.
 */
export function packagesIndexFiles(
  index: Pick<PackagesIndex, "fields" | "entries">,
  options: { rds?: boolean } = {},
): { name: string; bytes: Buffer }[] {
  const text = Buffer.from(formatPackagesIndex(index.entries), "utf8");
  return [
    ...(options.rds === true ? [{ name: "PACKAGES.rds", bytes: characterMatrixRds(packagesIndexMatrix(index)) }] : []),
    { name: "PACKAGES.gz", bytes: gzipSync(text, { level: 9 }) },
    { name: "PACKAGES", bytes: text },
  ];
}

/** Writes PACKAGES text as `PACKAGES.gz` and `PACKAGES` in `dir`, each atomically. */
export function writePackagesFiles(dir: string, text: string): void {
  writeFileAtomic(join(dir, "PACKAGES.gz"), gzipSync(Buffer.from(text, "utf8"), { level: 9 }));
  writeFileAtomic(join(dir, "PACKAGES"), text);
}

/**
 * The matrix write_PACKAGES saves as PACKAGES.rds: one column per index field
 * (all of them, even when every value is NA), one row per record, NA where a
 * record has no value, row names the package names.
 */
export function packagesIndexMatrix(index: Pick<PackagesIndex, "fields" | "entries">): CharacterMatrix {
  const rows = index.entries.map((entry) => {
    const values = new Map(entry.fields);
    return index.fields.map((field) => values.get(field));
  });
  const packageColumn = index.fields.indexOf("Package");
  return {
    colnames: index.fields,
    rows,
    ...(rows.length === 0 ? {} : { rownames: rows.map((row) => row[packageColumn] ?? "NA") }),
  };
}
