// Each deliberate behaviour of the generator really produces its outcome with
// real R, and the run scenario's designed statuses are what BBS's status rules
// (spec 4.1-4.3) make of the real outputs.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import pLimit from "p-limit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { timeoutMarker, writePackage, type PackageSpec } from "../fixtures/rpkg-generator.js";
import { runScenario } from "../fixtures/scenarios.js";
import { useTempDirs } from "../fixtures/tmp.js";
import {
  checkStatus,
  installStatus,
  rBuild,
  rCheck,
  rInstall,
  startDetachedCheck,
  tail,
  type RRun,
} from "./r-commands.js";

const scenario = runScenario();
const BEHAVIOURS = ["runWarning", "runCheckError", "runBuildError", "runInstallError", "runTimeout"] as const;
type Name = (typeof BEHAVIOURS)[number];

const dirs = useTempDirs();
let work: string;
let library: string;
const installs = new Map<Name, RRun>();
const builds = new Map<Name, RRun>();
const checks = new Map<Name, RRun>();
let buildWithVignettes: RRun;
const detachedGroups: number[] = [];

function spec(name: Name): PackageSpec {
  const found = scenario.packages.find((p) => p.name === name)?.spec;
  if (found === undefined) throw new Error(`no spec for ${name}`);
  return found;
}
const tarball = (name: Name): string => join(work, `${name}_${spec(name).version}.tar.gz`);

beforeAll(async () => {
  work = await dirs.make("behaviours");
  library = join(work, "library");
  await mkdir(library);
  const limit = pLimit(2);
  await Promise.all(
    BEHAVIOURS.map((name) =>
      limit(async () => {
        const dir = await writePackage(join(work, "src"), spec(name));
        installs.set(name, await rInstall(dir, name, library, work));
        builds.set(name, await rBuild(dir, name, library, work));
      }),
    ),
  );
  buildWithVignettes = await rBuild(join(work, "src", "runBuildError"), "runBuildError", library, work, {
    vignettes: true,
  });
  const checked: Name[] = ["runWarning", "runCheckError", "runInstallError"];
  await Promise.all(
    checked.map((name) => limit(async () => checks.set(name, await rCheck(tarball(name), name, library, work)))),
  );
});

afterAll(() => {
  for (const pgid of detachedGroups) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

describe("install-error", () => {
  it("R CMD INSTALL fails on the unparseable R file, and the package is removed", () => {
    const run = installs.get("runInstallError") as RRun;
    expect(run.exitCode).not.toBe(0);
    expect(run.output).toMatch(/unable to collate and parse R files for package/);
    expect(run.output).toMatch(/^\* removing /m);
    expect(installStatus(run, "runInstallError")).toBe(scenario.designed.runInstallError?.install);
    expect(existsSync(join(library, "runInstallError"))).toBe(false);
  });

  it("R CMD build still succeeds (build does not parse R code) and check fails at installation", () => {
    expect(builds.get("runInstallError")?.exitCode).toBe(0);
    expect(existsSync(tarball("runInstallError"))).toBe(true);
    const check = checks.get("runInstallError") as RRun;
    expect(check.output).toMatch(/^\* checking whether package .runInstallError. can be installed \.\.\. ERROR$/m);
    expect(checkStatus(check)).toBe(scenario.designed.runInstallError?.check);
  });
});

describe("build-error", () => {
  it("installs fine from the source directory", () => {
    const run = installs.get("runBuildError") as RRun;
    expect(installStatus(run, "runBuildError"), tail(run.output)).toBe("OK");
  });

  it("fails R CMD build with --no-build-vignettes (stale build/vignette.rds), leaving no tarball", () => {
    const run = builds.get("runBuildError") as RRun;
    expect(run.exitCode).not.toBe(0);
    expect(run.output).toMatch(/Output\(s\) listed in .build\/vignette\.rds. but not in package/);
    expect(existsSync(tarball("runBuildError"))).toBe(false);
    expect(scenario.designed.runBuildError).toEqual({ install: "OK", build: "ERROR", check: "skipped" });
  });

  it("fails R CMD build with vignettes too (the vignette stops)", () => {
    expect(buildWithVignettes.exitCode).not.toBe(0);
    expect(buildWithVignettes.output).toMatch(/deliberate vignette failure in runBuildError/);
    expect(existsSync(tarball("runBuildError"))).toBe(false);
  });
});

describe("check-warning and check-error", () => {
  it("check-warning: installs and builds, then check ends with Status: 1 WARNING (codoc mismatch)", () => {
    expect(installStatus(installs.get("runWarning") as RRun, "runWarning")).toBe("OK");
    expect(builds.get("runWarning")?.exitCode).toBe(0);
    const run = checks.get("runWarning") as RRun;
    expect(run.exitCode, tail(run.output)).toBe(0);
    expect(run.output).toMatch(/^\* checking for code\/documentation mismatches \.\.\. WARNING$/m);
    expect(run.output).toMatch(/^Status: 1 WARNING$/m);
    expect(run.output).not.toMatch(/^\* checking .* \.\.\. ERROR$/m);
    expect(checkStatus(run)).toBe(scenario.designed.runWarning?.check);
  });

  it("check-error: the example's stop() fails check with a non-zero exit", () => {
    expect(installStatus(installs.get("runCheckError") as RRun, "runCheckError")).toBe("OK");
    const run = checks.get("runCheckError") as RRun;
    expect(run.exitCode).not.toBe(0);
    expect(run.output).toMatch(/^\* checking examples \.\.\. ERROR$/m);
    expect(run.output).toMatch(/deliberate example failure in runCheckError/);
    expect(run.output).toMatch(/^Status: 1 ERROR$/m);
    expect(checkStatus(run)).toBe(scenario.designed.runCheckError?.check);
  });
});

describe("timeout", () => {
  it("the example forks a child in the check's process group and never ends; killing the group leaves nothing", async () => {
    expect(installStatus(installs.get("runTimeout") as RRun, "runTimeout")).toBe("OK");
    expect(builds.get("runTimeout")?.exitCode).toBe(0);
    const { child: check, exited, outFile } = startDetachedCheck(tarball("runTimeout"), "runTimeout", library, work);
    const pgid = check.pid;
    if (pgid === undefined) throw new Error("R CMD check did not start");
    detachedGroups.push(pgid);
    const output = (): string => readFileSync(outFile, "utf8");

    // Wait (untimed) until the examples run and the forked child exists ...
    const marker = timeoutMarker("runTimeout");
    await until(
      () => output().includes("* checking examples ...") && processesWith(marker).length > 0,
      300_000,
      () => `check output so far:\n${tail(output())}`,
    );
    // ... then give the example ample time to end if it could: it must not.
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    expect(check.exitCode, tail(output())).toBeNull();
    expect(output()).not.toMatch(/^Status:/m);
    expect(tail(output(), 1)).toBe("* checking examples ...");
    const forked = processesWith(marker);
    expect(forked.length).toBeGreaterThan(0);
    for (const pid of forked) expect(processGroupOf(pid), `pid ${pid}`).toBe(pgid);

    process.kill(-pgid, "SIGKILL");
    await exited;
    await until(
      () => processesWith(marker).length === 0 && processesInGroup(pgid).length === 0,
      30_000,
      () => `survivors: ${processesInGroup(pgid).join(", ")}`,
    );
    expect(scenario.designed.runTimeout).toEqual({ install: "OK", build: "OK", check: "TIMEOUT" });
  }, 420_000);
});

async function until(condition: () => boolean, limitMs: number, explain: () => string): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > limitMs) throw new Error(`condition not reached after ${limitMs} ms; ${explain()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Live (non-zombie) processes whose command line contains `text`. */
function processesWith(text: string): number[] {
  return livePids().filter((pid) => readProc(pid, "cmdline").replace(/\0/g, " ").includes(text));
}

function processesInGroup(pgid: number): number[] {
  return livePids().filter((pid) => processGroupOf(pid) === pgid);
}

function livePids(): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^[0-9]+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      const stat = readProc(pid, "stat");
      return stat !== "" && statFields(stat)[0] !== "Z";
    });
}

function processGroupOf(pid: number): number | undefined {
  const stat = readProc(pid, "stat");
  return stat === "" ? undefined : Number(statFields(stat)[2]);
}

/** Fields of /proc/<pid>/stat after the command name: state, ppid, pgrp, ... */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

function readProc(pid: number, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, "utf8");
  } catch {
    return "";
  }
}
