// File operations of propagation with the "never half a file" guarantee: a
// copy is written under a temporary name in the target directory, given the
// source's mode and modification time (so rsync later sees an unchanged file
// as unchanged), then linked (never overwrite) or renamed (replace) into place.

import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  createReadStream,
  linkSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
} from "node:fs";
import { dirname } from "node:path";
import { temporaryPathFor } from "../util/fs.js";

/** Lowercase hex MD5 of a file. */
export async function md5File(path: string): Promise<string> {
  const hash = createHash("md5");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>)
    hash.update(chunk);
  return hash.digest("hex");
}

/** Whether two files have the same size and content. */
export async function sameContent(a: string, b: string): Promise<boolean> {
  if (statSync(a).size !== statSync(b).size) return false;
  const [x, y] = await Promise.all([md5File(a), md5File(b)]);
  return x === y;
}

/**
 * Copies `from` to `to` atomically, keeping mode and mtime. With `overwrite`
 * false (the default) an existing `to` is never replaced: the result is then
 * false and nothing changes.
 */
export function copyFileAtomic(from: string, to: string, options: { overwrite?: boolean } = {}): boolean {
  mkdirSync(dirname(to), { recursive: true });
  const temporary = temporaryPathFor(to);
  try {
    copyFileSync(from, temporary);
    const stat = statSync(from);
    chmodSync(temporary, stat.mode & 0o7777);
    utimesSync(temporary, stat.atime, stat.mtime);
    if (options.overwrite === true) {
      renameSync(temporary, to);
      return true;
    }
    try {
      linkSync(temporary, to);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw error;
    }
    return true;
  } finally {
    rmSync(temporary, { force: true });
  }
}
