// The meat index (docs/bbs-rules.md#meat-index-rules): each manifest package's clone in MEAT0 is
// added to meat-index.dcf, skipped (skipped-index.dcf: "Bad DESCRIPTION
// file" on the report) or, in bioc-longtests builds, ignored.
//
// Skipped, in BBS's order of checks: no DESCRIPTION; DESCRIPTION not DCF (BBS's
// parser: `#` lines are comments, records merged); no Package; Package is not
// the directory name; no Version; Version not `^[0-9]+([.-][0-9]+)*$`; no
// maintainer (Maintainer, else Authors@R evaluated by R); no `<email>` in it
// (except cran builds). bbs adds reasons BBS never had: the package's git
// clone or update failed (BBS aborted), and a DESCRIPTION that starts with a
// UTF-8 byte-order mark (BBS indexed it; R cannot read its Package field, so
// it reached the target repo's tarballs but not PACKAGES, and every node NA), and
// a DESCRIPTION that is a symbolic link or a file linking out of the clone
// (BBS followed them: the central node read and packed files of its own).

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { BuildType } from "../../config/schema.js";
import { readBbsOptions, runsLongTests, unsupportedPlatformsOption } from "../../rpkg/bbsoptions.js";
import { mergeDcfRecords, parseDcf } from "../../rpkg/dcf.js";
import { isBbsValidVersion, splitMaintainer } from "../../rpkg/description.js";
import type { MeatIndexRecord } from "../../rpkg/meat-index.js";
import { mergeOsType } from "../../rpkg/support.js";
import { errorMessage } from "../../util/errors.js";
import { evaluateMaintainers, type MaintainerResult } from "./maintainer-r.js";
import { unsafeLinkReason } from "./package-links.js";
import type { PackageSource, SkipReason } from "./state.js";

export interface SkippedPackage {
  package: string;
  reason: SkipReason;
  message: string;
}

export interface MeatIndex {
  /** meat-index.dcf records, in manifest order. */
  records: MeatIndexRecord[];
  /** skipped-index.dcf entries, in manifest order. */
  skipped: SkippedPackage[];
  /** bioc-longtests: packages without `RunLongTests: TRUE`. */
  ignored: string[];
}

export interface BuildMeatIndexOptions {
  /** Manifest packages, in order. */
  packages: readonly string[];
  /** The sources step's record of each package (a failed one is skipped). */
  sources: ReadonlyMap<string, PackageSource>;
  meat0Dir: string;
  buildType: BuildType;
  rscript: string;
}

type Classified =
  | { kind: "skipped"; entry: SkippedPackage }
  | { kind: "ignored" }
  | {
      kind: "added";
      base: Omit<MeatIndexRecord, "maintainer" | "maintainerEmail">;
      maintainer: string | undefined;
      descriptionPath: string;
    };

/** Classifies every package; maintainers that need R are evaluated in one batch. */
export async function buildMeatIndex(options: BuildMeatIndexOptions): Promise<MeatIndex> {
  const classified = options.packages.map((name) => classify(name, options));
  const needR = classified.flatMap((c) =>
    c.kind === "added" && c.maintainer === undefined ? [c.descriptionPath] : [],
  );
  const evaluated = await evaluateMaintainers(needR, { rscript: options.rscript });
  const index: MeatIndex = { records: [], skipped: [], ignored: [] };
  classified.forEach((c, position) => {
    const name = options.packages[position]!;
    if (c.kind === "ignored") index.ignored.push(name);
    else if (c.kind === "skipped") index.skipped.push(c.entry);
    else {
      const maintainer: MaintainerResult =
        c.maintainer !== undefined
          ? { ok: true, maintainer: c.maintainer }
          : (evaluated.get(c.descriptionPath) ?? { ok: false, reason: "R gave no result" });
      const outcome = withMaintainer(name, c.base, maintainer, options.buildType);
      if ("reason" in outcome) index.skipped.push(outcome);
      else index.records.push(outcome);
    }
  });
  return index;
}

function skip(name: string, reason: SkipReason, message: string): Classified {
  return { kind: "skipped", entry: { package: name, reason, message } };
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function bomMessage(name: string): string {
  return (
    `Invalid DESCRIPTION file: '${name}/DESCRIPTION' starts with a UTF-8 byte-order mark, which R does not read ` +
    `(R CMD build: "invalid 'Package' field"; R CMD INSTALL: "no 'Package' field"); save it as UTF-8 without a BOM`
  );
}

function classify(name: string, options: BuildMeatIndexOptions): Classified {
  const source = options.sources.get(name);
  if (source === undefined || source.status === "failed") {
    return skip(
      name,
      "git-failed",
      `git clone or update failed: ${source?.reason ?? "the package is not in the sources step's snapshot"}`,
    );
  }
  const dir = join(options.meat0Dir, name);
  // Before anything reads the clone: a link must never make prerun read (and quote) a file outside the package.
  const unsafe = unsafeLinkReason(name, dir);
  if (unsafe !== undefined) return skip(name, "unsafe-link", `Invalid package source: ${unsafe}`);
  if (options.buildType === "bioc-longtests" && !runsLongTests(readBbsOptions(dir))) return { kind: "ignored" };
  const descriptionPath = join(dir, "DESCRIPTION");
  if (!existsSync(descriptionPath)) return skip(name, "no-description", `Missing DESCRIPTION file in '${name}/'`);
  let fields: ReadonlyMap<string, string>;
  try {
    const bytes = readFileSync(descriptionPath);
    // R reads a byte-order mark as part of the first field's name: for R the package has no
    // Package field (R CMD build: "invalid 'Package' field"), so it cannot be built anywhere.
    if (bytes.subarray(0, 3).equals(UTF8_BOM)) return skip(name, "bad-description", bomMessage(name));
    // BBS's own parser: comment lines, continuation joined with a space, records merged.
    fields = mergeDcfRecords(
      parseDcf(bytes, { source: `${name}/DESCRIPTION`, comments: true, continuation: "space" }),
    ).fields;
  } catch (error) {
    return skip(name, "bad-description", `Invalid DESCRIPTION file: ${errorMessage(error)}`);
  }
  const packageField = fields.get("Package");
  if (packageField === undefined)
    return skip(name, "no-package-field", `Field 'Package' not found in '${name}/DESCRIPTION'`);
  if (packageField !== name)
    return skip(name, "package-mismatch", `Unexpected 'Package: ${packageField}' in '${name}/DESCRIPTION'`);
  const version = fields.get("Version");
  if (version === undefined) return skip(name, "no-version", `Field 'Version' not found in '${name}/DESCRIPTION'`);
  if (!isBbsValidVersion(version))
    return skip(name, "invalid-version", `Invalid 'Version: ${version}' in '${name}/DESCRIPTION'`);
  const bbsOptions = readBbsOptions(dir);
  const base: Omit<MeatIndexRecord, "maintainer" | "maintainerEmail"> = { package: name, version };
  const packageStatus = fields.get("PackageStatus");
  if (packageStatus !== undefined) base.packageStatus = packageStatus;
  const unsupported = mergeOsType(unsupportedPlatformsOption(bbsOptions), fields.get("OS_type"));
  if (unsupported !== undefined) base.unsupportedPlatforms = unsupported;
  // getMaintainer.R returns the Maintainer field when there is one; only Authors@R needs R.
  const maintainer = fields.get("Maintainer");
  if (maintainer === undefined && !fields.has("Authors@R")) {
    return skip(
      name,
      "no-maintainer",
      `Failed to extract Maintainer information from '${name}/DESCRIPTION': no Maintainer and no Authors@R field`,
    );
  }
  return { kind: "added", base, maintainer, descriptionPath };
}

function withMaintainer(
  name: string,
  base: Omit<MeatIndexRecord, "maintainer" | "maintainerEmail">,
  result: MaintainerResult,
  buildType: BuildType,
): MeatIndexRecord | SkippedPackage {
  const where = `'${name}/DESCRIPTION'`;
  if (!result.ok || result.maintainer.trim() === "") {
    const why = result.ok ? "the Maintainer field is empty" : result.reason;
    return {
      package: name,
      reason: "no-maintainer",
      message: `Failed to extract Maintainer information from ${where}: ${why}`,
    };
  }
  if (buildType === "cran") return { ...base, maintainer: result.maintainer.replace(/\s+/g, " ").trim() };
  const { name: maintainerName, email } = splitMaintainer(result.maintainer);
  if (email === undefined) {
    return {
      package: name,
      reason: "no-maintainer-email",
      message: `Failed to extract Maintainer email from ${where}: "${maintainerName}" has no <email> part`,
    };
  }
  return { ...base, maintainer: maintainerName, maintainerEmail: email };
}
