// `bbs demo [--workdir <dir>]`: a complete local nightly build of the bundled
// example corpus, ending with where the report and the repository are.

import { resolve } from "node:path";
import type { Command } from "commander";
import { demoEpilogue, runDemo } from "../demo/demo.js";
import { DEMO_CHECK_TIMEOUT } from "../demo/setup.js";
import { BbsError } from "../util/errors.js";

interface DemoCliOptions {
  workdir: string;
  checkTimeout: string;
  slots: string;
}

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "run a complete local nightly build of the bundled example corpus (git server, prerun, run, postrun, propagate)",
    )
    .option("--workdir <dir>", "where the demo site lives (safe to re-run; the history is kept)", "./bbs-demo")
    .option(
      "--check-timeout <seconds>",
      "CHECK timeout of the demo build (the never-ending example is killed after it)",
      String(DEMO_CHECK_TIMEOUT),
    )
    .option("--slots <n>", "parallel jobs per stage", "2")
    .action(async (options: DemoCliOptions) => {
      const result = await runDemo({
        workDir: resolve(options.workdir),
        checkTimeout: positiveInteger("--check-timeout", options.checkTimeout),
        slots: positiveInteger("--slots", options.slots),
        say: (line) => process.stdout.write(`${line}\n`),
        // Every step runs the very bbs the user started (a checkout's, a global install's).
        ...(process.argv[1] === undefined ? {} : { bbsScript: process.argv[1] }),
      });
      process.stdout.write(`${demoEpilogue(result).join("\n")}\n`);
    });
}

function positiveInteger(option: string, text: string): number {
  if (!/^[1-9][0-9]*$/.test(text))
    throw new BbsError("BBS_USAGE", `${option} must be a positive whole number, not "${text}"`);
  return Number(text);
}
