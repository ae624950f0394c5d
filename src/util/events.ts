// One event model for every command that reports progress (prerun, run,
// postrun, propagate): a command emits typed events, a reporter turns them
// into what the operator or a program reads. The events of each command
// family extend one base, so a reporter (a timestamped log line, an NDJSON
// record, a test's collection) works for all of them; the field names are a
// stable interface, documented in docs/events.md.

import { BbsError } from "./errors.js";

/** `debug` events (a job started) are for programs: the line reporters leave them out. */
export const EVENT_LEVELS = ["debug", "info", "warning", "error"] as const;
export type EventLevel = (typeof EVENT_LEVELS)[number];

export type EventCommand = "prerun" | "run" | "postrun" | "propagate";

/**
 * What an event says happened. Shared across commands so a program can follow
 * any of them alike; `package` (one package done within a prerun step),
 * `operation` (a file operation of propagate), `waiting` and `estimate` (run)
 * belong to one command each.
 */
export type EventKind =
  | "run-start"
  | "run-end"
  | "step-start"
  | "step-end"
  | "package"
  | "job-start"
  | "job-end"
  | "estimate"
  | "waiting"
  | "operation"
  | "note"
  | "summary";

export interface EventBase {
  readonly at: Date;
  readonly command: EventCommand;
  readonly kind: EventKind;
  readonly level: EventLevel;
  /** The step (or stage) of the command the event belongs to: `sources`, `outgoing`, `push`, `CHECK`. */
  readonly step?: string;
  /** What happened, in words (the human reporters add the time, step and level around it). */
  readonly message: string;
}

/** Where events go. `close` ends a live view or flushes; emitting after it is a bug. */
export interface Reporter<E extends EventBase = EventBase> {
  emit(event: E): void;
  close(): void;
}

/** A command family's words for one event: the log line without its timestamp (lines separated by `\n`). */
export type Describe<E extends EventBase> = (event: E) => string;

/** `warning: ` / `error: ` before a message; nothing for info and debug. */
export function levelPrefix(level: EventLevel): string {
  return level === "warning" || level === "error" ? `${level}: ` : "";
}

/**
 * The JSON form of an event (one NDJSON record): dates as ISO 8601 UTC,
 * absent optional fields left out, the base fields first.
 */
export function eventRecord(event: EventBase): Record<string, unknown> {
  const { at, command, kind, level, step, message, ...rest } = event as EventBase & Record<string, unknown>;
  const record: Record<string, unknown> = { at: at.toISOString(), command, kind, level };
  if (step !== undefined) record["step"] = step;
  record["message"] = message;
  for (const [key, value] of Object.entries(rest)) {
    if (value === undefined) continue;
    record[key] = value instanceof Date ? value.toISOString() : value;
  }
  return record;
}

export const REPORTER_NAMES = ["default", "append-only", "ndjson"] as const;
export type ReporterName = (typeof REPORTER_NAMES)[number];

/** `--reporter <name>`: one of REPORTER_NAMES, else a usage error naming them. */
export function parseReporterName(text: string): ReporterName {
  if ((REPORTER_NAMES as readonly string[]).includes(text)) return text as ReporterName;
  throw new BbsError("BBS_USAGE", `unknown reporter "${text}" (--reporter)`, {
    hint: `choose one of ${REPORTER_NAMES.join(", ")}`,
  });
}

/** `CI` set to anything but empty, `0` or `false` (the convention of CI services and of tools like is-ci). */
export function underCi(env: NodeJS.ProcessEnv): boolean {
  const value = env["CI"];
  return value !== undefined && value !== "" && value !== "0" && value.toLowerCase() !== "false";
}

/**
 * The reporter a command uses: the one asked for, else `default` on a
 * terminal and `append-only` off one (cron, a pipe) or under CI, whose logs
 * keep every line and cannot show a view redrawn in place.
 */
export function chooseReporter(
  requested: string | undefined,
  where: { readonly isTTY: boolean; readonly env: NodeJS.ProcessEnv },
): ReporterName {
  if (requested !== undefined) return parseReporterName(requested);
  return where.isTTY && !underCi(where.env) ? "default" : "append-only";
}
