// The reporters every command shares (the live terminal views are their
// commands' own): lines for people and logs, NDJSON for programs, a file
// sink (postrun.log), a collection for tests, and a fan-out to several.

import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { eventRecord, type Describe, type EventBase, type Reporter } from "./events.js";
import { logTimestamp } from "./log-format.js";

export type Write = (text: string) => void;

export interface LineReporterOptions {
  /** Each line starts with the event's local time (append-only); default true. */
  readonly timestamps?: boolean;
  /** Where warning and error lines go (propagate prints them on stderr); default: with the others. */
  readonly errors?: Write;
}

/** One line per event (each line of a multi-line event stamped alike), never redrawn: append-only logs. */
export class LineReporter<E extends EventBase> implements Reporter<E> {
  constructor(
    private readonly describe: Describe<E>,
    private readonly write: Write,
    private readonly options: LineReporterOptions = {},
  ) {}

  emit(event: E): void {
    if (event.level === "debug") return;
    const text = this.describe(event);
    const stamp = this.options.timestamps === false ? "" : `${logTimestamp(event.at)} `;
    const lines = text
      .split("\n")
      .map((line) => `${stamp}${line}\n`)
      .join("");
    const write = event.level === "info" ? this.write : (this.options.errors ?? this.write);
    write(lines);
  }

  close(): void {}
}

/** One JSON object per event and line (docs/events.md), debug events included. */
export class NdjsonReporter<E extends EventBase> implements Reporter<E> {
  constructor(private readonly write: Write) {}

  emit(event: E): void {
    this.write(`${JSON.stringify(eventRecord(event))}\n`);
  }

  close(): void {}
}

/**
 * The append-only lines of a command appended to a log file (postrun.log),
 * one write per event so a crash loses nothing already said.
 */
export function fileReporter<E extends EventBase>(path: string, describe: Describe<E>): Reporter<E> {
  mkdirSync(dirname(path), { recursive: true });
  return new LineReporter(describe, (text) => appendFileSync(path, text));
}

/** Keeps every event, and its line without the timestamp: for tests, and for summaries. */
export class CollectingReporter<E extends EventBase> implements Reporter<E> {
  readonly events: E[] = [];

  constructor(private readonly describe: Describe<E>) {}

  emit(event: E): void {
    this.events.push(event);
  }

  close(): void {}

  /** The lines a line reporter would print (without timestamps; debug events left out). */
  get lines(): string[] {
    return this.events.filter((event) => event.level !== "debug").flatMap((event) => this.describe(event).split("\n"));
  }

  /** The messages of the warnings. */
  get warnings(): string[] {
    return this.events.filter((event) => event.level === "warning").map((event) => event.message);
  }
}

/** Every event to each reporter, in order. */
export function fanOut<E extends EventBase>(...reporters: ReadonlyArray<Reporter<E>>): Reporter<E> {
  return {
    emit: (event) => {
      for (const reporter of reporters) reporter.emit(event);
    },
    close: () => {
      for (const reporter of reporters) reporter.close();
    },
  };
}
