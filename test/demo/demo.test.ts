// `bbs demo` end to end, as the README's first command runs it: the example
// corpus through a whole local night, checked against the statuses the corpus
// was designed to produce (the table of examples/corpus/README.md).

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { DEMO_NODE_ID, demoLayout, packageRoot } from "../../src/demo/setup.js";
import { checkBbsReaders, readerNode } from "../fixtures/bbs-readers.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { transpileCli } from "../util/helpers/transpile.js";

const dirs = useTempDirs();

interface Designed {
  pkg: string;
  install: string;
  build: string;
  check: string;
}

/** The README's table: `| package | depends on | INSTALL | BUILD | CHECK | why |`; `-` means not built here. */
function designedStatuses(): Designed[] {
  const readme = readFileSync(join(packageRoot(), "examples", "corpus", "README.md"), "utf8");
  return readme
    .split("\n")
    .filter((line) => /^\| tiny/.test(line))
    .map((line) => line.split("|").map((cell) => cell.trim()))
    .map((cells) => ({ pkg: cells[1] ?? "", install: cells[3] ?? "", build: cells[4] ?? "", check: cells[5] ?? "" }));
}

let workDir = "";
let output = "";
let exitCode: number | undefined;

beforeAll(async () => {
  workDir = join(await dirs.make("demo"), "bbs-demo");
  // A CHECK timeout long enough for the healthy checks on a loaded machine, short enough for the test.
  const result = await execa("node", [transpileCli(), "demo", "--workdir", workDir, "--check-timeout", "75"], {
    reject: false,
    all: true,
    env: { BBS_CONFIG: "", BBS_NODE_ID: "" },
  });
  output = result.all ?? "";
  exitCode = result.exitCode;
}, 1_200_000);

describe("bbs demo", () => {
  it("completes every step and says where the report and the repository are", () => {
    expect(exitCode, output).toBe(0);
    expect(output).toContain(`report:      ${join(workDir, "published-report", "index.html")}`);
    expect(output).toContain(`repository:  ${join(workDir, "published-repo")}`);
    expect(existsSync(join(workDir, "published-report", "index.html"))).toBe(true);
  });

  it("produces the statuses the example corpus was designed to produce", () => {
    const designed = designedStatuses();
    expect(designed).toHaveLength(13);
    const db = readFileSync(join(workDir, "central", "BUILD_STATUS_DB.txt"), "utf8");
    const lines = new Set(db.trim().split("\n"));
    for (const { pkg, install, build, check } of designed) {
      if (install === "-") {
        // unsupported on Linux or a bad DESCRIPTION: no status line at all
        expect(db, pkg).not.toContain(`${pkg}#`);
        continue;
      }
      expect(lines, pkg).toContain(`${pkg}#local#install: ${install}`);
      expect(lines, pkg).toContain(`${pkg}#local#buildsrc: ${build}`);
      expect(lines, pkg).toContain(`${pkg}#local#checksrc: ${check}`);
    }
  });

  it("has a status line for every key BBS's own readers look up (BBS-report.py, BBS-notify.py)", () => {
    const config = loadConfig(demoLayout(workDir).configDir, DEMO_NODE_ID, { env: {} });
    const check = checkBbsReaders(join(workDir, "central"), [readerNode(config, ["install", "buildsrc", "checksrc"])]);
    expect(check.missing).toEqual([]);
    expect(check.unexpected).toEqual([]);
    expect(check.supportedPairs).toBe(11); // twelve indexed packages, tinyWinOnly not supported on the node
  });

  it("lists every example package on the report's index, tinyLegacy as a bad DESCRIPTION and tinyWinOnly as not supported", () => {
    const index = readFileSync(join(workDir, "published-report", "long-report.html"), "utf8");
    for (const { pkg } of designedStatuses()) expect(index).toContain(`>${pkg}<`);
    expect(index).toContain("Bad DESCRIPTION file");
    expect(index).toContain("...NOT&nbsp;SUPPORTED...");
  });

  it("publishes the packages that passed, and install.packages() takes them from there", async () => {
    const repo = join(workDir, "published-repo");
    const packages = readFileSync(join(repo, "src", "contrib", "PACKAGES"), "utf8");
    for (const pkg of [
      "tinyBase",
      "tinySeq",
      "tinyRanges",
      "tinyAnno",
      "tinyReport",
      "tinyPlot",
      "tinyStats",
      "tinyWarn",
    ]) {
      expect(packages, pkg).toMatch(new RegExp(`^Package: ${pkg}$`, "m"));
    }
    for (const pkg of ["tinyError", "tinyBroken", "tinySlow"]) expect(packages, pkg).not.toContain(`Package: ${pkg}\n`);
    const lib = await dirs.make("lib");
    const script = `install.packages("tinyReport", repos = "file://${repo}", lib = "${lib}", type = "source"); library(tinyReport, lib.loc = "${lib}"); print(geneSummary(c(10, 120), c(20, 130)))`;
    const result = await execa("Rscript", ["-e", script], { reject: false, all: true, env: { R_LIBS: lib } });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toMatch(/geneA\s+1/);
  });
});
