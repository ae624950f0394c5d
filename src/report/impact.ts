// "Impact of a change" in the report (src/results/impact.ts computes it):
// for each package whose status on a node is worse than in its last good
// run, the package page says since when and what changed in between
// (`first failing tonight (ERROR; OK in run ...); changed since the last good
// run: pkgDep 1a2b3c4..5d6e7f8; its own code: none`), and report.json carries
// it as data (docs/report-json.md#impact).

import type { HistoryStore } from "../history/store.js";
import type { NodePresence, ResultNode, RunResults } from "../results/collect.js";
import { computeImpacts, describeImpact, type InputChange, type PackageImpact } from "../results/impact.js";
import { nodePackagesReader } from "../results/package-inputs.js";
import type { MeatIndexRecord } from "../rpkg/meat-index.js";
import { errorMessage } from "../util/errors.js";

/** Every impact of the run, by package; empty when there is no history to compare with. */
export function runImpacts(
  store: HistoryStore,
  results: RunResults,
  nodes: ReadonlyArray<ResultNode & { presence?: NodePresence }>,
  run: { runId?: string; snapshotTime?: Date },
  warn: (message: string) => void,
): Map<string, PackageImpact[]> {
  const byPackage = new Map<string, PackageImpact[]>();
  if (run.runId === undefined) return byPackage;
  const reporting = nodes.filter((node) => !node.foreign && node.presence?.state !== "absent");
  const statuses = new Map<string, Map<string, string[]>>();
  const records: MeatIndexRecord[] = [];
  for (const entry of results.packages) {
    if (entry.record === undefined) continue;
    records.push(entry.record);
    const perNode = new Map<string, string[]>();
    for (const node of reporting) {
      const cells = node.stages.flatMap((stage) => results.cell(entry.name, node.id, stage)?.status ?? []);
      if (cells.length > 0) perNode.set(node.id, cells);
    }
    if (perNode.size > 0) statuses.set(entry.name, perNode);
  }
  try {
    const impacts = computeImpacts({
      store,
      runId: run.runId,
      ...(run.snapshotTime === undefined ? {} : { snapshotTime: run.snapshotTime }),
      statuses,
      tonight: nodePackagesReader(results.runDir, records, warn),
    });
    for (const impact of impacts) byPackage.set(impact.package, [...(byPackage.get(impact.package) ?? []), impact]);
  } catch (error) {
    warn(`the impact of changes is not shown: ${errorMessage(error)}`);
  }
  return byPackage;
}

function changeJson(change: InputChange): object {
  return {
    package: change.package,
    source: change.source,
    kind: change.kind,
    fromCommit: change.fromCommit,
    toCommit: change.toCommit,
    commitRange:
      change.fromCommit !== null && change.toCommit !== null && change.fromCommit !== change.toCommit
        ? `${change.fromCommit}..${change.toCommit}`
        : null,
    fromVersion: change.fromVersion,
    toVersion: change.toVersion,
  };
}

/** report.json's `impact` entries of a package (docs/report-json.md#impact). */
export function impactJson(impacts: readonly PackageImpact[]): object[] {
  return impacts.map((impact) => ({
    node: impact.node,
    status: impact.status,
    firstBad: { runId: impact.firstBad.runId, tonight: impact.firstBadTonight, status: impact.firstBad.status },
    lastGood: {
      runId: impact.lastGood.runId,
      startedAt: impact.lastGood.startedAt.toISOString(),
      status: impact.lastGood.status,
    },
    known: impact.diff !== undefined,
    own: impact.diff?.own ? changeJson(impact.diff.own) : null,
    dependencies: impact.diff?.dependencies.map(changeJson) ?? [],
    text: describeImpact(impact),
  }));
}
