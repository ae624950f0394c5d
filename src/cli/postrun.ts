// `bbs postrun [--only <step> | --packages a,b] [--run <id>] [--reporter <name>]`: status DBs,
// OUTGOING, the central history, the report and its publication, on the
// central node (postrun.sh). Prints one timestamped line per event (the same
// lines go to <run dir>/postrun.log whatever the reporter). Exits 0 when every step ran, even with nodes
// missing (they are reported and alerted); 1 when a step failed.

import { Option, type Command } from "commander";
import { describePostrunEvent } from "../stages/postrun/log.js";
import { POSTRUN_STEPS, runPostrun, type PostrunStep } from "../stages/postrun/postrun.js";
import { BbsError } from "../util/errors.js";
import { nodeConfig } from "./context.js";
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
  reporter?: string;
  packages?: string;
}

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
