// `bbs config import-bbs <BBS checkout> <version>/<buildtype>`: writes a draft
// config directory from a BBS config.sh chain and nodespecs.py, then lists what
// it could not translate (docs/migration.md).

import type { Command } from "commander";
import type { ImportResult } from "../config/import-bbs/index.js";

interface ImportCliOptions {
  out?: string;
  force?: boolean;
  central?: string;
  json?: boolean;
}

const HEADINGS: Record<string, string> = {
  "needs-user": "needs you",
  unparsed: "not understood (nothing was taken from these lines)",
  note: "translated, with a note",
  dropped: "not carried over (bbs has no use for them)",
};

export function registerConfigImportBbs(group: Command): void {
  group
    .command("import-bbs")
    .description("draft a config directory from a BBS checkout's config.sh chain and nodespecs.py")
    .argument("<checkout>", "directory of a BBS checkout (a clone of github.com/Bioconductor/BBS)")
    .argument("<build>", "<version>/<buildtype>, e.g. 3.21/bioc")
    .option("--out <dir>", "draft directory to write (default: config/<buildtype>-<version>)")
    .option("--force", "replace the draft directory if it exists")
    .option("--central <node>", "the central node, when several node directories set BBS_REPORT_NODES")
    .option("--json", "machine-readable output")
    .action(async (checkout: string, build: string, options: ImportCliOptions) => {
      // Loaded here so that `bbs config check` and `show` do not load the importer.
      const { importBbs, formatItem } = await import("../config/import-bbs/index.js");
      const result = importBbs({ checkout, build, ...options });
      if (options.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      process.stdout.write(summary(result, formatItem));
    });
}

function summary(result: ImportResult, formatItem: (item: ImportResult["items"][number]) => string): string {
  const lines = [
    `wrote ${result.outDir}: global.yaml, ${result.platforms.length} platform(s) (${result.platforms.join(", ")}), ${result.hosts.length} host(s) (${result.hosts.join(", ")}); central node ${result.central}`,
  ];
  if (result.checkProblems.length === 0) lines.push("bbs config check: OK");
  else {
    lines.push(`bbs config check: ${result.checkProblems.length} problem(s) for you to fix in the draft:`);
    for (const problem of result.checkProblems) lines.push(`  ${problem.replaceAll("\n", "\n  ")}`);
  }
  for (const [kind, heading] of Object.entries(HEADINGS)) {
    const items = result.items.filter((item) => item.kind === kind);
    if (items.length === 0) continue;
    lines.push(`${heading} (${items.length}):`);
    for (const item of items) lines.push(`  ${formatItem(item)}`);
  }
  return `${lines.join("\n")}\n`;
}
