// One noisy package must not cost the night its report (issue 15, item 2): a
// CHECK log of 1 GiB and a log made of one 100 MiB line. `bbs report` (the
// CLI, worker threads and all) finishes with every package's pages, each leaf
// page shows the head and the tail of a huge log with a link to the full one
// (raw results), and the process's peak RSS stays under 500 MB. The 1 GiB is
// written by `yes | head -c` (seconds) and removed after the file's tests.

import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { transpileCli } from "../util/helpers/transpile.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { oneNodeReportArgs, oneNodeRun, type Fixture } from "./fixture.js";
import { peakRssMb, peakRssNodeOptions } from "../util/helpers/peak-rss.js";

const temp = useTempDirs();
const GIB = 1024 * 1024 * 1024;
const LONG_LINE = 100 * 1024 * 1024;
let fixture: Fixture;
let reportDir: string;
let result: { exitCode: number | undefined; output: string; peakRssMb: number };

function productsFile(stage: string, name: string): string {
  return join(fixture.runDir, "products-in", "solo1", stage, name);
}

beforeAll(async () => {
  fixture = oneNodeRun(await temp.make("report-huge-log"));
  // Alpha's CHECK printed 1 GiB of lines; betaWarn's one line of 100 MiB.
  await execa("sh", [
    "-c",
    `{ echo 'FIRST LINE of a noisy check'; yes 'all work and no play makes a noisy package' | head -c ${GIB}; echo; echo 'LAST LINE: Status: OK'; } > "$1"`,
    "sh",
    productsFile("checksrc", "Alpha.checksrc-out.txt"),
  ]);
  await execa("sh", [
    "-c",
    `{ echo 'before the long line'; head -c ${LONG_LINE} /dev/zero | tr '\\0' x; echo; echo 'after the long line'; } > "$1"`,
    "sh",
    productsFile("checksrc", "betaWarn.checksrc-out.txt"),
  ]);
  reportDir = join(fixture.root, "report");
  const run = await execa("node", [...peakRssNodeOptions(), transpileCli(), ...oneNodeReportArgs(fixture, reportDir)], {
    reject: false,
    all: true,
  });
  result = { exitCode: run.exitCode, output: run.all, peakRssMb: peakRssMb(run.stderr) };
}, 600_000);

describe("bbs report with a 1 GiB log and a 100 MiB line", () => {
  it("finishes, with every package's pages, and peaks under 500 MB", () => {
    expect(result.output, result.output.slice(-3000)).toMatch(/^report of run /m);
    expect(result.exitCode).toBe(0);
    expect(result.peakRssMb).toBeLessThan(500);
    for (const pkg of ["Alpha", "betaWarn", "checkErr", "buildErr", "instErr", "timeoutPkg"])
      expect(statSync(join(reportDir, pkg, "solo1-install.html")).isFile()).toBe(true);
    expect(readdirSync(fixture.root).filter((name) => name.includes(".new-"))).toEqual([]);
  });

  it("shows the head and the tail of the 1 GiB log, and links the full one", () => {
    const page = readFileSync(join(reportDir, "Alpha", "solo1-checksrc.html"), "utf8");
    expect(page.length).toBeLessThan(4 * 1024 * 1024);
    expect(page.includes("FIRST LINE of a noisy check")).toBe(true);
    expect(page.includes("LAST LINE: Status: OK")).toBe(true);
    // 1 GiB of 43-byte lines, less the two MiB shown.
    const note = /\.\.\. ([0-9,]+) lines \(([0-9.]+ MiB)\) not shown: <a href="([^"]+)">/.exec(page);
    expect(note?.slice(2)).toEqual(["1022 MiB", "raw-results/solo1/checksrc-out.txt"]);
    expect(Math.abs(Number(note?.[1]?.replace(/,/g, "")) - (GIB - 2 * 1024 * 1024) / 43)).toBeLessThan(5);
    // The full log is in the raw results (a hard link, no copy).
    expect(statSync(join(reportDir, "Alpha", "raw-results", "solo1", "checksrc-out.txt")).size).toBeGreaterThan(GIB);
  });

  it("shows a bounded part of the 100 MiB line, and the lines around it", () => {
    const page = readFileSync(join(reportDir, "betaWarn", "solo1-checksrc.html"), "utf8");
    expect(page.length).toBeLessThan(4 * 1024 * 1024);
    expect(page.includes("before the long line")).toBe(true);
    expect(page.includes("after the long line")).toBe(true);
    // The rest of the long line, up to the newline that ends it.
    expect(/\.\.\. 1 line \(([0-9.]+ MiB)\) not shown/.exec(page)?.[1]).toBe("99 MiB");
  });
});
