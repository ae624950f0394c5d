// Where propagation tells the operator what it does, as events of the shared
// model (util/events): a step starting, one event per file operation (the
// same with --dry-run, marked so and printed "would ..."), notes, warnings and
// the closing summary. The CLI's reporter prints them; tests collect them.

import { levelPrefix, type EventBase, type EventLevel } from "../util/events.js";
import { CollectingReporter } from "../util/reporters.js";

export interface PropagateEvent extends EventBase {
  readonly command: "propagate";
  readonly kind: "step-start" | "operation" | "note" | "summary";
  /** `update`, `prepare` or `push`. */
  readonly step?: string;
  /** A dry run: operations are what it would do. */
  readonly dryRun: boolean;
}

/** `==> update: ...`, `would copy ...`, `warning: ...` (the lines bbs propagate has always printed). */
export function describePropagateEvent(event: PropagateEvent): string {
  switch (event.kind) {
    case "step-start":
      return `==> ${event.message}${event.dryRun ? " (dry run: nothing changes)" : ""}`;
    case "operation":
      return `${event.dryRun ? "would " : ""}${event.message}`;
    case "note":
    case "summary":
      return `${levelPrefix(event.level)}${event.message}`;
  }
}

/** What the propagation steps call; each call is one event. */
export class PropagationLog {
  private current: string | undefined;

  constructor(
    private readonly sink: (event: PropagateEvent) => void,
    readonly dryRun = false,
  ) {}

  /** A step begins: `update: <root> from <central>`, `push: upload release <id>` (the step is the word before `:`). */
  step(title: string): void {
    this.current = title.split(":", 1)[0]?.trim();
    this.send("step-start", "info", title);
  }

  /** One file operation, e.g. `copy OUTGOING/source/A_1.0.tar.gz -> src/contrib/A_1.0.tar.gz`. */
  info(line: string): void {
    this.send("operation", "info", line);
  }

  /** A fact that is not an operation (counts, what was skipped and why). */
  note(line: string): void {
    this.send("note", "info", line);
  }

  /** Something the operator should look at; the step goes on. */
  warn(line: string): void {
    this.send("note", "warning", line);
  }

  /** What a step achieved, said once at the end. */
  summary(step: string, line: string): void {
    this.current = step;
    this.send("summary", "info", line);
  }

  /** The same log for a dry run: its operations are what would be done. */
  asDryRun(): PropagationLog {
    return new PropagationLog(this.sink, true);
  }

  private send(kind: PropagateEvent["kind"], level: EventLevel, message: string): void {
    this.sink({
      at: new Date(),
      command: "propagate",
      kind,
      level,
      ...(this.current === undefined ? {} : { step: this.current }),
      message,
      dryRun: this.dryRun,
    });
  }
}

/** A log keeping every event and line, for tests and benchmarks. */
export class CollectingLog extends PropagationLog {
  private readonly collected: CollectingReporter<PropagateEvent>;

  constructor() {
    const collected = new CollectingReporter(describePropagateEvent);
    super((event) => collected.emit(event));
    this.collected = collected;
  }

  get events(): readonly PropagateEvent[] {
    return this.collected.events;
  }

  get lines(): string[] {
    return this.collected.lines;
  }

  get warnings(): string[] {
    return this.collected.warnings;
  }
}
