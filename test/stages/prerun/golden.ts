// The files prerun must write for a scenario, derived here from the
// scenario's package specs and the rules of spec 3.3 / 6.2-6.4, written out
// as plain text (not with bbs's own formatters), so the comparison checks
// bbs against the specification rather than against itself.

import {
  defaultMaintainer,
  descriptionPackageName,
  descriptionVersion,
  type PackageSpec,
} from "../../fixtures/rpkg-generator.js";
import type { Scenario } from "../../fixtures/scenarios.js";

/** What the test knows about each package's repo: its URL and head commit (null: no repo). */
export interface RepoFacts {
  url: string;
  shortSha: string;
  /** Author date of the head commit. */
  date: Date;
}

export interface GoldenFiles {
  meatIndex: string;
  skippedIndex: string;
  /** File name in gitlog/ -> content (git-log.dcf included). */
  gitlog: Map<string, string>;
  /** Packages of the meat index, in manifest order. */
  indexed: string[];
  skipped: string[];
}

/** Spec 3.3: `^[0-9]+([.-][0-9]+)*$`. */
const VALID_VERSION = /^[0-9]+([.-][0-9]+)*$/;
/** BBS's maintainer split (bbs/parse.py): `(.*\S)\s*<(.*)>`. */
const MAINTAINER = /^(.*\S)\s*<(.*)>/;

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * A BBS date (`%Y-%m-%d %H:%M:%S -0500 (%a, %d %b %Y)`) in New York standard
 * time. Only for instants in December, January or February (EST, UTC-5): the
 * fixtures' dates are chosen there, so the offset is known without a time
 * zone library.
 */
export function newYorkWinterDate(date: Date, seconds = true): string {
  const month = date.getUTCMonth();
  if (month > 1 && month < 11)
    throw new Error(`newYorkWinterDate: ${date.toISOString()} is not in New York's winter time`);
  const local = new Date(date.getTime() - 5 * 3600_000);
  const p = (n: number): string => String(n).padStart(2, "0");
  const day = `${local.getUTCFullYear()}-${p(local.getUTCMonth() + 1)}-${p(local.getUTCDate())}`;
  const time = `${p(local.getUTCHours())}:${p(local.getUTCMinutes())}${seconds ? `:${p(local.getUTCSeconds())}` : ""}`;
  return `${day} ${time} -0500 (${DAYS[local.getUTCDay()]}, ${p(local.getUTCDate())} ${MONTHS[local.getUTCMonth()]} ${local.getUTCFullYear()})`;
}

/** `UnsupportedPlatforms` of a spec: the .BBSoptions line, plus `win` for OS_type unix (spec 3.3). */
function unsupportedPlatforms(spec: PackageSpec): string | undefined {
  const option = /^UnsupportedPlatforms:[ \t]*(.*)$/m.exec(spec.bbsOptions ?? "")?.[1]?.trim() ?? "";
  const unix = spec.osType?.toLowerCase().includes("unix") === true;
  if (!unix) return option === "" ? undefined : option;
  if (option === "") return "win";
  return option
    .split(",")
    .map((entry) => entry.trim())
    .includes("win")
    ? option
    : `${option}, win`;
}

/**
 * The meat index, skipped index and gitlog files for `scenario`.
 * `authorsRMaintainer` gives the maintainer R derives from a spec's Authors@R
 * (the test asks R); `repos` the facts of each package's repo.
 */
export function goldenFiles(
  scenario: Scenario,
  repos: ReadonlyMap<string, RepoFacts>,
  options: { branch: string; snapshot: Date; authorsRMaintainer: (spec: PackageSpec) => string },
): GoldenFiles {
  let meatIndex = "";
  let skippedIndex = "";
  const indexed: string[] = [];
  const skipped: string[] = [];
  for (const pkg of scenario.packages) {
    const { spec } = pkg;
    const skip = (): void => {
      skippedIndex += `Package: ${pkg.name}\n\n`;
      skipped.push(pkg.name);
    };
    if (spec === undefined || !repos.has(pkg.name)) {
      skip(); // no repo: no DESCRIPTION in MEAT0
      continue;
    }
    if (spec.behaviour === "malformed-description" || descriptionPackageName(spec) !== pkg.name) {
      skip();
      continue;
    }
    const version = descriptionVersion(spec);
    if (!VALID_VERSION.test(version) || spec.noMaintainer === true) {
      skip();
      continue;
    }
    const maintainer =
      spec.authorsR !== undefined
        ? options.authorsRMaintainer(spec)
        : (spec.maintainer ?? defaultMaintainer(spec.name));
    const split = MAINTAINER.exec(maintainer);
    if (split === null) {
      skip();
      continue;
    }
    meatIndex += `Package: ${pkg.name}\nVersion: ${version}\nMaintainer: ${split[1]}\nMaintainerEmail: ${split[2]}\n`;
    if (spec.packageStatus !== undefined) meatIndex += `PackageStatus: ${spec.packageStatus}\n`;
    const unsupported = unsupportedPlatforms(spec);
    if (unsupported !== undefined) meatIndex += `UnsupportedPlatforms: ${unsupported}\n`;
    meatIndex += "\n";
    indexed.push(pkg.name);
  }
  const gitlog = new Map<string, string>([
    ["git-log.dcf", `Snapshot Date: ${newYorkWinterDate(options.snapshot, false)}\n`],
  ]);
  for (const name of [...indexed, ...skipped]) {
    const repo = repos.get(name);
    if (repo === undefined) continue;
    gitlog.set(
      `git-log-${name}.dcf`,
      `git_url: ${repo.url}\ngit_branch: ${options.branch}\ngit_last_commit: ${repo.shortSha}\ngit_last_commit_date: ${newYorkWinterDate(repo.date)}\n`,
    );
  }
  return { meatIndex, skippedIndex, gitlog, indexed, skipped };
}
