// What update consumes from a finished postrun, in the central directory:
// OUTGOING/<type>/<pkg>_<ver>.<ext>, OUTGOING/manuals/<pkg>.pdf and
// PROPAGATION_STATUS_DB.txt (docs/formats.md#outgoing, #propagation_status_dbtxt). Both are checked
// against each other before anything changes: a DB that lacks a line for a
// file of OUTGOING (stage6c interrupted, or run before postrun finished) or
// names a package OUTGOING does not hold (DB and OUTGOING of different runs)
// stops the propagation. BBS copied nothing and carried on. The DB's format
// is shared with postrun, which writes it (results/status-db.ts).

import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { pkgTypeExtension, type PkgType } from "../config/schema.js";
import { parsePropagationDb, propagationVerdict, type PropagationLine } from "../results/status-db.js";
import { tryParseVersion } from "../rpkg/version.js";
import { BbsError } from "../util/errors.js";
import { readInputFile } from "../util/fs.js";
import { isPkgType, sortPkgTypes } from "./layout.js";
import { OUTGOING_DIR, OUTGOING_MANUALS_DIR, PROPAGATION_STATUS_DB_FILE } from "../layout/central.js";

export interface StatusDb {
  path: string;
  /** Keyed by `<pkg>#<type>`. */
  lines: Map<string, PropagationLine>;
}

export function statusKey(pkg: string, pkgType: string): string {
  return `${pkg}#${pkgType}`;
}

/** Only an explanation starting with YES propagates (BBS's copyPropagatableFiles). */
export function propagates(explanation: string): boolean {
  return propagationVerdict(explanation) === "YES";
}

/**
 * Parses the DB with the shared reader (results/status-db.ts); lines are
 * looked up by key, order does not matter. A key given twice is
 * BBS_INPUT_INVALID: which of the two statuses holds is unknowable.
 */
export function parseStatusDb(text: string, path: string): StatusDb {
  const lines = new Map<string, PropagationLine>();
  for (const line of parsePropagationDb(text, path)) {
    const key = statusKey(line.package, line.pkgType);
    if (lines.has(key)) {
      throw new BbsError("BBS_INPUT_INVALID", `${path}: ${key}#propagate appears more than once`, {
        hint: "the file is corrupt; re-run `bbs postrun` to rewrite it",
      });
    }
    lines.set(key, line);
  }
  return { path, lines };
}

/** A package file of OUTGOING/<type>/. */
export interface OutgoingFile {
  pkgType: PkgType;
  /** File name, e.g. `BiocGenerics_0.44.0.tar.gz`. */
  file: string;
  pkg: string;
  version: string;
  /** Absolute path. */
  path: string;
}

export interface Outgoing {
  dir: string;
  /** Package files per type subdirectory, types in BBS order, files by name. */
  types: Map<PkgType, OutgoingFile[]>;
  /** OUTGOING/manuals/<pkg>.pdf by package. */
  manuals: Map<string, string>;
}

function listDir(dir: string, what: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new BbsError(
      "BBS_PRECONDITION",
      `${what} ${dir} ${code === "ENOENT" ? "does not exist" : `cannot be read (${code ?? String(error)})`}`,
      {
        hint: "bbs propagate update needs the OUTGOING directory of a finished `bbs postrun` (outgoing must be set in the configuration)",
        cause: error,
      },
    );
  }
}

/** Splits `<pkg>_<version>.<ext>`; undefined when the name is not a package file of that extension. */
export function parsePackageFileName(file: string, extension: string): { pkg: string; version: string } | undefined {
  const suffix = `.${extension}`;
  if (!file.endsWith(suffix)) return undefined;
  const stem = file.slice(0, -suffix.length);
  const underscore = stem.indexOf("_");
  if (underscore <= 0) return undefined;
  const version = stem.slice(underscore + 1);
  if (tryParseVersion(version) === undefined) return undefined;
  return { pkg: stem.slice(0, underscore), version };
}

/** Reads `<centralDir>/OUTGOING`: its type subdirectories and manuals. */
export function readOutgoing(centralDir: string): Outgoing {
  const dir = join(centralDir, OUTGOING_DIR);
  const types = new Map<PkgType, OutgoingFile[]>();
  const manuals = new Map<string, string>();
  const subdirs = listDir(dir, "the OUTGOING directory").filter((name) => statSync(join(dir, name)).isDirectory());
  for (const name of sortPkgTypes(subdirs)) {
    if (name === OUTGOING_MANUALS_DIR) {
      for (const file of listDir(join(dir, name), "the manuals directory")) {
        if (file.endsWith(".pdf")) manuals.set(file.slice(0, -".pdf".length), join(dir, name, file));
      }
      continue;
    }
    if (!isPkgType(name)) {
      throw new BbsError("BBS_INPUT_INVALID", `${join(dir, name)}: unknown package type "${name}"`, {
        hint: "OUTGOING subdirectories are package types (source, win.binary, mac.binary.big-sur-x86_64, ...): check the outgoing map",
      });
    }
    const extension = pkgTypeExtension(name);
    const files: OutgoingFile[] = [];
    for (const file of listDir(join(dir, name), `OUTGOING/${name}`)) {
      const parsed = parsePackageFileName(file, extension);
      if (parsed !== undefined) files.push({ pkgType: name, file, ...parsed, path: join(dir, name, file) });
    }
    types.set(name, files);
  }
  return { dir, types, manuals };
}

/** Reads the DB next to OUTGOING; BBS_PRECONDITION when it is missing (postrun did not run or failed). */
export function readStatusDb(centralDir: string): StatusDb {
  const path = join(centralDir, PROPAGATION_STATUS_DB_FILE);
  let bytes: Buffer;
  try {
    bytes = readInputFile(path);
  } catch (error) {
    throw new BbsError("BBS_PRECONDITION", `${path} not found. Did postrun run?`, {
      hint: "run `bbs postrun` (with outgoing set) and wait for it to finish before `bbs propagate update`",
      cause: error,
    });
  }
  return parseStatusDb(bytes.toString("utf8"), path);
}

/**
 * Checks that the DB describes exactly the files of OUTGOING: every package
 * file has a line, every line has a file. Throws BBS_PRECONDITION listing the
 * mismatches.
 */
export function checkStatusDbAgainstOutgoing(db: StatusDb, outgoing: Outgoing): void {
  const problems: string[] = [];
  const inOutgoing = new Set<string>();
  for (const [pkgType, files] of outgoing.types) {
    for (const file of files) {
      const key = statusKey(file.pkg, pkgType);
      inOutgoing.add(key);
      if (!db.lines.has(key)) problems.push(`no line for ${key}#propagate (OUTGOING/${pkgType}/${file.file})`);
    }
  }
  for (const [key, line] of db.lines) {
    if (!inOutgoing.has(key)) problems.push(`${key}#propagate has no package file in OUTGOING/${line.pkgType}/`);
  }
  if (problems.length === 0) return;
  const empty = db.lines.size === 0;
  throw new BbsError(
    "BBS_PRECONDITION",
    empty
      ? `${db.path} is empty, but OUTGOING holds packages: the propagation DB is incomplete`
      : `${db.path} does not match ${outgoing.dir} (${problems.length} problem(s))`,
    {
      details: problems.slice(0, 50).concat(problems.length > 50 ? [`... and ${problems.length - 50} more`] : []),
      hint: "postrun's propagation DB step did not finish, or OUTGOING and the DB come from different runs: re-run `bbs postrun`, then propagate",
    },
  );
}
