// `bbs propagate [update|prepare|push|all] [--dry-run]`: publish the packages
// a postrun approved (PROPAGATION_STATUS_DB.txt) into the configured
// CRAN-style repository: update the staging repository, prepare its indexes
// and landing pages, push it to the destination and verify it with R.

import type { Command } from "commander";
import { propagate, PROPAGATION_STEPS, type PropagationStep, type Reporter } from "../propagation/index.js";
import { BbsError } from "../util/errors.js";
import { nodeConfig } from "./context.js";

const CHOICES = [...PROPAGATION_STEPS, "all"] as const;

function stepsOf(choice: string): PropagationStep[] {
  if (choice === "all") return [...PROPAGATION_STEPS];
  if ((PROPAGATION_STEPS as readonly string[]).includes(choice)) return [choice as PropagationStep];
  throw new BbsError("BBS_USAGE", `unknown propagation step "${choice}"`, {
    hint: `choose one of ${CHOICES.join(", ")}`,
  });
}

const consoleReporter: Reporter = {
  step: (name) => process.stdout.write(`==> ${name}\n`),
  info: (line) => process.stdout.write(`${line}\n`),
  note: (line) => process.stdout.write(`${line}\n`),
  warn: (line) => process.stderr.write(`warning: ${line}\n`),
};

export function registerPropagateCommand(program: Command): void {
  program
    .command("propagate")
    .description(
      "publish the packages postrun approved: update the staging repository, prepare its indexes, push and verify (default: all)",
    )
    .argument("[step]", `${CHOICES.join(" | ")}`, "all")
    .option("--dry-run", "print every file operation it would do, and change nothing")
    .action(async (step: string, options: { dryRun?: boolean }, command: Command) => {
      const steps = stepsOf(step);
      const config = nodeConfig(command);
      const result = await propagate(config, steps, { dryRun: options.dryRun === true, reporter: consoleReporter });
      const summary: string[] = [];
      if (result.update?.applied !== undefined) {
        const applied = result.update.applied;
        summary.push(
          `update: ${applied.added.length} added, ${applied.archived.length} archived, ${applied.removed.length} removed, ${applied.manuals.length} manual(s)`,
        );
      }
      if (result.prepare !== undefined) {
        summary.push(
          `prepare: ${result.prepare.opened} package file(s) read, ${result.prepare.cached} from cache, ${result.prepare.written.length} file(s) written`,
        );
      }
      if (result.push !== undefined && options.dryRun !== true) {
        summary.push(
          result.push.published
            ? `push: release ${result.push.release} published and verified (${result.push.uploaded.length} file(s) sent)`
            : `push: nothing new to publish; release ${result.push.release} verified`,
        );
      }
      for (const line of summary) process.stdout.write(`${line}\n`);
    });
}
