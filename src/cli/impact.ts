// `bbs impact <pkg>[@<commit>] [--json]`: the packages of the build whose
// dependency closure contains <pkg>, in build order, with their last
// statuses (src/results/dependents.ts); with a commit, their statuses before
// and after the first run that built it, or that no run has yet.

import type { Command } from "commander";
import { HistoryStore } from "../history/store.js";
import { formatReverseImpact, parsePackageRef, reverseImpact } from "../results/dependents.js";
import { nodeConfig } from "./context.js";

export function registerImpact(program: Command): void {
  program
    .command("impact")
    .description("the packages whose dependency closure contains <pkg>, in build order, with their last statuses")
    .argument("<pkg>", "a package, or <package>@<commit> to see what that commit did (or will do) to them")
    .option("--json", "print the answer as JSON")
    .action((spec: string, options: { json?: boolean }, command: Command) => {
      const ref = parsePackageRef(spec);
      const config = nodeConfig(command);
      const store = HistoryStore.open(config.values.historyDb, { readonly: true });
      try {
        const result = reverseImpact(store, ref);
        process.stdout.write(
          options.json === true ? `${JSON.stringify(result, null, 2)}\n` : formatReverseImpact(result),
        );
      } finally {
        store.close();
      }
    });
}
