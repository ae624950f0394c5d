// generateReport on real run directories (3 nodes with one absent, and 1
// node): which pages and files exist (spec 9.2 URL layout, leaf pages only for
// statuses other than skipped/NA), what they say, report.json against
// BUILD_STATUS_DB.txt, escaping in the HTML source, history, and the atomic
// replacement of the report directory.

import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseBuildStatusDb } from "../../src/results/status-db.js";
import { generateReport, type ReportSummary } from "../../src/report/index.js";
import { reportTemplatesDir } from "../../src/report/render.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { writeBuildConfig, writeResultsRun, type BuildNode } from "../fixtures/results-run.js";
import { RENVIRON_BIOC } from "../../src/rpkg/renviron.js";
import { NODES_3, oneNodeRun, packages3, RUN_ID, SNAPSHOT, threeNodeRun, type Fixture } from "./fixture.js";

const temp = useTempDirs();

interface JsonCell {
  node: string;
  stage: string;
  status: string;
  link: string | null;
  elapsedSeconds: number | null;
}
interface JsonPackage {
  package: string;
  overall: string;
  classes: string[];
  newProblem: boolean;
  results: JsonCell[];
  unsupportedOn: string[];
  propagation: Record<string, string>;
}

let three: Fixture;
let one: Fixture;
let report3: string;
let report1: string;
let summary3: ReportSummary;
let summary1: ReportSummary;

const read = (dir: string, path: string): string => readFileSync(join(dir, path), "utf8");

beforeAll(async () => {
  three = threeNodeRun(await temp.make("report3"));
  report3 = join(three.root, "report");
  summary3 = await generateReport({
    central: three.config.central,
    hosts: three.config.hosts,
    runDir: three.runDir,
    reportDir: report3,
    ...(three.historyDb ? { historyDb: three.historyDb } : {}),
    generatedAt: new Date("2026-11-21T12:00:00Z"),
  });
  one = oneNodeRun(await temp.make("report1"));
  report1 = join(one.root, "report");
  summary1 = await generateReport({
    central: one.config.central,
    hosts: one.config.hosts,
    runDir: one.runDir,
    reportDir: report1,
  });
});

describe("pages and files (3 nodes, kjohnson1 absent)", () => {
  it("writes BBS's page set", () => {
    for (const page of [
      "index.html",
      "long-report.html",
      "report.json",
      ".htaccess",
      "report.css",
      "report.js",
      "120px-Red_Light_Icon.svg.png",
      "120px-Green_Light_Icon.svg.png",
      "120px-Blue_Light_Icon.svg.png",
      "meat-index.dcf",
      "skipped-index.dcf",
      "BUILD_STATUS_DB.txt",
      "PROPAGATION_STATUS_DB.txt",
      "pkg_dep_graph.txt",
      "nebbiolo1-index.html",
      "palomino7-index.html",
      "kjohnson1-index.html",
      "nebbiolo1-NodeInfo.html",
      "nebbiolo1-R-instpkgs.html",
      "nebbiolo1-timeline.html",
      "palomino7-timeline.html",
      "Alpha/index.html",
      "Alpha/report.json",
      "Alpha/nebbiolo1-install.html",
      "Alpha/nebbiolo1-buildsrc.html",
      "Alpha/nebbiolo1-checksrc.html",
      "Alpha/palomino7-buildbin.html",
      "Alpha/raw-results/info.dcf",
      "Alpha/raw-results/nebbiolo1/checksrc-summary.dcf",
      "Alpha/raw-results/nebbiolo1/checksrc-out.txt",
      "buildErr/nebbiolo1-buildsrc.html",
      "notNeeded/nebbiolo1-install.html",
      "badDesc/index.html",
    ]) {
      expect(existsSync(join(report3, page)), page).toBe(true);
    }
    expect(read(report3, ".htaccess")).toBe("AddCharset UTF-8 .dcf .txt .TXT .log\n");
    expect(read(report3, "BUILD_STATUS_DB.txt")).toBe(read(three.runDir, "BUILD_STATUS_DB.txt"));
    expect(summary3.nodes).toEqual([
      { id: "nebbiolo1", state: "finished" },
      { id: "palomino7", state: "finished" },
      { id: "kjohnson1", state: "absent" },
    ]);
    expect(summary3.runId).toBe(RUN_ID);
    expect(summary3.warnings.some((w) => w.includes("kjohnson1"))).toBe(true);
  });

  it("has no leaf page for skipped, NA, unsupported, absent-node or bad-DESCRIPTION cells", () => {
    for (const page of [
      "buildErr/nebbiolo1-checksrc.html", // skipped after BUILD ERROR
      "buildErr/palomino7-buildbin.html", // skipped
      "naPkg/nebbiolo1-checksrc.html", // NA (no summary)
      "Alpha/kjohnson1-install.html", // absent node: NA
      "unixOnly/palomino7-install.html", // unsupported on Windows
      "Alpha/nebbiolo1-buildbin.html", // not a :bin node
      "badDesc/raw-results",
    ]) {
      expect(existsSync(join(report3, page)), page).toBe(false);
    }
    expect(readdirSync(join(report3, "badDesc"))).toEqual(["index.html", "report.json"]);
    expect(existsSync(join(report3, "naPkg/raw-results/nebbiolo1/buildsrc-out.txt"))).toBe(false); // its out.txt was missing
    expect(existsSync(join(report3, "naPkg/raw-results/nebbiolo1/buildsrc-summary.dcf"))).toBe(true);
  });

  it("writes raw results as BBS (info.dcf with ' at ', summaries and outputs as delivered)", () => {
    expect(read(report3, "Alpha/raw-results/info.dcf")).toBe(
      "Package: Alpha\nVersion: 1.0.0\nMaintainer: Ada Alpha\nMaintainerEmail: alpha at example.org\n" +
        "git_url: https://git.example.org/packages/Alpha\ngit_branch: devel\ngit_last_commit: a1b2c3d\ngit_last_commit_date: 2026-11-19 10:12:33 -0500 (Thu, 19 Nov 2026)\n",
    );
    expect(read(report3, "Alpha/raw-results/nebbiolo1/checksrc-summary.dcf")).toBe(
      read(three.runDir, "products-in/nebbiolo1/checksrc/Alpha.checksrc-summary.dcf"),
    );
  });

  it("draws the LED images as real 120x120 PNGs", () => {
    const png = readFileSync(join(report3, "120px-Green_Light_Icon.svg.png"));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.subarray(12, 16).toString("latin1")).toBe("IHDR");
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([120, 120]);
  });

  it("titles pages by spec 9.2 and says when, from which run and snapshot, they were generated", () => {
    const index = read(report3, "index.html");
    expect(index).toContain("<title>Multiple platform build/check report for BioC 3.21</title>");
    expect(index).toContain(`from run ${RUN_ID}`);
    expect(index).toMatch(/This page was generated on 2026-11-21 \d\d:\d\d [+-]\d{4} \(Sat, 21 Nov 2026\)/);
    expect(index).toContain("(snapshot 2026-11-20 ");
    expect(read(report3, "Alpha/nebbiolo1-checksrc.html")).toContain(
      "<title>Multiple platform build/check report for BioC 3.21 - CHECK results for Alpha on nebbiolo1</title>",
    );
    expect(read(report3, "Alpha/index.html")).toContain("All results for package <b>Alpha</b>");
    expect(read(report1, "index.html")).toContain("<title>Build/check report for BioC 3.21</title>");
  });

  it("says which node is absent, on the main pages and the node's pages", () => {
    for (const page of ["index.html", "long-report.html", "kjohnson1-index.html", "kjohnson1-timeline.html"]) {
      expect(read(report3, page), page).toContain("Node kjohnson1 delivered no results for this run");
    }
    expect(read(report3, "kjohnson1-NodeInfo.html")).toContain("the information about this node is not available");
  });

  it("shows every leaf page section, and the anomaly text for missing files", () => {
    const check = read(report3, "Alpha/nebbiolo1-checksrc.html");
    for (const text of [
      "<h3>Summary</h3>",
      "<h3>Command output</h3>",
      "<h3>Installation output</h3>",
      "<h3>Tests output</h3>",
      "<h3>Example timings</h3>",
      "Alpha.Rcheck/tests/testthat.Rout",
      "Alpha.Rcheck/tests/runit.Rout.fail",
      "[ FAIL 0 | WARN 0 | SKIP 0 | PASS 12 ]",
      "slow_example",
      "EllapsedTime:",
    ]) {
      expect(check, text).toContain(text);
    }
    expect(read(report3, "naPkg/nebbiolo1-buildsrc.html")).toContain(
      "Due to an anomaly in the Build System, this output is not available. We apologize for the inconvenience.",
    );
    // No Rcheck directory delivered for checkErr: each section says so.
    expect(
      read(report3, "checkErr/nebbiolo1-checksrc.html").match(/Due to an anomaly in the Build System/g)?.length,
    ).toBe(3);
    // The Windows node's ISO-8859-1 log is decoded.
    expect(read(report3, "latinLog/palomino7-install.html")).toContain("café naïve");
    // PackageFileSize's unit link is rebuilt, not passed through.
    const build = read(report3, "Alpha/nebbiolo1-buildsrc.html");
    expect(build).toMatch(/1\.2\d+ <a href="https:\/\/en\.wikipedia\.org\/wiki\/MiB" target="_blank">MiB<\/a>/);
    expect(build).not.toContain('<A href="http://en.wikipedia.org');
  });

  it("escapes package data and logs in the HTML source", () => {
    for (const page of [
      "index.html",
      "long-report.html",
      "evilPkg/index.html",
      "evilPkg/nebbiolo1-checksrc.html",
      "palomino7-index.html",
      "Alpha/index.html",
    ]) {
      const html = read(report3, page);
      expect(html, page).not.toMatch(/<script>window/);
      expect(html, page).not.toContain("<img src=x");
      expect(html, page).not.toContain("<b>Evil</b>");
    }
    expect(read(report3, "evilPkg/nebbiolo1-checksrc.html")).toContain("&lt;/pre&gt;&lt;script&gt;window.__xss");
    expect(read(report3, "evilPkg/index.html")).toContain("&lt;b&gt;c0ffee&lt;/b&gt;");
    expect(read(report3, "Alpha/index.html")).toContain("Ubuntu node: &lt;i&gt;note&lt;/i&gt;");
    expect(read(report3, "index.html")).toContain("Maintenance &lt;tonight&gt; &amp; tomorrow");
  });

  it("never uses raw Handlebars output ({{{ }}}) in the templates", () => {
    const dir = reportTemplatesDir();
    for (const sub of ["partials", "pages"]) {
      for (const file of readdirSync(join(dir, sub)))
        expect(read(join(dir, sub), file), `${sub}/${file}`).not.toContain("{{{");
    }
  });

  it("marks deprecated packages and bad DESCRIPTION packages as BBS does", () => {
    const long = read(report3, "long-report.html");
    expect(long).toContain('<span class="pkgname deprecated">oldPkg</span>');
    expect(long).toMatch(/ERROR&nbsp;<\/span> \(Bad DESCRIPTION file\)/);
    expect(long).toContain("...NOT&nbsp;SUPPORTED...");
    expect(long).toContain('alt="UNNEEDED, same version is already published"');
    expect(long).toContain('id="THE_BIG_GCARD_LIST"');
    expect(long).toContain('<tbody class="gcard ok">');
  });
});

describe("report.json", () => {
  it("agrees with BUILD_STATUS_DB.txt on every status and links every leaf page", () => {
    const json = JSON.parse(read(report3, "report.json")) as {
      schema: string;
      run: { runId: string };
      packages: JsonPackage[];
      nodes: Array<{ id: string; state: string }>;
    };
    expect(json.schema).toBe("bbs-report/1");
    expect(json.run.runId).toBe(RUN_ID);
    expect(json.nodes.map((n) => `${n.id}:${n.state}`)).toEqual([
      "nebbiolo1:finished",
      "palomino7:finished",
      "kjohnson1:absent",
    ]);
    const cells = new Map<string, JsonCell>();
    for (const pkg of json.packages)
      for (const cell of pkg.results) cells.set(`${pkg.package}#${cell.node}#${cell.stage}`, cell);
    const db = parseBuildStatusDb(read(report3, "BUILD_STATUS_DB.txt"), "BUILD_STATUS_DB.txt");
    expect(db.length).toBeGreaterThan(50);
    for (const line of db) {
      const cell = cells.get(`${line.package}#${line.node}#${line.stage}`);
      expect(cell?.status, `${line.package}#${line.node}#${line.stage}`).toBe(line.status);
      if (cell?.link) expect(existsSync(join(report3, decodeURIComponent(cell.link))), cell.link).toBe(true);
      else expect(["NA", "skipped"]).toContain(line.status);
    }
    const byName = new Map(json.packages.map((p) => [p.package, p] as const));
    expect(byName.get("badDesc")).toMatchObject({ overall: "ERROR", classes: ["error"], results: [] });
    expect(byName.get("unixOnly")?.unsupportedOn).toEqual(["palomino7"]);
    expect(byName.get("Alpha")?.propagation).toEqual({ source: "YES", "win.binary": "YES" });
    expect(byName.get("buildErr")?.classes).toEqual(["error"]);
    expect(byName.get("timeoutPkg")?.classes).toEqual(["timeout"]);
    expect(byName.get("betaWarn")?.classes).toEqual(["warnings"]);
    expect(byName.get("naPkg")).toMatchObject({ classes: ["ok"], overall: "NA" });
    // The absent node's NA does not hide a package's results in the simple layout's glyph.
    expect(byName.get("Alpha")).toMatchObject({ classes: ["ok"], overall: "OK" });
  });

  it("gives each package its details: commands, raw files, reverse dependencies, history", () => {
    const alpha = JSON.parse(read(report3, "Alpha/report.json")) as {
      package: { reverseDependencies: string[]; results: Array<Record<string, unknown>> };
    };
    expect(alpha.package.reverseDependencies).toEqual(["betaWarn", "buildErr", "checkErr", "zLast"]);
    const check = alpha.package.results.find((r) => r.node === "nebbiolo1" && r.stage === "checksrc");
    expect(check).toMatchObject({
      status: "OK",
      retCode: 0,
      raw: {
        summary: "Alpha/raw-results/nebbiolo1/checksrc-summary.dcf",
        output: "Alpha/raw-results/nebbiolo1/checksrc-out.txt",
      },
    });
    expect(String(check?.command)).toContain("R CMD check");
    expect(check?.history).toMatchObject({
      newProblem: false,
      fixedSince: { at: "2026-11-18T19:00:00.000Z", runId: "20261118-135500" },
    });
  });
});

describe("history", () => {
  it("flags the new problems since the last run, and says since when a cell fails or is fixed", () => {
    const json = JSON.parse(read(report3, "report.json")) as { historyAvailable: boolean; packages: JsonPackage[] };
    expect(json.historyAvailable).toBe(true);
    expect(json.packages.filter((p) => p.newProblem).map((p) => p.package)).toEqual(["checkErr"]);
    expect(read(report3, "index.html")).toContain('id="only_new_problems"');
    expect(read(report3, "index.html")).toContain("(1 package)");
    expect(read(report3, "timeoutPkg/nebbiolo1-checksrc.html")).toContain("failing since 2026-11-18");
    expect(read(report3, "Alpha/index.html")).toContain("fixed since 2026-11-18");
    expect(read(report3, "checkErr/index.html")).toContain("failing since 2026-11-20");
  });

  it("has no history filter without a history database", () => {
    expect(read(report1, "index.html")).not.toContain("only_new_problems");
    expect(summary1.warnings).toEqual([]);
  });
});

describe("one node", () => {
  it("uses the compact single-node list and has no per-node index page", () => {
    const index = read(report1, "index.html");
    expect(index).toContain('<tbody class="compact gcard');
    expect(index).not.toContain("Hostname</td><td>OS&nbsp;/&nbsp;Arch</td>");
    expect(existsSync(join(report1, "solo1-index.html"))).toBe(false);
    expect(existsSync(join(report1, "long-report.html"))).toBe(false);
    expect(existsSync(join(report1, "solo1-NodeInfo.html"))).toBe(true);
    expect(existsSync(join(report1, "PROPAGATION_STATUS_DB.txt"))).toBe(false);
    expect(summary1.packages).toBe(13);
  });
});

describe("an unfinished node, Renviron.bioc", () => {
  it("shows what the node delivered, says it has not finished, and publishes the R environment", async () => {
    const root = await temp.make("report-unfinished");
    const environ = join(root, "Renviron.site");
    writeFileSync(environ, "_R_CHECK_EXECUTABLES_=false\n");
    const nodes = [NODES_3[0] as BuildNode, NODES_3[1] as BuildNode];
    const config = writeBuildConfig({
      dir: join(root, "config"),
      workDir: join(root, "work"),
      nodes,
      global: { r: { environUser: environ } },
    });
    const runDir = join(root, "run");
    const packages = packages3().slice(0, 3);
    // palomino7 delivered only Alpha's results so far.
    for (const pkg of packages.slice(1)) pkg.cells.palomino7 = {};
    writeResultsRun({ runDir, runId: RUN_ID, snapshot: SNAPSHOT, nodes, packages, unfinishedNodes: ["palomino7"] });
    const reportDir = join(root, "report");
    const summary = await generateReport({ central: config.central, hosts: config.hosts, runDir, reportDir });
    expect(summary.nodes).toEqual([
      { id: "nebbiolo1", state: "finished" },
      { id: "palomino7", state: "unfinished" },
    ]);
    expect(summary.warnings).toEqual(["node palomino7: has not finished this run (no BBS_EndOfRun.txt)"]);
    const index = read(reportDir, "long-report.html");
    expect(index).toMatch(
      /Node palomino7 has not finished this run \(no BBS_EndOfRun\.txt\): results it has not delivered yet are shown as NA\. Its last delivery was on 20\d\d-/,
    );
    expect(existsSync(join(reportDir, "Alpha/palomino7-checksrc.html"))).toBe(true);
    expect(existsSync(join(reportDir, "betaWarn/palomino7-checksrc.html"))).toBe(false);
    expect(read(reportDir, "Renviron.bioc")).toBe("_R_CHECK_EXECUTABLES_=false\n");
    expect(read(reportDir, "Alpha/nebbiolo1-checksrc.html")).toContain(
      '<a href="../Renviron.bioc">following settings</a>',
    );
    expect(read(reportDir, "nebbiolo1-NodeInfo.html")).toContain('<a href="Renviron.bioc">Renviron.bioc</a>');
  });

  it("publishes bbs's bundled Renviron.bioc when r.environUser is not set: the jobs ran with it (issue 14, defect 13)", () => {
    expect(read(report1, "Renviron.bioc")).toBe(RENVIRON_BIOC);
    expect(read(report1, "solo1-NodeInfo.html")).toContain('<a href="Renviron.bioc">Renviron.bioc</a>');
    expect(read(report1, "solo1-NodeInfo.html")).not.toMatch(
      /R&nbsp;environment&nbsp;variables:&nbsp;<\/b><\/td><td>none/,
    );
  });
});

describe("timeline", () => {
  it("uses jobs.ndjson when delivered, else the summaries", () => {
    const fromEvents = read(report3, "nebbiolo1-timeline.html");
    expect(fromEvents).toContain("From the job events (jobs.ndjson)");
    expect(fromEvents).toMatch(/CHECK: 11 jobs on 4 slots, \d+% busy/);
    expect(fromEvents).toContain('href="Alpha/nebbiolo1-checksrc.html"');
    expect(read(report3, "palomino7-timeline.html")).toContain("From the job summaries");
    expect(read(report3, "kjohnson1-timeline.html")).toContain("No job start and end times are available");
  });
});

describe("replacing a report", () => {
  it("switches the new report in, then deletes the old one in the background and leaves nothing of it or of the assembly", async () => {
    writeFileSync(join(report1, "stale.html"), "old");
    await generateReport({
      central: one.config.central,
      hosts: one.config.hosts,
      runDir: one.runDir,
      reportDir: report1,
    });
    expect(existsSync(join(report1, "stale.html"))).toBe(false);
    expect(existsSync(join(report1, "index.html"))).toBe(true);
    // The old report is set aside and deleted by a detached process: the command does not wait for it.
    expect(readdirSync(one.root).filter((name) => name.startsWith(".report.new-"))).toEqual([]);
    await expect
      .poll(() => readdirSync(one.root).filter((name) => name.startsWith(".report")), {
        timeout: 60_000,
        interval: 100,
      })
      .toEqual([]);
  });

  it("keeps the old report when generation fails", async () => {
    const before = read(report1, "index.html");
    await expect(
      generateReport({
        central: one.config.central,
        hosts: one.config.hosts,
        runDir: join(one.root, "no-such-run"),
        reportDir: report1,
      }),
    ).rejects.toThrow(/run directory .*no-such-run does not exist/);
    expect(read(report1, "index.html")).toBe(before);
  });
});
