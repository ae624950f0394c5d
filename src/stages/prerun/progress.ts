// Progress of a prerun as events (what happened, when): the steps emit
// PrerunEvents; prerunReportEvent turns each into an event of the shared
// model (util/events), which every reporter prints alike (append-only lines,
// NDJSON, the terminal's status line of src/cli/prerun.ts).

import { BbsError } from "../../util/errors.js";
import { levelPrefix, type EventBase } from "../../util/events.js";
import { formatDuration } from "../../util/log-format.js";

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

/** A prerun event of the shared model (docs/events.md): the PrerunEvent's fields, `type` as `kind`. */
export type PrerunReportEvent = EventBase & {
  readonly command: "prerun";
  readonly kind: "run-start" | "step-start" | "step-end" | "package" | "note" | "run-end";
  readonly runId?: string;
  readonly runDir?: string;
  readonly snapshotDate?: string;
  readonly cutoff?: Date;
  readonly seconds?: number;
  readonly summary?: string;
  readonly package?: string;
  readonly status?: string;
  readonly detail?: string;
  readonly done?: number;
  readonly total?: number;
};

const KINDS = {
  "run-started": "run-start",
  "step-started": "step-start",
  "step-finished": "step-end",
  package: "package",
  note: "note",
  "run-finished": "run-end",
} as const satisfies Record<PrerunEvent["type"], PrerunReportEvent["kind"]>;

/** What the line says after its `[step] ` (and level). */
function messageOf(event: PrerunEvent): string {
  switch (event.type) {
    case "run-started":
      return `run ${event.runId} in ${event.runDir}, snapshot ${event.snapshotDate}${event.cutoff ? ` (last commits before ${event.cutoff.toISOString()})` : ""}`;
    case "step-started":
      return "started";
    case "step-finished":
      return `done in ${formatDuration(event.seconds)}: ${event.summary}`;
    case "package": {
      const width = String(event.total).length;
      return `(${String(event.done).padStart(width)}/${event.total}) ${event.package}: ${event.status}${event.detail ? ` ${event.detail}` : ""}`;
    }
    case "note":
      return event.message;
    case "run-finished":
      return `run ${event.runId} ${event.summary} in ${formatDuration(event.seconds)}`;
  }
}

export function prerunReportEvent(event: PrerunEvent): PrerunReportEvent {
  const { type, at, ...fields } = event;
  const level = event.type === "note" ? event.level : "info";
  return { ...fields, at, command: "prerun", kind: KINDS[type], level, message: messageOf(event) };
}

/** `[sources] ( 3/15) preBase: cloned 1a2b3c4`, `[prerun] run ...`, `[index] warning: ...` (without the time). */
export function describePrerunEvent(event: PrerunReportEvent): string {
  return `[${event.step ?? "prerun"}] ${levelPrefix(event.level)}${event.message}`;
}

/** A package line of a failure (it stays on the screen; the others are rewritten). */
export function isPrerunFailure(event: PrerunReportEvent): boolean {
  return event.status === "failed" || event.status === "ERROR" || event.status === "TIMEOUT";
}
