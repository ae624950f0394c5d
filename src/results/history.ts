// How a run's results live in the central history (the central node's
// historyDb): postrun imports, for every report node, one run row of kind
// `postrun` whose id is `<run id>@<node>` (the runs table is keyed by run id
// alone, and the central node's own `bbs run` may use the plain run id), and
// one job row per cell that has a result (NA cells have none). The report
// asks HistoryStore with `{ kind: RESULTS_RUN_KIND }`: packageStatuses,
// failingSince, fixedSince, newProblems(resultsRunId(runId, node)).

import { RESULTS_RUN_KIND } from "../history/store.js";

export { RESULTS_RUN_KIND };

/** The history's run id of one node's results in a build run. */
export function resultsRunId(runId: string, nodeId: string): string {
  return `${runId}@${nodeId}`;
}

/** The build run id and node of a results run id (`<run id>@<node>`); undefined for any other id. */
export function parseResultsRunId(historyRunId: string): { runId: string; nodeId: string } | undefined {
  const at = historyRunId.lastIndexOf("@");
  if (at <= 0 || at === historyRunId.length - 1) return undefined;
  return { runId: historyRunId.slice(0, at), nodeId: historyRunId.slice(at + 1) };
}
