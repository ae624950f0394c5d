// Hostile package sources on the central node, in one prerun (real git, real R).
//
// Symbolic links (issue 15, item 7): a DESCRIPTION that is a link (here to a
// valid DESCRIPTION outside the package, holding a secret), or a file of R/
// linking out of the clone, is refused: the package is skipped with the
// reason, on the report too, and nothing from outside the package is quoted
// or packed into a tarball. A link that stays inside the package is fine.
//
// A 5 MB DESCRIPTION field of 50,000 continuation lines (issue 15, item 6):
// R's read.dcf is quadratic in it (more than ten minutes, bounded only by the
// 600 s R timeout of the maintainer step); prerun now refuses the field, naming
// package and field, before R reads it. A field at the limit (1,000 lines) is
// indexed, its maintainer evaluated from Authors@R by real R.

import { mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { GitServer } from "../../fixtures/git-server.js";
import { writePackage } from "../../fixtures/rpkg-generator.js";
import { useTempDirs } from "../../fixtures/tmp.js";
import { prerunOnce, type Cli } from "./helpers.js";

const SECRET = "SECRET-OUTSIDE-THE-PACKAGE-4711";
const dirs = useTempDirs();
let root: string;
let prerunOutput: string;
let runDir: string;
let cli: Cli;

beforeAll(async () => {
  root = await dirs.make("links");
  const server = new GitServer(join(root, "git"));
  const sources = join(root, "src");
  const outside = join(root, "outside");
  mkdirSync(outside);
  // A DESCRIPTION that would pass every check, so only the link can be the reason to refuse it.
  writeFileSync(
    join(outside, "DESCRIPTION"),
    `Package: linkDescPkg\nVersion: 1.0.0\nTitle: ${SECRET}\nDescription: ${SECRET}.\nMaintainer: Eve <eve@example.org>\nLicense: GPL-2\n`,
  );
  writeFileSync(join(outside, "secret.R"), `secret <- "${SECRET}"\n`);
  const authorsR = 'person("Ada", "Lovelace", email = "ada@example.org", role = c("aut", "cre"))';
  const longField = (lines: number, words: number): string =>
    [
      "start",
      ...Array.from({ length: lines }, (_, i) => `    ${`word${String(i).padStart(5, "0")} `.repeat(words)}x`),
    ].join("\n");
  // 5 MB; at the limit, short lines keep what R CMD build spends reading it small (R is quadratic in lines x bytes).
  for (const [name, extraDescription] of [
    ["hugeFieldPkg", { Description: longField(50_000, 10) }],
    ["edgeFieldPkg", { Description: longField(1000, 1) }],
  ] as const) {
    await server.importDirectory(
      name,
      await writePackage(sources, { name, version: "1.0.0", authorsR, extraDescription }),
    );
  }
  for (const name of ["plainPkg", "linkDescPkg", "linkOutPkg", "linkInPkg"]) {
    const dir = await writePackage(sources, { name, version: "1.0.0" });
    if (name === "linkDescPkg") {
      rmSync(join(dir, "DESCRIPTION"));
      symlinkSync(join(outside, "DESCRIPTION"), join(dir, "DESCRIPTION"));
    }
    if (name === "linkOutPkg") symlinkSync(join("..", "..", "..", "outside", "secret.R"), join(dir, "R", "secret.R"));
    if (name === "linkInPkg") {
      mkdirSync(join(dir, "inst", "extdata"), { recursive: true });
      writeFileSync(join(dir, "inst", "extdata", "data.txt"), "inside\n");
      symlinkSync("data.txt", join(dir, "inst", "extdata", "alias.txt"));
    }
    await server.importDirectory(name, dir);
  }
  await server.writeManifest(["plainPkg", "linkDescPkg", "linkOutPkg", "linkInPkg", "hugeFieldPkg", "edgeFieldPkg"]);
  ({ cli, output: prerunOutput, runDir } = await prerunOnce(root, server));
}, 300_000);

describe("symbolic links in a package's source tree", () => {
  it("a DESCRIPTION that is a link, and a file linking out of the clone, skip the package with the reason", () => {
    expect(prerunOutput).toContain(
      "linkDescPkg skipped: Invalid package source: 'linkDescPkg/DESCRIPTION' is a symbolic link",
    );
    expect(prerunOutput).toContain(
      "linkOutPkg skipped: Invalid package source: 'linkOutPkg/R/secret.R' is a symbolic link that leads out of the package's source tree",
    );
    const skipped = readFileSync(join(runDir, "skipped-index.dcf"), "utf8");
    expect(skipped).toMatch(/^Package: linkDescPkg$/m);
    expect(skipped).toMatch(/^Package: linkOutPkg$/m);
    const reasons = JSON.parse(readFileSync(join(runDir, "skipped-reasons.json"), "utf8")) as {
      packages: { package: string; reason: string }[];
    };
    expect(reasons.packages.map((entry) => [entry.package, entry.reason])).toEqual([
      ["linkDescPkg", "unsafe-link"],
      ["linkOutPkg", "unsafe-link"],
      ["hugeFieldPkg", "bad-description"],
    ]);
  });

  it("quotes and packs nothing from outside the package; a link inside the package is fine", () => {
    expect(prerunOutput).not.toContain(SECRET);
    const index = readFileSync(join(runDir, "meat-index.dcf"), "utf8");
    expect(index).not.toContain(SECRET);
    expect(index).toMatch(/^Package: plainPkg$/m);
    expect(index).toMatch(/^Package: linkInPkg$/m);
    const contrib = readdirSync(join(runDir, "src", "contrib"));
    expect(contrib.filter((file) => /^link(Desc|Out)Pkg/.test(file))).toEqual([]);
    expect(contrib).toContain("linkInPkg_1.0.0.tar.gz");
    expect(readFileSync(join(runDir, "src", "contrib", "PACKAGES"), "utf8")).not.toContain(SECRET);
  });

  it("shows the reason on the report, and nothing of the outside file", async () => {
    const reportDir = join(root, "report");
    const result = await cli.run(["report", "--run-dir", runDir, "--report-dir", reportDir]);
    expect(result.exitCode, result.all).toBe(0);
    const page = readFileSync(join(reportDir, "linkDescPkg", "index.html"), "utf8");
    expect(page).toMatch(
      /\(Bad DESCRIPTION file\)<br><span class="skip-reason">Invalid package source: &#x27;linkDescPkg\/DESCRIPTION&#x27; is a symbolic link/,
    );
    expect(page).not.toContain(SECRET);
    expect(readFileSync(join(reportDir, "index.html"), "utf8")).not.toContain(SECRET);
    expect(readFileSync(join(reportDir, "linkOutPkg", "index.html"), "utf8")).toContain(
      "&#x27;linkOutPkg/R/secret.R&#x27; is a symbolic link that leads out of the package&#x27;s source tree",
    );
  });
});

describe("a DESCRIPTION field of 50,000 continuation lines", () => {
  it("is refused before R reads it, naming the package and the field", () => {
    expect(prerunOutput).toMatch(
      /hugeFieldPkg skipped: Invalid DESCRIPTION file: field 'Description' of 'hugeFieldPkg\/DESCRIPTION' \(line \d+\) has 50000 continuation lines and \d+ bytes, over the limits of 1000 lines and 100000 bytes/,
    );
    expect(readFileSync(join(runDir, "skipped-index.dcf"), "utf8")).toMatch(/^Package: hugeFieldPkg$/m);
    expect(readdirSync(join(runDir, "src", "contrib")).filter((file) => file.startsWith("hugeFieldPkg"))).toEqual([]);
  });

  it("a field at the limit is indexed, its maintainer evaluated by R from Authors@R", () => {
    const index = readFileSync(join(runDir, "meat-index.dcf"), "utf8");
    const record = index.split("\n\n").find((text) => text.startsWith("Package: edgeFieldPkg\n"));
    expect(record).toBeDefined();
    expect(record).toMatch(/^Maintainer: Ada Lovelace$/m);
    expect(record).toMatch(/^MaintainerEmail: ada@example.org$/m);
    expect(readdirSync(join(runDir, "src", "contrib"))).toContain("edgeFieldPkg_1.0.0.tar.gz");
  });
});
