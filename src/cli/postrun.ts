// `bbs postrun [--wait [--until HH:MM | --max-wait 2h]] [--only <step> | --packages a,b] [--run <id> [--publish]] [--reporter <name>]`: status DBs,
// OUTGOING, the central history, the report and its publication, on the
// central node (postrun.sh). Prints one timestamped line per event (the same
// lines go to <run dir>/postrun.log whatever the reporter). Exits 0 when every step ran, even with nodes
// missing (they are reported and alerted); 1 when a step failed.

import { Option, type Command } from "commander";
import { describePostrunEvent } from "../stages/postrun/log.js";
import { POSTRUN_STEPS, runPostrun, type PostrunStep } from "../stages/postrun/postrun.js";
import { BbsError } from "../util/errors.js";
import { nodeConfig } from "./context.js";
import { withInterruptSignal } from "./interrupt.js";
import { nextClockTime, parseDuration, waitForNodes } from "../stages/postrun/wait.js";
import { cliReporter, reporterOption } from "./reporter.js";
import {
  BUILD_STATUS_DB_FILE,
  OUTGOING_DIR,
  PROPAGATION_STATUS_DB_FILE,
  ALERTS_DIR,
  POSTRUN_LOG_FILE,
} from "../layout/central.js";

interface PostrunCliOptions {
  only?: PostrunStep;
  run?: string;
  publish?: boolean;
  wait?: boolean;
  until?: string;
  maxWait?: string;
  poll?: string;
  reporter?: string;
  packages?: string;
}

/** Without --until or --max-wait, --wait gives up after this long (a night's builds are well within it). */
const DEFAULT_MAX_WAIT = "12h";

export function registerPostrun(program: Command): void {
  program
    .command("postrun")
    .description(
      `on the central node, once the builders are done: ${BUILD_STATUS_DB_FILE}, ${OUTGOING_DIR}, ${PROPAGATION_STATUS_DB_FILE}, central history, HTML report, its publication`,
    )
    .addOption(new Option("--only <step>", "run one step only (recovery by hand)").choices(POSTRUN_STEPS))
    .option(
      "--packages <list>",
      "after `bbs rerun` of these packages on a builder: the status DB, the central history and their report pages only",
    )
    .option("--run <id>", "work on this run of central.runsDir instead of the current one (central.dir)")
    .option("--publish", "with --run <older id>: publish its report even though it replaces the newer run's")
    .option("--wait", "first wait until every report node has finished (BBS_EndOfRun.txt delivered)")
    .option("--until <HH:MM>", "with --wait: run anyway at this local time (missing nodes NA, with an alert)")
    .option(
      "--max-wait <duration>",
      `with --wait: run anyway after this long, e.g. 2h, 90m (default ${DEFAULT_MAX_WAIT})`,
    )
    .option("--poll <duration>", "with --wait: pause between two looks at the builders (default 60s)")
    .addOption(reporterOption())
    .action(async (options: PostrunCliOptions, command: Command) => {
      const reporter = cliReporter(options.reporter, { describe: describePostrunEvent, plainTimestamps: true });
      const config = nodeConfig(command);
      if (options.packages !== undefined && options.only !== undefined)
        throw new BbsError("BBS_USAGE", "give --only or --packages, not both", {
          hint: "--packages runs the status-db, history and report steps, the report for those packages only",
        });
      const packages = options.packages
        ?.split(",")
        .map((name) => name.trim())
        .filter((name) => name !== "");
      if (options.wait !== true && (options.until ?? options.maxWait ?? options.poll) !== undefined)
        throw new BbsError("BBS_USAGE", "--until, --max-wait and --poll go with --wait", {
          hint: "e.g. bbs postrun --wait --max-wait 2h",
        });
      if (options.wait === true) {
        if (options.until !== undefined && options.maxWait !== undefined)
          throw new BbsError("BBS_USAGE", "give --until or --max-wait, not both", {
            hint: "--until 08:00 is a time of day, --max-wait 2h a duration from now",
          });
        const now = new Date();
        const deadline =
          options.until !== undefined
            ? nextClockTime(options.until, now)
            : new Date(now.getTime() + parseDuration(options.maxWait ?? DEFAULT_MAX_WAIT, "--max-wait"));
        const note = (level: "info" | "warning", message: string): void =>
          reporter.emit({ at: new Date(), command: "postrun", kind: "note", level, step: "wait", message });
        const outcome = await withInterruptSignal((signal) =>
          waitForNodes(config, {
            deadline,
            pollMs: parseDuration(options.poll ?? "60s", "--poll"),
            signal,
            ...(options.run === undefined ? {} : { runId: options.run }),
            onWait: (_status, line) => note("info", line),
          }),
        ).catch((error: unknown) => {
          reporter.close();
          throw error;
        });
        if (outcome.missing.length > 0)
          note(
            "warning",
            `deadline reached after ${Math.round(outcome.waitedSeconds)} s: ${outcome.missing.join(", ")} not finished, postrun runs without ${outcome.missing.length === 1 ? "it" : "them"}`,
          );
        else note("info", `every report node has finished (waited ${Math.round(outcome.waitedSeconds)} s)`);
      }
      const result = await runPostrun(config, {
        ...(packages === undefined ? {} : { packages }),
        ...(options.only === undefined ? {} : { only: options.only }),
        ...(options.run === undefined ? {} : { runId: options.run }),
        ...(options.publish === true ? { publish: true } : {}),
        onEvent: (event) => reporter.emit(event),
      }).finally(() => reporter.close());
      if (result.failed.length > 0) {
        throw new BbsError(
          "BBS_STEP_FAILED",
          `postrun of run ${result.runId}: step(s) ${result.failed.join(", ")} failed`,
          {
            hint: `see the alerts in ${result.runDir}/${ALERTS_DIR}/ and the log ${result.runDir}/${POSTRUN_LOG_FILE}; fix the cause, then re-run \`bbs postrun --only <step>\``,
          },
        );
      }
    });
}
