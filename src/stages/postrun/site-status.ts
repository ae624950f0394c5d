// `bbs status` and `bbs postrun --wait`, on the central node: tonight's run,
// each report node as not started / running (progress, ETA) / finished /
// failed / silent since T (its heartbeat and its delivery, results/heartbeat.ts),
// and what postrun would do if it started now. One computation for the
// command, the wait and the report's node table, so they never disagree.

import { existsSync } from "node:fs";
import type { ResolvedConfig } from "../../config/load.js";
import { assertCentralNode, parseReportNodes } from "../../config/nodes.js";
import { nodePresence } from "../../results/collect.js";
import { nodeLiveness, readHeartbeat, type NodeLiveness } from "../../results/heartbeat.js";
import { readPostrunState } from "../../results/postrun-state.js";
import { readRunMeta, resolveRunDir } from "../../results/run-dir.js";
import { MEAT_INDEX_FILE } from "../../layout/central.js";
import { join } from "node:path";

export interface SiteStatus {
  readonly runId: string;
  readonly runDir: string;
  readonly snapshotDate?: string;
  readonly checkedAt: string;
  readonly nodes: readonly NodeLiveness[];
  /** Heartbeat files that could not be read (named, never fatal). */
  readonly problems: readonly string[];
  readonly postrun: {
    /** When postrun last ran on this run (postrun.json), if it did. */
    readonly ranAt?: string;
    /** Report nodes that have not finished: `postrun --wait` waits for them. */
    readonly waitingFor: readonly string[];
    /** One sentence: what `bbs postrun` would do now. */
    readonly now: string;
  };
}

/** The status of the current run (or of `runId`) on the central node. */
export function siteStatus(config: ResolvedConfig, options: { runId?: string; now?: Date } = {}): SiteStatus {
  assertCentralNode(config, "status");
  const now = options.now ?? new Date();
  const runDir = resolveRunDir(config, options.runId);
  const run = readRunMeta(runDir);
  const problems: string[] = [];
  const nodes = parseReportNodes(config.values.reportNodes)
    .filter((node) => !node.foreign)
    .map((node) => {
      const { heartbeat, problem } = readHeartbeat(runDir, node.id);
      if (problem !== undefined) problems.push(problem);
      // A heartbeat of another run (copied by hand) says nothing about this one.
      const own = heartbeat?.runId === run.runId ? heartbeat : undefined;
      return nodeLiveness(node.id, nodePresence(runDir, node.id), own, now, config.values["run.heartbeatInterval"]);
    });
  const waitingFor = nodes.filter((node) => node.state !== "finished").map((node) => node.node);
  const state = readPostrunState(runDir);
  const ranAt = state !== undefined && Object.keys(state.steps).length > 0 ? state.checkedAt : undefined;
  const ready = existsSync(join(runDir, MEAT_INDEX_FILE));
  const nowText = !ready
    ? `nothing yet: prerun has not written ${MEAT_INDEX_FILE} of run ${run.runId}`
    : waitingFor.length === 0
      ? "take in every report node: all have finished"
      : `show ${waitingFor.join(", ")} as NA (not finished) and alert; \`bbs postrun --wait\` waits for ${waitingFor.length === 1 ? "it" : "them"} first`;
  return {
    runId: run.runId,
    runDir,
    ...(run.snapshotDate === undefined ? {} : { snapshotDate: run.snapshotDate }),
    checkedAt: now.toISOString(),
    nodes,
    problems,
    postrun: { ...(ranAt === undefined ? {} : { ranAt }), waitingFor, now: nowText },
  };
}
