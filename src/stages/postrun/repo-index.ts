// The published side of stage6c: what R's available.packages() would return
// for a set of CRAN-style repositories, read from their PACKAGES index over
// file:// or http(s)://, with R's default filters that matter on the
// central node: OS_type (a `windows`-only package is not available on unix)
// and duplicates (the highest version of a package across the repositories,
// the first one among equals). A repository without an index is empty, as
// for R (which only warns); a repository that cannot be read is an error:
// guessing "nothing is published" would mark every package YES.

import { parseDcf } from "../../rpkg/dcf.js";
import { compareVersions, tryParseVersion } from "../../rpkg/version.js";
import { HttpReader, isTransportError } from "../../transport/index.js";
import { BbsError, errorMessage } from "../../util/errors.js";
import type { AvailablePackage } from "./propagation-status.js";

/** One contrib directory to read: a repository URL and R's contrib path under it. */
export interface ContribSource {
  repoUrl: string;
  contribPath: string;
  /** The configuration key the URL comes from, for messages. */
  key: string;
}

export interface ContribIndex {
  source: ContribSource;
  /** undefined when the repository has no PACKAGES there. */
  packages: AvailablePackage[] | undefined;
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

/** Reads one contrib directory's PACKAGES (R_version and subarch filters are not applied). */
export async function readContribIndex(source: ContribSource): Promise<ContribIndex> {
  const reader = readerFor(source);
  const where = `${source.repoUrl.replace(/\/+$/, "")}/${source.contribPath}/PACKAGES`;
  let text: string | undefined;
  try {
    text = await reader.readTextIfExists(`${source.contribPath}/PACKAGES`);
  } catch (error) {
    if (!isTransportError(error)) throw error;
    throw new BbsError("BBS_TRANSPORT_FAILED", `cannot read ${where} (${source.key}): ${errorMessage(error)}`, {
      hint: `check ${source.key} and that the repository is reachable; the propagation DB compares with it and is not written without it`,
      cause: error,
    });
  }
  if (text === undefined) return { source, packages: undefined };
  const packages: AvailablePackage[] = [];
  for (const record of parseDcf(text, { source: where })) {
    const name = record.fields.get("Package");
    const version = record.fields.get("Version");
    if (name === undefined || version === undefined || tryParseVersion(version) === undefined) continue;
    const osType = record.fields.get("OS_type");
    if (osType !== undefined && osType !== "" && osType !== "unix") continue;
    const needsCompilation = record.fields.get("NeedsCompilation");
    packages.push({ package: name, version, ...(needsCompilation === undefined ? {} : { needsCompilation }) });
  }
  return { source, packages };
}

/** available.packages() over several contrib directories: the highest version of each package, first among equals. */
export function mergeAvailable(indexes: readonly ContribIndex[]): AvailablePackage[] {
  const best = new Map<string, AvailablePackage>();
  for (const index of indexes) {
    for (const pkg of index.packages ?? []) {
      const current = best.get(pkg.package);
      if (current === undefined || compareVersions(pkg.version, current.version) > 0) best.set(pkg.package, pkg);
    }
  }
  return [...best.values()];
}

/** `file:` / `http(s):` URL with `-mac-arm64` removed (a bioc-mac-arm64 build targets the bioc repository, as BBS). */
export function finalRepoUrl(value: string): string {
  return value.replace("-mac-arm64", "");
}

/** The non-target repositories, with the literal BBS_BIOC_VERSION replaced (docs/formats.md#non-target-repositories). */
export function nonTargetRepoUrls(repos: readonly string[], biocVersion: string): string[] {
  return repos.map((repo) => repo.replaceAll("BBS_BIOC_VERSION", biocVersion)).filter((repo) => repo.trim() !== "");
}
