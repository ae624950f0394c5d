// STAGE2's non-target packages with real R: the dependency graph reaches
// them through the non-target repositories' PACKAGES and the installed
// packages; a missing one is installed by install.packages() from the
// non-target repository (summary Version None), an installed one is skipped
// without files, one found nowhere gets no line; a non-target that fails
// does not stop its dependents from being installed (they fail for real).

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import {
  BBS_GIT_FIELDS,
  buildPackagesIndex,
  formatPackagesIndex,
  writePackagesFiles,
} from "../../../src/rpkg/packages-index.js";
import { writePackage } from "../../fixtures/rpkg-generator.js";
import { writeTestConfig } from "../../fixtures/test-config.js";
import { useTempDirs } from "../../fixtures/tmp.js";
import { materializeScenario } from "../../fixtures/scenarios.js";
import { jobLines, prerunThenRun, readJobSummary, type BuiltRun } from "./helpers.js";

const dirs = useTempDirs();
let run: BuiltRun;

beforeAll(async () => {
  const root = await dirs.make("run-nontarget");
  // A CRAN-like non-target repository: ntDep, plus ghostPkg listed without its tarball.
  const contrib = join(root, "cran", "src", "contrib");
  const nonTargetSources = join(root, "cran-sources");
  await writePackage(nonTargetSources, { name: "ntDep", version: "0.5.0" });
  await execa("mkdir", ["-p", contrib]);
  await execa("tar", ["czf", join(contrib, "ntDep_0.5.0.tar.gz"), "ntDep"], { cwd: nonTargetSources });
  const index = await buildPackagesIndex(contrib, { fields: BBS_GIT_FIELDS });
  writePackagesFiles(
    contrib,
    `${formatPackagesIndex(index.entries)}\nPackage: ghostPkg\nVersion: 1.0\nNeedsCompilation: no\n`,
  );
  const repository = `file://${join(root, "cran")}`;

  const { server } = await materializeScenario(
    {
      name: "non-target",
      packages: [
        {
          name: "ntUser",
          purpose: "Imports a non-target package, Suggests an installed one and an unknown one",
          spec: { name: "ntUser", version: "1.0.0", imports: ["ntDep"], suggests: ["RUnit", "notAnywhere"] },
        },
        {
          name: "ntBroken",
          purpose: "Imports a non-target package that cannot be installed",
          spec: { name: "ntBroken", version: "1.0.0", imports: ["ghostPkg"] },
        },
      ],
      manifest: ["ntUser", "ntBroken"],
    },
    join(root, "targets"),
  );
  const config = writeTestConfig({
    workDir: join(root, "work"),
    gitServer: server,
    global: { nonTargetRepos: [repository] },
    host: { slots: { install: 2 }, run: { targetRepoPoll: 1, targetRepoTimeout: 10 } },
  });
  run = await prerunThenRun(config, ["--stage", "2"]);
});

describe("STAGE2 with non-target packages", () => {
  it("builds the graph from DESCRIPTIONs, the non-target repositories and the installed packages", () => {
    expect(run.exitCode, run.output).toBe(0);
    const graph = readFileSync(join(run.products, "pkg_dep_graph.txt"), "utf8").split("\n");
    expect(graph).toContain("ntUser: ntDep");
    expect(graph).toContain("ntBroken: ghostPkg");
    expect(graph).toContain("ntDep: ");
    expect(graph).toContain("ghostPkg: ");
    expect(graph.some((line) => /^RUnit: .*utils/.test(line))).toBe(true);
    expect(graph.some((line) => line.startsWith("notAnywhere:"))).toBe(false);
    expect(run.output).toMatch(/STAGE2 queue: 2 targets, 2 non-targets to install, \d+ already installed/);
    expect(run.output).toMatch(/found nowhere \(not installed, in no repository\): notAnywhere/);
  });

  it("installs a missing non-target from the non-target repository before its dependents, Version None in its summary", () => {
    const summary = readJobSummary(join(run.products, "install"), "ntDep", "install");
    expect(summary).toMatchObject({ package: "ntDep", version: null, status: "OK", retCode: 0 });
    expect(summary?.fields.get("Version")).toBe("None");
    expect(summary?.command).toMatch(
      /^\/usr\/lib\/R\/bin\/Rscript -e "install\.packages\('ntDep',repos=c\('file:\/\/.*\/cran'\),dependencies=FALSE\);/,
    );
    expect(existsSync(join(run.workDir, "R-library", "ntDep", "DESCRIPTION"))).toBe(true);
    expect(readJobSummary(join(run.products, "install"), "ntUser", "install")?.status).toBe("OK");
    const lines = jobLines(join(run.products, "jobs.ndjson"));
    const at = (event: string, job: string) =>
      Date.parse(lines.find((line) => line.event === event && line.job === job)?.at ?? "");
    expect(at("job-finished", "install:ntDep")).toBeLessThanOrEqual(at("job-started", "install:ntUser"));
    expect(lines.find((line) => line.job === "install:ntDep" && line.event === "job-started")?.version).toBeNull();
  });

  it("skips installed non-targets without files, and installs the dependents of a failed non-target anyway", () => {
    expect(readJobSummary(join(run.products, "install"), "RUnit", "install")).toBeUndefined();
    expect(lines("install:RUnit")).toEqual([{ event: "job-finished", state: "skipped" }]);
    const ghost = readJobSummary(join(run.products, "install"), "ghostPkg", "install");
    expect(ghost?.status).toBe("ERROR");
    expect(readFileSync(join(run.products, "install", "ghostPkg.install-out.txt"), "utf8")).toMatch(
      /^Error: package ghostPkg was not installed into .*R-library$/m,
    );
    // No dependency-failure skipping (BBS): ntBroken's INSTALL ran, and failed for its own reason.
    expect(readJobSummary(join(run.products, "install"), "ntBroken", "install")?.status).toBe("ERROR");
    expect(readFileSync(join(run.products, "install", "ntBroken.install-out.txt"), "utf8")).toMatch(
      /^ERROR: dependency ‘ghostPkg’ is not available for package ‘ntBroken’$/m,
    );
  });
});

function lines(job: string): Array<{ event: string; state: string | undefined }> {
  return jobLines(join(run.products, "jobs.ndjson"))
    .filter((line) => line.job === job)
    .map((line) => ({ event: line.event, state: line.state }));
}
