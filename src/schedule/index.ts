// `bbs schedule`: the build's schedule (tasks.ts) rendered per node as crontab
// lines or Task Scheduler definitions, installed into a crontab, or shown as
// next start times with warnings. The CLI (src/cli/schedule.ts) only parses
// options and prints what these functions return.

import { mkdirSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import type { ResolvedConfig } from "../config/load.js";
import { BbsError } from "../util/errors.js";
import { writeFileAtomic } from "../util/fs.js";
import { crontabBlock } from "./crontab.js";
import { installCrontabBlock, type CrontabTarget, type InstallResult } from "./install.js";
import { nextStarts, prerunDurations, scheduleWarnings, type NextStart, type ScheduleWarning } from "./next.js";
import { taskDefinitions } from "./schtasks.js";
import { buildTag, isWindowsNode, scheduledTasks, tasksOfNode, type ScheduledTask } from "./tasks.js";
import { localTimeZone, sameClock } from "./zones.js";

export type ScheduleFormat = "crontab" | "schtasks";
export const SCHEDULE_FORMATS: readonly ScheduleFormat[] = ["crontab", "schtasks"];

export { scheduledTasks, type ScheduledTask };

function noTasks(configs: ReadonlyMap<string, ResolvedConfig>, nodeId?: string): BbsError {
  const where = nodeId === undefined ? "any node" : `node ${nodeId}`;
  return new BbsError("BBS_PRECONDITION", `the configuration schedules no task on ${where}`, {
    hint: `set schedule.<command>.time (prerun, run, postrun, notify, propagate) in ${[...configs.values()][0]?.configDir ?? "the config"}/global.yaml or a host file; see docs/schedule.md`,
  });
}

/** The block id of a node's lines in a crontab: build and node. */
export function blockIdOf(config: ResolvedConfig): string {
  return `${buildTag(config)}/${config.nodeId}`;
}

export function defaultFormat(config: ResolvedConfig): ScheduleFormat {
  return isWindowsNode(config) ? "schtasks" : "crontab";
}

/** Whose crontab a task goes to; undefined: whoever installs it. */
function usersOf(tasks: readonly ScheduledTask[]): (string | undefined)[] {
  return [...new Set(tasks.map((task) => task.user))];
}

/** A node's schedule as text: crontab blocks (one per user) or Task Scheduler XML followed by its schtasks line. */
export function renderNode(
  configs: ReadonlyMap<string, ResolvedConfig>,
  nodeId: string,
  format: ScheduleFormat,
  options: { outDir?: string } = {},
): string {
  const config = configs.get(nodeId);
  const tasks = tasksOfNode(scheduledTasks(configs), configs, nodeId);
  if (config === undefined || tasks.length === 0) throw noTasks(configs, nodeId);
  if (format === "crontab") {
    return usersOf(tasks)
      .map((user) => {
        const mine = tasks.filter((task) => task.user === user);
        const whose = user === undefined ? "the build user" : user;
        return `# crontab of ${whose} on ${nodeId} (install: bbs schedule --host ${nodeId} --install${user === undefined ? "" : ` --user ${user}`})\n${crontabBlock(blockIdOf(config), mine)}\n`;
      })
      .join("\n");
  }
  const definitions = taskDefinitions(tasks, buildTag(config));
  if (options.outDir !== undefined) {
    const outDir = options.outDir;
    mkdirSync(outDir, { recursive: true });
    return definitions
      .map((definition) => {
        const path = join(outDir, definition.fileName);
        // Task Scheduler's own exports are UTF-16 with a byte order mark; schtasks reads those everywhere.
        writeFileAtomic(
          path,
          Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(definition.xml("UTF-16"), "utf16le")]),
        );
        return `${definition.createCommand(definition.fileName)}\n`;
      })
      .join("");
  }
  // Each document between its file name and its schtasks line: cut at the `# ` lines, each part is the file.
  return definitions
    .map(
      (definition) =>
        `# ${definition.fileName}\n${definition.xml("UTF-8")}# register: ${definition.createCommand(definition.fileName)}\n`,
    )
    .join("\n");
}

/** Every node with a task, each in its own format: crontab for Unix nodes, Task Scheduler for Windows ones. */
export function renderAll(configs: ReadonlyMap<string, ResolvedConfig>, format: ScheduleFormat | undefined): string {
  const tasks = scheduledTasks(configs);
  if (tasks.length === 0) throw noTasks(configs);
  const nodes = [...new Set(tasks.map((task) => task.nodeId))];
  return nodes
    .map((nodeId) => {
      const config = configs.get(nodeId) as ResolvedConfig;
      const chosen = format ?? defaultFormat(config);
      return `# ==== ${nodeId} (${chosen === "crontab" ? "crontab" : "Windows Task Scheduler"}) ====\n${renderNode(configs, nodeId, chosen)}`;
    })
    .join("\n");
}

export interface InstallOptions {
  /** `crontab -u`: another user's crontab (needs root). */
  user?: string;
  /** Remove the node's block instead of installing it. */
  remove?: boolean;
  crontabProgram?: string;
  /** The clock the cron daemon runs on; default: this process's. */
  localZone?: string;
}

export interface InstallReport extends InstallResult {
  user: string;
  installed: ScheduledTask[];
  /** Tasks of the node that belong in another user's crontab. */
  elsewhere: ScheduledTask[];
}

/** Merges the node's tasks for one user into that user's crontab between bbs's markers. */
export async function installNode(
  configs: ReadonlyMap<string, ResolvedConfig>,
  nodeId: string,
  options: InstallOptions = {},
): Promise<InstallReport> {
  const config = configs.get(nodeId);
  const tasks = tasksOfNode(scheduledTasks(configs), configs, nodeId);
  if (config === undefined) throw noTasks(configs, nodeId);
  if (isWindowsNode(config)) {
    throw new BbsError("BBS_USAGE", `${nodeId} is a Windows node: it has no crontab`, {
      hint: `write its task definitions with \`bbs schedule --host ${nodeId} --format schtasks --out <dir>\` and run the printed schtasks lines on ${nodeId}`,
    });
  }
  const user = options.user ?? userInfo().username;
  const installed = tasks.filter((task) => task.user === undefined || task.user === user);
  const elsewhere = tasks.filter((task) => !installed.includes(task));
  if (!options.remove) {
    if (installed.length === 0) {
      throw new BbsError("BBS_PRECONDITION", `no task of ${nodeId} belongs in the crontab of ${user}`, {
        hint:
          tasks.length === 0
            ? "set schedule.<command>.time in the configuration (docs/schedule.md)"
            : `its tasks run as ${usersOf(tasks).join(", ")}: pass --user <name> (as root) or run it as that user`,
      });
    }
    const zone = options.localZone ?? localTimeZone();
    const wrong = installed.find((task) => !sameClock(task.timeZone, zone));
    if (wrong !== undefined) {
      throw new BbsError(
        "BBS_PRECONDITION",
        `the schedule of ${nodeId} is written in ${wrong.timeZone}, but this machine's clock is ${zone}: cron would start ${wrong.command} at ${wrong.time} ${zone}`,
        {
          hint: `set schedule.timeZone: ${zone} for ${nodeId} (and its times in that zone), or set the machine's zone (timedatectl set-timezone ${wrong.timeZone})`,
        },
      );
    }
  }
  const target: CrontabTarget = {
    ...(options.user === undefined ? {} : { user: options.user }),
    ...(options.crontabProgram === undefined ? {} : { program: options.crontabProgram }),
  };
  const result = await installCrontabBlock(
    target,
    blockIdOf(config),
    options.remove ? undefined : crontabBlock(blockIdOf(config), installed),
  );
  return { ...result, user, installed: options.remove ? [] : installed, elsewhere };
}

export interface NextReport {
  starts: NextStart[];
  warnings: ScheduleWarning[];
  /** Why no warning could be computed, if so. */
  note: string | undefined;
}

export function nextReport(configs: ReadonlyMap<string, ResolvedConfig>, now: Date, nodeId?: string): NextReport {
  const all = scheduledTasks(configs);
  if (all.length === 0) throw noTasks(configs);
  const starts = nextStarts(all, now);
  const first = [...configs.values()][0] as ResolvedConfig;
  const central = configs.get(first.values["central.nodeId"]) ?? first;
  const prerun = prerunDurations(central.values.historyDb, central.nodeId);
  const hasPrerun = all.some((task) => task.command === "prerun");
  const warnings = scheduleWarnings(
    starts,
    prerun,
    (id) => configs.get(id)?.values["run.targetRepoTimeout"] ?? 0,
  ).filter((w) => nodeId === undefined || w.nodeId === nodeId);
  const note = !hasPrerun
    ? "prerun is not scheduled: the builders' start times cannot be compared with it"
    : prerun.meanSeconds === undefined
      ? `no finished prerun in the history ${prerun.source}: the builders' start times are not compared with prerun's duration yet`
      : undefined;
  return { starts: starts.filter((s) => nodeId === undefined || s.task.nodeId === nodeId), warnings, note };
}
