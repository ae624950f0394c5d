// The tasks of a build's schedule: which bbs command starts on which node, when,
// as which user, and with which arguments and log file. Derived from every
// host's resolved configuration (the schedule keys are per node, so a builder
// may start at its own time); crontab.ts and schtasks.ts only render them.

import type { ResolvedConfig } from "../config/load.js";
import { parseReportNodes } from "../config/nodes.js";
import { SCHEDULED_COMMANDS, type ScheduledCommand } from "../config/schedule-keys.js";
import { parseSchedule, type ParsedSchedule } from "../config/schedule-rules.js";
import { osFamilyOf } from "../rpkg/support.js";
import { BbsError } from "../util/errors.js";

export interface ScheduledTask {
  command: ScheduledCommand;
  nodeId: string;
  /** The user whose crontab (or Task Scheduler principal) holds the task; undefined: whoever installs it. */
  user: string | undefined;
  time: string;
  days: string;
  timeZone: string;
  schedule: ParsedSchedule;
  /** schedule.command: how the node starts bbs. */
  program: string;
  /** Arguments of bbs: global options, the command, its options. */
  args: string[];
  /** Directory of the dated log `<node>-<YYYYMMDD>-<command>.log`. */
  logDir: string;
  windows: boolean;
}

/** `3.21-bioc`: names the build in crontab markers and Task Scheduler folders. */
export function buildTag(config: ResolvedConfig): string {
  return `${config.values.biocVersion}-${config.values.buildType}`;
}

export function isWindowsNode(config: ResolvedConfig): boolean {
  return osFamilyOf(config.values.rPlatform) === "win" || /windows/i.test(config.values.os);
}

/** The nodes a command runs on: builders for `run`, the central node for the others. */
function nodesOf(command: ScheduledCommand, configs: ReadonlyMap<string, ResolvedConfig>, central: string): string[] {
  if (command !== "run") return [central];
  const any = configs.get(central) ?? [...configs.values()][0];
  if (any === undefined) return [];
  return parseReportNodes(any.values.reportNodes)
    .filter((node) => !node.foreign && configs.has(node.id))
    .map((node) => node.id);
}

function taskOf(command: ScheduledCommand, config: ResolvedConfig, configDir: string): ScheduledTask | undefined {
  const v = config.values;
  const time = v[`schedule.${command}.time`];
  if (time === undefined) return undefined;
  const days = v[`schedule.${command}.days`];
  const parsed = parseSchedule(time, days);
  if (!parsed.ok) {
    // config rules reject this already; kept so a caller with an unchecked config still gets a clear error.
    throw new BbsError("BBS_CONFIG_INVALID", `schedule.${command} of ${config.nodeId}: ${parsed.message}`, {
      hint: parsed.hint,
    });
  }
  const extra = v[`schedule.${command}.options`];
  // postrun waits for every builder's end of run: that, not a guessed hour, is what makes it safe to schedule early.
  const commandArgs = command === "postrun" ? ["postrun", "--wait", ...extra] : [command, ...extra];
  const user = command === "propagate" ? (v["schedule.propagate.user"] ?? v.user) : v.user;
  return {
    command,
    nodeId: config.nodeId,
    user,
    time,
    days,
    timeZone: v["schedule.timeZone"],
    schedule: parsed.value,
    program: v["schedule.command"],
    args: ["--config", v["schedule.configDir"] ?? configDir, "--host", config.nodeId, ...commandArgs],
    logDir: command === "propagate" ? v["schedule.propagate.logDir"] : v.logDir,
    windows: isWindowsNode(config),
  };
}

/** Every scheduled task of the build, in the order of a night (prerun, run on each builder, postrun...). */
export function scheduledTasks(configs: ReadonlyMap<string, ResolvedConfig>): ScheduledTask[] {
  const first = [...configs.values()][0];
  if (first === undefined) return [];
  const central = first.values["central.nodeId"];
  const tasks: ScheduledTask[] = [];
  for (const command of SCHEDULED_COMMANDS) {
    for (const nodeId of nodesOf(command, configs, central)) {
      const config = configs.get(nodeId);
      if (config === undefined) continue;
      const task = taskOf(command, config, config.configDir);
      if (task !== undefined) tasks.push(task);
    }
  }
  return tasks;
}

/** The tasks of one node, or a clear error when the node is unknown or has none. */
export function tasksOfNode(
  tasks: readonly ScheduledTask[],
  configs: ReadonlyMap<string, ResolvedConfig>,
  nodeId: string,
): ScheduledTask[] {
  if (!configs.has(nodeId)) {
    throw new BbsError("BBS_CONFIG_NOT_FOUND", `no host file hosts/${nodeId}.yaml`, {
      hint: `known nodes: ${[...configs.keys()].join(", ")}`,
    });
  }
  return tasks.filter((task) => task.nodeId === nodeId);
}

/** Log file name as BBS's crontab lines write it, with the date left to the shell: `<node>-<date>-<command>.log`. */
export function logFileName(task: ScheduledTask, date: string): string {
  return `${task.nodeId}-${date}-${task.command}.log`;
}
