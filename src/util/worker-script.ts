// Worker threads need JavaScript: only the compiled build (dist/) has their
// scripts. Tests run the TypeScript sources, where callers fall back to doing
// the work on their own thread.

import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The compiled script `relative` (e.g. "./worker.js") beside the module `base` (its import.meta.url), if it exists. */
export function compiledWorkerScript(relative: string, base: string): URL | undefined {
  const url = new URL(relative, base);
  return url.protocol === "file:" && existsSync(fileURLToPath(url)) ? url : undefined;
}
