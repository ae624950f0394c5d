// The per-job files of BBS (docs/formats.md#out-files): `<pkg>.<stage>-out.txt` (command
// header + merged stdout/stderr), `<pkg>.<stage>-summary.dcf`, and the empty
// `<pkg>.<stage>-MISSING` marker delivered instead of a product that does not
// exist. Names and header bytes are exactly BBS's: the report and people's
// scripts read them.

import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { outFileName, summaryFileName, missingFileName } from "../layout/central.js";

const HASHES = "#".repeat(78);

/**
 * The header BBS writes before each run of a job's command. The first run
 * starts the file; a re-run (00LOCK) is appended after three newlines and says
 * "Re-running".
 */
export function commandHeader(command: string, rerun: boolean): string {
  const verb = rerun ? "### Re-running command:" : "### Running command:";
  const head = rerun ? "\n\n\n" : "";
  return `${head}${HASHES}\n${HASHES}\n###\n${verb}\n###\n###   ${command}\n###\n${HASHES}\n${HASHES}\n\n\n`;
}

/** Starts a job's output file afresh with the "Running command" header. */
export function startOutputFile(path: string, command: string): void {
  // Removed, not truncated: an earlier out file may share its inode with a
  // delivered or stored copy (hard links), which must keep their contents.
  rmSync(path, { force: true });
  writeFileSync(path, commandHeader(command, false));
}

/** Appends the "Re-running command" header to a job's output file. */
export function appendRerunHeader(path: string, command: string): void {
  writeFileSync(path, commandHeader(command, true), { flag: "a" });
}

/** The files one job leaves in its working directory, named as BBS names them. */
export interface JobFiles {
  /** `<pkg>.<stage>-out.txt` */
  readonly outFile: string;
  /** `<pkg>.<stage>-summary.dcf` */
  readonly summaryFile: string;
  /** `<pkg>.<stage>-MISSING` */
  readonly missingFile: string;
}

export function jobFiles(dir: string, pkg: string, stage: string): JobFiles {
  return {
    outFile: join(dir, outFileName(pkg, stage)),
    summaryFile: join(dir, summaryFileName(pkg, stage)),
    missingFile: join(dir, missingFileName(pkg, stage)),
  };
}

/**
 * Decides what to deliver for a finished job, as BBS's PkgDumps.Push: the
 * product when it exists (and an old `-MISSING` marker is removed), else an
 * empty `-MISSING` marker; then the out file and the summary. `productPath`
 * null means the stage has no product or it is intentionally not delivered
 * (DONT_PUSH_SRCPKGS): no marker either way.
 */
export function filesToDeliver(files: JobFiles, productPath: string | null): string[] {
  const deliver: string[] = [];
  if (productPath !== null) {
    if (existsSync(productPath)) {
      rmSync(files.missingFile, { force: true });
      deliver.push(productPath);
    } else {
      writeFileSync(files.missingFile, "");
      deliver.push(files.missingFile);
    }
  }
  deliver.push(files.outFile, files.summaryFile);
  return deliver;
}
