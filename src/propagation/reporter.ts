// Where propagation tells the operator what it does: one line per file
// operation (the same lines with --dry-run, prefixed "would"), a line when a
// step starts, and warnings. The CLI prints them; tests collect them.

export interface Reporter {
  /** A step begins (`update`, `prepare`, `push: upload`...). */
  step(name: string): void;
  /** One file operation, e.g. `copy OUTGOING/source/A_1.0.tar.gz -> src/contrib/A_1.0.tar.gz`. */
  info(line: string): void;
  /** A fact that is not an operation (counts, what was skipped and why). */
  note(line: string): void;
  /** Something the operator should look at; the step goes on. */
  warn(line: string): void;
}

/** A reporter keeping every line, for tests and for summaries. */
export class CollectingReporter implements Reporter {
  readonly lines: string[] = [];
  readonly warnings: string[] = [];

  step(name: string): void {
    this.lines.push(`==> ${name}`);
  }

  info(line: string): void {
    this.lines.push(line);
  }

  note(line: string): void {
    this.lines.push(line);
  }

  warn(line: string): void {
    this.warnings.push(line);
    this.lines.push(`warning: ${line}`);
  }
}

/** Prefixes every operation with "would " (dry runs). */
export function dryRunReporter(reporter: Reporter): Reporter {
  return {
    step: (name) => reporter.step(`${name} (dry run: nothing changes)`),
    info: (line) => reporter.info(`would ${line}`),
    note: (line) => reporter.note(line),
    warn: (line) => reporter.warn(line),
  };
}
