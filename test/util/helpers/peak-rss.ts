// The peak resident set size of a `node` child process (VmHWM of Linux's
// /proc/self/status, threads included, child processes not), for tests that
// bound what bbs holds in memory. The child is started with `--import` of a
// small script that prints the figure to stderr when the process exits.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const MARKER = "bbs-test-peak-rss-kb:";
let script: string | undefined;

/** Node options that make the child print its peak RSS on exit (put them before the script). */
export function peakRssNodeOptions(): string[] {
  if (script === undefined) {
    script = join(mkdtempSync(join(tmpdir(), "bbs-peak-rss-")), "peak-rss.mjs");
    writeFileSync(
      script,
      [
        'import { readFileSync } from "node:fs";',
        'process.on("exit", () => {',
        '  const match = /^VmHWM:\\s+(\\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"));',
        `  process.stderr.write("\\n${MARKER} " + (match ? match[1] : "unknown") + "\\n");`,
        "});",
        "",
      ].join("\n"),
    );
  }
  return ["--import", script];
}

/** The peak RSS (MB) a child printed on stderr; NaN when it did not (it crashed). */
export function peakRssMb(stderr: string): number {
  const match = new RegExp(`^${MARKER} (\\d+)$`, "m").exec(stderr);
  return match?.[1] === undefined ? Number.NaN : Number(match[1]) / 1024;
}
