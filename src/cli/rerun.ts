// `bbs rerun <pkg> [--node <id>] [--dependents]`: builds one package again on
// the current run (after a fix on the builder, or a flaky failure), and with
// --dependents the targets that depend on it: its INSTALL, BUILD, CHECK (and
// BUILD BIN) run again on the node, their files replace the run's, and, on the
// central node, the status DB, the central history and that package's report
// pages are updated; nothing else of the run changes.

import type { Command } from "commander";
import { loadConfig } from "../config/load.js";
import type { RunResult } from "../stages/run/builder.js";
import { runPostrun } from "../stages/postrun/postrun.js";
import { describePostrunEvent } from "../stages/postrun/log.js";
import { describeRunEvent } from "../stages/run/events.js";
import { BbsError } from "../util/errors.js";
import { globalOptions } from "./context.js";
import { runBuilderWithProgress } from "./builder-progress.js";
import { cliReporter, reporterOption } from "./reporter.js";

interface RerunCliOptions {
  node?: string;
  dependents?: boolean;
  reporter?: string;
}

/** The packages of a run's jobs (`checksrc:tinyError` -> tinyError). */
function packagesOf(result: RunResult): string[] {
  return [...new Set([...result.statuses.keys()].map((id) => id.slice(id.indexOf(":") + 1)))].sort();
}

export function registerRerun(program: Command): void {
  program
    .command("rerun")
    .argument("<pkg>", "a target package of the current run")
    .description(
      "build one package again on the current run (INSTALL, BUILD, CHECK, BUILD BIN), then update the status DB and its report pages",
    )
    .option("--node <id>", "the builder to run it on (default: --host, BBS_NODE_ID)")
    .option("--dependents", "also the packages of the run that depend on it (Depends, Imports, LinkingTo, Suggests)")
    .addOption(reporterOption())
    .action(async (pkg: string, options: RerunCliOptions, command: Command) => {
      const global = globalOptions(command);
      const config = loadConfig(global.configDir, options.node ?? global.nodeId);
      const result = await runBuilderWithProgress(
        config,
        { packages: [pkg], dependents: options.dependents === true, onlyNamed: true, force: true },
        options.reporter,
      );
      const packages = packagesOf(result);
      const central = config.values["central.nodeId"];
      if (config.nodeId !== central) {
        // Said through the run's reporter, so an NDJSON stdout stays NDJSON.
        const said = cliReporter(options.reporter, { describe: describeRunEvent, plainTimestamps: true });
        said.emit({
          at: new Date(),
          command: "run",
          kind: "note",
          level: "info",
          message: `on the central node ${central}, \`bbs postrun --packages ${packages.join(",")}\` updates the status DB and their report pages`,
        });
        said.close();
        return;
      }
      const reporter = cliReporter(options.reporter, { describe: describePostrunEvent, plainTimestamps: true });
      const postrun = await runPostrun(config, { packages, onEvent: (event) => reporter.emit(event) }).finally(() =>
        reporter.close(),
      );
      if (postrun.failed.length > 0)
        throw new BbsError("BBS_STEP_FAILED", `after the rerun: step(s) ${postrun.failed.join(", ")} failed`, {
          hint: `fix the cause, then \`bbs postrun --packages ${packages.join(",")}\``,
        });
    });
}
