// The `bbs` command: global options, one registered subcommand per file in
// src/cli/, and the single place where errors become messages and exit codes.

import { Command, CommanderError } from "commander";
import { readFileSync } from "node:fs";
import { BbsError, EXIT, errorMessage, isBbsError, type ExitCode } from "../util/errors.js";
import { classifyFsError } from "../util/fs-errors.js";
import { registerConfigCommands } from "./config.js";
import { registerDemo } from "./demo.js";
import { registerNotify } from "./notify.js";
import { registerPostrun } from "./postrun.js";
import { registerPrerun } from "./prerun.js";
import { registerPropagateCommand } from "./propagate.js";
import { registerReport } from "./report.js";
import { registerRerun } from "./rerun.js";
import { registerRun } from "./run.js";
import { registerServe } from "./serve.js";
import { registerSpb } from "./spb.js";

const COMMANDS: ReadonlyArray<(program: Command) => void> = [
  registerConfigCommands,
  registerPrerun,
  registerRun,
  registerRerun,
  registerPostrun,
  registerReport,
  registerNotify,
  registerPropagateCommand,
  registerServe,
  registerDemo,
  registerSpb,
];

function packageVersion(): string {
  const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command("bbs")
    .description(
      "bbs: nightly install/build/check of R packages, status DBs, HTML report and propagation (a successor to BBS)",
    )
    .version(packageVersion())
    .option("--config <dir>", "config directory (default: $BBS_CONFIG, else ./config/local)")
    .option("--host <node-id>", "node to act as (default: $BBS_NODE_ID, else this machine's hostname)")
    .option("--debug", "print stack traces and debug output")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}

/** Runs the CLI; returns the exit code instead of exiting, so tests can call it. */
export async function main(argv: readonly string[]): Promise<ExitCode> {
  const program = buildProgram();
  const debug = argv.includes("--debug");
  try {
    await program.parseAsync([...argv]);
    return EXIT.OK;
  } catch (error) {
    return reportError(error, debug);
  }
}

export function reportError(error: unknown, debug: boolean): ExitCode {
  if (error instanceof CommanderError) {
    // commander already printed its message (or the help / version text).
    if (
      error.code === "commander.helpDisplayed" ||
      error.code === "commander.version" ||
      error.code === "commander.help"
    )
      return EXIT.OK;
    return EXIT.USER;
  }
  // A full disk or an unreadable file met where no caller expected it is still the machine's fault, not a bug.
  const known = isBbsError(error) ? error : classifyFsError(error);
  if (known !== undefined) {
    printBbsError(known);
    const stack = error instanceof Error ? error.stack : undefined;
    if (debug && stack) process.stderr.write(`${stack}\n`);
    return known.exitCode;
  }
  process.stderr.write(`error[BBS_INTERNAL]: ${errorMessage(error)}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  else process.stderr.write("  hint: this is a bug in bbs; re-run with --debug and report the stack trace\n");
  return EXIT.INTERNAL;
}

export function printBbsError(error: BbsError): void {
  const lines = [`error[${error.code}]: ${error.message}`];
  for (const detail of error.details) lines.push(`  - ${detail.replaceAll("\n", "\n    ")}`);
  if (error.hint) lines.push(`  hint: ${error.hint}`);
  process.stderr.write(`${lines.join("\n")}\n`);
}
