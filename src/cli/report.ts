// `bbs report`: (re)generates the HTML report, report.json and raw results of
// the current run (central.dir) into report.path, as postrun's report step
// does. Useful after fixing a node's results by hand, or to look at a run
// still in progress.

import type { Command } from "commander";
import { existsSync, realpathSync } from "node:fs";
import { loadAllHosts } from "../config/load.js";
import { generateReport } from "../report/index.js";
import { BbsError } from "../util/errors.js";
import { globalOptions } from "./context.js";

interface ReportOptions {
  runDir?: string;
  reportDir?: string;
  history: boolean;
  json?: boolean;
}

export function registerReport(program: Command): void {
  program
    .command("report")
    .description("generate the build report of the current run (central.dir) into report.path")
    .option("--run-dir <dir>", "run directory to report on (default: central.dir, the current run)")
    .option("--report-dir <dir>", "where the report goes (default: report.path)")
    .option("--no-history", "do not read the history database (no past statuses, no 'new problems' filter)")
    .option("--json", "print the summary as JSON")
    .action(async (options: ReportOptions, command: Command) => {
      const { configDir, nodeId } = globalOptions(command);
      const hosts = loadAllHosts(configDir);
      const selected = hosts.get(nodeId);
      const centralId = selected?.values["central.nodeId"] ?? [...hosts.values()][0]?.values["central.nodeId"];
      const central = centralId === undefined ? undefined : hosts.get(centralId);
      if (central === undefined) {
        throw new BbsError(
          "BBS_CONFIG_INVALID",
          `the central node ${centralId ?? "(unset)"} has no host file in ${configDir}`,
          {
            hint: "set central.nodeId in global.yaml to one of the hosts/<node-id>.yaml",
          },
        );
      }
      const runDirOption = options.runDir ?? central.values["central.dir"];
      if (!existsSync(runDirOption)) {
        throw new BbsError("BBS_PRECONDITION", `run directory ${runDirOption} does not exist`, {
          hint:
            options.runDir === undefined
              ? "central.dir is created by `bbs prerun`; run it first, or pass --run-dir"
              : "pass the directory of a run (<central.runsDir>/<run-id>)",
        });
      }
      const runDir = realpathSync(runDirOption);
      const historyDb = central.values.historyDb;
      const summary = await generateReport({
        central,
        hosts,
        runDir,
        reportDir: options.reportDir ?? central.values["report.path"],
        ...(options.history && existsSync(historyDb) ? { historyDb } : {}),
      });
      if (options.json) {
        process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        return;
      }
      const lines = [
        `report of run ${summary.runId ?? "(unknown)"}: ${summary.packages} packages, ${summary.pages} pages, ${summary.files} files in ${(summary.elapsedMs / 1000).toFixed(1)} s`,
        `  -> ${summary.reportDir}`,
        ...summary.nodes.filter((node) => node.state !== "finished").map((node) => `  node ${node.id}: ${node.state}`),
        ...summary.warnings.map((warning) => `  warning: ${warning}`),
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
    });
}
