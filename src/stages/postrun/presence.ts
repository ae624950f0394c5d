// Whether each report node delivered its results, and since when a node that
// did not has been missing: the current run's products-in (src/results'
// nodePresence) plus the central history of the earlier runs (one results
// run per node and run, whose state says whether the node had finished).

import type { HistoryStore } from "../../history/store.js";
import { RESULTS_RUN_KIND, parseResultsRunId, resultsRunId } from "../../results/history.js";
import type { NodePresence, RunResults } from "../../results/collect.js";
import type { NodeRecord, RunRef } from "../../results/postrun-state.js";
import type { RunMeta } from "../../results/run-dir.js";
import { nodeProductsDir, END_OF_RUN_FILE } from "../../layout/central.js";

/** The presence record of every non-foreign report node of `results`. */
export function nodeRecords(results: RunResults, run: RunMeta, history: HistoryStore | undefined): NodeRecord[] {
  const records: NodeRecord[] = [];
  for (const node of results.nodes) {
    const presence = results.presence.get(node.id);
    if (node.foreign || presence === undefined) continue;
    records.push(nodeRecord(node.id, presence, run, history));
  }
  return records;
}

function nodeRecord(
  nodeId: string,
  presence: NodePresence,
  run: RunMeta,
  history: HistoryStore | undefined,
): NodeRecord {
  const record: NodeRecord = {
    id: nodeId,
    state: presence.state,
    ...(presence.lastActivity === undefined ? {} : { lastActivity: presence.lastActivity.toISOString() }),
    ...(presence.finishedAt === undefined ? {} : { finishedAt: presence.finishedAt.toISOString() }),
  };
  let since: RunRef | undefined =
    presence.state === "finished" ? undefined : { runId: run.runId, at: run.snapshotTime.toISOString() };
  const current = resultsRunId(run.runId, nodeId);
  // Earlier runs of this node, newest first.
  const earlier = (history?.runs({ node: nodeId, kind: RESULTS_RUN_KIND }) ?? []).filter(
    (row) => row.runId !== current && row.startedAt.getTime() < run.snapshotTime.getTime(),
  );
  for (const row of earlier) {
    const ref: RunRef = { runId: parseResultsRunId(row.runId)?.runId ?? row.runId, at: row.startedAt.toISOString() };
    if (row.state === "finished") {
      record.lastFinishedRun = ref;
      break;
    }
    if (since !== undefined) since = ref;
  }
  if (since !== undefined) record.notFinishedSince = since;
  return record;
}

/** A sentence about a node that did not finish, for logs and alerts. */
export function describeMissingNode(record: NodeRecord): string {
  const what =
    record.state === "absent"
      ? `node ${record.id} is absent: nothing under ${nodeProductsDir(record.id)}/`
      : `node ${record.id} has not finished: no ${END_OF_RUN_FILE}${record.lastActivity === undefined ? "" : `, last delivery ${record.lastActivity}`}`;
  const since =
    record.notFinishedSince === undefined
      ? ""
      : record.lastFinishedRun === undefined
        ? `; not finished since run ${record.notFinishedSince.runId} (no finished run in the central history)`
        : `; not finished since run ${record.notFinishedSince.runId}, last finished run ${record.lastFinishedRun.runId}`;
  return `${what}${since}`;
}
