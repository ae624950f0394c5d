// The nine real Bioconductor 3.16 packages of ../shared/corpus through
// STAGE2-4 with 2 slots (about 8 minutes: one run, shared by every
// assertion). Every INSTALL is OK; each BUILD and CHECK status is stated with
// the reason found in its log (/work/shared/corpus/README.md): missing
// suggested packages and no internet access are real reasons here.

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { RENVIRON_BIOC } from "../../../src/rpkg/renviron.js";
import { corpusGitServer } from "../../fixtures/corpus.js";
import { writeTestConfig } from "../../fixtures/test-config.js";
import { useTempDirs } from "../../fixtures/tmp.js";
import { jobLines, prerunThenRun, processesUnder, readJobSummary, type BuiltRun } from "./helpers.js";

const dirs = useTempDirs();
const CORPUS = ["Biobase", "BiocGenerics", "GenomeInfoDb", "GenomeInfoDbData", "GenomicRanges", "IRanges", "S4Vectors", "XVector", "zlibbioc"];

let run: BuiltRun;

beforeAll(async () => {
  const root = await dirs.make("run-corpus");
  const { server } = await corpusGitServer();
  // This machine has neither the suggested packages nor the internet to get them: checks go on
  // without them (_R_CHECK_FORCE_SUGGESTS_=false, as the corpus README measured), on top of Renviron.bioc.
  const environ = join(root, "Renviron.site-without-suggests");
  writeFileSync(environ, `${RENVIRON_BIOC}_R_CHECK_FORCE_SUGGESTS_=false\n`);
  const config = writeTestConfig({
    workDir: join(root, "work"),
    gitServer: server,
    host: { slots: { install: 2, build: 2, check: 2 }, r: { environUser: environ }, run: { targetRepoPoll: 1, targetRepoTimeout: 10 } },
  });
  run = await prerunThenRun(config, ["--stages", "2,3,4"]);
}, 1_500_000);

function status(pkg: string, stage: string): string | undefined {
  return readJobSummary(join(run.products, stage), pkg, stage)?.status;
}

function out(pkg: string, stage: string): string {
  return readFileSync(join(run.products, stage, `${pkg}.${stage}-out.txt`), "utf8");
}

describe("the Bioconductor 3.16 corpus through STAGE2-4 with 2 slots", () => {
  it("completes (exit 0), and every INSTALL is OK", () => {
    expect(run.exitCode, run.output).toBe(0);
    for (const pkg of CORPUS) {
      expect(status(pkg, "install"), pkg).toBe("OK");
      expect(out(pkg, "install")).toMatch(new RegExp(`^\\* DONE \\(${pkg}\\)$`, "m"));
    }
    expect(processesUnder(run.workDir)).toEqual([]);
  });

  it("installs in dependency order: IRanges after S4Vectors and BiocGenerics, GenomicRanges after XVector and GenomeInfoDb", () => {
    const lines = jobLines(join(run.products, "jobs.ndjson"));
    const at = (event: string, job: string) => Date.parse(lines.find((line) => line.event === event && line.job === job)?.at ?? "");
    for (const [first, then] of [
      ["S4Vectors", "IRanges"],
      ["BiocGenerics", "S4Vectors"],
      ["IRanges", "XVector"],
      ["zlibbioc", "XVector"],
      ["GenomeInfoDbData", "GenomeInfoDb"],
      ["XVector", "GenomicRanges"],
      ["GenomeInfoDb", "GenomicRanges"],
    ]) {
      expect(at("job-finished", `install:${first}`), `${first} before ${then}`).toBeLessThanOrEqual(at("job-started", `install:${then}`));
    }
    const graph = readFileSync(join(run.products, "pkg_dep_graph.txt"), "utf8");
    expect(graph).toMatch(/^IRanges: methods utils stats BiocGenerics S4Vectors stats4$/m);
    expect(graph).toMatch(/^GenomeInfoDb: R?.*RCurl/m);
    expect(graph).toMatch(/^RCurl: /m);
  });

  it("BUILD: OK for all but GenomicRanges, whose build/vignette.rds names a missing vignette output; its CHECK is skipped", () => {
    for (const pkg of CORPUS.filter((name) => name !== "GenomicRanges")) {
      expect(status(pkg, "buildsrc"), pkg).toBe("OK");
      expect(existsSync(join(run.products, "buildsrc", readJobSummary(join(run.products, "buildsrc"), pkg, "buildsrc")?.fields.get("PackageFile") ?? "none"))).toBe(true);
    }
    expect(status("GenomicRanges", "buildsrc")).toBe("ERROR");
    expect(out("GenomicRanges", "buildsrc")).toContain("Output(s) listed in ‘build/vignette.rds’ but not in package");
    expect(existsSync(join(run.products, "buildsrc", "GenomicRanges.buildsrc-MISSING"))).toBe(true);
    expect(status("GenomicRanges", "checksrc")).toBeUndefined();
    const skipped = jobLines(join(run.products, "jobs.ndjson")).find((line) => line.job === "checksrc:GenomicRanges");
    expect(skipped).toMatchObject({ state: "skipped" });
  });

  it("CHECK: zlibbioc and GenomeInfoDbData OK (NOTEs only)", () => {
    for (const pkg of ["zlibbioc", "GenomeInfoDbData"]) {
      expect(status(pkg, "checksrc"), pkg).toBe("OK");
      expect(out(pkg, "checksrc")).toMatch(/^Status: \d+ NOTEs?$/m);
      expect(readJobSummary(join(run.products, "checksrc"), pkg, "checksrc")?.fields.get("Warnings")).toBe("0");
    }
  });

  it("CHECK: XVector WARNINGS, its Rd cross-references point to packages that are not installed", () => {
    expect(status("XVector", "checksrc")).toBe("WARNINGS");
    const log = out("XVector", "checksrc");
    expect(log).toMatch(/^Status: 2 WARNINGs, \d+ NOTEs$/m);
    expect(log).toContain("* checking Rd cross-references ... WARNING");
    expect(readJobSummary(join(run.products, "checksrc"), "XVector", "checksrc")?.fields.get("Warnings")).toBe("2");
  });

  // Each ERROR, and the reason its log gives: suggested packages this machine does not have
  // (every check starts with "Packages suggested but not available for checking"), or no internet.
  const errors: ReadonlyArray<readonly [string, string, RegExp]> = [
    ["BiocGenerics", "examples", /there is no package called ‘AnnotationDbi’/],
    ["S4Vectors", "examples", /there is no package called ‘SummarizedExperiment’/],
    ["IRanges", "examples", /there is no package called ‘pasillaBamSubset’/],
    ["GenomeInfoDb", "examples", /there is no package called ‘BSgenome\.Celegans\.UCSC\.ce2’[\s\S]*cannot open URL 'http:\/\/hgdownload\.cse\.ucsc\.edu\//],
    ["Biobase", "tests", /ERROR in testSetAs: Error in library\(golubEsets\) : there is no package called 'golubEsets'/],
  ];
  it.each(errors)("CHECK: %s ERROR, in its %s: %s", (pkg, step, reason) => {
    expect(status(pkg, "checksrc")).toBe("ERROR");
    const log = out(pkg, "checksrc");
    expect(log).toContain("Packages suggested but not available for checking:");
    expect(log).toMatch(step === "tests" ? /^\* checking tests \.\.\.\n[\s\S]*?^ ERROR$/m : /^\* checking examples \.\.\. ERROR$/m);
    expect(log).toMatch(reason);
    expect(log).toMatch(/^Status: \d+ ERRORs?/m);
    expect(readJobSummary(join(run.products, "checksrc"), pkg, "checksrc")?.retCode).toBe(1);
  });
});
