// meat-index.dcf and skipped-index.dcf (docs/formats.md#meat-indexdcf): the list of
// packages a build covers, written by prerun on the central node and read by
// every builder, postrun and the report.
//
// meat-index.dcf, one record per package in manifest order, each followed by a
// blank line (the last one too):
//
//   Package: a4
//   Version: 1.55.0
//   Maintainer: Laure Cougnaud              name part only
//   MaintainerEmail: laure.cougnaud@...     (not for CRAN-type builds)
//   PackageStatus: Deprecated               if DESCRIPTION has it
//   UnsupportedPlatforms: win               if non-empty (support.ts)
//
// skipped-index.dcf: `Package: <directory name>` + blank line per skipped package.

import { BbsError } from "../util/errors.js";
import { readInputFile, writeFileAtomic } from "../util/fs.js";
import { formatDcf, parseDcf, type DcfRecord } from "./dcf.js";
import { isSupportedOn, type NodeIdentity } from "./support.js";
import { MEAT_INDEX_FILE, SKIPPED_INDEX_FILE } from "../layout/central.js";

export interface MeatIndexRecord {
  package: string;
  version: string;
  /** Name part of the maintainer (text before `<email>`). */
  maintainer?: string;
  maintainerEmail?: string;
  packageStatus?: string;
  unsupportedPlatforms?: string;
}

/** Field names in file order, with the record key each one maps to. */
const MEAT_FIELDS = [
  ["Package", "package"],
  ["Version", "version"],
  ["Maintainer", "maintainer"],
  ["MaintainerEmail", "maintainerEmail"],
  ["PackageStatus", "packageStatus"],
  ["UnsupportedPlatforms", "unsupportedPlatforms"],
] as const satisfies readonly (readonly [string, keyof MeatIndexRecord])[];

/** meat-index.dcf text: fields in BBS's order, absent ones omitted, a blank line after each record. */
export function formatMeatIndex(records: readonly MeatIndexRecord[]): string {
  return formatDcf(
    records.map((record) => {
      const fields: [string, string][] = [];
      for (const [name, key] of MEAT_FIELDS) {
        const value = record[key];
        if (value !== undefined && value !== "") fields.push([name, value]);
      }
      return fields;
    }),
    { blankLineAfterLast: true },
  );
}

/** Parses meat-index.dcf; BBS_INPUT_INVALID (file and line) for a record without Package or Version. */
export function parseMeatIndex(content: string | Uint8Array, source = MEAT_INDEX_FILE): MeatIndexRecord[] {
  return parseDcf(content, { source }).map((record) => {
    const entry: MeatIndexRecord = {
      package: required(record, "Package", source),
      version: required(record, "Version", source),
    };
    for (const [name, key] of MEAT_FIELDS.slice(2)) {
      const value = record.fields.get(name);
      if (value !== undefined) entry[key] = value;
    }
    return entry;
  });
}

function required(record: DcfRecord, field: string, source: string): string {
  const value = record.fields.get(field);
  if (value === undefined || value === "") {
    throw new BbsError("BBS_INPUT_INVALID", `${source}:${record.line}: record has no ${field} field`, {
      hint: `${MEAT_INDEX_FILE} is written by \`bbs prerun\`; re-run prerun to regenerate it`,
    });
  }
  return value;
}

export function readMeatIndex(path: string): MeatIndexRecord[] {
  return parseMeatIndex(readIndexFile(path), path);
}

export function writeMeatIndex(path: string, records: readonly MeatIndexRecord[]): void {
  writeFileAtomic(path, formatMeatIndex(records));
}

/** skipped-index.dcf text: `Package: <name>` and a blank line per skipped package. */
export function formatSkippedIndex(packages: readonly string[]): string {
  return formatDcf(
    packages.map((name) => [["Package", name]]),
    { blankLineAfterLast: true },
  );
}

export function parseSkippedIndex(content: string | Uint8Array, source = SKIPPED_INDEX_FILE): string[] {
  return parseDcf(content, { source }).map((record) => required(record, "Package", source));
}

export function readSkippedIndex(path: string): string[] {
  return parseSkippedIndex(readIndexFile(path), path);
}

export function writeSkippedIndex(path: string, packages: readonly string[]): void {
  writeFileAtomic(path, formatSkippedIndex(packages));
}

function readIndexFile(path: string): Buffer {
  return readInputFile(path, "run `bbs prerun` first: it writes the meat and skipped indexes");
}

/**
 * Orders package names as BBS does (Python's `sorted(names, key=str.lower)`):
 * by the lowercased names compared code point by code point, so "a4" < "ABarray"
 * < "abind" < "Biobase"; "." sorts before digits and letters. Names equal once
 * lowercased keep their input order (the sort is stable).
 */
export function compareCaseInsensitive(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A copy of `items` sorted case-insensitively by `key` (default: the item itself), stable. */
export function sortCaseInsensitively<T>(items: readonly T[], key: (item: T) => string = String): T[] {
  return [...items].sort((a, b) => compareCaseInsensitive(key(a), key(b)));
}

/**
 * The packages of the meat index built on a node (docs/bbs-rules.md#support-rule),
 * sorted case-insensitively: a builder's target list.
 */
export function targetPackages(records: readonly MeatIndexRecord[], node: NodeIdentity): MeatIndexRecord[] {
  return sortCaseInsensitively(
    records.filter((record) => isSupportedOn(record.unsupportedPlatforms, node)),
    (record) => record.package,
  );
}
