// `bbs config doc`: prints the key reference (docs/config.md is this output).

import type { Command } from "commander";
import { renderConfigDoc } from "../config/doc.js";

export function registerConfigDoc(group: Command): void {
  group
    .command("doc")
    .description("print the reference of every configuration key (Markdown; docs/config.md)")
    .action(() => {
      process.stdout.write(renderConfigDoc());
    });
}
