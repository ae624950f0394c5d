// prepare's memory of what it read, in `.bbs/prepare-cache.json`: the
// DESCRIPTION record of every package file (keyed by its path in the
// repository, valid while size and modification time are unchanged) and the
// tarball each package's landing-page documents were extracted from. With
// it, a prepare opens only the files that are new since the last one (the
// approach of r-hub's cranlike); without it (deleted, corrupt, other format)
// everything is read again, which is always correct.

import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { writeFileAtomic } from "../util/fs.js";
import { stateFile, type RepositoryLayout } from "./layout.js";

/** Identity of a file's content for the cache: what rsync's quick check uses too. */
export interface FileStamp {
  size: number;
  mtimeMs: number;
}

export interface CachedRecord extends FileStamp {
  /** Field values in field order; null is NA. */
  values: [string, string | null][];
}

export interface CachedDocs extends FileStamp {
  /** The tarball (in src/contrib) the documents come from. */
  file: string;
}

interface CacheData {
  format: string;
  records: Record<string, CachedRecord>;
  docs: Record<string, CachedDocs>;
}

const CACHE_FILE = "prepare-cache.json";

export function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs;
}

export class PrepareCache {
  private readonly path: string;
  private readonly format: string;
  private data: CacheData;

  /** `fieldSets` name what the records hold: a change of fields invalidates the cache. */
  constructor(layout: Pick<RepositoryLayout, "root">, fieldSets: readonly (readonly string[])[]) {
    this.path = stateFile(layout, CACHE_FILE);
    this.format = `bbs-prepare-cache-1 ${createHash("sha256").update(JSON.stringify(fieldSets)).digest("hex").slice(0, 16)}`;
    this.data = this.load();
  }

  private load(): CacheData {
    try {
      const value = JSON.parse(readFileSync(this.path, "utf8")) as Partial<CacheData>;
      if (
        value.format === this.format &&
        typeof value.records === "object" &&
        typeof value.docs === "object" &&
        value.records !== null &&
        value.docs !== null
      ) {
        return value as CacheData;
      }
    } catch {
      // missing or unreadable: start over
    }
    return { format: this.format, records: {}, docs: {} };
  }

  record(key: string, stamp: FileStamp): Map<string, string | undefined> | undefined {
    const cached = this.data.records[key];
    if (cached === undefined || !sameStamp(cached, stamp)) return undefined;
    return new Map(cached.values.map(([field, value]) => [field, value ?? undefined]));
  }

  setRecord(key: string, stamp: FileStamp, values: ReadonlyMap<string, string | undefined>): void {
    this.data.records[key] = {
      size: stamp.size,
      mtimeMs: stamp.mtimeMs,
      values: [...values].map(([field, value]) => [field, value ?? null]),
    };
  }

  /** Keeps only the records of these keys (files that left the repository are forgotten). */
  retainRecords(keys: ReadonlySet<string>): void {
    for (const key of Object.keys(this.data.records)) if (!keys.has(key)) delete this.data.records[key];
  }

  docs(pkg: string): CachedDocs | undefined {
    return this.data.docs[pkg];
  }

  setDocs(pkg: string, docs: CachedDocs): void {
    this.data.docs[pkg] = docs;
  }

  deleteDocs(pkg: string): void {
    delete this.data.docs[pkg];
  }

  docsPackages(): string[] {
    return Object.keys(this.data.docs);
  }

  save(): void {
    writeFileAtomic(this.path, JSON.stringify(this.data));
  }
}
