// Publishing the report to `report.publishDest` (BBS: rsync without --delete
// onto the web server, so stale pages lingered and readers could see a mix of
// two reports). First, as postrun.sh did, the report is archived into itself
// as `report.tgz` (a tarball of the `<report dir name>/` tree). A published
// report is complete:
// - a local directory is replaced whole: the report is copied next to it,
//   then switched in with renames;
// - an rsync target gets two passes: every file except the index pages
//   first, then everything with --delete, so the index pages, which point
//   into the rest, change last and stale pages go.

import { mkdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join, posix } from "node:path";
import type { ResolvedConfig } from "../../config/load.js";
import { destinationTransport, parseDestination, type Destination } from "../../transport/index.js";
import { BbsError } from "../../util/errors.js";
import { removeLeftoversInBackground, swapDirectoryInBackground } from "../../util/background-removal.js";
import { temporaryPathFor } from "../../util/fs.js";
import { runTool } from "../../util/tool.js";
import { removeStaleStaging, stagingPathFor } from "./directories.js";

export const REPORT_ARCHIVE = "report.tgz";

const KEY = "report.publishDest";

/** Entry pages, sent last by the rsync publication (rsync patterns: `/x` is top level, `x` any depth). */
export const INDEX_PAGES = ["index.html", "/long-report.html", "/*-index.html", "/report.json"] as const;

export interface PublishOutcome {
  destination: string;
  kind: Destination["kind"];
  /** Files written at the destination, in the order of the passes (rsync target: index pages only in the last). */
  passes: string[][];
  /** Files written at the destination. */
  transferred: number;
  /** Files deleted at the destination (rsync target: pages of the previous report that are gone). */
  deleted: number;
}

/** The transport root and the name of the published directory under it (its parent, so the directory itself can be replaced). */
function split(destination: Destination): { parent: string; name: string } {
  const path = destination.path.replace(/\/+$/, "");
  const paths = destination.kind === "remote" ? posix : { dirname, basename };
  return { parent: paths.dirname(path), name: paths.basename(path) };
}

/**
 * Writes `<reportDir>/report.tgz`: the report directory as a gzip tarball
 * whose entries start with its name (BBS: `tar zcf report.tgz report`), the
 * previous archive left out. Written beside the directory (tar would see a
 * file growing inside the tree it reads), then renamed in.
 */
export async function archiveReport(reportDir: string): Promise<void> {
  const temporary = temporaryPathFor(`${reportDir}.${REPORT_ARCHIVE}`);
  const name = basename(reportDir);
  try {
    const result = await runTool(
      "tar",
      ["czf", temporary, `--exclude=${name}/${REPORT_ARCHIVE}`, "-C", dirname(reportDir), name],
      { timeoutMs: 3_600_000 },
    );
    if (result.exitCode !== 0) {
      throw new BbsError(
        "BBS_COMMAND_FAILED",
        `tar could not archive ${reportDir}: ${result.spawnError ?? result.stderr.trim()}`,
        {
          hint: "check the free space and the permissions of the report directory",
        },
      );
    }
    renameSync(temporary, join(reportDir, REPORT_ARCHIVE));
  } finally {
    rmSync(temporary, { force: true });
  }
}

export async function publishReport(
  reportDir: string,
  config: ResolvedConfig,
  destinationText: string,
): Promise<PublishOutcome> {
  const destination = parseDestination(destinationText, KEY);
  const { parent, name } = split(destination);
  if (destination.kind === "local") {
    mkdirSync(parent, { recursive: true });
    const finalDir = `${parent}/${name}`;
    removeStaleStaging(finalDir);
    removeLeftoversInBackground(finalDir);
    const staging = stagingPathFor(finalDir);
    const transport = destinationTransport(parent, KEY, config);
    const result = await transport.put(reportDir, basename(staging));
    // The published report of yesterday is deleted in the background, as the report's own directory.
    swapDirectoryInBackground(staging, finalDir);
    return {
      destination: finalDir,
      kind: "local",
      passes: [result.transferred],
      transferred: result.transferred.length,
      deleted: 0,
    };
  }
  const login = destination.user === undefined ? destination.host : `${destination.user}@${destination.host}`;
  const transport = destinationTransport(`${login}:${parent}`, KEY, config);
  const files = await transport.put(reportDir, name, { exclude: INDEX_PAGES });
  const pages = await transport.put(reportDir, name, { delete: true });
  return {
    destination: transport.location(name),
    kind: "remote",
    passes: [files.transferred, pages.transferred],
    transferred: files.transferred.length + pages.transferred.length,
    deleted: pages.deleted.length,
  };
}
