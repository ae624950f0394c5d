// Symbolic links in a package's git repository (issue 15, item 7). A
// DESCRIPTION that is a link (here to a valid DESCRIPTION outside the
// package, holding a secret), or a file of R/ linking out of the clone, is
// refused on the central node: the package is skipped with the reason, on the
// report too, nothing from outside the package is quoted or packed into a
// tarball. A link that stays inside the package is fine. Real git, real R.

import { mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { GitServer } from "../../fixtures/git-server.js";
import { writePackage } from "../../fixtures/rpkg-generator.js";
import { useTempDirs } from "../../fixtures/tmp.js";
import { makeCli, prerunConfig } from "./helpers.js";

const SECRET = "SECRET-OUTSIDE-THE-PACKAGE-4711";
const dirs = useTempDirs();
let root: string;
let prerunOutput: string;
let runDir: string;
let cli: ReturnType<typeof makeCli>;

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
  await server.writeManifest(["plainPkg", "linkDescPkg", "linkOutPkg", "linkInPkg"]);
  const config = prerunConfig(join(root, "work"), server);
  cli = makeCli(root, config);
  const result = await cli.run(["prerun"]);
  prerunOutput = result.all ?? "";
  expect(result.exitCode, prerunOutput).toBe(0);
  runDir = realpathSync(config.load().values["central.dir"]);
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
