// The history step: this run's results, every report node's, go into the
// central node's history (`historyDb`), so the report can show a package's
// statuses over the last runs, "failing since" / "fixed since", and the new
// problems since the previous run (src/results/history.ts says how they are
// stored and asked). Importing a run again (postrun re-run by hand after a
// late node finished) replaces what the first import wrote.

import type { ResolvedConfig } from "../../config/load.js";
import type { HistoryStore, RecordedJob, RunState } from "../../history/store.js";
import type { NodeState, RunResults } from "../../results/collect.js";
import { RESULTS_RUN_KIND, resultsRunId } from "../../results/history.js";
import type { RunMeta } from "../../results/run-dir.js";
import { readNodePackages } from "../../results/package-inputs.js";
import type { MeatIndexRecord } from "../../rpkg/meat-index.js";

export interface HistoryImport {
  /** Results runs written (one per non-foreign report node). */
  runs: number;
  /** Job rows written (cells with a result). */
  jobs: number;
  /** Packages recorded as what the nodes built against (src/history/packages.ts), over all nodes. */
  packages: number;
}

const RUN_STATES: Readonly<Record<NodeState, RunState>> = {
  finished: "finished",
  running: "unfinished",
  absent: "absent",
};

/** The job rows of one node's cells: every cell with a summary, and derived `skipped` cells; NA cells have none. */
export function nodeJobs(results: RunResults, nodeId: string, run: RunMeta): RecordedJob[] {
  const node = results.nodes.find((candidate) => candidate.id === nodeId);
  if (node === undefined || node.foreign) return [];
  const jobs: RecordedJob[] = [];
  for (const entry of results.packages) {
    if (entry.record === undefined) continue;
    for (const stage of node.stages) {
      const cell = results.cell(entry.name, nodeId, stage);
      if (cell === undefined || cell.status === "NA") continue;
      const summary = cell.status === "skipped" ? undefined : cell.summary;
      jobs.push({
        stage,
        package: entry.name,
        status: cell.status,
        version: summary?.version ?? entry.record.version,
        startedAt: summary?.startedAt ?? run.snapshotTime,
        ...(summary?.command === undefined ? {} : { command: summary.command }),
        ...(summary?.endedAt === undefined ? {} : { endedAt: summary.endedAt }),
        ...(summary?.elapsedSeconds === undefined ? {} : { elapsedSeconds: summary.elapsedSeconds }),
        ...(summary === undefined ? {} : { retCode: summary.retCode }),
      });
    }
  }
  return jobs;
}

export function importRunHistory(
  store: HistoryStore,
  results: RunResults,
  run: RunMeta,
  config: ResolvedConfig,
  warn: (message: string) => void = () => {},
): HistoryImport {
  const outcome: HistoryImport = { runs: 0, jobs: 0, packages: 0 };
  const records = results.packages
    .map((entry) => entry.record)
    .filter((record): record is MeatIndexRecord => record !== undefined);
  for (const node of results.nodes) {
    const presence = results.presence.get(node.id);
    if (node.foreign || presence === undefined) continue;
    const jobs = nodeJobs(results, node.id, run);
    store.recordRun(
      {
        runId: resultsRunId(run.runId, node.id),
        node: node.id,
        kind: RESULTS_RUN_KIND,
        startedAt: run.snapshotTime,
        buildType: config.values.buildType,
        biocVersion: config.values.biocVersion,
        host: config.nodeId,
        state: RUN_STATES[presence.state],
        ...(presence.finishedAt === undefined ? {} : { endedAt: presence.finishedAt }),
      },
      jobs,
    );
    // What the node built against: the impact of a change compares it with a later run's.
    const packages = readNodePackages(results.runDir, node.id, records, warn);
    store.recordRunPackages(resultsRunId(run.runId, node.id), packages);
    outcome.packages += packages.length;
    outcome.runs += 1;
    outcome.jobs += jobs.length;
  }
  return outcome;
}
