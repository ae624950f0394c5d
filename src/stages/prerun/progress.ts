// Progress of a prerun as events (what happened, when), and their one-line
// text form: the CLI prints one line per event, timestamped, so a cron log
// reads as a timeline.

import { BbsError } from "../../util/errors.js";
import { logTimestamp } from "../../util/log-format.js";

export const PRERUN_STEPS = ["manifest", "sources", "index", "inject", "target-repo"] as const;
export type PrerunStep = (typeof PRERUN_STEPS)[number];

export type PrerunEvent =
  | { type: "run-started"; at: Date; runId: string; runDir: string; snapshotDate: string; cutoff?: Date }
  | { type: "step-started"; at: Date; step: PrerunStep }
  | { type: "step-finished"; at: Date; step: PrerunStep; seconds: number; summary: string }
  /** One package done within a step (sources: cloned/updated/unchanged/failed; target-repo: OK/ERROR/TIMEOUT). */
  | {
      type: "package";
      at: Date;
      step: PrerunStep;
      package: string;
      status: string;
      detail: string;
      done: number;
      total: number;
    }
  | { type: "note"; at: Date; step?: PrerunStep; level: "info" | "warning"; message: string }
  | { type: "run-finished"; at: Date; runId: string; seconds: number; summary: string };

export type PrerunListener = (event: PrerunEvent) => void;

/** What a step throws when SIGINT/SIGTERM stopped it. */
export function interruptedError(step: PrerunStep): BbsError {
  return new BbsError("BBS_INTERRUPTED", `prerun interrupted during the ${step} step`, {
    hint: "the run stays `preparing`; run `bbs prerun` again (a new run), or finish this one with `bbs prerun --only <step>`",
  });
}

/** Elapsed time of a git or tar job, to the tenth of a second: `0.4 s`, `2 min 5 s`. */
export function formatSeconds(seconds: number): string {
  return seconds < 60 ? `${seconds.toFixed(1)} s` : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** The event as one line (no timestamp; see formatEventLine). */
export function describeEvent(event: PrerunEvent): string {
  switch (event.type) {
    case "run-started":
      return `[prerun] run ${event.runId} in ${event.runDir}, snapshot ${event.snapshotDate}${event.cutoff ? ` (last commits before ${event.cutoff.toISOString()})` : ""}`;
    case "step-started":
      return `[${event.step}] started`;
    case "step-finished":
      return `[${event.step}] done in ${formatSeconds(event.seconds)}: ${event.summary}`;
    case "package": {
      const width = String(event.total).length;
      return `[${event.step}] (${String(event.done).padStart(width)}/${event.total}) ${event.package}: ${event.status}${event.detail ? ` ${event.detail}` : ""}`;
    }
    case "note":
      return `[${event.step ?? "prerun"}] ${event.level === "warning" ? "warning: " : ""}${event.message}`;
    case "run-finished":
      return `[prerun] run ${event.runId} ${event.summary} in ${formatSeconds(event.seconds)}`;
  }
}

/** `2026-11-21 13:55:02 [sources] ( 3/15) preBase: cloned 1a2b3c4` */
export function formatEventLine(event: PrerunEvent): string {
  return `${logTimestamp(event.at)} ${describeEvent(event)}`;
}
