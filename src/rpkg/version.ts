// R package versions, implemented once for the whole code base.
//
// A version is non-negative integers separated by `.` or `-` ("1.2-3" is
// 1.2.3); leading zeros do not count ("1.02" is 1.2). Two orderings exist in R:
//
// - `package_version` / `numeric_version` (what R uses for dependencies,
//   `available.packages`, `write_PACKAGES(latestOnly = TRUE)` and BBS's
//   propagation): components compared as integers, a missing component counts
//   as 0, so "1.0" == "1.0.0". This is `compareVersions`.
// - `utils::compareVersion`: the same, except that when one version is a prefix
//   of the other the longer one is greater ("1.0" < "1.0.0"). This is
//   `compareVersionStrings`.
//
// Components are compared as digit strings, so any size works (R itself turns
// components past 2^31 - 1 into NA).

import { BbsError } from "../util/errors.js";

export type VersionOperator = ">=" | ">" | "<=" | "<" | "==" | "!=";

export const VERSION_OPERATORS: readonly VersionOperator[] = [">=", ">", "<=", "<", "==", "!="];

/** A parsed version: the text as written and its components without leading zeros. */
export interface Version {
  readonly text: string;
  readonly components: readonly string[];
}

const VERSION_RE = /^[0-9]+([.-][0-9]+)*$/;

/**
 * BBS's check of a DESCRIPTION's Version (`^[0-9]+([.-][0-9]+)*$`); a package
 * failing it goes to skipped-index.dcf.
 */
export function isBbsValidVersion(text: string): boolean {
  return VERSION_RE.test(text);
}

/** R's `package_version()` validity: at least two components (`numeric_version` accepts one). */
export function isValidPackageVersion(text: string): boolean {
  return VERSION_RE.test(text.trim()) && /[.-]/.test(text.trim());
}

/** Parses a version (surrounding whitespace ignored, one component allowed); undefined if invalid. */
export function tryParseVersion(text: string): Version | undefined {
  const trimmed = text.trim();
  if (!VERSION_RE.test(trimmed)) return undefined;
  return { text: trimmed, components: trimmed.split(/[.-]/).map(stripLeadingZeros) };
}

/** Parses a version or throws BBS_INPUT_INVALID naming `where` (e.g. "Version of IRanges"). */
export function parseVersion(text: string, where = "version"): Version {
  const version = tryParseVersion(text);
  if (version === undefined) {
    throw new BbsError("BBS_INPUT_INVALID", `${where}: "${text}" is not a valid version`, {
      hint: 'a version is numbers separated by "." or "-", e.g. 1.2.3 or 0.99-1',
    });
  }
  return version;
}

function stripLeadingZeros(component: string): string {
  const stripped = component.replace(/^0+/, "");
  return stripped === "" ? "0" : stripped;
}

function compareComponents(a: string, b: string): -1 | 0 | 1 {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function asVersion(value: string | Version, where: string): Version {
  return typeof value === "string" ? parseVersion(value, where) : value;
}

/**
 * Orders two versions as R's `package_version` does: -1, 0 or 1. Missing
 * components count as 0 ("1.0" equals "1.0.0"). Throws BBS_INPUT_INVALID on an invalid version.
 */
export function compareVersions(a: string | Version, b: string | Version): -1 | 0 | 1 {
  const x = asVersion(a, "version").components;
  const y = asVersion(b, "version").components;
  for (let i = 0; i < Math.max(x.length, y.length); i += 1) {
    const order = compareComponents(x[i] ?? "0", y[i] ?? "0");
    if (order !== 0) return order;
  }
  return 0;
}

/** Orders two versions as `utils::compareVersion` does: a version extending another is greater ("1.0" < "1.0.0"). */
export function compareVersionStrings(a: string | Version, b: string | Version): -1 | 0 | 1 {
  const x = asVersion(a, "version").components;
  const y = asVersion(b, "version").components;
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
    const order = compareComponents(x[i]!, y[i]!);
    if (order !== 0) return order;
  }
  return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
}

/** Whether `version op required` holds under `package_version` ordering (e.g. `satisfies("1.2", ">=", "1.1.9")`). */
export function satisfies(version: string | Version, op: VersionOperator, required: string | Version): boolean {
  const order = compareVersions(version, required);
  switch (op) {
    case ">=":
      return order >= 0;
    case ">":
      return order > 0;
    case "<=":
      return order <= 0;
    case "<":
      return order < 0;
    case "==":
      return order === 0;
    case "!=":
      return order !== 0;
  }
}

export function isVersionOperator(text: string): text is VersionOperator {
  return (VERSION_OPERATORS as readonly string[]).includes(text);
}

/**
 * Index of the greatest version (the first one among equals, as R's
 * `which.max` on package versions); -1 for an empty list.
 */
export function indexOfLatestVersion(versions: readonly (string | Version)[]): number {
  let best = -1;
  for (let i = 0; i < versions.length; i += 1) {
    if (best === -1 || compareVersions(versions[i]!, versions[best]!) > 0) best = i;
  }
  return best;
}
