// A package no report node supports (the demo's tinyWinOnly on its Linux
// node): the simple layout says "...NOT SUPPORTED...", BBS's wording of such
// cells, instead of an unexplained `unknown`, and both legends explain it
// (issue 14, defect 10).

import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generateReport } from "../../src/report/index.js";
import { LINUX_NODE, writeBuildConfig, writeResultsRun, type BuildNode } from "../fixtures/results-run.js";
import { useTempDirs } from "../fixtures/tmp.js";

const temp = useTempDirs();
let reportDir = "";

beforeAll(async () => {
  const root = await temp.make("not-supported");
  const runDir = join(root, "runs", "20261121-135500");
  mkdirSync(runDir, { recursive: true });
  const nodes: BuildNode[] = [{ id: "solo1", ...LINUX_NODE }];
  const config = writeBuildConfig({ dir: join(root, "config"), workDir: join(root, "work"), nodes });
  const ok = { status: "OK" } as const;
  writeResultsRun({
    runDir,
    runId: "20261121-135500",
    snapshot: new Date("2026-11-21T18:55:00Z"),
    nodes,
    packages: [
      {
        name: "built",
        version: "1.0.0",
        maintainer: "B",
        cells: { solo1: { install: ok, buildsrc: ok, checksrc: ok } },
      },
      { name: "winOnly", version: "1.0.0", maintainer: "W", unsupportedPlatforms: "solo1", cells: {} },
    ],
  });
  reportDir = join(root, "report");
  await generateReport({ central: config.central, hosts: config.hosts, runDir, reportDir });
});

function row(html: string, pkg: string): string {
  const start = html.indexOf(`>${pkg}<`);
  expect(start, pkg).toBeGreaterThan(0);
  return html.slice(start, html.indexOf("</tbody>", start));
}

describe("a package no report node supports", () => {
  it("shows ...NOT SUPPORTED... on the simple layout, explained in its legend", () => {
    const index = readFileSync(join(reportDir, "index.html"), "utf8");
    expect(row(index, "winOnly")).toContain("<i>...NOT&nbsp;SUPPORTED...</i>");
    expect(row(index, "built")).toContain('<span class="glyph OK">');
    expect(index).not.toContain("unknown");
    expect(index).toMatch(
      /<td class="glyph_box"><i>\.\.\.NOT&nbsp;SUPPORTED\.\.\.<\/i><\/td><td class="glyph_explain">Package is not supported on any of the build machines/,
    );
  });

  it("explains the long layout's NOT SUPPORTED cells too, and report.json names the status", () => {
    const long = readFileSync(join(reportDir, "long-report.html"), "utf8");
    expect(long).toContain('<td class="glyph_explain">Package is not supported on this build machine');
    const json = JSON.parse(readFileSync(join(reportDir, "report.json"), "utf8")) as {
      packages: Array<{ package: string; overall: string }>;
    };
    expect(json.packages.find((p) => p.package === "winOnly")?.overall).toBe("NotSupported");
  });
});
