// `bbs schedule [--host <id>] [--format crontab|schtasks] [--out <dir>]
//               [--install | --uninstall [--user <name>]] [--next]`:
// the config's `schedule:` section as crontab lines (Unix nodes) or Task
// Scheduler definitions (Windows nodes), merged into a crontab, or as the next
// start of every task. Without --host: every node, each in its own format.

import { Option, type Command } from "commander";
import { loadAllHosts } from "../config/load.js";
import {
  defaultFormat,
  installNode,
  nextReport,
  renderAll,
  renderNode,
  SCHEDULE_FORMATS,
  type ScheduleFormat,
} from "../schedule/index.js";
import { BbsError } from "../util/errors.js";
import { globalOptions } from "./context.js";

interface ScheduleCliOptions {
  format?: ScheduleFormat;
  out?: string;
  install?: boolean;
  uninstall?: boolean;
  user?: string;
  next?: boolean;
}

/** The node named by --host or $BBS_NODE_ID; undefined when neither is given. */
function explicitNode(command: Command): string | undefined {
  const host = command.optsWithGlobals<{ host?: string }>().host;
  const env = process.env.BBS_NODE_ID;
  return host ?? (env === undefined || env === "" ? undefined : env);
}

export function registerSchedule(program: Command): void {
  program
    .command("schedule")
    .description(
      "print the schedule as crontab lines or Task Scheduler XML, install it into a crontab, or show each task's next start",
    )
    .addOption(
      new Option("--format <format>", "crontab or schtasks (default: by the node's OS)").choices(SCHEDULE_FORMATS),
    )
    .option("--out <dir>", "schtasks: write one XML file per task here and print the schtasks lines")
    .addOption(
      new Option("--install", "merge the node's lines into a crontab between bbs's markers").conflicts([
        "uninstall",
        "next",
      ]),
    )
    .addOption(new Option("--uninstall", "remove the node's lines from a crontab").conflicts("next"))
    .option("--user <name>", "with --install/--uninstall: that user's crontab (crontab -u, as root)")
    .option("--next", "the next start of every task, on the node's clock and in UTC, with warnings")
    .action(async (options: ScheduleCliOptions, command: Command) => {
      const { configDir, nodeId: defaultNode } = globalOptions(command);
      const configs = loadAllHosts(configDir);
      const node = explicitNode(command);
      if (options.user !== undefined && !options.install && !options.uninstall) {
        throw new BbsError("BBS_USAGE", "--user goes with --install or --uninstall", {
          hint: "bbs schedule --host <id> --install --user <name>",
        });
      }
      if (options.next) {
        const report = nextReport(configs, new Date(), node);
        const rows = report.starts.map((s) => [
          s.task.nodeId,
          s.task.command,
          `${s.local} ${s.task.timeZone}`,
          `${s.utc} UTC`,
        ]);
        const header = ["node", "task", "next start (node's clock)", "UTC"];
        const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
        for (const row of [header, ...rows]) {
          process.stdout.write(
            `${row
              .map((cell, i) => cell.padEnd(widths[i] ?? 0))
              .join("  ")
              .trimEnd()}\n`,
          );
        }
        for (const warning of report.warnings) process.stderr.write(`warning: ${warning.message}\n`);
        if (report.note !== undefined) process.stderr.write(`note: ${report.note}\n`);
        return;
      }
      if (options.install || options.uninstall) {
        const target = node ?? defaultNode;
        const result = await installNode(configs, target, {
          ...(options.user === undefined ? {} : { user: options.user }),
          remove: options.uninstall === true,
        });
        const what = options.uninstall
          ? `removed the lines of ${target}`
          : `installed ${result.installed.length} task(s) of ${target} (${result.installed.map((t) => t.command).join(", ")})`;
        process.stdout.write(
          `${what} ${result.changed ? "in" : "already up to date in"} the crontab of ${result.user}\n`,
        );
        for (const task of result.elsewhere) {
          if (!options.uninstall)
            process.stdout.write(
              `note: ${task.command} runs as ${task.user}: bbs schedule --host ${target} --install --user ${task.user}\n`,
            );
        }
        return;
      }
      if (node === undefined) {
        if (options.out !== undefined) {
          throw new BbsError("BBS_USAGE", "--out needs --host <node-id>", {
            hint: "write one Windows node's tasks at a time",
          });
        }
        process.stdout.write(renderAll(configs, options.format));
        return;
      }
      const config = configs.get(node);
      const format = options.format ?? (config === undefined ? "crontab" : defaultFormat(config));
      if (options.out !== undefined && format !== "schtasks") {
        throw new BbsError("BBS_USAGE", "--out writes Task Scheduler files", { hint: "use it with --format schtasks" });
      }
      process.stdout.write(renderNode(configs, node, format, options.out === undefined ? {} : { outDir: options.out }));
    });
}
