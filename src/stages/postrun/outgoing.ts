// stage6b: OUTGOING (docs/formats.md#outgoing). For each element
// `pkgType: node/stage` of the `outgoing` map, in map order, OUTGOING/<pkgType>/
// receives hard links to `products-in/<node>/<stage>/<pkg>_<version>.<ext>` for
// every meat-index package supported on that node and not blocked by its
// results there (blocking.ts); the version is the central meat index's, the
// extension the node's pkgType's. The source element also fills
// OUTGOING/manuals/<pkg>.pdf from the node's `<pkg>.Rcheck/<pkg>-manual.pdf`
// (not for workflows and books), and each subdirectory gets its PACKAGES index.
//
// Unlike BBS: the node of every element comes from parsing the map (BBS's
// character-set strip turned `lconway` into `nway`), a missing node directory
// is reported (an alert) and leaves that type empty instead of stopping
// postrun, and the tree is assembled beside OUTGOING and switched in whole.

import { existsSync, lstatSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { ResolvedConfig } from "../../config/load.js";
import { parseOutgoing, type OutgoingSource } from "../../config/nodes.js";
import { pkgTypeExtension, type PkgType } from "../../config/schema.js";
import { nodeIdentityOf, type RunResults } from "../../results/collect.js";
import type { Stage } from "../../layout/stages.js";
import { sortCaseInsensitively } from "../../rpkg/meat-index.js";
import { indexTypeOf } from "../../rpkg/repository.js";
import { writePackagesIndex } from "../../rpkg/packages-index.js";
import { isSupportedOn } from "../../rpkg/support.js";
import { BbsError } from "../../util/errors.js";
import { blockReason } from "./blocking.js";
import { linkOrCopy, swapDirectory, writeFileAtomic } from "../../util/fs.js";
import { removeStaleStaging, stagingPathFor } from "./directories.js";
import {
  OUTGOING_DIR,
  OUTGOING_MANUALS_DIR,
  OUTGOING_REPORT_FILE,
  stageProductsDir,
  rcheckDirName,
  manualFileName,
} from "../../layout/central.js";

export type OutgoingNodeState = "present" | "absent" | "no-host-file";

export interface OutgoingTypeReport {
  pkgType: PkgType;
  nodeId: string;
  stage: string;
  /** `absent`: products-in/<node>/<stage> does not exist; `no-host-file`: the node has no configuration. */
  nodeState: OutgoingNodeState;
  /** Package files placed in OUTGOING/<pkgType>/, in package order. */
  files: string[];
  /** Packages kept out by their results on the node. */
  blocked: Array<{ package: string; reason: string }>;
  /** Packages not blocked whose product file is missing (BBS: "SKIPPED"). */
  missing: Array<{ package: string; file: string }>;
  /** Files copied because a hard link was impossible (another filesystem). */
  copied: number;
}

export interface OutgoingReport {
  types: OutgoingTypeReport[];
  /** Manuals placed in OUTGOING/manuals/ (file names). */
  manuals: string[];
}

export interface OutgoingInput {
  runDir: string;
  config: ResolvedConfig;
  hosts: ReadonlyMap<string, ResolvedConfig>;
  /** The run's results, as postrun collected them (the meat index's records, the summaries). */
  results: RunResults;
  /** Progress lines for the log. */
  log?: (message: string) => void;
}

/** The map's elements (invalid ones are reported by `bbs config check`). */
export function outgoingElements(config: ResolvedConfig): OutgoingSource[] {
  return parseOutgoing(config.values.outgoing);
}

/** Builds OUTGOING beside its final place and switches it in; returns what went in. */
export async function makeOutgoing(input: OutgoingInput): Promise<OutgoingReport> {
  const final = join(input.runDir, OUTGOING_DIR);
  const existing = lstatSync(final, { throwIfNoEntry: false });
  if (existing !== undefined && !existing.isDirectory()) {
    throw new BbsError(
      "BBS_PRECONDITION",
      `${final} exists and is not a directory${existing.isSymbolicLink() ? " (a symlink)" : ""}`,
      {
        hint: "move it away; postrun recreates OUTGOING as a directory of the run",
      },
    );
  }
  removeStaleStaging(final);
  const staging = stagingPathFor(final);
  mkdirSync(staging);
  try {
    const report = await fillOutgoing(staging, input);
    writeFileAtomic(join(input.runDir, OUTGOING_REPORT_FILE), `${JSON.stringify(report, null, 2)}\n`);
    swapDirectory(staging, final);
    return report;
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

async function fillOutgoing(staging: string, input: OutgoingInput): Promise<OutgoingReport> {
  const { config, runDir } = input;
  const buildType = config.values.buildType;
  const log = input.log ?? (() => undefined);
  const report: OutgoingReport = { types: [], manuals: [] };
  const records = input.results.packages.flatMap((entry) => (entry.record === undefined ? [] : [entry.record]));
  // The Status of a summary, undefined when it is missing or unreadable (both block).
  const summaryStatus = (nodeId: string, stage: Stage, pkg: string): string | undefined =>
    input.results.recorded(pkg, nodeId, stage).summary?.status;
  const manualsWanted = buildType !== "workflows" && buildType !== "books";
  for (const element of outgoingElements(config)) {
    const typeDir = join(staging, element.pkgType);
    mkdirSync(typeDir);
    const isSource = element.pkgType === "source";
    if (isSource && manualsWanted) mkdirSync(join(staging, OUTGOING_MANUALS_DIR), { recursive: true });
    const typeReport: OutgoingTypeReport = {
      ...element,
      nodeState: "present",
      files: [],
      blocked: [],
      missing: [],
      copied: 0,
    };
    report.types.push(typeReport);
    const host = input.hosts.get(element.nodeId);
    const productsDir = join(runDir, stageProductsDir(element.nodeId, element.stage));
    if (host === undefined) {
      typeReport.nodeState = "no-host-file";
      log(`${element.pkgType}: node ${element.nodeId} has no host file; OUTGOING/${element.pkgType} stays empty`);
      continue;
    }
    if (!existsSync(productsDir)) {
      typeReport.nodeState = "absent";
      log(
        `${element.pkgType}: ${productsDir} does not exist (${element.nodeId} is late or stopped building?); OUTGOING/${element.pkgType} stays empty`,
      );
      continue;
    }
    const nodePkgType = host.values.pkgType;
    const extension = pkgTypeExtension(nodePkgType);
    const identity = nodeIdentityOf(host);
    const supported = sortCaseInsensitively(
      records.filter((record) => isSupportedOn(record.unsupportedPlatforms, identity)),
      (record) => record.package,
    );
    for (const record of supported) {
      const pkg = record.package;
      const reason = blockReason((stage) => summaryStatus(element.nodeId, stage, pkg), buildType, nodePkgType);
      if (reason !== undefined) {
        typeReport.blocked.push({ package: pkg, reason });
        continue;
      }
      const file = `${pkg}_${record.version}.${extension}`;
      const product = join(productsDir, file);
      if (existsSync(product)) {
        if (linkOrCopy(product, join(typeDir, file)) === "copied") typeReport.copied += 1;
        typeReport.files.push(file);
      } else {
        typeReport.missing.push({ package: pkg, file });
        log(`${element.pkgType}: SKIPPED ${pkg} (file ${product} doesn't exist)`);
      }
      if (isSource && manualsWanted) {
        const manual = join(
          runDir,
          stageProductsDir(element.nodeId, "checksrc"),
          rcheckDirName(pkg),
          manualFileName(pkg),
        );
        if (existsSync(manual)) {
          linkOrCopy(manual, join(staging, OUTGOING_MANUALS_DIR, `${pkg}.pdf`));
          report.manuals.push(`${pkg}.pdf`);
        }
      }
    }
    await indexOutgoingDir(typeDir, element.pkgType, typeReport, log);
    log(
      `${element.pkgType} <- ${element.nodeId}/${element.stage}: ${typeReport.files.length} package(s), ` +
        `${typeReport.blocked.length} blocked, ${typeReport.missing.length} product(s) missing`,
    );
  }
  return report;
}

/**
 * PACKAGES (and PACKAGES.gz) of an OUTGOING subdirectory, as stage6c's
 * write_PACKAGES would write it. A file that is not a readable package is
 * taken out of OUTGOING (and reported as blocked): a file without a
 * propagation status would stop `bbs propagate update`.
 */
async function indexOutgoingDir(
  dir: string,
  pkgType: PkgType,
  typeReport: OutgoingTypeReport,
  log: (message: string) => void,
): Promise<void> {
  const { problems } = await writePackagesIndex(dir, { type: indexTypeOf(pkgType) });
  for (const problem of problems) {
    rmSync(join(dir, problem.file), { force: true });
    typeReport.files = typeReport.files.filter((file) => file !== problem.file);
    const pkg = problem.file.split("_")[0] ?? problem.file;
    typeReport.blocked.push({ package: pkg, reason: `not a readable package file: ${problem.message}` });
    log(`${pkgType}: ${problem.file} left out: ${problem.message}`);
  }
}
