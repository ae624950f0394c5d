// `--reporter default|append-only|ndjson` of the commands that report
// progress (prerun, run, rerun, postrun, propagate): the option, and the reporter it
// names for a command's events. Without the option: `default` on a terminal,
// `append-only` off one or under CI (util/events.chooseReporter).

import { Option } from "commander";
import {
  chooseReporter,
  parseReporterName,
  REPORTER_NAMES,
  type Describe,
  type EventBase,
  type Reporter,
} from "../util/events.js";
import { LineReporter, NdjsonReporter, type Write } from "../util/reporters.js";

export function reporterOption(): Option {
  // Checked as the arguments are parsed, before any work: an unknown name is BBS_USAGE naming the choices.
  return new Option(
    "--reporter <name>",
    `how progress is shown: ${REPORTER_NAMES.join(" | ")} (default: a live view on a terminal; append-only, one timestamped line per event, off a terminal or under CI; ndjson: one JSON object per event, see docs/events.md)`,
  ).argParser(parseReporterName);
}

export interface ReporterFamily<E extends EventBase> {
  readonly describe: Describe<E>;
  /** The `default` reporter on a terminal (a live view); without it, `default` prints plain lines. */
  readonly terminal?: (write: Write) => Reporter<E>;
  /** `default`'s plain lines carry timestamps (prerun, run, postrun) or not (propagate, as it always printed). */
  readonly plainTimestamps: boolean;
  /** Warning and error lines go to stderr (propagate). */
  readonly warningsToStderr?: boolean;
}

const stdout: Write = (text) => void process.stdout.write(text);
const stderr: Write = (text) => void process.stderr.write(text);

/** The reporter `--reporter <requested>` names for this process's stdout. */
export function cliReporter<E extends EventBase>(
  requested: string | undefined,
  family: ReporterFamily<E>,
): Reporter<E> {
  const isTTY = process.stdout.isTTY === true;
  const name = chooseReporter(requested, { isTTY, env: process.env });
  const errors = family.warningsToStderr === true ? { errors: stderr } : {};
  switch (name) {
    case "ndjson":
      return new NdjsonReporter(stdout);
    case "append-only":
      return new LineReporter(family.describe, stdout, errors);
    case "default":
      if (isTTY && family.terminal !== undefined) return family.terminal(stdout);
      return new LineReporter(family.describe, stdout, { timestamps: family.plainTimestamps, ...errors });
  }
}
