// `bbs propagate prepare` (prepareRepos-<repo>.sh, docs/propagation.md#prepare): the
// package indexes of every contrib directory (PACKAGES, PACKAGES.gz and
// PACKAGES.rds, the records tools::write_PACKAGES writes; an empty directory
// gets an empty index), then, for landing pages, the documents extracted from
// the source tarballs, REPOSITORY and VIEWS.
//
// Incremental: a package file is opened only when it is new or changed since
// the last prepare (prepare-cache.ts), and a package's documents are
// re-extracted only when its tarball changed. Everything is read and rendered
// before the repository changes; a failure (an unreadable package file, R
// not running) stops prepare with the repository as it was, and push refuses
// to publish until a prepare completes.

import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pLimit from "p-limit";
import {
  assemblePackagesIndex,
  defaultReadConcurrency,
  listPackageFiles,
  packagesIndexFields,
  packagesIndexFiles,
  sourcePackageRecord,
  type PackageFileRecord,
  type PackagesIndexEntry,
} from "../rpkg/packages-index.js";
import { recordReader } from "../rpkg/record-pool.js";
import { packageNameFromFileName, scanPackageTarball } from "../rpkg/tarball.js";
import { BbsError, errorMessage, isBbsError } from "../util/errors.js";
import { writeFileAtomic } from "../util/fs.js";
import {
  assemblePackageDocs,
  citationNotice,
  installPackageDocs,
  isDocumentMember,
  removePackageDocs,
  type PackageDocs,
} from "./docs.js";
import { formatRepositoryFile, STATE_DIR, type ContribDir, type RepositoryLayout } from "./layout.js";
import { parseManifestPackages, planPlaceholders, type PlaceholderPlan } from "./placeholders.js";
import { PrepareCache, sameStamp, type FileStamp } from "./prepare-cache.js";
import { runRJobs, type RJob } from "./r-batch.js";
import type { PropagationLog } from "./reporter.js";
import { requireStagingRoot, stagingFingerprint, updateStagingState } from "./state.js";
import { formatViews, viewsDescriptionFields, type ViewsValues } from "./views.js";

export interface PrepareOptions {
  /** REPOSITORY, VIEWS and documents (`propagation.landingPages`); false: indexes only. */
  landingPages: boolean;
  /** `r.rscriptCmd`, for NEWS, citations and Authors@R. */
  rscript: string;
  dryRun: boolean;
  reporter: PropagationLog;
  /** Manifest file and MEAT0 for VIEWS placeholder rows; none when the manifest file does not exist. */
  manifest?: { file: string; meat0Dir: string };
  /** Package files read at once (default: defaultReadConcurrency()). */
  concurrency?: number;
}

export interface PrepareResult {
  /** The index of each contrib directory, by package type. */
  indexes: Map<string, PackagesIndexEntry[]>;
  /** Package files opened (not served from the cache). */
  opened: number;
  cached: number;
  /** Files written (or that would be), relative to the staging root. */
  written: string[];
  /** Packages whose documents were (or would be) extracted, and removed. */
  docsExtracted: string[];
  docsRemoved: string[];
  warnings: string[];
}

interface DirRead {
  dir: ContribDir;
  fields: string[];
  /** Full records (for source: the VIEWS fields), in index file order. */
  records: PackageFileRecord[];
}

function stampOf(path: string): FileStamp {
  const stat = statSync(path);
  return { size: stat.size, mtimeMs: stat.mtimeMs };
}

function pick(record: PackageFileRecord, fields: readonly string[]): PackageFileRecord {
  return { file: record.file, values: new Map(fields.map((field) => [field, record.values.get(field)])) };
}

/** Writes `bytes` to `root/relative` unless it already holds them; returns whether it (would have) changed. */
function writeIfChanged(root: string, relative: string, bytes: Buffer, dryRun: boolean): boolean {
  const path = join(root, relative);
  try {
    if (readFileSync(path).equals(bytes)) return false;
  } catch {
    // missing: write it
  }
  if (!dryRun) writeFileAtomic(path, bytes);
  return true;
}

export async function prepareRepository(layout: RepositoryLayout, options: PrepareOptions): Promise<PrepareResult> {
  requireStagingRoot(layout);
  const { reporter, dryRun } = options;
  const result: PrepareResult = {
    indexes: new Map(),
    opened: 0,
    cached: 0,
    written: [],
    docsExtracted: [],
    docsRemoved: [],
    warnings: [],
  };
  const warn = (line: string): void => {
    result.warnings.push(line);
    reporter.warn(line);
  };
  const sourceFields = options.landingPages ? viewsDescriptionFields() : packagesIndexFields([], "source");
  const cache = new PrepareCache(layout, [
    sourceFields,
    packagesIndexFields([], "mac.binary"),
    packagesIndexFields([], "win.binary"),
  ]);
  // Under the repository's lock, anything in tmp/ is left by a killed prepare.
  rmSync(join(layout.root, STATE_DIR, "tmp"), { recursive: true, force: true });
  const scratch = join(layout.root, STATE_DIR, "tmp", `prepare-${process.pid}`);
  try {
    // 1. Read every package file (new ones opened, the rest from the cache).
    const limit = pLimit(options.concurrency ?? defaultReadConcurrency());
    const liveKeys = new Set<string>();
    const problems: string[] = [];
    const assembled = new Map<string, PackageDocs>();
    const reads: DirRead[] = [];
    for (const dir of layout.contribDirs) {
      const absolute = join(layout.root, dir.path);
      if (!existsSync(absolute)) {
        reporter.info(`mkdir    ${dir.path}`);
        if (!dryRun) mkdirSync(absolute, { recursive: true });
      }
      const files = existsSync(absolute) ? listPackageFiles(absolute, dir.indexType) : [];
      const fields = dir.pkgType === "source" ? sourceFields : packagesIndexFields([], dir.indexType);
      const withDocs = dir.pkgType === "source" && options.landingPages;
      const entries = files.map((file) => {
        const path = join(absolute, file);
        const key = `${dir.path}/${file}`;
        const stamp = stampOf(path);
        return { file, path, key, stamp, cached: cache.record(key, stamp) };
      });
      // Files to open for their record alone (with landing pages, new tarballs are scanned here for their documents too).
      const recordOnly = withDocs && !dryRun ? 0 : entries.filter((entry) => entry.cached === undefined).length;
      const reader = recordReader(recordOnly, options.concurrency ?? defaultReadConcurrency());
      // Settled, not Promise.all: after a failure (a full disk) the reads in flight must end before the
      // finally below removes the scratch directory they write into, or they recreate it behind it.
      let failure: { error: unknown } | undefined;
      const settled = await Promise.allSettled(
        entries.map(({ file, path, key, stamp, cached }) =>
          limit(async (): Promise<PackageFileRecord | undefined> => {
            liveKeys.add(key);
            if (failure !== undefined) return undefined;
            const pkg = packageNameFromFileName(file);
            const docs = cache.docs(pkg);
            const docsStale = withDocs && (docs === undefined || docs.file !== file || !sameStamp(docs, stamp));
            if (cached !== undefined && !(docsStale && !dryRun)) {
              result.cached += 1;
              return { file, values: cached };
            }
            result.opened += 1;
            try {
              let record: PackageFileRecord;
              if (docsStale && !dryRun) {
                const scan = await scanPackageTarball(path, (member) => isDocumentMember(pkg, member), pkg);
                record = sourcePackageRecord(path, scan, fields);
                assembled.set(file, assemblePackageDocs(join(scratch, file), pkg, scan));
              } else {
                record = await reader.read(path, dir.indexType, fields);
              }
              cache.setRecord(key, stamp, record.values);
              return record;
            } catch (error) {
              // A bad file is the repository's problem (listed below); a failed reader thread is bbs's.
              if (!isBbsError(error) || error.code === "BBS_INTERNAL") {
                failure ??= { error };
                throw error;
              }
              problems.push(errorMessage(error));
              return undefined;
            }
          }),
        ),
      ).finally(() => reader.close());
      const rejected = settled.find((outcome) => outcome.status === "rejected");
      if (rejected !== undefined) throw failure?.error ?? rejected.reason;
      const records = settled.map((outcome) => (outcome.status === "fulfilled" ? outcome.value : undefined));
      reads.push({
        dir,
        fields,
        records: records.filter((record): record is PackageFileRecord => record !== undefined),
      });
    }
    if (problems.length > 0) {
      throw new BbsError(
        "BBS_INPUT_INVALID",
        `prepare cannot index ${problems.length} package file(s) of ${layout.root}`,
        {
          details: problems.sort(),
          hint: "replace or remove these files (a repository must not hold files its index cannot list), then re-run `bbs propagate prepare`",
        },
      );
    }

    // 2. Indexes: the records write_PACKAGES would write (highest version of each package).
    const sourceRows: ViewsValues[] = [];
    for (const read of reads) {
      const indexFields = packagesIndexFields([], read.dir.indexType);
      const byFile = new Map(read.records.map((record) => [record.file, record]));
      const entries = assemblePackagesIndex(read.records.map((record) => pick(record, indexFields)));
      result.indexes.set(read.dir.pkgType, entries);
      if (read.dir.pkgType === "source") for (const entry of entries) sourceRows.push(byFile.get(entry.file)!.values);
      reporter.note(`${read.dir.path}: ${entries.length} package(s) from ${read.records.length} file(s)`);
    }

    // 3. Documents of the source packages whose tarball changed; documents of packages that left are removed.
    const rJobs: RJob[] = [];
    const latestDocs: { file: string; docs: PackageDocs }[] = [];
    if (options.landingPages) {
      const latest = new Map(
        (result.indexes.get("source") ?? []).map((entry) => [packageNameFromFileName(entry.file), entry.file]),
      );
      for (const [pkg, file] of latest) {
        const docs = assembled.get(file);
        const cachedDocs = cache.docs(pkg);
        const stale =
          cachedDocs === undefined ||
          cachedDocs.file !== file ||
          !sameStamp(cachedDocs, stampOf(join(layout.root, "src/contrib", file)));
        if (docs !== undefined) {
          latestDocs.push({ file, docs });
          rJobs.push(...docs.rJobs);
        }
        if (stale) {
          reporter.info(`extract  documents of ${pkg} from src/contrib/${file}`);
          result.docsExtracted.push(pkg);
        }
      }
      for (const pkg of cache.docsPackages()) {
        if (latest.has(pkg)) continue;
        reporter.info(`remove   documents of ${pkg} (no longer in src/contrib)`);
        result.docsRemoved.push(pkg);
      }
    }

    // 4. VIEWS placeholders of manifest packages the repository lacks.
    let placeholders: PlaceholderPlan | undefined;
    if (options.landingPages && options.manifest !== undefined) {
      if (existsSync(options.manifest.file)) {
        const present = new Set(
          [...result.indexes.values()].flatMap((entries) =>
            entries.map((entry) => packageNameFromFileName(entry.file)),
          ),
        );
        const missing = parseManifestPackages(readFileSync(options.manifest.file, "utf8")).filter(
          (pkg) => !present.has(pkg),
        );
        placeholders = planPlaceholders(missing, options.manifest.meat0Dir, join(scratch, "placeholders"));
        if (!dryRun) rJobs.push(...placeholders.rJobs);
      } else {
        reporter.note(`no VIEWS placeholders: the manifest ${options.manifest.file} does not exist`);
      }
    }

    // 5. One R session renders NEWS, citations and Authors@R.
    if (!dryRun && rJobs.length > 0) {
      const results = await runRJobs(rJobs, { rscript: options.rscript });
      for (const outcome of results) {
        if (outcome.ok) continue;
        const { job } = outcome;
        if (job.kind === "citation") {
          writeFileSync(job.output, citationNotice(job.pkg, outcome.message ?? "failed"));
          warn(
            `citation of ${job.pkg} could not be generated (a notice is published instead): ${outcome.message ?? "failed"}`,
          );
        } else if (job.kind === "news") {
          rmSync(join(job.output, ".."), { recursive: true, force: true });
          warn(`NEWS of ${job.pkg} could not be rendered (no NEWS published): ${outcome.message ?? "failed"}`);
        }
      }
      placeholders?.complete(results);
    }
    for (const line of placeholders?.warnings ?? []) warn(line);

    // 6. The repository changes from here on.
    if (!dryRun) {
      for (const { file, docs } of latestDocs) {
        installPackageDocs(layout.root, docs);
        cache.setDocs(docs.pkg, { file, ...stampOf(join(layout.root, "src/contrib", file)) });
      }
      for (const pkg of result.docsRemoved) {
        removePackageDocs(layout.root, pkg);
        cache.deleteDocs(pkg);
      }
    }
    for (const read of reads) {
      const entries = result.indexes.get(read.dir.pkgType)!;
      for (const file of packagesIndexFiles(
        { fields: packagesIndexFields([], read.dir.indexType), entries },
        { rds: true },
      )) {
        const relative = `${read.dir.path}/${file.name}`;
        if (writeIfChanged(layout.root, relative, file.bytes, dryRun)) result.written.push(relative);
      }
    }
    if (options.landingPages) {
      if (writeIfChanged(layout.root, "REPOSITORY", Buffer.from(formatRepositoryFile(layout), "utf8"), dryRun))
        result.written.push("REPOSITORY");
      const views = formatViews({
        root: layout.root,
        contribDirs: layout.contribDirs,
        sourceRows,
        indexes: result.indexes,
        placeholders: placeholders?.rows ?? [],
      });
      if (writeIfChanged(layout.root, "VIEWS", Buffer.from(views, "utf8"), dryRun)) result.written.push("VIEWS");
    }
    for (const relative of result.written) reporter.info(`write    ${relative}`);
    if (!dryRun) {
      cache.retainRecords(liveKeys);
      cache.save();
      updateStagingState(layout, {
        preparedAt: new Date().toISOString(),
        preparedFingerprint: stagingFingerprint(layout),
      });
    }
    return result;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
