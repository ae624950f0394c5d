// `bbs config check`: validates every host of a config directory, reporting all problems at once.

import type { Command } from "commander";
import { checkConfigDir } from "../config/load.js";
import { BbsError } from "../util/errors.js";
import { globalOptions } from "./context.js";

export function registerConfigCheck(group: Command): void {
  group
    .command("check")
    .description("validate global.yaml, every platform and every host of the config directory")
    .action((_options: unknown, command: Command) => {
      const { configDir } = globalOptions(command);
      const result = checkConfigDir(configDir);
      const problems = [...result.problems, ...result.siteProblems];
      if (problems.length > 0) {
        throw new BbsError("BBS_CONFIG_INVALID", `${problems.length} problem(s) in configuration ${result.configDir}`, {
          details: problems,
          hint: "fix the places listed above and run `bbs config check` again",
        });
      }
      process.stdout.write(`${result.configDir}: OK (${result.hosts.length} host(s): ${result.hosts.join(", ")})\n`);
    });
}
