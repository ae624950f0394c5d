// The target repo alone: a tarball job that fails leaves BBS's ERROR summary
// and -MISSING marker while PACKAGES lists the others; a re-run replaces the
// whole directory. And the gitlog files read back with whole values.

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { formatGitLog, gitLogEntry, readGitLog } from "../../../src/stages/prerun/gitlog.js";
import { makeTargetRepo } from "../../../src/stages/prerun/target-repo.js";
import type { ResolvedConfig } from "../../../src/config/load.js";
import { writePackage } from "../../fixtures/rpkg-generator.js";
import { writeTestConfig } from "../../fixtures/test-config.js";
import { useTempDirs } from "../../fixtures/tmp.js";

const dirs = useTempDirs();
let config: ResolvedConfig;
let runDir: string;

beforeAll(async () => {
  const root = await dirs.make("target-repo");
  config = writeTestConfig({ workDir: join(root, "work") }).load();
  await writePackage(config.values.prerunMeatDir, { name: "goodPkg", version: "1.2.3" });
  runDir = join(root, "run");
  mkdirSync(runDir);
});

describe("makeTargetRepo", () => {
  it("records a failed tarball job as BBS does and still writes PACKAGES for the others", async () => {
    const events: string[] = [];
    const repo = await makeTargetRepo({
      config,
      runDir,
      records: [
        { package: "goodPkg", version: "1.2.3" },
        { package: "gonePkg", version: "0.1.0" },
      ],
      emit: (event) => {
        if (event.type === "package") events.push(`${event.package}: ${event.status}`);
      },
    });
    expect(repo).toMatchObject({ tarballs: 1, failed: ["gonePkg"], problems: [] });
    expect(events.sort()).toEqual(["gonePkg: ERROR", "goodPkg: OK"]);
    const contrib = join(runDir, "src", "contrib");
    expect(readdirSync(contrib).sort()).toEqual(
      [
        "PACKAGES",
        "PACKAGES.gz",
        "goodPkg.buildnovig-out.txt",
        "goodPkg.buildnovig-summary.dcf",
        "goodPkg_1.2.3.tar.gz",
        "gonePkg.buildnovig-MISSING",
        "gonePkg.buildnovig-out.txt",
        "gonePkg.buildnovig-summary.dcf",
      ].sort(),
    );
    const failed = readFileSync(join(contrib, "gonePkg.buildnovig-summary.dcf"), "utf8");
    expect(failed).toMatch(
      /^Package: gonePkg\nVersion: 0\.1\.0\nCommand: tar zcf gonePkg_0\.1\.0\.tar\.gz gonePkg\nStartedAt: .*\nEndedAt: .*\nEllapsedTime: \d+\.\d seconds\nRetCode: [1-9]\d*\nStatus: ERROR\nPackageFile: None\nPackageFileSize: NA\n$/,
    );
    const ok = readFileSync(join(contrib, "goodPkg.buildnovig-summary.dcf"), "utf8");
    expect(ok).toMatch(
      /^RetCode: 0\nStatus: OK\nPackageFile: goodPkg_1\.2\.3\.tar\.gz\nPackageFileSize: \d+ bytes\n$/m,
    );
    expect(readFileSync(join(contrib, "goodPkg.buildnovig-out.txt"), "utf8")).toContain(
      "###   tar zcf goodPkg_1.2.3.tar.gz goodPkg",
    );
    expect(readFileSync(join(contrib, "PACKAGES"), "utf8")).toMatch(/^Package: goodPkg\nVersion: 1\.2\.3\n/);
    expect(existsSync(join(config.values.prerunMeatDir, "goodPkg_1.2.3.tar.gz"))).toBe(false);
  });

  it("replaces the whole directory on a re-run", async () => {
    writeFileSync(join(runDir, "src", "contrib", "stale_0.0.1.tar.gz"), "");
    const repo = await makeTargetRepo({ config, runDir, records: [{ package: "goodPkg", version: "1.2.3" }] });
    expect(repo.failed).toEqual([]);
    expect(readdirSync(join(runDir, "src", "contrib")).sort()).toEqual([
      "PACKAGES",
      "PACKAGES.gz",
      "goodPkg.buildnovig-out.txt",
      "goodPkg.buildnovig-summary.dcf",
      "goodPkg_1.2.3.tar.gz",
    ]);
    expect(readdirSync(join(runDir, "src"))).toEqual(["contrib"]);
  });
});

describe("gitlog files", () => {
  it("read back with their whole values, and a missing field is named", async () => {
    const dir = await dirs.make("gitlog");
    const entry = gitLogEntry(
      {
        url: "https://git.bioconductor.org/packages/a4",
        branch: "devel",
        shortCommit: "1a2b3c4",
        commitDate: "2024-10-23T10:12:33-04:00",
      },
      "America/New_York",
    );
    expect(formatGitLog(entry)).toBe(
      "git_url: https://git.bioconductor.org/packages/a4\ngit_branch: devel\ngit_last_commit: 1a2b3c4\ngit_last_commit_date: 2024-10-23 10:12:33 -0400 (Wed, 23 Oct 2024)\n",
    );
    writeFileSync(join(dir, "git-log-a4.dcf"), formatGitLog(entry));
    expect(readGitLog(join(dir, "git-log-a4.dcf"))).toEqual(entry);
    writeFileSync(join(dir, "git-log-b.dcf"), "git_url: x\ngit_branch: devel\n");
    expect(() => readGitLog(join(dir, "git-log-b.dcf"))).toThrow(/git-log-b\.dcf has no git_last_commit field/);
  });
});
