// The `bbs` command: global options, one registered subcommand per file in
// src/cli/, and the single place where errors become messages and exit codes.

import { Command, CommanderError } from "commander";
import { readFileSync } from "node:fs";
import { BbsError, EXIT, errorMessage, isBbsError, type ExitCode } from "../util/errors.js";
import { classifyFsError } from "../util/fs-errors.js";
type Register = (program: Command) => void;

/**
 * Every command: its name, the one line `bbs --help` lists, and how to load
 * its module. Only the module of the command being run is imported, so
 * `bbs --help` or `bbs config check` never load the report generator, the
 * job engine or the SPB (src/cli/<command>.ts imports its domain code).
 */
const COMMANDS: ReadonlyArray<{ name: string; summary: string; load: () => Promise<Register> }> = [
  {
    name: "config",
    summary: "show or validate the layered configuration",
    load: async () => (await import("./config.js")).registerConfigCommands,
  },
  {
    name: "prerun",
    summary: "prepare a run on the central node (STAGE1)",
    load: async () => (await import("./prerun.js")).registerPrerun,
  },
  {
    name: "run",
    summary: "install, build, check and build binaries on this builder (STAGE2-5)",
    load: async () => (await import("./run.js")).registerRun,
  },
  {
    name: "rerun",
    summary: "build one package again on the current run, then update the status DB and its report pages",
    load: async () => (await import("./rerun.js")).registerRerun,
  },
  {
    name: "postrun",
    summary: "status DBs, OUTGOING, history and the HTML report on the central node",
    load: async () => (await import("./postrun.js")).registerPostrun,
  },
  {
    name: "status",
    summary: "where the current run stands on every node: finished, running (with progress), silent or absent",
    load: async () => (await import("./status.js")).registerStatus,
  },
  {
    name: "report",
    summary: "generate the build report of the current run",
    load: async () => (await import("./report.js")).registerReport,
  },
  {
    name: "notify",
    summary: "email package maintainers about TIMEOUT and ERROR results",
    load: async () => (await import("./notify.js")).registerNotify,
  },
  {
    name: "impact",
    summary: "the packages whose dependency closure contains a package, with their last statuses",
    load: async () => (await import("./impact.js")).registerImpact,
  },
  {
    name: "propagate",
    summary: "publish the packages postrun approved (update, prepare, push)",
    load: async () => (await import("./propagate.js")).registerPropagateCommand,
  },
  {
    name: "schedule",
    summary: "the schedule as crontab lines or Task Scheduler XML, installed into a crontab, or next starts",
    load: async () => (await import("./schedule.js")).registerSchedule,
  },
  {
    name: "serve",
    summary: "serve the report directory over HTTP on localhost",
    load: async () => (await import("./serve.js")).registerServe,
  },
  {
    name: "demo",
    summary: "a complete local nightly build of the bundled example corpus",
    load: async () => (await import("./demo.js")).registerDemo,
  },
  {
    name: "spb",
    summary: "the Single Package Builder: build one submitted package on every SPB node",
    load: async () => (await import("./spb.js")).registerSpb,
  },
];

/** Global options that take a value: their value is not the command's name. */
const VALUED_GLOBAL_OPTIONS = new Set(["--config", "--host"]);

/** The command `args` (argv without node and script) names, `bbs help <command>` included. */
function commandNamed(args: readonly string[]): string | undefined {
  for (let at = 0; at < args.length; at += 1) {
    const arg = args[at] ?? "";
    if (VALUED_GLOBAL_OPTIONS.has(arg)) at += 1;
    else if (arg === "help") return args[at + 1];
    else if (!arg.startsWith("-")) return arg;
  }
  return undefined;
}

function packageVersion(): string {
  const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}

/**
 * The program with the command `argv` names fully registered and the others
 * as one-line entries (all of them when `argv` names none of them, as
 * `bbs config doc` and tests need).
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
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
  const named = argv === undefined ? undefined : commandNamed(argv.slice(2));
  const wanted = COMMANDS.find((command) => command.name === named);
  for (const command of COMMANDS) {
    if (argv === undefined || command === wanted) {
      (await command.load())(program);
      program.commands.find((registered) => registered.name() === command.name)?.summary(command.summary);
    } else program.command(command.name).summary(command.summary);
  }
  return program;
}

/** Runs the CLI; returns the exit code instead of exiting, so tests can call it. */
export async function main(argv: readonly string[]): Promise<ExitCode> {
  const program = await buildProgram(argv);
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
