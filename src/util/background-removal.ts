// Replacing a large directory tree (a report of 73,000 files) without waiting
// for the old tree to be deleted: the old tree is renamed aside
// (`.<name>.old-<pid>-<n>`, same parent, so the rename is atomic), the new one
// renamed in, and the old one deleted by a detached, low-priority child process
// that outlives the command. Deleting took 124-159 s of a report command on a
// loaded machine; the switch itself takes two renames. A tree the deleter did
// not finish (the machine rebooted) is deleted the same way by the next
// replacement of the same directory, so leftovers never pile up and never hold
// up a night either.

import { spawn } from "node:child_process";
import { readdirSync, renameSync, rmSync } from "node:fs";
import { setPriority } from "node:os";
import { basename, dirname, join } from "node:path";

let counter = 0;

// Runs in the child: errors are ignored (the next replacement tries again).
const REMOVER = `const { rmSync } = require("node:fs");
for (const path of process.argv.slice(1)) {
  try { rmSync(path, { recursive: true, force: true, maxRetries: 3 }); } catch {}
}`;

/** Deletes the trees in a detached child process; returns at once. Falls back on deleting here if it cannot start. */
export function removeInBackground(paths: readonly string[]): void {
  if (paths.length === 0) return;
  try {
    const child = spawn(process.execPath, ["-e", REMOVER, ...paths], { detached: true, stdio: "ignore" });
    child.on("error", () => removeNow(paths));
    if (child.pid !== undefined) {
      try {
        setPriority(child.pid, 19);
      } catch {
        // Not allowed to lower it: it still runs, at normal priority.
      }
    }
    child.unref();
  } catch {
    removeNow(paths);
  }
}

function removeNow(paths: readonly string[]): void {
  for (const path of paths) rmSync(path, { recursive: true, force: true });
}

/** The aside names of `dir`'s old trees (`.<name>.old-`). */
function asidePrefix(dir: string): string {
  return `.${basename(dir)}.old-`;
}

/** Deletes in the background what earlier replacements of `dir` left aside (and the entries `extraPrefixes` name). */
export function removeLeftoversInBackground(dir: string, extraPrefixes: readonly string[] = []): void {
  const parent = dirname(dir);
  const prefixes = [asidePrefix(dir), ...extraPrefixes];
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  const leftovers = names.filter((name) => prefixes.some((prefix) => name.startsWith(prefix)));
  // Renamed to fresh aside names first, so a deleter of an earlier night still at work and this one never race.
  const aside: string[] = [];
  for (const name of leftovers) {
    counter += 1;
    const target = join(parent, `${asidePrefix(dir)}${process.pid}-${counter}-leftover`);
    try {
      renameSync(join(parent, name), target);
      aside.push(target);
    } catch {
      // Gone meanwhile (its deleter finished): nothing to do.
    }
  }
  removeInBackground(aside);
}

/**
 * Puts the directory `replacement` (next to `dir`, same filesystem) in place
 * of `dir` with two renames, then deletes the old tree in the background. A
 * reader sees the old directory or the new one (`dir` is briefly absent
 * between the renames when it existed).
 */
export function swapDirectoryInBackground(replacement: string, dir: string): void {
  counter += 1;
  const old = join(dirname(dir), `${asidePrefix(dir)}${process.pid}-${counter}`);
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
  if (hadOld) removeInBackground([old]);
}
