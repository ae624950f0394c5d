// stage6c: PROPAGATION_STATUS_DB.txt (docs/formats.md#propagation_status_dbtxt,
// docs/bbs-rules.md#propagation-decision), computed in TypeScript. For each OUTGOING/<type> subdirectory,
// in BBS's type order (source, win.binary, mac.binary.big-sur-x86_64,
// mac.binary.big-sur-arm64, then others), its PACKAGES index is compared with
// the published set: the final repository's contrib directory for the type
// plus the non-target repositories' src/contrib (source even for binaries, as
// BBS), as the central node's R available.packages() sees them (repo-index.ts:
// PACKAGES.rds first, R's default filters). Binary types may depend on source packages that need no compilation:
// the published source set plus this run's approved source packages.
//
// Unlike BBS, the file is written once complete (BBS filled it type by type,
// so a partial or empty DB could be read or left behind), and an empty
// OUTGOING subdirectory gives no lines instead of an R error.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ResolvedConfig } from "../../config/load.js";
import type { PkgType } from "../../config/schema.js";
import { contribPath, indexTypeOf, isPkgType, sortPkgTypes } from "../../rpkg/repository.js";
import { formatPropagationDb, type PropagationLine } from "../../results/status-db.js";
import { PROPAGATION_STATUS_DB_FILE } from "../../layout/central.js";
import { parseDcf } from "../../rpkg/dcf.js";
import { writePackagesIndex } from "../../rpkg/packages-index.js";
import { BbsError } from "../../util/errors.js";
import { writeFileAtomic } from "../../util/fs.js";
import { OUTGOING_DIR } from "../../layout/central.js";
import { computePropagationStatuses, type AvailablePackage, type OutgoingPackage } from "./propagation-status.js";
import {
  assertRepositoryUrl,
  finalRepoUrl,
  nonTargetRepoUrls,
  readPublishedRepositories,
  type ContribSource,
} from "./repo-index.js";

export interface PropagationTypeReport {
  pkgType: PkgType;
  yes: number;
  no: number;
  unneeded: number;
}

export interface PropagationDbReport {
  types: PropagationTypeReport[];
  lines: PropagationLine[];
  /** Repositories without an index (read as empty, as R does). */
  missingIndexes: string[];
}

export interface PropagationDbInput {
  runDir: string;
  config: ResolvedConfig;
  log?: (message: string) => void;
}

/** The OUTGOING type subdirectories present, in BBS's order. */
export function outgoingTypes(outgoingDir: string): PkgType[] {
  return sortPkgTypes(
    readdirSync(outgoingDir).filter(
      (name): name is PkgType => isPkgType(name) && statSync(join(outgoingDir, name)).isDirectory(),
    ),
  );
}

/** Reads OUTGOING/<type>/PACKAGES, writing it first when absent (as BBS's stage6c runs write_PACKAGES). */
export async function readOutgoingPackages(dir: string, pkgType: PkgType): Promise<OutgoingPackage[]> {
  const path = join(dir, "PACKAGES");
  if (!existsSync(path)) await writePackagesIndex(dir, { type: indexTypeOf(pkgType) });
  const records = parseDcf(readFileSync(path), { source: path }).map((record) => record.fields);
  return records.flatMap((fields) => {
    const name = fields.get("Package");
    const version = fields.get("Version");
    if (name === undefined || version === undefined) return [];
    const pick = (field: string): Record<string, string> => {
      const value = fields.get(field);
      return value === undefined
        ? {}
        : { [field === "LinkingTo" ? "linkingTo" : field.charAt(0).toLowerCase() + field.slice(1)]: value };
    };
    return [
      {
        package: name,
        version,
        ...pick("Depends"),
        ...pick("Imports"),
        ...pick("LinkingTo"),
        ...(pkgType === "source" ? pick("NeedsCompilation") : {}),
      },
    ];
  });
}

export async function makePropagationDb(input: PropagationDbInput): Promise<PropagationDbReport> {
  const { config, runDir } = input;
  const log = input.log ?? (() => undefined);
  const outgoingDir = join(runDir, OUTGOING_DIR);
  if (!existsSync(outgoingDir)) {
    throw new BbsError("BBS_PRECONDITION", `${outgoingDir} does not exist`, {
      hint: "run `bbs postrun --only outgoing` first",
    });
  }
  const configured = config.values["propagation.finalRepo"];
  if (configured === undefined || configured.trim() === "") {
    throw new BbsError(
      "BBS_CONFIG_INVALID",
      "propagation.finalRepo is not set, so the propagation DB cannot compare versions",
      {
        hint: "set propagation.finalRepo in global.yaml to the published repository (file:///... or https://...)",
      },
    );
  }
  const finalRepo = finalRepoUrl(configured.trim());
  const nonTarget = nonTargetRepoUrls(config.values.nonTargetRepos, config.values.biocVersion);
  const rVersion = config.values["propagation.rVersion"];
  assertRepositoryUrl(finalRepo, "propagation.finalRepo");
  for (const url of nonTarget) assertRepositoryUrl(url, "nonTargetRepos");
  const report: PropagationDbReport = { types: [], lines: [], missingIndexes: [] };
  const types = outgoingTypes(outgoingDir);
  const nonTargetSources: ContribSource[] = nonTarget.map((repoUrl) => ({
    repoUrl,
    contribPath: "src/contrib",
    key: "nonTargetRepos",
  }));
  const sourcesOf = (pkgType: PkgType): ContribSource[] => [
    { repoUrl: finalRepo, contribPath: contribPath(pkgType, rVersion), key: "propagation.finalRepo" },
    ...nonTargetSources,
  ];
  // Binaries fall back on source packages: the final repository's and the non-target ones (src/contrib).
  const published = await readPublishedRepositories(
    [...types.flatMap(sourcesOf), ...(types.some((t) => t !== "source") ? sourcesOf("source") : [])],
    { rscript: config.values["r.rscriptCmd"] },
  );
  for (const where of published.missing) {
    report.missingIndexes.push(where);
    log(`no PACKAGES index at ${where}: read as an empty repository`);
  }
  for (const problem of published.unreadable) log(`R could not read ${problem}: PACKAGES read instead`);
  log(
    `published repositories read as R ${published.platform.version} (${published.platform.osType}) sees them with available.packages()`,
  );
  let publishedSources: AvailablePackage[] | undefined;
  const publishedSourcePackages = (): AvailablePackage[] =>
    (publishedSources ??= published.available(sourcesOf("source")));
  // Source packages binaries may fall back on (set after the source type, fetched lazily without one).
  let sourceFallback: AvailablePackage[] | undefined;

  for (const pkgType of types) {
    const outgoing = await readOutgoingPackages(join(outgoingDir, pkgType), pkgType);
    const publishedOfType = pkgType === "source" ? publishedSourcePackages() : published.available(sourcesOf(pkgType));
    if (pkgType !== "source") sourceFallback ??= publishedSourcePackages();
    const statuses = computePropagationStatuses(
      outgoing,
      publishedOfType,
      pkgType === "source" ? {} : { sourcePackages: sourceFallback ?? [] },
    );
    if (pkgType === "source") {
      const approved = new Map(
        outgoing.filter((_, index) => statuses[index]!.approved).map((pkg) => [pkg.package, pkg] as const),
      );
      sourceFallback = [
        ...publishedOfType.filter((pkg) => !approved.has(pkg.package)),
        ...[...approved.values()].map((pkg) => ({
          package: pkg.package,
          version: pkg.version,
          ...(pkg.needsCompilation === undefined ? {} : { needsCompilation: pkg.needsCompilation }),
        })),
      ];
    }
    const typeReport: PropagationTypeReport = { pkgType, yes: 0, no: 0, unneeded: 0 };
    for (const status of statuses) {
      report.lines.push({ package: status.package, pkgType, explanation: status.explanation });
      if (status.explanation.startsWith("YES")) typeReport.yes += 1;
      else if (status.explanation.startsWith("NO")) typeReport.no += 1;
      else typeReport.unneeded += 1;
    }
    report.types.push(typeReport);
    log(
      `${pkgType}: ${outgoing.length} package(s): ${typeReport.yes} YES, ${typeReport.no} NO, ${typeReport.unneeded} UNNEEDED`,
    );
  }
  writeFileAtomic(join(runDir, PROPAGATION_STATUS_DB_FILE), formatPropagationDb(report.lines));
  return report;
}
