// `bbs prerun [--only <step>] [--snapshot-date <date>]`: prepares a run on the
// central node (BBS-prerun.py). Prints one line per event: timestamped when
// the output is a log file or a pipe (cron), with a live counter on a terminal.

import { Option, type Command } from "commander";
import { formatEventLine, describeEvent, type PrerunEvent, type PrerunListener } from "../stages/prerun/progress.js";
import { PRERUN_STEPS, runPrerun, type PrerunStep } from "../stages/prerun/prerun.js";
import { parseSnapshotDate } from "../stages/prerun/snapshot.js";
import { nodeConfig } from "./context.js";
import { withInterruptSignal } from "./interrupt.js";
import { logTimestamp } from "../util/log-format.js";

interface PrerunCliOptions {
  only?: PrerunStep;
  snapshotDate?: string;
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
    .action(async (options: PrerunCliOptions, command: Command) => {
      const config = nodeConfig(command);
      const snapshotDate = options.snapshotDate === undefined ? undefined : parseSnapshotDate(options.snapshotDate);
      const printer = process.stdout.isTTY === true ? terminalPrinter() : logPrinter();
      try {
        await withInterruptSignal((signal) =>
          runPrerun(config, {
            ...(options.only === undefined ? {} : { only: options.only }),
            ...(snapshotDate === undefined ? {} : { snapshotDate }),
            onEvent: printer.print,
            signal,
          }),
        );
      } finally {
        printer.close();
      }
    });
}

interface Printer {
  print: PrerunListener;
  close(): void;
}

/** One timestamped line per event. */
function logPrinter(): Printer {
  return { print: (event) => process.stdout.write(`${formatEventLine(event)}\n`), close: () => undefined };
}

const FAILED = new Set(["failed", "ERROR", "TIMEOUT"]);

/** On a terminal: a status line rewritten for each package, a printed line for everything else (and failures). */
function terminalPrinter(): Printer {
  let status = "";
  const clear = (): void => {
    if (status !== "") process.stdout.write("\r\x1b[K");
    status = "";
  };
  const time = (event: PrerunEvent): string => logTimestamp(event.at).slice(11);
  return {
    print: (event) => {
      clear();
      if (event.type === "package" && !FAILED.has(event.status)) {
        const width = process.stdout.columns > 0 ? process.stdout.columns : 100;
        status = `${time(event)} ${describeEvent(event)}`.slice(0, Math.max(20, width - 1));
        process.stdout.write(status);
        return;
      }
      process.stdout.write(`${time(event)} ${describeEvent(event)}\n`);
    },
    close: clear,
  };
}
