// What postrun says, as events of the shared model (util/events): the run
// and each step starting and ending, and notes on the way. Every event goes
// to `<run dir>/postrun.log` (append-only lines: the run's own record, kept
// with its products, whatever reporter the CLI uses) and to a listener (the
// CLI's reporter).

import type { EventBase, EventLevel, Reporter } from "../../util/events.js";
import { fanOut, fileReporter } from "../../util/reporters.js";

export interface PostrunEvent extends EventBase {
  readonly command: "postrun";
  readonly kind: "run-start" | "step-start" | "step-end" | "note" | "run-end";
  /** step-end: what the step came to. */
  readonly status?: "ok" | "skipped" | "failed";
  /** run-start, run-end: the run postrun works on. */
  readonly runId?: string;
  /** run-end: the steps that failed. */
  readonly failed?: readonly string[];
}

export type PostrunListener = (event: PostrunEvent) => void;

/**
 * `2026-11-21 15:00:01 [outgoing] WARNING: message` without its time. Postrun
 * writes the level in capitals: its log has said `WARNING:`/`ERROR:` since
 * the first postrun, and operators grep postrun.log for them.
 */
export function describePostrunEvent(event: PostrunEvent): string {
  const level = event.level === "warning" || event.level === "error" ? `${event.level.toUpperCase()}: ` : "";
  return `${event.step === undefined ? "" : `[${event.step}] `}${level}${event.message}`;
}

export class PostrunLog {
  private readonly reporter: Reporter<PostrunEvent>;

  constructor(
    readonly path: string,
    listener: PostrunListener = () => undefined,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.reporter = fanOut(fileReporter(path, describePostrunEvent), { emit: listener, close: () => undefined });
  }

  info(message: string, step?: string): void {
    this.send({ kind: "note", level: "info", message, step });
  }

  warn(message: string, step?: string): void {
    this.send({ kind: "note", level: "warning", message, step });
  }

  error(message: string, step?: string): void {
    this.send({ kind: "note", level: "error", message, step });
  }

  runStarted(runId: string, message: string): void {
    this.send({ kind: "run-start", level: "info", message, runId });
  }

  stepStarted(step: string): void {
    this.send({ kind: "step-start", level: "info", message: "started", step });
  }

  /** A failed step is an error, a step skipped for another's failure a warning. */
  stepEnded(step: string, status: "ok" | "skipped" | "failed", message: string, level: EventLevel = "info"): void {
    this.send({ kind: "step-end", level, message, step, status });
  }

  runEnded(runId: string, failed: readonly string[]): void {
    const message = failed.length === 0 ? "postrun done" : `postrun done; failed step(s): ${failed.join(", ")}`;
    this.send({ kind: "run-end", level: "info", message, runId, failed });
  }

  private send(
    event: Pick<PostrunEvent, "kind" | "level" | "message"> &
      Partial<Record<"step", string | undefined>> &
      Partial<Pick<PostrunEvent, "status" | "runId" | "failed">>,
  ): void {
    const { step, ...rest } = event;
    this.reporter.emit({ at: this.now(), command: "postrun", ...rest, ...(step === undefined ? {} : { step }) });
  }
}
