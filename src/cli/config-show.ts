// `bbs config show [--json]`: the resolved configuration of one node, each value
// labelled with the layer that set it.

import type { Command } from "commander";
import { describeConfig, formatConfigTable } from "../config/describe.js";
import { nodeConfig } from "./context.js";

export function registerConfigShow(group: Command): void {
  group
    .command("show")
    .description("print the resolved configuration of the selected host, with the layer that set each value")
    .option("--json", "machine-readable output")
    .action((options: { json?: boolean }, command: Command) => {
      const config = nodeConfig(command);
      const description = describeConfig(config);
      process.stdout.write(options.json ? `${JSON.stringify(description, null, 2)}\n` : formatConfigTable(description));
    });
}
