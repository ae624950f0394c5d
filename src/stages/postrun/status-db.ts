// stage6a: BUILD_STATUS_DB.txt (docs/formats.md#build_status_dbtxt). For each meat-index package
// (case-insensitive order; skipped-index packages get no line), each
// non-foreign report node supporting it, and each of that node's stages
// (install unless bioc-longtests, buildsrc, checksrc unless workflows,
// buildbin on `:bin` nodes): the summary's Status, `skipped` for CHECK and
// BUILD BIN after a failed BUILD, `NA` when there is no summary (an absent or
// late node has all its cells NA).

import { join } from "node:path";
import type { RunResults } from "../../results/collect.js";
import { formatBuildStatusDb, type BuildStatusLine } from "../../results/status-db.js";
import { BUILD_STATUS_DB_FILE } from "../../layout/central.js";
import { writeFileAtomic } from "../../util/fs.js";

export interface StatusDbOutcome {
  lines: BuildStatusLine[];
  /** Summaries that exist but could not be read (their cells are NA). */
  problems: Array<{ package: string; node: string; stage: string; problem: string }>;
}

export function buildStatusLines(results: RunResults): StatusDbOutcome {
  const lines: BuildStatusLine[] = [];
  const problems: StatusDbOutcome["problems"] = [];
  for (const entry of results.packages) {
    if (entry.record === undefined) continue;
    for (const node of results.nodes) {
      if (node.foreign || !results.isSupported(entry.name, node.id)) continue;
      for (const stage of node.stages) {
        const cell = results.cell(entry.name, node.id, stage);
        if (cell?.problem !== undefined)
          problems.push({ package: entry.name, node: node.id, stage, problem: cell.problem });
        lines.push({ package: entry.name, node: node.id, stage, status: cell?.status ?? "NA" });
      }
    }
  }
  return { lines, problems };
}

/** Writes `<run dir>/BUILD_STATUS_DB.txt` atomically. */
export function writeBuildStatusDb(runDir: string, results: RunResults): StatusDbOutcome {
  const outcome = buildStatusLines(results);
  writeFileAtomic(join(runDir, BUILD_STATUS_DB_FILE), formatBuildStatusDb(outcome.lines));
  return outcome;
}
