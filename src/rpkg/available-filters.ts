// The filters R's `available.packages()` applies by default
// (`utils:::available_packages_filters_default`: R_version, OS_type, subarch,
// duplicates), in that order, over the records of all the repositories read.
// BBS's propagation DB sees the published repositories through
// available.packages(), so a published package R would not offer (it needs a
// newer R, another OS, another sub-architecture, or a higher version exists)
// counts as not published.

import { compareVersions, satisfies, tryParseVersion } from "./version.js";

/** What the filters compare with: the R that reads the repositories (BBS: the central node's). */
export interface RPlatform {
  /** `getRversion()`, e.g. `4.2.2`. */
  version: string;
  /** `.Platform$OS.type`: `unix` or `windows`. */
  osType: string;
  /** `.Platform$r_arch`: empty except on sub-architecture builds of R. */
  rArch: string;
}

/** One repository record: the index fields the filters and the propagation DB read. */
export interface RepositoryRecord {
  package: string;
  version: string;
  depends?: string;
  osType?: string;
  archs?: string;
  needsCompilation?: string;
}

// utils:::available_packages_filters_db$R_version
const R_DEPENDENCY = /^R\s*\(/;
const R_CONSTRAINT = /^R\s*\(([[<>=!]+)\s+(.*)\)\s*/;

/**
 * R_version: every `R (op version)` entry of Depends must hold for the R
 * version. An entry R cannot parse (no space after the operator) makes R's
 * available.packages() fail altogether; here it is kept, as if unconstrained.
 */
export function satisfiesRVersion(depends: string | undefined, rVersion: string): boolean {
  if (depends === undefined) return true;
  const entries = depends.replace(/^\s*/, "").split(/\s*,\s*/);
  for (const entry of entries) {
    if (!R_DEPENDENCY.test(entry)) continue;
    const match = R_CONSTRAINT.exec(entry);
    const op = match?.[1];
    const required = match?.[2] === undefined ? undefined : tryParseVersion(match[2]);
    if (op === undefined || required === undefined) continue;
    if (op !== ">=" && op !== ">" && op !== "<=" && op !== "<" && op !== "==" && op !== "!=") continue;
    if (!satisfies(rVersion, op, required)) return false;
  }
  return true;
}

/** OS_type: absent, or the R's own OS type. */
function fitsOsType(record: RepositoryRecord, platform: RPlatform): boolean {
  return record.osType === undefined || record.osType === platform.osType;
}

/** subarch: only on an R with a sub-architecture, a record listing Archs must list it. */
function fitsSubarch(record: RepositoryRecord, platform: RPlatform): boolean {
  if (platform.rArch === "" || record.archs === undefined) return true;
  return record.archs.split(/\s*,\s*/).includes(platform.rArch);
}

/**
 * available.packages() over several repositories' records (in repository
 * order): the rows R_version, OS_type and subarch keep, then duplicates (the
 * highest version of each package, the first one among equals).
 */
export function availablePackages<T extends RepositoryRecord>(records: readonly T[], platform: RPlatform): T[] {
  const best = new Map<string, T>();
  for (const record of records) {
    if (!satisfiesRVersion(record.depends, platform.version)) continue;
    if (!fitsOsType(record, platform) || !fitsSubarch(record, platform)) continue;
    const current = best.get(record.package);
    if (current === undefined || compareVersions(record.version, current.version) > 0) best.set(record.package, record);
  }
  return [...best.values()];
}
