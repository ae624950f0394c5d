// Runs the bbs CLI in the test's process (src/cli/main.ts returns the exit
// code instead of exiting) and captures what it prints.

import { readFileSync } from "node:fs";
import { vi } from "vitest";
import { main } from "../../../src/cli/main.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function bbsInProcess(args: readonly string[]): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const out = vi
    .spyOn(process.stdout, "write")
    .mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi
    .spyOn(process.stderr, "write")
    .mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    return { code: await main(["node", "bbs", ...args]), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** A golden file of test/stages/postrun/golden/. */
export function golden(name: string): string {
  return readFileSync(new URL(`./golden/${name}`, import.meta.url), "utf8");
}
