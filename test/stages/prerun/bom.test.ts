// A DESCRIPTION that starts with a UTF-8 byte-order mark (issue 15, item 4).
// Real R 4.2 does not strip it: the first field's name becomes "\uFEFFPackage",
// so `R CMD build` says "invalid 'Package' field" and the package cannot be
// built anywhere. bbs used to index it anyway (its DCF reader drops a BOM):
// a tarball job that said OK, no record in PACKAGES, NA on every node and no
// reason. Now prerun skips it with the reason, consistently: not in
// meat-index.dcf, no tarball job, not in PACKAGES, and the report's cell
// says why.

import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { GitServer } from "../../fixtures/git-server.js";
import { writePackage } from "../../fixtures/rpkg-generator.js";
import { useTempDirs } from "../../fixtures/tmp.js";
import { prerunOnce, type Cli } from "./helpers.js";

const dirs = useTempDirs();
let root: string;
let bomSource: string;
let prerunOutput: string;
let runDir: string;
let cli: Cli;

beforeAll(async () => {
  root = await dirs.make("bom");
  const server = new GitServer(join(root, "git"));
  const sources = join(root, "src");
  for (const name of ["plainPkg", "bomPkg"]) {
    const dir = await writePackage(sources, { name, version: "1.0.0" });
    if (name === "bomPkg") {
      const description = join(dir, "DESCRIPTION");
      writeFileSync(description, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(description)]));
      bomSource = dir;
    }
    await server.importDirectory(name, dir);
  }
  await server.writeManifest(["plainPkg", "bomPkg"]);
  ({ cli, output: prerunOutput, runDir } = await prerunOnce(root, server));
}, 300_000);

describe("a DESCRIPTION with a UTF-8 byte-order mark", () => {
  it("is unreadable for real R: R CMD build finds no valid Package field", async () => {
    const build = await execa("R", ["CMD", "build", "--no-build-vignettes", bomSource], {
      cwd: root,
      reject: false,
      all: true,
    });
    expect(build.exitCode).not.toBe(0);
    expect(build.all).toMatch(/invalid .Package. field/);
    const fields = execFileSync("Rscript", ["-e", `cat(colnames(read.dcf("${bomSource}/DESCRIPTION"))[1])`], {
      encoding: "utf8",
    });
    expect(fields).toBe("\uFEFFPackage");
  });

  it("is skipped by prerun with the reason, in the index, the target repo and PACKAGES alike", () => {
    const reason =
      "Invalid DESCRIPTION file: 'bomPkg/DESCRIPTION' starts with a UTF-8 byte-order mark, which R does not read";
    expect(prerunOutput).toContain(`bomPkg skipped: ${reason}`);
    expect(readFileSync(join(runDir, "meat-index.dcf"), "utf8")).not.toMatch(/^Package: bomPkg$/m);
    expect(readFileSync(join(runDir, "skipped-index.dcf"), "utf8")).toMatch(/^Package: bomPkg$/m);
    const contrib = readdirSync(join(runDir, "src", "contrib"));
    expect(contrib.filter((name) => name.startsWith("bomPkg"))).toEqual([]);
    expect(contrib).toContain("plainPkg_1.0.0.tar.gz");
    const packages = readFileSync(join(runDir, "src", "contrib", "PACKAGES"), "utf8");
    expect(packages).toMatch(/^Package: plainPkg$/m);
    expect(packages).not.toMatch(/bomPkg/);
    // No warning about a tarball failure that did not happen.
    expect(prerunOutput).not.toMatch(/no tarball for|bomPkg.*(ERROR|failed)/);
  });

  it("shows the reason on the report", async () => {
    const reportDir = join(root, "report");
    const result = await cli.run(["report", "--run-dir", runDir, "--report-dir", reportDir]);
    expect(result.exitCode, result.all).toBe(0);
    const page = readFileSync(join(reportDir, "bomPkg", "index.html"), "utf8");
    expect(page).toMatch(
      /\(Bad DESCRIPTION file\)<br><span class="skip-reason">Invalid DESCRIPTION file: &#x27;bomPkg\/DESCRIPTION&#x27; starts with a UTF-8 byte-order mark/,
    );
  });
});
