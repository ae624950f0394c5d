// The whole nightly, end to end, on the `local` config (one Linux node that is
// both central node and builder), as a site's crontab runs it: the nine real
// Bioconductor 3.16 packages of test/corpus served by a git server,
// through `bbs prerun`, `bbs run` (STAGE2-4, 2 slots), `bbs postrun` and
// `bbs propagate all`. One night (about 8 minutes), shared by every assertion:
// every INSTALL OK; each BUILD and CHECK status stated with the reason found in
// its log (test/corpus/README.md: missing suggested packages and no
// internet access are real reasons here); BUILD_STATUS_DB.txt; the report's key
// pages in Chromium; and install.packages() from the published repository.

import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkBbsReaders, readerNode } from "../fixtures/bbs-readers.js";
import { corpusGitServer } from "../fixtures/corpus.js";
import { writeTestConfig, type TestConfig } from "../fixtures/test-config.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { artifactsDir, launchChromium, type Chromium } from "../report/browser.js";
import { jobLines, makeCli, processesUnder, readJobSummary } from "../stages/run/helpers.js";

const dirs = useTempDirs();
const CORPUS = [
  "Biobase",
  "BiocGenerics",
  "GenomeInfoDb",
  "GenomeInfoDbData",
  "GenomicRanges",
  "IRanges",
  "S4Vectors",
  "XVector",
  "zlibbioc",
];

interface Night {
  config: TestConfig;
  runDir: string;
  products: string;
  outputs: Record<string, { exitCode: number | undefined; output: string }>;
}
let night: Night;

beforeAll(async () => {
  const root = await dirs.make("nightly");
  const { server } = await corpusGitServer();
  // config/local as it is (2 slots, no TeX, suggested packages not forced), only the
  // work directory and the git server are the test's.
  const config = writeTestConfig({ workDir: join(root, "work"), gitServer: server });
  mkdirSync(config.load().values["propagation.stagingDir"] as string, { recursive: true }); // a site creates it once
  const cli = makeCli(config);
  const outputs: Night["outputs"] = {};
  for (const step of [["prerun"], ["run"], ["postrun"], ["propagate", "all"]]) {
    const result = await cli.run(step);
    outputs[step[0] as string] = { exitCode: result.exitCode, output: result.all ?? "" };
    if (result.exitCode !== 0) break;
  }
  const central = config.load().values["central.dir"];
  night = { config, runDir: central, products: join(central, "products-in", config.nodeId), outputs };
}, 1_800_000);

function status(pkg: string, stage: string): string | undefined {
  return readJobSummary(join(night.products, stage), pkg, stage)?.status;
}

function out(pkg: string, stage: string): string {
  return readFileSync(join(night.products, stage, `${pkg}.${stage}-out.txt`), "utf8");
}

describe("the Bioconductor 3.16 corpus through STAGE2-4 with 2 slots", () => {
  it("runs every step of the night with exit 0, and every INSTALL is OK", () => {
    for (const step of ["prerun", "run", "postrun", "propagate"]) {
      expect(night.outputs[step]?.exitCode, `bbs ${step}:\n${night.outputs[step]?.output ?? "(not run)"}`).toBe(0);
    }
    for (const pkg of CORPUS) {
      expect(status(pkg, "install"), pkg).toBe("OK");
      expect(out(pkg, "install")).toMatch(new RegExp(`^\\* DONE \\(${pkg}\\)$`, "m"));
    }
    expect(processesUnder(night.config.workDir)).toEqual([]);
  });

  it("installs in dependency order: IRanges after S4Vectors and BiocGenerics, GenomicRanges after XVector and GenomeInfoDb", () => {
    const lines = jobLines(join(night.products, "jobs.ndjson"));
    const at = (event: string, job: string) =>
      Date.parse(lines.find((line) => line.event === event && line.job === job)?.at ?? "");
    for (const [first, then] of [
      ["S4Vectors", "IRanges"],
      ["BiocGenerics", "S4Vectors"],
      ["IRanges", "XVector"],
      ["zlibbioc", "XVector"],
      ["GenomeInfoDbData", "GenomeInfoDb"],
      ["XVector", "GenomicRanges"],
      ["GenomeInfoDb", "GenomicRanges"],
    ]) {
      expect(at("job-finished", `install:${first}`), `${first} before ${then}`).toBeLessThanOrEqual(
        at("job-started", `install:${then}`),
      );
    }
    const graph = readFileSync(join(night.products, "pkg_dep_graph.txt"), "utf8");
    expect(graph).toMatch(/^IRanges: methods utils stats BiocGenerics S4Vectors stats4$/m);
    expect(graph).toMatch(/^GenomeInfoDb: R?.*RCurl/m);
    expect(graph).toMatch(/^RCurl: /m);
  });

  it("BUILD: OK for all but GenomicRanges, whose build/vignette.rds names a missing vignette output; its CHECK is skipped", () => {
    for (const pkg of CORPUS.filter((name) => name !== "GenomicRanges")) {
      expect(status(pkg, "buildsrc"), pkg).toBe("OK");
      expect(
        existsSync(
          join(
            night.products,
            "buildsrc",
            readJobSummary(join(night.products, "buildsrc"), pkg, "buildsrc")?.fields.get("PackageFile") ?? "none",
          ),
        ),
      ).toBe(true);
    }
    expect(status("GenomicRanges", "buildsrc")).toBe("ERROR");
    expect(out("GenomicRanges", "buildsrc")).toContain("Output(s) listed in ‘build/vignette.rds’ but not in package");
    expect(existsSync(join(night.products, "buildsrc", "GenomicRanges.buildsrc-MISSING"))).toBe(true);
    expect(status("GenomicRanges", "checksrc")).toBeUndefined();
    const skipped = jobLines(join(night.products, "jobs.ndjson")).find((line) => line.job === "checksrc:GenomicRanges");
    expect(skipped).toMatchObject({ state: "skipped" });
  });

  it("CHECK: zlibbioc and GenomeInfoDbData OK (NOTEs only)", () => {
    for (const pkg of ["zlibbioc", "GenomeInfoDbData"]) {
      expect(status(pkg, "checksrc"), pkg).toBe("OK");
      expect(out(pkg, "checksrc")).toMatch(/^Status: \d+ NOTEs?$/m);
      expect(readJobSummary(join(night.products, "checksrc"), pkg, "checksrc")?.fields.get("Warnings")).toBe("0");
    }
  });

  it("CHECK: XVector WARNINGS, its Rd cross-references point to packages that are not installed", () => {
    expect(status("XVector", "checksrc")).toBe("WARNINGS");
    const log = out("XVector", "checksrc");
    expect(log).toMatch(/^Status: 2 WARNINGs, \d+ NOTEs$/m);
    expect(log).toContain("* checking Rd cross-references ... WARNING");
    expect(readJobSummary(join(night.products, "checksrc"), "XVector", "checksrc")?.fields.get("Warnings")).toBe("2");
  });

  // Each ERROR, and the reason its log gives: suggested packages this machine does not have
  // (every check starts with "Packages suggested but not available for checking"), or no internet.
  const errors: ReadonlyArray<readonly [string, string, RegExp]> = [
    ["BiocGenerics", "examples", /there is no package called ‘AnnotationDbi’/],
    ["S4Vectors", "examples", /there is no package called ‘SummarizedExperiment’/],
    ["IRanges", "examples", /there is no package called ‘pasillaBamSubset’/],
    [
      "GenomeInfoDb",
      "examples",
      /there is no package called ‘BSgenome\.Celegans\.UCSC\.ce2’[\s\S]*cannot open URL 'http:\/\/hgdownload\.cse\.ucsc\.edu\//,
    ],
    [
      "Biobase",
      "tests",
      /ERROR in testSetAs: Error in library\(golubEsets\) : there is no package called 'golubEsets'/,
    ],
  ];
  it.each(errors)("CHECK: %s ERROR, in its %s: %s", (pkg, step, reason) => {
    expect(status(pkg, "checksrc")).toBe("ERROR");
    const log = out(pkg, "checksrc");
    expect(log).toContain("Packages suggested but not available for checking:");
    expect(log).toMatch(
      step === "tests" ? /^\* checking tests \.\.\.\n[\s\S]*?^ ERROR$/m : /^\* checking examples \.\.\. ERROR$/m,
    );
    expect(log).toMatch(reason);
    expect(log).toMatch(/^Status: \d+ ERRORs?/m);
    expect(readJobSummary(join(night.products, "checksrc"), pkg, "checksrc")?.retCode).toBe(1);
  });
});

const EXPECTED_STATUS: ReadonlyArray<readonly [string, string, string, string]> = [
  ["Biobase", "OK", "OK", "ERROR"],
  ["BiocGenerics", "OK", "OK", "ERROR"],
  ["GenomeInfoDb", "OK", "OK", "ERROR"],
  ["GenomeInfoDbData", "OK", "OK", "OK"],
  ["GenomicRanges", "OK", "ERROR", "skipped"],
  ["IRanges", "OK", "OK", "ERROR"],
  ["S4Vectors", "OK", "OK", "ERROR"],
  ["XVector", "OK", "OK", "WARNINGS"],
  ["zlibbioc", "OK", "OK", "OK"],
];

describe("postrun of the night", () => {
  it("writes BUILD_STATUS_DB.txt: every package in BBS's order, skipped CHECK after the failed BUILD", () => {
    const node = night.config.nodeId;
    const expected = EXPECTED_STATUS.map(([pkg, install, build, check]) =>
      [
        `${pkg}#${node}#install: ${install}`,
        `${pkg}#${node}#buildsrc: ${build}`,
        `${pkg}#${node}#checksrc: ${check}`,
      ].join("\n"),
    ).join("\n");
    expect(readFileSync(join(night.runDir, "BUILD_STATUS_DB.txt"), "utf8")).toBe(`${expected}\n`);
  });

  it("has a status line for every key BBS's own readers look up (BBS-report.py, BBS-notify.py)", () => {
    const check = checkBbsReaders(night.runDir, [readerNode(night.config.load(), ["install", "buildsrc", "checksrc"])]);
    expect(check).toEqual({ missing: [], unexpected: [], supportedPairs: CORPUS.length });
  });

  it("propagates what passed on the source node: YES for zlibbioc and GenomeInfoDbData, NO for XVector (its dependencies did not pass)", () => {
    const db = readFileSync(join(night.runDir, "PROPAGATION_STATUS_DB.txt"), "utf8");
    expect(db).toMatch(/^GenomeInfoDbData#source#propagate: YES$/m);
    expect(db).toMatch(/^zlibbioc#source#propagate: YES$/m);
    expect(db).toMatch(/^XVector#source#propagate: NO, package depends on '\w+' which is not available$/m);
    expect(db.trim().split("\n")).toHaveLength(3); // only OUTGOING packages: the others are blocked by their CHECK or BUILD
  });
});

describe("the published report in Chromium", () => {
  let browser: Chromium;
  let report = "";
  beforeAll(async () => {
    browser = await launchChromium();
    report = night.config.load().values["report.publishDest"] as string;
  });
  afterAll(async () => browser?.close());

  const shots = (): string => artifactsDir("e2e");

  it("index: every package with its overall status", async () => {
    const page = await browser.context.newPage();
    await page.goto(`file://${join(report, "index.html")}`);
    await page.screenshot({ path: join(shots(), "index.png"), fullPage: true });
    const text = await page.locator("body").innerText();
    for (const pkg of CORPUS) expect(text).toContain(pkg);
    expect(text).toMatch(/Build\/check report for BioC 3\.16/);
    await page.close();
  });

  it("long report: one row per package and the quick stats of the node", async () => {
    const page = await browser.context.newPage();
    await page.goto(`file://${join(report, "long-report.html")}`);
    await page.screenshot({ path: join(shots(), "long-report.png"), fullPage: true });
    const text = await page.locator("body").innerText();
    expect(text).toContain("QUICK STATS");
    // GenomicRanges: BUILD ERROR, so its CHECK cell says skipped; XVector's CHECK cell says WARNINGS
    const row = (pkg: string) =>
      page.locator("tbody.gcard", { has: page.locator(`span.pkgname:text-is("${pkg}")`) }).innerText();
    expect(await row("GenomicRanges")).toMatch(/ERROR[\s\S]*skipped/);
    expect(await row("XVector")).toContain("WARNINGS");
    await page.close();
  });

  it("a package page and its CHECK leaf page, with the command output", async () => {
    const page = await browser.context.newPage();
    await page.goto(`file://${join(report, "XVector", "index.html")}`);
    await page.screenshot({ path: join(shots(), "package.png"), fullPage: true });
    expect(await page.locator("body").innerText()).toContain("XVector");
    await page.goto(`file://${join(report, "XVector", `${night.config.nodeId}-checksrc.html`)}`);
    await page.screenshot({ path: join(shots(), "leaf.png"), fullPage: true });
    const leaf = await page.locator("body").innerText();
    expect(leaf).toMatch(/CHECK results for XVector on /);
    expect(leaf).toContain("Status: 2 WARNINGs");
    await page.close();
  });

  it("the node's timeline", async () => {
    const page = await browser.context.newPage();
    await page.goto(`file://${join(report, `${night.config.nodeId}-timeline.html`)}`);
    await page.screenshot({ path: join(shots(), "timeline.png"), fullPage: true });
    expect(await page.locator("body").innerText()).toMatch(/INSTALL/);
    await page.close();
  });
});

describe("the published repository", () => {
  it("installs and loads a propagated package with install.packages()", async () => {
    const destination = night.config.load().values["propagation.destination"] as string;
    const lib = await dirs.make("r-lib");
    const script = [
      `install.packages("GenomeInfoDbData", repos = "file://${destination}", lib = "${lib}", type = "source")`,
      `library(GenomeInfoDbData, lib.loc = "${lib}")`,
      `cat("loaded", format(packageVersion("GenomeInfoDbData", lib.loc = "${lib}")), "\\n")`,
    ].join("; ");
    const result = await execa("Rscript", ["-e", script], { reject: false, all: true });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain("loaded 1.2.9");
  });
});
