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
import { jobLines, makeCli, prerun, processesUnder, readJobSummary } from "./helpers.js";

const dirs = useTempDirs();
const CORPUS = ["Biobase", "BiocGenerics", "GenomeInfoDb", "GenomeInfoDbData", "GenomicRanges", "IRanges", "S4Vectors", "XVector", "zlibbioc"];

let products = "";
let workDir = "";
let exitCode: number | undefined;
let output = "";

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
  const central = await prerun(config);
  products = join(central.runDir, "products-in", "local");
  workDir = config.workDir;
  const result = await makeCli(config).run(["run", "--stages", "2,3,4"]);
  exitCode = result.exitCode;
  output = result.all ?? "";
}, 1_500_000);

function status(pkg: string, stage: string): string | undefined {
  return readJobSummary(join(products, stage), pkg, stage)?.status;
}

function out(pkg: string, stage: string): string {
  return readFileSync(join(products, stage, `${pkg}.${stage}-out.txt`), "utf8");
}

describe("the Bioconductor 3.16 corpus through STAGE2-4 with 2 slots", () => {
  it("completes (exit 0), and every INSTALL is OK", () => {
    expect(exitCode, output).toBe(0);
    for (const pkg of CORPUS) {
      expect(status(pkg, "install"), pkg).toBe("OK");
      expect(out(pkg, "install")).toMatch(new RegExp(`^\\* DONE \\(${pkg}\\)$`, "m"));
    }
    expect(processesUnder(workDir)).toEqual([]);
  });

  it("installs in dependency order: IRanges after S4Vectors and BiocGenerics, GenomicRanges after XVector and GenomeInfoDb", () => {
    const lines = jobLines(join(products, "jobs.ndjson"));
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
    const graph = readFileSync(join(products, "pkg_dep_graph.txt"), "utf8");
    expect(graph).toMatch(/^IRanges: methods utils stats BiocGenerics S4Vectors stats4$/m);
    expect(graph).toMatch(/^GenomeInfoDb: R?.*RCurl/m);
    expect(graph).toMatch(/^RCurl: /m);
  });

  it("BUILD: OK for all but GenomicRanges, whose build/vignette.rds names a missing vignette output; its CHECK is skipped", () => {
    for (const pkg of CORPUS.filter((name) => name !== "GenomicRanges")) {
      expect(status(pkg, "buildsrc"), pkg).toBe("OK");
      expect(existsSync(join(products, "buildsrc", readJobSummary(join(products, "buildsrc"), pkg, "buildsrc")?.fields.get("PackageFile") ?? "none"))).toBe(true);
    }
    expect(status("GenomicRanges", "buildsrc")).toBe("ERROR");
    expect(out("GenomicRanges", "buildsrc")).toContain("Output(s) listed in ‘build/vignette.rds’ but not in package");
    expect(existsSync(join(products, "buildsrc", "GenomicRanges.buildsrc-MISSING"))).toBe(true);
    expect(status("GenomicRanges", "checksrc")).toBeUndefined();
    const skipped = jobLines(join(products, "jobs.ndjson")).find((line) => line.job === "checksrc:GenomicRanges");
    expect(skipped).toMatchObject({ state: "skipped" });
  });

  it("CHECK: zlibbioc and GenomeInfoDbData OK (NOTEs only), XVector WARNINGS", () => {
    expect(status("zlibbioc", "checksrc")).toBe("OK");
    expect(status("GenomeInfoDbData", "checksrc")).toBe("OK");
    expect(status("XVector", "checksrc")).toBe("WARNINGS");
    expect(out("XVector", "checksrc")).toMatch(/^Status: \d+ WARNINGs?/m);
  });

  it("CHECK: BiocGenerics, S4Vectors, IRanges, GenomeInfoDb and Biobase ERROR, for missing suggested packages or no internet", () => {
    for (const pkg of ["BiocGenerics", "S4Vectors", "IRanges", "GenomeInfoDb", "Biobase"]) {
      expect(status(pkg, "checksrc"), pkg).toBe("ERROR");
    }
  });
});
