// The published side of stage6c: what R's available.packages() returns for
// a set of CRAN-style repositories, read over file:// or http(s)://. As R
// does, a repository's PACKAGES.rds is read first (by the central node's R,
// which also tells the R version, OS type and sub-architecture to filter
// with), PACKAGES otherwise; then R's default filters (R_version, OS_type,
// subarch, duplicates: rpkg/available-filters.ts). A repository without an
// index is empty, as for R (which only warns); a repository that cannot be
// read is an error: guessing "nothing is published" would mark every package
// YES.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { availablePackages, type RepositoryRecord, type RPlatform } from "../../rpkg/available-filters.js";
import { parseDcf } from "../../rpkg/dcf.js";
import { tryParseVersion } from "../../rpkg/version.js";
import { HttpReader, isTransportError } from "../../transport/index.js";
import { BbsError, errorMessage } from "../../util/errors.js";
import type { AvailablePackage } from "./propagation-status.js";
import { readWithR } from "./r-repository-reader.js";

/** One contrib directory to read: a repository URL and R's contrib path under it. */
export interface ContribSource {
  repoUrl: string;
  contribPath: string;
  /** The configuration key the URL comes from, for messages. */
  key: string;
}

/** The published repositories as the central node's R sees them. */
export interface PublishedRepositories {
  platform: RPlatform;
  /** Contrib directories without an index (read as empty, as R does). */
  missing: string[];
  /** Files R could not read (PACKAGES was read instead). */
  unreadable: string[];
  /** available.packages() over these contrib directories, in this order (each must have been read). */
  available(sources: readonly ContribSource[]): AvailablePackage[];
}

/** Refuses a repository URL that is not file://, http:// or https://, naming the key it comes from. */
export function assertRepositoryUrl(repoUrl: string, key: string): void {
  readerFor({ repoUrl, contribPath: ".", key });
}

function readerFor(source: ContribSource): HttpReader {
  let url: URL;
  try {
    url = new URL(source.repoUrl);
  } catch {
    throw new BbsError("BBS_CONFIG_INVALID", `${source.key}: ${JSON.stringify(source.repoUrl)} is not a URL`, {
      hint: "write a repository as file:///absolute/path or https://host/path",
    });
  }
  if (!["file:", "http:", "https:"].includes(url.protocol)) {
    throw new BbsError(
      "BBS_CONFIG_INVALID",
      `${source.key}: ${source.repoUrl} has unsupported scheme ${url.protocol}`,
      { hint: "use file://, http:// or https://" },
    );
  }
  return new HttpReader(source.repoUrl);
}

function whereOf(source: ContribSource): string {
  return `${source.repoUrl.replace(/\/+$/, "")}/${source.contribPath}`;
}

type Fetched = { source: ContribSource; text?: string; rdsPath?: string };

/** Runs a read of the source's repository, a transport failure becoming an error that names it. */
async function guarded<T>(source: ContribSource, read: (reader: HttpReader) => Promise<T>): Promise<T> {
  try {
    return await read(readerFor(source));
  } catch (error) {
    if (!isTransportError(error)) throw error;
    throw new BbsError(
      "BBS_TRANSPORT_FAILED",
      `cannot read the index of ${whereOf(source)} (${source.key}): ${errorMessage(error)}`,
      {
        hint: `check ${source.key} and that the repository is reachable; the propagation DB compares with it and is not written without it`,
        cause: error,
      },
    );
  }
}

function readPackagesText(source: ContribSource): Promise<string | undefined> {
  return guarded(source, (reader) => reader.readTextIfExists(`${source.contribPath}/PACKAGES`));
}

async function fetchIndex(source: ContribSource, scratch: string, position: number): Promise<Fetched> {
  const rds = `${source.contribPath}/PACKAGES.rds`;
  const local = join(scratch, `PACKAGES-${position}.rds`);
  const hasRds = await guarded(source, async (reader) => {
    if (!(await reader.exists(rds))) return false;
    await reader.download(rds, local);
    return true;
  });
  if (hasRds) return { source, rdsPath: local };
  const text = await readPackagesText(source);
  return text === undefined ? { source } : { source, text };
}

function recordsOf(text: string, where: string): Array<RepositoryRecord & AvailablePackage> {
  const records: Array<RepositoryRecord & AvailablePackage> = [];
  for (const { fields } of parseDcf(text, { source: where })) {
    const name = fields.get("Package");
    const version = fields.get("Version");
    if (name === undefined || version === undefined || tryParseVersion(version) === undefined) continue;
    const optional = (field: string, key: keyof RepositoryRecord): Partial<RepositoryRecord> => {
      const value = fields.get(field);
      return value === undefined ? {} : { [key]: value };
    };
    records.push({
      package: name,
      version,
      ...optional("Depends", "depends"),
      ...optional("OS_type", "osType"),
      ...optional("Archs", "archs"),
      ...optional("NeedsCompilation", "needsCompilation"),
    });
  }
  return records;
}

/**
 * Reads every contrib directory once (PACKAGES.rds first, by R, else
 * PACKAGES), with one R process (`rscript`: config `r.rscriptCmd`) for the
 * .rds files and the R platform.
 */
export async function readPublishedRepositories(
  sources: readonly ContribSource[],
  options: { rscript: string },
): Promise<PublishedRepositories> {
  const unique = [...new Map(sources.map((source) => [whereOf(source), source] as const)).values()];
  const scratch = mkdtempSync(join(tmpdir(), "bbs-published-"));
  try {
    const fetched: Fetched[] = [];
    for (const [position, source] of unique.entries()) fetched.push(await fetchIndex(source, scratch, position));
    const withRds = fetched.filter((entry) => entry.rdsPath !== undefined);
    const reading = await readWithR(
      options.rscript,
      withRds.map((entry) => entry.rdsPath!),
    );
    const missing: string[] = [];
    const unreadable: string[] = [];
    const byWhere = new Map<string, Array<RepositoryRecord & AvailablePackage>>();
    for (const entry of fetched) {
      const where = whereOf(entry.source);
      let text = entry.text;
      if (entry.rdsPath !== undefined) {
        const conversion = reading.conversions[withRds.indexOf(entry)];
        if (conversion?.dcf !== undefined) text = conversion.dcf;
        else {
          unreadable.push(`${where}/PACKAGES.rds (${conversion?.problem ?? "not read"})`);
          text = await readPackagesText(entry.source);
        }
      }
      if (text === undefined) missing.push(where);
      byWhere.set(where, text === undefined ? [] : recordsOf(text, `${where}/PACKAGES`));
    }
    return {
      platform: reading.platform,
      missing,
      unreadable,
      available(wanted) {
        const records = wanted.flatMap((source) => {
          const read = byWhere.get(whereOf(source));
          if (read === undefined) throw new BbsError("BBS_INTERNAL", `${whereOf(source)} was not read`);
          return read;
        });
        return availablePackages(records, reading.platform).map((record) => ({
          package: record.package,
          version: record.version,
          ...(record.needsCompilation === undefined ? {} : { needsCompilation: record.needsCompilation }),
        }));
      },
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** `file:` / `http(s):` URL with `-mac-arm64` removed (a bioc-mac-arm64 build targets the bioc repository, as BBS). */
export function finalRepoUrl(value: string): string {
  return value.replace("-mac-arm64", "");
}

/** The non-target repositories, with the literal BBS_BIOC_VERSION replaced (docs/formats.md#non-target-repositories). */
export function nonTargetRepoUrls(repos: readonly string[], biocVersion: string): string[] {
  return repos.map((repo) => repo.replaceAll("BBS_BIOC_VERSION", biocVersion)).filter((repo) => repo.trim() !== "");
}
