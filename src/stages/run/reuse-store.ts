// The builder's store of reusable job results (incremental runs,
// docs/run.md#incremental-runs): for each (stage, package), the files of the
// last job that ran (summary, out file, product: the source tarball, the
// pruned .Rcheck directory, the binary) with the hash of its inputs and its
// run. Meat is remade every night, so the results an incremental night
// carries into its products come from here. One directory per job, replaced
// whole (written beside, then renamed): a crash leaves the old entry or none,
// never a mix, and a missing or odd entry only means the job runs again.

import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { JobFiles } from "../../jobs/outfile.js";
import type { Stage } from "../../layout/stages.js";
import { linkOrCopy, writeFileAtomic } from "../../util/fs.js";

const ENTRY_FILE = "entry.json";
const SUMMARY_FILE = "summary.dcf";
const OUT_FILE = "out.txt";
const PRODUCT_DIR = "product";

export interface ReuseEntry {
  readonly inputHash: string;
  /** The run the result was produced in. */
  readonly runId: string;
  readonly status: string;
  /** File or directory name of the product in meat, when the job made one. */
  readonly product: string | null;
}

export interface StoredResult extends ReuseEntry {
  readonly summaryFile: string;
  readonly outFile: string;
  /** Absolute path of the stored product (null: none). */
  readonly productPath: string | null;
}

export class ReuseStore {
  constructor(readonly dir: string) {}

  private entryDir(stage: Stage, pkg: string): string {
    return join(this.dir, stage, pkg);
  }

  /** The stored result of a job, when complete; undefined otherwise (the job runs again). */
  read(stage: Stage, pkg: string): StoredResult | undefined {
    const dir = this.entryDir(stage, pkg);
    let entry: ReuseEntry;
    try {
      entry = JSON.parse(readFileSync(join(dir, ENTRY_FILE), "utf8")) as ReuseEntry;
    } catch {
      return undefined;
    }
    if (typeof entry.inputHash !== "string" || typeof entry.runId !== "string") return undefined;
    const summaryFile = join(dir, SUMMARY_FILE);
    const outFile = join(dir, OUT_FILE);
    const productPath = entry.product === null ? null : join(dir, PRODUCT_DIR, entry.product);
    if (!existsSync(summaryFile) || !existsSync(outFile)) return undefined;
    if (productPath !== null && !existsSync(productPath)) return undefined;
    return { ...entry, summaryFile, outFile, productPath };
  }

  /** Keeps a finished job's files (in meat) as the result of `entry`, replacing what was stored for the job. */
  save(stage: Stage, pkg: string, entry: ReuseEntry, files: JobFiles, meatDir: string): void {
    const dir = this.entryDir(stage, pkg);
    const fresh = `${dir}.new-${process.pid}`;
    rmSync(fresh, { recursive: true, force: true });
    mkdirSync(fresh, { recursive: true });
    copyFileSync(files.summaryFile, join(fresh, SUMMARY_FILE));
    copyFileSync(files.outFile, join(fresh, OUT_FILE));
    const product = entry.product !== null && existsSync(join(meatDir, entry.product)) ? entry.product : null;
    if (product !== null) {
      mkdirSync(join(fresh, PRODUCT_DIR));
      linkOrCopy(join(meatDir, product), join(fresh, PRODUCT_DIR, product));
    }
    writeFileAtomic(join(fresh, ENTRY_FILE), `${JSON.stringify({ ...entry, product })}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(fresh, dir);
  }
}
