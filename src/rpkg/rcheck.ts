// `<pkg>.Rcheck/` pruning (docs/bbs-rules.md#rcheck-pruning): before it is delivered, a check
// directory keeps only what the report shows. Deletion errors are ignored,
// as BBS does (what could not be deleted is delivered too).

import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

/** Top-level entries kept in `<pkg>.Rcheck/`. */
function keptFiles(pkg: string): Set<string> {
  return new Set([
    "00check.log",
    "00install.out",
    `${pkg}-Ex.Rout`,
    `${pkg}-Ex_i386.Rout`,
    `${pkg}-Ex_x64.Rout`,
    `${pkg}-Ex.timings`,
    `${pkg}-manual.pdf`,
  ]);
}

const EXAMPLE_DIRS = ["examples_i386", "examples_x64"];
const TEST_DIRS = ["tests", "tests_i386", "tests_x64"];

function remove(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // as BBS: a file that cannot be deleted is simply delivered
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Prunes `checkDir` (`<pkg>.Rcheck`): keeps 00check.log, 00install.out, the
 * examples' .Rout and .timings files, the manual PDF, `examples_i386/` and
 * `examples_x64/` with only `<pkg>-Ex.timings` inside, and the `tests` dirs with
 * their top-level files only, minus `startup.Rs`.
 */
export function pruneCheckDir(checkDir: string, pkg: string): void {
  const kept = keptFiles(pkg);
  for (const name of entries(checkDir)) {
    const path = join(checkDir, name);
    if (kept.has(name)) continue;
    if (EXAMPLE_DIRS.includes(name) && isDirectory(path)) {
      for (const inner of entries(path)) if (inner !== `${pkg}-Ex.timings`) remove(join(path, inner));
      continue;
    }
    if (TEST_DIRS.includes(name) && isDirectory(path)) {
      for (const inner of entries(path)) {
        const innerPath = join(path, inner);
        if (inner === "startup.Rs" || isDirectory(innerPath)) remove(innerPath);
      }
      continue;
    }
    remove(path);
  }
}
