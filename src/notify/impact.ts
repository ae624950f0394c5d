// The impact of a change in the maintainers' emails: for each package with
// problems on a notify node, what changed since its last good run there
// (src/results/impact.ts), from the central history postrun imported the run
// into. Without a usable history the emails are BBS's, and `bbs notify` says why.

import type { ResolvedConfig } from "../config/load.js";
import { HistoryStore } from "../history/store.js";
import { computeImpacts } from "../results/impact.js";
import { nodePackagesReader } from "../results/package-inputs.js";
import type { RunMeta } from "../results/run-dir.js";
import { buildStatusKey } from "../results/status-db.js";
import { displayedStages } from "../results/status.js";
import type { MeatIndexRecord } from "../rpkg/meat-index.js";
import { errorMessage } from "../util/errors.js";
import type { ProblemScan } from "./messages.js";

export interface ImpactSources {
  config: ResolvedConfig;
  runDir: string;
  run: RunMeta;
  records: readonly MeatIndexRecord[];
  /** BUILD_STATUS_DB.txt: `<pkg>#<node>#<stage>` -> status. */
  statuses: ReadonlyMap<string, string>;
}

/** Sets `impacts` on the scan's packages; returns a line for the operator when the history could not be used. */
export function attachImpacts(scan: ProblemScan, sources: ImpactSources): string | undefined {
  if (scan.packages.length === 0) return undefined;
  const v = sources.config.values;
  const stages = displayedStages(v.buildType);
  const statuses = new Map<string, Map<string, string[]>>();
  for (const pkg of scan.packages) {
    const perNode = new Map<string, string[]>();
    for (const node of v["notify.nodes"]) {
      const cells = stages.flatMap((stage) => sources.statuses.get(buildStatusKey(pkg.package, node, stage)) ?? []);
      if (cells.length > 0) perNode.set(node, cells);
    }
    statuses.set(pkg.package, perNode);
  }
  let store: HistoryStore;
  try {
    store = HistoryStore.open(v.historyDb, { readonly: true });
  } catch (error) {
    return `the emails do not say what changed since the last good run: ${errorMessage(error)}`;
  }
  try {
    const impacts = computeImpacts({
      store,
      runId: sources.run.runId,
      snapshotTime: sources.run.snapshotTime,
      statuses,
      tonight: nodePackagesReader(sources.runDir, sources.records),
    });
    for (const pkg of scan.packages) {
      const own = impacts.filter((impact) => impact.package === pkg.package);
      if (own.length > 0) pkg.impacts = own;
    }
    return undefined;
  } catch (error) {
    return `the emails do not say what changed since the last good run: ${errorMessage(error)}`;
  } finally {
    store.close();
  }
}
