// `bbs status [--json] [--run <id>]` on the central node: tonight's run, each
// report node not started / running (progress, ETA) / finished / failed /
// silent since T, and what `bbs postrun` would do now (stages/postrun/site-status.ts).

import type { Command } from "commander";
import { describeLiveness } from "../results/heartbeat.js";
import { siteStatus, type SiteStatus } from "../stages/postrun/site-status.js";
import { logTimestamp } from "../util/log-format.js";
import { nodeConfig } from "./context.js";

interface StatusCliOptions {
  json?: boolean;
  run?: string;
}

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description("on the central node: the current run, every builder's progress, and what postrun would do now")
    .option("--json", "print the status as JSON (for scripts and monitoring)")
    .option("--run <id>", "the status of this run of central.runsDir instead of the current one")
    .action((options: StatusCliOptions, command: Command) => {
      const config = nodeConfig(command);
      const status = siteStatus(config, options.run === undefined ? {} : { runId: options.run });
      process.stdout.write(options.json === true ? `${JSON.stringify(status, null, 2)}\n` : statusText(status));
    });
}

function statusText(status: SiteStatus): string {
  const time = (iso: string): string => logTimestamp(new Date(iso));
  const width = Math.max(4, ...status.nodes.map((node) => node.node.length));
  const lines = [
    `run ${status.runId}${status.snapshotDate === undefined ? "" : ` (snapshot ${status.snapshotDate})`}: ${status.runDir}`,
    ...status.nodes.map((node) => `  ${node.node.padEnd(width)}  ${describeLiveness(node, time)}`),
    ...status.problems.map((problem) => `  warning: ${problem}`),
    status.postrun.ranAt === undefined
      ? "postrun has not run on this run"
      : `postrun ran at ${time(status.postrun.ranAt)}`,
    `postrun now would ${status.postrun.now}`,
  ];
  return `${lines.join("\n")}\n`;
}
