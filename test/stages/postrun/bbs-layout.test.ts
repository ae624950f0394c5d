// Acceptance of issue 14: a central directory in BBS's own layout (no
// run.json; CRLF summaries from a Windows node; a UTF-8 log on an iso8859-1
// node; linux, win32, win64 in UnsupportedPlatforms) through `bbs postrun`,
// two nights at the same path as BBS keeps it: statuses as BBS's rule gives
// them, text decoded as BBS would, the snapshot date on the pages, and "new
// problems" computed against the previous night.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { stagesFor } from "../../../src/results/status.js";
import {
  BBS_NODES,
  REGRESSED,
  UTF8_LOG_LINES,
  writeBbsBuildConfig,
  writeBbsNight,
} from "../../fixtures/bbs-central.js";
import { checkBbsReaders, type BbsReaderNode } from "../../fixtures/bbs-readers.js";
import type { BuildConfig } from "../../fixtures/results-run.js";
import { useTempDirs } from "../../fixtures/tmp.js";
import { bbsInProcess, type CliResult } from "./cli.js";

const temp = useTempDirs();
let config: BuildConfig;
let centralDir = "";
let reportDir = "";
const runs: CliResult[] = [];

const NIGHT1 = new Date("2021-11-22T02:55:00Z"); // 2021-11-21 21:55 -0500
const NIGHT2 = new Date("2021-11-23T02:50:00Z");

beforeAll(async () => {
  const root = await temp.make("bbs-layout");
  config = writeBbsBuildConfig(root);
  centralDir = config.central.values["central.dir"];
  reportDir = config.central.values["report.publishDest"] as string;
  for (const [night, snapshot] of [
    [1, NIGHT1],
    [2, NIGHT2],
  ] as const) {
    writeBbsNight(centralDir, night, snapshot);
    runs.push(await bbsInProcess(["--config", config.dir, "--host", "nebbiolo1", "postrun"]));
  }
}, 300_000);

const readerNodes: BbsReaderNode[] = BBS_NODES.map((node) => ({
  id: node.id,
  hostname: node.id,
  arch: node.arch,
  pkgType: node.pkgType,
  stages: stagesFor("bioc", node.bin === true),
}));

describe("bbs postrun on a BBS-layout central directory, two nights", () => {
  it("goes through both nights without run.json", () => {
    for (const run of runs) expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(existsSync(join(centralDir, "run.json"))).toBe(false);
  });

  it("writes the status DB as BBS's rule gives it: legacy entries ignored, CRLF summaries read", () => {
    const db = readFileSync(join(centralDir, "BUILD_STATUS_DB.txt"), "utf8");
    expect(checkBbsReaders(centralDir, readerNodes)).toMatchObject({ missing: [], unexpected: [] });
    const lines = new Set(db.trim().split("\n"));
    for (const pkg of ["legacyLinux", "legacyWin"]) {
      expect(lines).toContain(`${pkg}#nebbiolo1#install: OK`);
      expect(lines).toContain(`${pkg}#palomino3#buildbin: OK`);
    }
    expect(lines).toContain("legacyWin#palomino3#checksrc: WARNINGS"); // from a CRLF summary
    expect(db).not.toContain("unixOnly#palomino3");
    expect(db).not.toContain("notOnNebbiolo#nebbiolo1");
    expect(lines).toContain("notOnNebbiolo#palomino3#checksrc: OK");
    for (const pkg of REGRESSED) expect(lines).toContain(`${pkg}#nebbiolo1#checksrc: ERROR`);
    expect(db).not.toMatch(/: NA$/m);
  });

  it("shows the UTF-8 log of the iso8859-1 node as BBS decodes it", () => {
    const leaf = readFileSync(join(reportDir, "utf8Log", "palomino3-checksrc.html"), "utf8");
    for (const line of UTF8_LOG_LINES) expect(leaf).toContain(line);
    expect(leaf).not.toContain("Â§");
    expect(leaf).not.toContain("â•");
  });

  it("puts the snapshot date of gitlog/git-log.dcf on the pages", () => {
    for (const page of ["index.html", "long-report.html"]) {
      expect(readFileSync(join(reportDir, page), "utf8")).toContain(
        'Approx. Package Snapshot Date/Time (git pull): <span class="svn_info">2021-11-22 21:50 -0500 (Mon, 22 Nov 2021)</span>',
      );
    }
  });

  it("computes new problems against the previous night", () => {
    const index = readFileSync(join(reportDir, "index.html"), "utf8");
    expect(index).toContain(`Show only packages with a new problem since the last run (${REGRESSED.length} packages)`);
    const json = JSON.parse(readFileSync(join(reportDir, "report.json"), "utf8")) as {
      run: { runId: string | null };
      packages: Array<{ package: string; newProblem: boolean }>;
    };
    expect(json.packages.filter((p) => p.newProblem).map((p) => p.package)).toEqual(REGRESSED);
    expect(json.run.runId).toBe("20211122-215000");
  });
});
