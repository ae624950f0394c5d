// Directories postrun publishes (OUTGOING, the published report) are
// assembled next to their final place and switched in with renames
// (util/fs swapDirectory), so a reader (biocpush's update, a web server) sees
// the old tree or the new one, never a half-filled one.

import { readdirSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** A fresh hidden directory name next to `dir`, for assembling its replacement. */
export function stagingPathFor(dir: string): string {
  return join(dirname(dir), `.${basename(dir)}.staging-${process.pid}-${Date.now()}`);
}

/** Removes staging directories of `dir` left by an earlier process that died (the caller holds the lock). */
export function removeStaleStaging(dir: string): void {
  const prefix = `.${basename(dir)}.staging-`;
  let names: string[];
  try {
    names = readdirSync(dirname(dir));
  } catch {
    return;
  }
  for (const name of names)
    if (name.startsWith(prefix)) rmSync(join(dirname(dir), name), { recursive: true, force: true });
}
