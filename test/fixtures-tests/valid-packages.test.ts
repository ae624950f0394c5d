// The generator makes real R packages: the dependency chain of runScenario()
// (two packages with C code) goes from the fixture git server, through a
// shallow clone with real git, into real R CMD INSTALL, build and check.

import { existsSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import pLimit from "p-limit";
import { beforeAll, describe, expect, it } from "vitest";
import { git } from "../fixtures/git.js";
import { renderPackage } from "../fixtures/rpkg-generator.js";
import { materializeScenario, runScenario, type MaterializedScenario, type Scenario } from "../fixtures/scenarios.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { checkStatus, installStatus, rBuild, rCheck, rInstall, rscript, tail, type RRun } from "./r-commands.js";

const VALID = ["runBase", "runMid", "runTop", "runOk"] as const;
const full = runScenario();
const scenario: Scenario = {
  name: "valid",
  packages: full.packages.filter((p) => (VALID as readonly string[]).includes(p.name)),
  manifest: [...VALID],
};

const dirs = useTempDirs();
let materialized: MaterializedScenario;
let meat: string;
let library: string;
const installs = new Map<string, RRun>();
const builds = new Map<string, RRun>();
const checks = new Map<string, RRun>();

function specOf(name: string) {
  const spec = scenario.packages.find((p) => p.name === name)?.spec;
  if (spec === undefined) throw new Error(`no spec for ${name}`);
  return spec;
}

function tarballOf(name: string): string {
  return join(meat, `${name}_${specOf(name).version}.tar.gz`);
}

beforeAll(async () => {
  const work = await dirs.make("valid-packages");
  materialized = await materializeScenario(scenario, join(work, "fixture"));
  meat = join(work, "meat");
  library = join(work, "library");
  await execa("mkdir", ["-p", meat, library]);
  for (const name of VALID) await materialized.server.clone(name, join(meat, name), { shallow: true });
  // Dependency order: runBase <- runMid <- runTop; runOk is independent.
  for (const name of VALID) installs.set(name, await rInstall(join(meat, name), name, library, meat));
  const limit = pLimit(2);
  await Promise.all(
    VALID.map((name) => limit(async () => builds.set(name, await rBuild(join(meat, name), name, library, meat)))),
  );
  await Promise.all(
    VALID.map((name) => limit(async () => checks.set(name, await rCheck(tarballOf(name), name, library, meat)))),
  );
});

describe("fixture repos cloned with real git", () => {
  it("hold exactly the generated files at the server's head commit, in a shallow clone", async () => {
    for (const name of VALID) {
      const clone = join(meat, name);
      const head = await materialized.server.headCommit(name);
      expect(await git(["rev-parse", "HEAD"], { cwd: clone })).toBe(head.sha);
      expect(materialized.commits.get(name)).toBe(head.sha);
      expect(await git(["rev-parse", "--is-shallow-repository"], { cwd: clone })).toBe("true");
      expect(await git(["rev-parse", "--abbrev-ref", "HEAD"], { cwd: clone })).toBe("devel");
      const tracked = (await git(["ls-files"], { cwd: clone })).split("\n");
      const generated = renderPackage(specOf(name));
      expect(tracked).toEqual(generated.map((f) => f.path));
      for (const file of generated)
        expect(await readFile(join(clone, file.path), "utf8"), `${name}/${file.path}`).toBe(file.content);
    }
  });
});

describe("real R on generated packages", () => {
  it("R CMD INSTALL succeeds for each, compiling the C code", async () => {
    for (const name of VALID) {
      const run = installs.get(name);
      expect(run, name).toBeDefined();
      expect(installStatus(run as RRun, name), `${name}:\n${tail((run as RRun).output)}`).toBe("OK");
      expect(existsSync(join(library, name, "DESCRIPTION")), name).toBe(true);
    }
    expect(existsSync(join(library, "runBase", "libs", "runBase.so"))).toBe(true);
    expect(existsSync(join(library, "runMid", "libs", "runMid.so"))).toBe(true);
    expect(installs.get("runBase")?.output).toMatch(/gcc .*runBase\.c/);
  });

  it("the installed packages load along the chain and call their registered C routines", async () => {
    const out = await rscript(
      [
        "suppressPackageStartupMessages(library(runTop))",
        'stopifnot("runMid" %in% .packages(), isNamespaceLoaded("runBase"))',
        'stopifnot(is.loaded("C_add_one", PACKAGE = "runBase"), is.loaded("C_add_one", PACKAGE = "runMid"))',
        "cat(hello_runTop(1), hello_runMid(41), runBase::hello_runBase(-1), runOk::hello_runOk(9))",
      ].join("; "),
      library,
    );
    expect(out).toBe("2 42 0 10");
  });

  it("R CMD build --no-build-vignettes makes each tarball, without git or .BBSoptions files", async () => {
    for (const name of VALID) {
      const run = builds.get(name) as RRun;
      expect(run.exitCode, `${name}:\n${tail(run.output)}`).toBe(0);
      expect(existsSync(tarballOf(name)), name).toBe(true);
      const listing = (await execa("tar", ["-tzf", tarballOf(name)])).stdout.split("\n");
      expect(listing).toContain(`${name}/DESCRIPTION`);
      expect(listing).toContain(`${name}/R/hello.R`);
      expect(listing.some((path) => path.includes(".git"))).toBe(false);
    }
    const base = (await execa("tar", ["-tzf", tarballOf("runBase")])).stdout.split("\n");
    expect(base).toContain("runBase/src/runBase.c");
    expect(base.some((path) => path.endsWith(".o") || path.endsWith(".so"))).toBe(false);
  });

  it("R CMD check --no-manual passes (Status OK, or NOTEs only) reusing the STAGE2 install", async () => {
    for (const name of VALID) {
      const run = checks.get(name) as RRun;
      expect(run.output, name).toMatch(/^\* using options? .*--no-manual/m);
      expect(run.output, name).toMatch(/^\* checking whether package .* can be installed \.\.\. OK$/m);
      expect(run.output, `${name}:\n${tail(run.output)}`).toMatch(/^Status: (OK|\d+ NOTEs?)$/m);
      expect(checkStatus(run), name).toBe("OK");
      expect(full.designed[name]?.check).toBe("OK");
    }
    const checkDirs = await readdir(meat);
    for (const name of VALID) expect(checkDirs).toContain(`${name}.Rcheck`);
  });
});
