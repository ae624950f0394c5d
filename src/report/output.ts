// The report directory is assembled next to its final place
// (`.<name>.new-<pid>-<n>`) and switched in with renames: a reader (a web
// server, the publishing rsync) sees the old report or the new one, never a
// half-written one. Raw results are hard links to the run's files (copies
// across file systems). One lock per report directory serialises generators
// (`bbs report` by hand while postrun runs); leftovers of a crashed generator
// are removed under that lock. The old report is renamed aside and deleted by
// a detached process (util/background-removal.ts): the command and the next
// night never wait for tens of thousands of files to be unlinked.

import { copyFileSync, linkSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { removeLeftoversInBackground, swapDirectoryInBackground } from "../util/background-removal.js";
import { acquireLock, type Lock } from "../util/lock.js";

let sequence = 0;

export class ReportTree {
  private readonly dirs = new Set<string>();
  files = 0;
  bytes = 0;

  private constructor(
    readonly finalDir: string,
    /** Where the new report is assembled. */
    readonly root: string,
    private readonly lock: Lock | undefined,
  ) {}

  /** Writes into a report another tree assembles (a worker thread's shard): no lock, no commit. */
  static attach(root: string): ReportTree {
    return new ReportTree(root, root, undefined);
  }

  /** Locks `finalDir`, removes leftovers of earlier attempts and creates the staging directory. */
  static create(finalDir: string): ReportTree {
    const parent = dirname(finalDir);
    const name = basename(finalDir);
    mkdirSync(parent, { recursive: true });
    const lock = acquireLock(join(parent, `.${name}.lock`), { description: `generation of the report in ${finalDir}` });
    try {
      // Old reports set aside (.old-) and not yet deleted, assemblies of a crashed generator (.new-),
      // and old reports of bbs before background deletion (.tmp-).
      removeLeftoversInBackground(finalDir, [`.${name}.new-`, `.${name}.tmp-`]);
      sequence += 1;
      const root = join(parent, `.${name}.new-${process.pid}-${sequence}`);
      mkdirSync(root);
      return new ReportTree(finalDir, root, lock);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  private ensureDir(relativeDir: string): void {
    if (relativeDir === "." || relativeDir === "" || this.dirs.has(relativeDir)) return;
    mkdirSync(`${this.root}/${relativeDir}`, { recursive: true });
    this.dirs.add(relativeDir);
  }

  /** Writes a file at `relative` (a path under the report root). */
  write(relative: string, data: string | Uint8Array): void {
    this.ensureDir(dirname(relative));
    writeFileSync(`${this.root}/${relative}`, data);
    this.files += 1;
    this.bytes += typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
  }

  /** Puts `source` at `relative` (hard link, or a copy across file systems); false when `source` does not exist. */
  include(source: string, relative: string): boolean {
    this.ensureDir(dirname(relative));
    const target = `${this.root}/${relative}`;
    try {
      linkSync(source, target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return false;
      try {
        copyFileSync(source, target);
      } catch (copyError) {
        if ((copyError as NodeJS.ErrnoException).code === "ENOENT") return false;
        throw copyError;
      }
    }
    this.files += 1;
    return true;
  }

  /** Switches the new report in place of the old one (then deleted in the background), and releases the lock. */
  commit(): void {
    try {
      swapDirectoryInBackground(this.root, this.finalDir);
    } finally {
      this.lock?.release();
    }
  }

  /** Drops the half-built report; the old one stays. */
  discard(): void {
    try {
      rmSync(this.root, { recursive: true, force: true });
    } finally {
      this.lock?.release();
    }
  }
}
