// `bbs prerun [--only <step>] [--snapshot-date <date>] [--reporter <name>]`:
// prepares a run on the central node (BBS-prerun.py). Its events go to the
// reporter: on a terminal a status line rewritten per package (failures and
// everything else printed); append-only lines off a terminal or under CI; NDJSON.

import { Option, type Command } from "commander";
import {
  describePrerunEvent,
  isPrerunFailure,
  prerunReportEvent,
  type PrerunReportEvent,
} from "../stages/prerun/progress.js";
import { PRERUN_STEPS, runPrerun, type PrerunStep } from "../stages/prerun/prerun.js";
import { parseSnapshotDate } from "../stages/prerun/snapshot.js";
import type { Reporter } from "../util/events.js";
import { logTimestamp } from "../util/log-format.js";
import type { Write } from "../util/reporters.js";
import { nodeConfig } from "./context.js";
import { withInterruptSignal } from "./interrupt.js";
import { cliReporter, reporterOption } from "./reporter.js";

interface PrerunCliOptions {
  only?: PrerunStep;
  snapshotDate?: string;
  reporter?: string;
}

export function registerPrerun(program: Command): void {
  program
    .command("prerun")
    .description(
      "prepare a run on the central node: manifest, git snapshot of every package, meat index, gitlog, injected sources, target repo",
    )
    .addOption(
      new Option("--only <step>", "re-run one step on the current run (recovery by hand)").choices(PRERUN_STEPS),
    )
    .option(
      "--snapshot-date <date>",
      'check out each package\'s last commit before this date ("YYYY-MM-DD", "YYYY-MM-DD HH:MM" local time, or ISO 8601)',
    )
    .addOption(reporterOption())
    .action(async (options: PrerunCliOptions, command: Command) => {
      const config = nodeConfig(command);
      const snapshotDate = options.snapshotDate === undefined ? undefined : parseSnapshotDate(options.snapshotDate);
      const reporter = cliReporter(options.reporter, {
        describe: describePrerunEvent,
        terminal: (write) => new StatusLineReporter(write, () => process.stdout.columns),
        plainTimestamps: true,
      });
      try {
        await withInterruptSignal((signal) =>
          runPrerun(config, {
            ...(options.only === undefined ? {} : { only: options.only }),
            ...(snapshotDate === undefined ? {} : { snapshotDate }),
            onEvent: (event) => reporter.emit(prerunReportEvent(event)),
            signal,
          }),
        );
      } finally {
        reporter.close();
      }
    });
}

/** On a terminal: a status line rewritten for each package, a printed line for everything else (and failures). */
export class StatusLineReporter implements Reporter<PrerunReportEvent> {
  private status = "";

  constructor(
    private readonly write: Write,
    private readonly columns: () => number,
  ) {}

  emit(event: PrerunReportEvent): void {
    if (event.level === "debug") return;
    this.clear();
    // The time of day is enough on a screen the operator watches.
    const line = `${logTimestamp(event.at).slice(11)} ${describePrerunEvent(event)}`;
    if (event.kind === "package" && !isPrerunFailure(event)) {
      const width = this.columns() > 0 ? this.columns() : 100;
      this.status = line.slice(0, Math.max(20, width - 1));
      this.write(this.status);
      return;
    }
    this.write(`${line}\n`);
  }

  close(): void {
    this.clear();
  }

  private clear(): void {
    if (this.status !== "") this.write("\r\x1b[K");
    this.status = "";
  }
}
