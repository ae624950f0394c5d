// The report benchmark: report generation for 2,300 generated packages x 5
// nodes (issue 5's goal: at most 15 s and 1 GiB peak memory). The input (a run
// directory with realistic outputs, and a history of previous runs) is
// written first, untimed; then a child process runs generateReport and
// reports its wall time and peak RSS: once into an empty place, once over the
// existing report (switching it and deleting the old tree).
//
// Options: --packages N   packages (default 2300)
//          --nodes N      nodes, 1-5 (default 5)
//          --history N    previous runs in the history (default 7; 0: no history)
//          --threads a,b  thread counts to measure (default: 1 and the default count)
//          --dir DIR      where to write input and report (default: the system temp dir);
//                         the file system matters: ~120,000 files are written
//          --keep         keep the input and the report

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statfsSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { defaultReportThreads } from "../../src/report/index.js";
import { numberOption, optionValue, type Benchmark } from "../types.js";
import { writeBenchRun } from "./workload.js";

const run = promisify(execFile);

interface ChildFigures {
  wallMs: number;
  reportMs: number;
  maxRssKiB: number;
  userMs: number;
  systemMs: number;
  threads: number;
  pages: number;
  files: number;
  bytes: number;
  timings?: Record<string, number>;
  warnings: number;
}

const FS_TYPES: Readonly<Record<number, string>> = {
  0x01021994: "tmpfs",
  0xef53: "ext4",
  0x58465342: "xfs",
  0x9123683e: "btrfs",
  0x794c7630: "overlayfs",
};

function fileSystem(dir: string): string {
  const type = statfsSync(dir).type;
  return FS_TYPES[type] ?? `type 0x${type.toString(16)}`;
}

async function measure(args: readonly string[]): Promise<ChildFigures> {
  const child = fileURLToPath(new URL("./child.js", import.meta.url));
  const { stdout } = await run(process.execPath, [child, ...args], { maxBuffer: 16 * 1024 * 1024 });
  const last = stdout.trim().split("\n").pop() ?? "";
  return JSON.parse(last) as ChildFigures;
}

function line(label: string, figures: ChildFigures): string {
  const timings = figures.timings
    ? Object.entries(figures.timings)
        .map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)}`)
        .join(", ")
    : "";
  return (
    `${label.padEnd(24)} ${(figures.wallMs / 1000).toFixed(1).padStart(6)} s wall  ${(figures.maxRssKiB / 1024).toFixed(0).padStart(5)} MiB peak RSS  ` +
    `cpu ${((figures.userMs + figures.systemMs) / 1000).toFixed(1)} s (sys ${(figures.systemMs / 1000).toFixed(1)})  ${figures.pages} pages, ${figures.files} files, ${(figures.bytes / 1e6).toFixed(0)} MB` +
    (timings === "" ? "" : `\n${"".padEnd(24)} phases (s): ${timings}`)
  );
}

export const reportBenchmark: Benchmark = {
  name: "report",
  description: "report generation for 2,300 generated packages x 5 nodes (goal <= 15 s, <= 1 GiB peak RSS)",
  async run(args) {
    const count = numberOption(args, "packages", 2300);
    const nodes = Math.min(5, numberOption(args, "nodes", 5));
    const previousRuns = optionValue(args, "history") === "0" ? 0 : numberOption(args, "history", 7);
    const root = mkdtempSync(join(optionValue(args, "dir") ?? tmpdir(), "bbs-bench-report-"));
    try {
      const writing = Date.now();
      const input = writeBenchRun(root, count, nodes, previousRuns);
      process.stdout.write(
        `input: ${input.packages} packages x ${nodes} nodes, ${input.cells} results, ${previousRuns} previous runs in the history; written in ${((Date.now() - writing) / 1000).toFixed(1)} s\n` +
          `file system of ${root}: ${fileSystem(root)}; load average ${loadavg()
            .map((v) => v.toFixed(2))
            .join(" ")}\n`,
      );
      const threads = (optionValue(args, "threads") ?? `1,${defaultReportThreads()}`)
        .split(",")
        .map(Number)
        .filter((n, i, all) => n >= 1 && all.indexOf(n) === i);
      for (const count of threads) {
        const reportDir = join(root, `report-${count}`);
        const childArgs = [
          String(count),
          input.config.dir,
          input.runDir,
          reportDir,
          ...(previousRuns > 0 ? [input.historyDb] : []),
        ];
        const first = await measure(childArgs);
        process.stdout.write(`${line(`${count} thread(s), new`, first)}\n`);
        const again = await measure(childArgs);
        process.stdout.write(`${line(`${count} thread(s), replacing`, again)}\n`);
        const worst = Math.max(first.wallMs, again.wallMs) / 1000;
        const peak = Math.max(first.maxRssKiB, again.maxRssKiB) / 1024;
        process.stdout.write(
          `${"".padEnd(24)} goal <= 15 s and <= 1024 MiB: ${worst <= 15 && peak <= 1024 ? "met" : "NOT met"} (worst ${worst.toFixed(1)} s, ${peak.toFixed(0)} MiB)\n`,
        );
      }
    } finally {
      if (args.includes("--keep")) process.stdout.write(`kept ${root}\n`);
      else rmSync(root, { recursive: true, force: true });
    }
  },
};
