// `bbs propagate [update|prepare|push|all] [--dry-run] [--reporter <name>]`: publish the packages
// a postrun approved (PROPAGATION_STATUS_DB.txt) into the configured
// CRAN-style repository: update the staging repository, prepare its indexes
// and landing pages, push it to the destination and verify it with R.

import type { Command } from "commander";
import { describePropagateEvent, propagate, PROPAGATION_STEPS, type PropagationStep } from "../propagation/index.js";
import { BbsError } from "../util/errors.js";
import { nodeConfig } from "./context.js";
import { cliReporter, reporterOption } from "./reporter.js";

const CHOICES = [...PROPAGATION_STEPS, "all"] as const;

function stepsOf(choice: string): PropagationStep[] {
  if (choice === "all") return [...PROPAGATION_STEPS];
  if ((PROPAGATION_STEPS as readonly string[]).includes(choice)) return [choice as PropagationStep];
  throw new BbsError("BBS_USAGE", `unknown propagation step "${choice}"`, {
    hint: `choose one of ${CHOICES.join(", ")}`,
  });
}

export function registerPropagateCommand(program: Command): void {
  program
    .command("propagate")
    .description(
      "publish the packages postrun approved: update the staging repository, prepare its indexes, push and verify (default: all)",
    )
    .argument("[step]", `${CHOICES.join(" | ")}`, "all")
    .option("--dry-run", "print every file operation it would do, and change nothing")
    .addOption(reporterOption())
    .action(async (step: string, options: { dryRun?: boolean; reporter?: string }, command: Command) => {
      const steps = stepsOf(step);
      const reporter = cliReporter(options.reporter, {
        describe: describePropagateEvent,
        plainTimestamps: false,
        warningsToStderr: true,
      });
      const config = nodeConfig(command);
      try {
        await propagate(config, steps, { dryRun: options.dryRun === true, onEvent: (event) => reporter.emit(event) });
      } finally {
        reporter.close();
      }
    });
}
