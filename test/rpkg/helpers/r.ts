// Runs real R for comparison tests: one Rscript process per call (batch the
// work into one script), in a UTF-8 locale, without user/site profiles.

import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Runs `script` with `Rscript --vanilla`, passing `args`; returns its stdout. Throws with R's stderr on failure. */
export function runRscript(script: string, args: readonly string[] = [], options: { cwd?: string } = {}): string {
  const file = join(mkdtempSync(join(tmpdir(), "bbs-rscript-")), "script.R");
  writeFileSync(file, script);
  try {
    return execFileSync("Rscript", ["--vanilla", file, ...args], {
      cwd: options.cwd,
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, LANG: "C.UTF-8", LC_ALL: "C.UTF-8", R_LIBS_USER: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? "";
    throw new Error(`Rscript failed: ${stderr}`);
  }
}

/** Runs an R script that prints one JSON document (jsonlite) and parses it. */
export function runRscriptJson<T>(script: string, args: readonly string[] = []): T {
  return JSON.parse(runRscript(script, args)) as T;
}
