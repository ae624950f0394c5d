// The decision of stage6c for one package type (docs/bbs-rules.md#propagation-decision), in
// TypeScript instead of BBS's makePropagationStatusDb.R, with the same
// explanation strings:
//
// 1. version triage against the published set (R package_version order):
//    lower -> NO, equal -> UNNEEDED, higher or unpublished -> candidate;
// 2. a candidate is approved (YES) when none of its Depends/Imports/LinkingTo
//    (R and base packages ignored) is impossible: missing from the available
//    set (published + approved so far), or, for a binary type, only
//    available as a source package that needs compilation; `(>= v)` and
//    `(> v)` constraints are enforced, every other one passes; the first
//    failing dependency gives the reason;
// 3. fixed point: passes repeat, approved candidates joining the available
//    set after each pass, until no new approval (approval is monotonic, each
//    reason comes from the last pass).
//
// Deliberate difference: an empty entry of a dependency field ("a,,b") is
// ignored; BBS reported "depends on '' which is not available".

import { BASE_PACKAGES } from "../../rpkg/description.js";
import { compareVersions, tryParseVersion, type Version } from "../../rpkg/version.js";

/** A package of OUTGOING/<type>/PACKAGES. */
export interface OutgoingPackage {
  package: string;
  version: string;
  depends?: string;
  imports?: string;
  linkingTo?: string;
  /** Source packages only (write_PACKAGES infers it from src/). */
  needsCompilation?: string;
}

/** A package of an index (final repo, non-target repos, approved candidates). */
export interface AvailablePackage {
  package: string;
  version: string;
  needsCompilation?: string;
}

export interface PropagationStatus {
  package: string;
  /** `YES`, `NO, ...` or `UNNEEDED, same version is already published`. */
  explanation: string;
  approved: boolean;
}

export const UNNEEDED = "UNNEEDED, same version is already published";

export interface PropagationOptions {
  /**
   * Binary types: source packages a dependency missing from the binary set
   * may be satisfied by when they need no compilation (the published source
   * set plus this run's approved source candidates).
   */
  sourcePackages?: readonly AvailablePackage[];
}

/** How R prints a package_version: components without leading zeros, joined by dots ("1.0-01" -> "1.0.1"). */
export function formatRVersion(version: Version): string {
  return version.components.join(".");
}

interface ParsedDependency {
  name: string;
  /** The text inside the parentheses (whitespace removed), e.g. `>=3`. */
  constraint?: string;
}

/** BBS's dependency extraction: whitespace removed, trailing commas dropped, Depends + Imports + LinkingTo split on commas. */
export function extractDependencies(
  pkg: Pick<OutgoingPackage, "depends" | "imports" | "linkingTo">,
): ParsedDependency[] {
  const clean = (value: string | undefined): string => (value ?? "").replace(/[ \n\t]/g, "").replace(/,*$/, "");
  const fields = [clean(pkg.depends), clean(pkg.imports), clean(pkg.linkingTo)].filter((field) => field !== "");
  const dependencies: ParsedDependency[] = [];
  for (const entry of fields.join(",").split(",")) {
    if (entry === "") continue;
    // R: sub("([[:alpha:]][A-Za-z0-9.]*).*", "\\1", dep) keeps what precedes the name, drops what follows.
    const name = /[A-Za-z][A-Za-z0-9.]*/.exec(entry);
    const constraint = /^.*\((.*)\).*$/s.exec(entry);
    dependencies.push({
      name: name === null ? entry : entry.slice(0, name.index) + name[0],
      ...(constraint === null ? {} : { constraint: constraint[1] }),
    });
  }
  return dependencies;
}

function isIgnoredDependency(name: string): boolean {
  return name === "R" || BASE_PACKAGES.has(name);
}

function needsNoCompilation(pkg: AvailablePackage): boolean {
  return (pkg.needsCompilation ?? "").toLowerCase() === "no";
}

/** The statuses of one package type's OUTGOING packages, in their order. */
export function computePropagationStatuses(
  outgoing: readonly OutgoingPackage[],
  published: readonly AvailablePackage[],
  options: PropagationOptions = {},
): PropagationStatus[] {
  const publishedByName = firstByName(published);
  const statuses: PropagationStatus[] = outgoing.map((pkg) => ({
    package: pkg.package,
    explanation: UNNEEDED,
    approved: false,
  }));
  const candidates: number[] = [];
  outgoing.forEach((pkg, index) => {
    const status = statuses[index]!;
    const version = tryParseVersion(pkg.version);
    if (version === undefined) {
      status.explanation = `NO, version to propagate (${pkg.version}) is not a valid version`;
      return;
    }
    const publishedPkg = publishedByName.get(pkg.package);
    const publishedVersion = publishedPkg === undefined ? undefined : tryParseVersion(publishedPkg.version);
    if (publishedVersion === undefined) {
      candidates.push(index);
      return;
    }
    const order = compareVersions(version, publishedVersion);
    if (order > 0) candidates.push(index);
    else if (order < 0) {
      status.explanation = `NO, version to propagate (${formatRVersion(version)}) is lower than published version (${formatRVersion(publishedVersion)})`;
    }
  });
  approveCandidates(
    candidates.map((index) => ({
      pkg: outgoing[index]!,
      status: statuses[index]!,
      dependencies: extractDependencies(outgoing[index]!),
    })),
    published,
    options.sourcePackages,
  );
  return statuses;
}

interface Candidate {
  pkg: OutgoingPackage;
  status: PropagationStatus;
  dependencies: ParsedDependency[];
}

function firstByName(packages: readonly AvailablePackage[]): Map<string, AvailablePackage> {
  const byName = new Map<string, AvailablePackage>();
  for (const pkg of packages) if (!byName.has(pkg.package)) byName.set(pkg.package, pkg);
  return byName;
}

function approveCandidates(
  candidates: readonly Candidate[],
  published: readonly AvailablePackage[],
  sourcePackages: readonly AvailablePackage[] | undefined,
): void {
  const available = firstByName(published);
  const sources = sourcePackages === undefined ? undefined : firstByName(sourcePackages);
  const approvedNames = new Set<string>();
  for (;;) {
    let newlyApproved = 0;
    for (const candidate of candidates) {
      if (candidate.status.approved) continue;
      const problem = impossibleDependency(candidate, available, sources, approvedNames);
      if (problem === undefined) {
        candidate.status.approved = true;
        candidate.status.explanation = "YES";
        approvedNames.add(candidate.pkg.package);
        newlyApproved += 1;
      } else {
        candidate.status.explanation = problem;
      }
    }
    if (newlyApproved === 0) return;
    // Simulated propagation: approved candidates replace what was available under their name.
    for (const candidate of candidates) {
      if (candidate.status.approved)
        available.set(candidate.pkg.package, { package: candidate.pkg.package, version: candidate.pkg.version });
    }
  }
}

/** The explanation of the first impossible dependency, or undefined when there is none. */
function impossibleDependency(
  candidate: Candidate,
  available: ReadonlyMap<string, AvailablePackage>,
  sources: ReadonlyMap<string, AvailablePackage> | undefined,
  approvedNames: ReadonlySet<string>,
): string | undefined {
  for (const dependency of candidate.dependencies) {
    if (isIgnoredDependency(dependency.name)) continue;
    let found = available.get(dependency.name);
    if (found === undefined && sources !== undefined) {
      const source = sources.get(dependency.name);
      if (source !== undefined && !needsNoCompilation(source)) {
        return `NO, package depends on '${dependency.name}' which is only available as a source package that needs compilation`;
      }
      found = source;
    }
    if (found === undefined) return `NO, package depends on '${dependency.name}' which is not available`;
    const versionProblem = unsatisfiedVersion(dependency, found.version, approvedNames);
    if (versionProblem !== undefined) return versionProblem;
  }
  return undefined;
}

const ENFORCED_CONSTRAINT = /^([>=]+)([0-9.-]+)$/;

/** BBS enforces only `>=` and `>` constraints; any other (or unparsable) one passes. */
function unsatisfiedVersion(
  dependency: ParsedDependency,
  availableText: string,
  approvedNames: ReadonlySet<string>,
): string | undefined {
  if (dependency.constraint === undefined) return undefined;
  const match = ENFORCED_CONSTRAINT.exec(dependency.constraint);
  if (match === null) return undefined;
  const op = match[1]!;
  const required = tryParseVersion(match[2]!);
  const availableVersion = tryParseVersion(availableText);
  if (required === undefined || availableVersion === undefined || (op !== ">=" && op !== ">")) return undefined;
  const order = compareVersions(availableVersion, required);
  if (op === ">=" ? order >= 0 : order > 0) return undefined;
  const becoming = approvedNames.has(dependency.name) ? "will become" : "is";
  return `NO, package requires version ${op} ${formatRVersion(required)} of '${dependency.name}' but only version ${formatRVersion(availableVersion)} ${becoming} available`;
}
