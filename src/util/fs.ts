// Filesystem helpers with the "nothing lost" guarantee: a file other tools read
// is written under a temporary name in the same directory, flushed, then renamed
// over the old one, so a reader sees either the old or the new file, never half.

import {
  closeSync,
  copyFileSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { BbsError } from "./errors.js";
import { rethrowFsError } from "./fs-errors.js";

let counter = 0;

/** A temporary path next to `path` (same filesystem, so rename is atomic). */
export function temporaryPathFor(path: string): string {
  counter += 1;
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${counter}`);
}

/**
 * Writes `data` to `path` atomically, creating the parent directory if needed.
 * With `durable: false` the data is not flushed to disk before the rename: a
 * reader still sees the old file or the new one, but a machine crash may leave
 * the new one empty. Only for files that can be written again from elsewhere.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: { durable?: boolean } = {}): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = temporaryPathFor(path);
  try {
    const fd = openSync(temporary, "w", 0o644);
    try {
      const buffer = typeof data === "string" ? Buffer.from(data, "utf8") : data;
      let offset = 0;
      while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset);
      if (options.durable !== false) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    // write(2) on the open file names no path, open(2) names the temporary one: name the file.
    rethrowFsError(error, { path, preferContextPath: true });
  }
}

/**
 * Reads an input file a user or an earlier step provides; a missing or
 * unreadable file is a BBS_INPUT_INVALID error naming it (with `hint`).
 */
export function readInputFile(path: string, hint?: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT") rethrowFsError(error, { path });
    const reason = code === "ENOENT" ? "does not exist" : `cannot be read (${code ?? String(error)})`;
    throw new BbsError("BBS_INPUT_INVALID", `${path} ${reason}`, { hint, cause: error });
  }
}

/**
 * Puts the directory `replacement` (assembled next to `dir`, on the same
 * filesystem) in place of `dir` with renames only: a reader sees the old
 * directory or the new one, never a half-filled one (`dir` is briefly absent
 * between the two renames when it existed). The old tree is removed last.
 */
export function swapDirectory(replacement: string, dir: string): void {
  const old = temporaryPathFor(dir);
  let hadOld = true;
  try {
    renameSync(dir, old);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    hadOld = false;
  }
  try {
    renameSync(replacement, dir);
  } catch (error) {
    if (hadOld) renameSync(old, dir);
    throw error;
  }
  if (hadOld) rmSync(old, { recursive: true, force: true });
}

/** A text file's contents, or undefined when it does not exist (other errors are thrown). */
export function readTextIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** link(2) errors that mean "not here, copy instead" rather than a real failure. */
const LINK_REFUSED = new Set(["EXDEV", "EPERM", "EMLINK", "ENOTSUP"]);

function linkTree(source: string, target: string): "linked" | "copied" {
  const stat = lstatSync(source);
  if (stat.isDirectory()) {
    mkdirSync(target);
    let how: "linked" | "copied" = "linked";
    for (const name of readdirSync(source))
      if (linkTree(join(source, name), join(target, name)) === "copied") how = "copied";
    return how;
  }
  if (stat.isSymbolicLink()) {
    symlinkSync(readlinkSync(source), target);
    return "linked";
  }
  try {
    linkSync(source, target);
    return "linked";
  } catch (error) {
    if (!LINK_REFUSED.has((error as NodeJS.ErrnoException).code ?? "")) throw error;
    copyFileSync(source, target);
    return "copied";
  }
}

/**
 * Puts `source` (a file, or a directory tree) at `target`, replacing what was
 * there, by hard links where it can (BBS: OUTGOING shares the products'
 * inodes), copying a file only where links are refused (another filesystem).
 * Only for files that are replaced, never rewritten in place, once made:
 * products, out files, summaries (written under a temporary name, renamed).
 * Returns "copied" when any file had to be copied.
 */
export function linkOrCopy(source: string, target: string): "linked" | "copied" {
  rmSync(target, { recursive: true, force: true });
  return linkTree(source, target);
}
