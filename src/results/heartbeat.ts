// A builder's heartbeat: `heartbeats/<node>.json` in its run directory on the
// central node (docs/formats.md#heartbeat), rewritten by `bbs run` every
// run.heartbeatInterval seconds and at each stage's end, so the central node
// can tell, without guessing from clock times, whether a node has not started,
// is running (how far, until when), has finished, failed, or has gone silent.
// A node's liveness combines it with what the node delivered (nodePresence).

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { heartbeatPath } from "../layout/central.js";
import type { NodePresence } from "./collect.js";

export const HEARTBEAT_STATES = ["running", "finished", "failed", "interrupted"] as const;

const heartbeatSchema = z.object({
  node: z.string(),
  runId: z.string(),
  state: z.enum(HEARTBEAT_STATES),
  /** Labels of the stages with jobs running or ready (`INSTALL`, `CHECK`...), or what the node does before its jobs. */
  stage: z.string(),
  jobsDone: z.number().int().nonnegative(),
  jobsTotal: z.number().int().nonnegative(),
  startedAt: z.string(),
  updatedAt: z.string(),
  /** Expected end of the run (from recorded durations), while running. */
  eta: z.string().nullable(),
  /** Seconds between two heartbeats: the central node calls a node silent after a few missed ones. */
  intervalSeconds: z.number().positive(),
  host: z.string(),
  pid: z.number().int(),
  /** failed / interrupted: the error, in one line. */
  message: z.string().optional(),
});

export type Heartbeat = z.infer<typeof heartbeatSchema>;

export function formatHeartbeat(heartbeat: Heartbeat): string {
  return `${JSON.stringify(heartbeat, null, 2)}\n`;
}

/** The heartbeat of `node` in `runDir`; undefined when there is none, `problem` when it cannot be read. */
export function readHeartbeat(runDir: string, node: string): { heartbeat?: Heartbeat; problem?: string } {
  const path = join(runDir, heartbeatPath(node));
  if (!existsSync(path)) return {};
  try {
    const parsed = heartbeatSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
    if (parsed.success) return { heartbeat: parsed.data };
    return { problem: `${path} is not a heartbeat: ${parsed.error.issues[0]?.message ?? "invalid"}` };
  } catch (error) {
    return { problem: `${path} cannot be read: ${(error as Error).message}` };
  }
}

/** Missed heartbeats after which a running node counts as silent. */
export const SILENT_AFTER_BEATS = 3;

export type LivenessState = "not started" | "running" | "finished" | "failed" | "silent";

export interface NodeLiveness {
  readonly node: string;
  readonly state: LivenessState;
  readonly stage?: string;
  readonly jobsDone?: number;
  readonly jobsTotal?: number;
  readonly eta?: string;
  /** The last heartbeat (or delivery, for a node sending none). */
  readonly lastUpdate?: string;
  /** finished: when BBS_EndOfRun.txt arrived. */
  readonly finishedAt?: string;
  /** failed: what the node said; silent: since when nothing came. */
  readonly message?: string;
}

/**
 * A node's state for tonight's run: finished once its complete delivery is
 * there; otherwise what its heartbeat says, silent when the heartbeat is
 * older than SILENT_AFTER_BEATS intervals; a node with no heartbeat but a
 * delivery under way (a bbs without heartbeats) is running as long as
 * deliveries keep coming.
 */
export function nodeLiveness(
  node: string,
  presence: NodePresence,
  heartbeat: Heartbeat | undefined,
  now: Date,
  defaultIntervalSeconds: number,
): NodeLiveness {
  if (presence.state === "finished") {
    return {
      node,
      state: "finished",
      ...(presence.finishedAt === undefined ? {} : { finishedAt: presence.finishedAt.toISOString() }),
      ...(heartbeat === undefined
        ? {}
        : { jobsDone: heartbeat.jobsDone, jobsTotal: heartbeat.jobsTotal, lastUpdate: heartbeat.updatedAt }),
    };
  }
  if (heartbeat === undefined) {
    if (presence.state === "absent") return { node, state: "not started" };
    const last = presence.lastActivity;
    const silent =
      last === undefined || now.getTime() - last.getTime() > SILENT_AFTER_BEATS * defaultIntervalSeconds * 1000;
    return {
      node,
      state: silent ? "silent" : "running",
      ...(last === undefined ? {} : { lastUpdate: last.toISOString() }),
    };
  }
  const progress = {
    stage: heartbeat.stage,
    jobsDone: heartbeat.jobsDone,
    jobsTotal: heartbeat.jobsTotal,
    lastUpdate: heartbeat.updatedAt,
  };
  if (heartbeat.state === "failed" || heartbeat.state === "interrupted")
    return { node, state: "failed", ...progress, message: heartbeat.message ?? heartbeat.state };
  const age = now.getTime() - new Date(heartbeat.updatedAt).getTime();
  if (heartbeat.state === "running" && age > SILENT_AFTER_BEATS * heartbeat.intervalSeconds * 1000)
    return { node, state: "silent", ...progress };
  // "finished" in the heartbeat but no complete delivery: the last deliveries are still on their way.
  return { node, state: "running", ...progress, ...(heartbeat.eta === null ? {} : { eta: heartbeat.eta }) };
}

/** `running INSTALL, CHECK 12/40, ETA 21:05` and the like, for the status and the report. */
export function describeLiveness(liveness: NodeLiveness, formatTime: (iso: string) => string): string {
  switch (liveness.state) {
    case "not started":
      return "not started";
    case "finished":
      return liveness.finishedAt === undefined ? "finished" : `finished at ${formatTime(liveness.finishedAt)}`;
    case "running": {
      const jobs = liveness.jobsTotal === undefined ? "" : ` ${liveness.jobsDone ?? 0}/${liveness.jobsTotal} jobs`;
      const stage = liveness.stage === undefined ? "" : ` ${liveness.stage}`;
      const eta = liveness.eta === undefined ? "" : `, ETA ${formatTime(liveness.eta)}`;
      return `running${stage}${jobs}${eta}`;
    }
    case "silent":
      return `silent since ${liveness.lastUpdate === undefined ? "its start" : formatTime(liveness.lastUpdate)}`;
    case "failed":
      return `failed${liveness.lastUpdate === undefined ? "" : ` at ${formatTime(liveness.lastUpdate)}`}: ${liveness.message ?? ""}`;
  }
}
