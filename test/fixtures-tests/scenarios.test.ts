// The ready-made scenarios are what their purposes say: the prerun scenario's
// DESCRIPTION files read by real R (one batch), its git server and manifest;
// the run scenario's chain and designed statuses (verified with real R in
// valid-packages.test.ts and behaviours.test.ts).

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { git } from "../fixtures/git.js";
import { dependencyNames, PACKAGE_BEHAVIOURS } from "../fixtures/rpkg-generator.js";
import {
  materializeScenario,
  prerunScenario,
  runScenario,
  syntheticScenario,
  type MaterializedScenario,
} from "../fixtures/scenarios.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { rscript } from "./r-commands.js";

const dirs = useTempDirs();

interface RView {
  parsed: boolean;
  package: string;
  version: string;
  versionValid: boolean;
  maintainer: string;
  osType: string;
}

/** Every package's DESCRIPTION as R reads it: one R process for all of them. */
async function readWithR(packageDirs: ReadonlyMap<string, string>): Promise<Map<string, RView>> {
  const script = `
    dirs <- c(${[...packageDirs].map(([name, dir]) => `${JSON.stringify(name)} = ${JSON.stringify(dir)}`).join(", ")})
    for (name in names(dirs)) {
      d <- tryCatch(read.dcf(file.path(dirs[[name]], "DESCRIPTION")), error = function(e) NULL)
      field <- function(k) if (!is.null(d) && k %in% colnames(d)) d[1, k] else ""
      maint <- field("Maintainer")
      if (maint == "" && field("Authors@R") != "") {
        people <- eval(parse(text = field("Authors@R")))
        maint <- format(Filter(function(p) "cre" %in% p$role, people), include = c("given", "family", "email"))
      }
      v <- field("Version")
      valid <- !inherits(tryCatch(package_version(v), error = function(e) e), "error")
      cat(name, !is.null(d), field("Package"), v, valid, maint, field("OS_type"), sep = "\\t")
      cat("\\n")
    }`;
  const out = await rscript(script, "");
  const views = new Map<string, RView>();
  for (const line of out.split("\n")) {
    const [name = "", parsed, pkg = "", version = "", valid, maintainer = "", osType = ""] = line.split("\t");
    views.set(name, {
      parsed: parsed === "TRUE",
      package: pkg,
      version,
      versionValid: valid === "TRUE",
      maintainer,
      osType,
    });
  }
  return views;
}

describe("prerunScenario", () => {
  const scenario = prerunScenario();
  let materialized: MaterializedScenario;
  let views: Map<string, RView>;

  beforeAll(async () => {
    materialized = await materializeScenario(scenario, await dirs.make("scenario-prerun"));
    views = await readWithR(materialized.packageDirs);
  });

  it("has about a dozen packages with distinct names, each with a purpose", () => {
    const names = scenario.packages.map((p) => p.name);
    expect(names.length).toBeGreaterThanOrEqual(12);
    expect(new Set(names).size).toBe(names.length);
    for (const pkg of scenario.packages) expect(pkg.purpose.length, pkg.name).toBeGreaterThan(5);
  });

  it("has a repo for every package but the missing one, at the recorded commits", async () => {
    for (const pkg of scenario.packages) {
      expect(await materialized.server.exists(pkg.name), pkg.name).toBe(pkg.spec !== undefined);
      if (pkg.spec !== undefined)
        expect((await materialized.server.headCommit(pkg.name)).sha).toBe(materialized.commits.get(pkg.name));
    }
    expect(scenario.packages.filter((p) => p.spec === undefined).map((p) => p.name)).toEqual(["preMissingRepo"]);
  });

  it("has a manifest naming every package once, with comments, a blank line and an unprefixed entry", async () => {
    const text = await git(["--git-dir", materialized.server.repoPath("manifest"), "show", "devel:software.txt"]);
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^# /);
    expect(lines).toContain("");
    expect(lines.filter((line) => line.startsWith("#")).length).toBeGreaterThanOrEqual(2);
    const named = lines
      .filter((line) => line !== "" && !line.startsWith("#"))
      .map((line) => line.replace(/^Package: /, ""));
    expect(named).toEqual(scenario.packages.map((p) => p.name));
    expect(lines.some((line) => /^[A-Za-z][A-Za-z0-9.]*$/.test(line))).toBe(true);
  });

  it("has DESCRIPTION files that R reads as the purposes say", () => {
    const view = (name: string): RView => {
      const found = views.get(name);
      if (found === undefined) throw new Error(`R did not report ${name}`);
      return found;
    };
    expect(view("preBadDescription").parsed).toBe(false);
    expect(view("preDirMismatch")).toMatchObject({ parsed: true, package: "preDirMismatchRenamed" });
    expect(view("preBadVersion")).toMatchObject({ parsed: true, versionValid: false });
    expect(view("preNoMaintainer").maintainer).toBe("");
    expect(view("preNoEmail").maintainer).toBe("Emil Nomail");
    expect(view("preAuthorsR").maintainer).toBe("Ada Lovelace <ada.lovelace@bbs-fixtures.example.org>");
    expect(view("preBase").maintainer).toBe("Zoë Fixture <zoe.fixture@bbs-fixtures.example.org>");
    expect(view("preUnixOnly").osType).toBe("unix");
    expect(view("preUnixMac").osType).toBe("unix");
    for (const name of [
      "preBase",
      "preChainMid",
      "preChainTop",
      "preWithC",
      "preAuthorsR",
      "preUnixOnly",
      "preBBSOptions",
      "preUnixMac",
      "preDeprecated",
    ]) {
      expect(view(name), name).toMatchObject({ parsed: true, package: name, versionValid: true });
    }
  });

  it("carries .BBSoptions and PackageStatus where the purposes say", async () => {
    const dir = (name: string): string => materialized.packageDirs.get(name) ?? "";
    expect(await readFile(join(dir("preBBSOptions"), ".BBSoptions"), "utf8")).toBe("UnsupportedPlatforms: mac\n");
    expect(await readFile(join(dir("preUnixMac"), ".BBSoptions"), "utf8")).toMatch(/^UnsupportedPlatforms: mac$/m);
    expect(await readFile(join(dir("preDeprecated"), "DESCRIPTION"), "utf8")).toMatch(/^PackageStatus: Deprecated$/m);
    expect(await readFile(join(dir("preWithC"), "NAMESPACE"), "utf8")).toContain(
      "useDynLib(preWithC, .registration = TRUE)",
    );
  });
});

describe("runScenario", () => {
  const scenario = runScenario();

  it("designs a status for every package, covering every outcome a Linux builder produces", () => {
    const names = scenario.packages.map((p) => p.name);
    expect(Object.keys(scenario.designed).sort()).toEqual([...names].sort());
    const statuses = Object.values(scenario.designed);
    expect(new Set(statuses.map((s) => s.check))).toEqual(new Set(["OK", "WARNINGS", "ERROR", "TIMEOUT", "skipped"]));
    expect(statuses.some((s) => s.install === "ERROR")).toBe(true);
    expect(statuses.some((s) => s.build === "ERROR")).toBe(true);
    const behaviours = new Set(scenario.packages.map((p) => p.spec?.behaviour).filter((b) => b !== undefined));
    expect([...behaviours].every((b) => (PACKAGE_BEHAVIOURS as readonly string[]).includes(b))).toBe(true);
  });

  it("has a dependency chain inside the scenario, with C code", () => {
    const byName = new Map(scenario.packages.map((p) => [p.name, p.spec]));
    for (const pkg of scenario.packages) {
      const spec = pkg.spec;
      if (spec === undefined) throw new Error(`${pkg.name} has no spec`);
      for (const dep of [
        ...dependencyNames(spec.depends),
        ...dependencyNames(spec.imports),
        ...dependencyNames(spec.linkingTo),
        ...dependencyNames(spec.suggests),
      ]) {
        expect(byName.has(dep), `${pkg.name} -> ${dep}`).toBe(true);
      }
    }
    expect(byName.get("runTop")?.depends).toEqual(["runMid"]);
    expect(byName.get("runMid")?.imports).toEqual(["runBase"]);
    expect(byName.get("runMid")?.linkingTo).toEqual(["runBase"]);
    expect(byName.get("runBase")?.withC).toBe(true);
  });

  it("materializes with explicit dates and a branch", async () => {
    const materialized = await materializeScenario(scenario, await dirs.make("scenario-run"), {
      branch: "RELEASE_3_16",
      date: "2024-05-01T10:00:00+02:00",
    });
    expect(materialized.server.branch).toBe("RELEASE_3_16");
    for (const pkg of scenario.packages) {
      const head = await materialized.server.headCommit(pkg.name);
      expect(head.date, pkg.name).toBe("2024-05-01T10:00:00+02:00");
    }
    const manifest = await git([
      "--git-dir",
      materialized.server.repoPath("manifest"),
      "show",
      "RELEASE_3_16:software.txt",
    ]);
    expect(manifest.split("\n")).toEqual(scenario.packages.map((p) => `Package: ${p.name}`));
  });
});

describe("syntheticScenario", () => {
  it("is a deterministic DAG of imports over earlier packages, with C code every n-th package", () => {
    const scenario = syntheticScenario({ count: 300, seed: 7, maxDeps: 3, cEvery: 10 });
    expect(syntheticScenario({ count: 300, seed: 7, maxDeps: 3, cEvery: 10 })).toEqual(scenario);
    expect(syntheticScenario({ count: 300, seed: 8, maxDeps: 3, cEvery: 10 })).not.toEqual(scenario);
    expect(scenario.packages).toHaveLength(300);
    expect(scenario.packages[0]?.name).toBe("synth0001");
    const index = new Map(scenario.packages.map((p, i) => [p.name, i]));
    let edges = 0;
    scenario.packages.forEach((pkg, i) => {
      const deps = pkg.spec?.imports ?? [];
      expect(deps.length).toBeLessThanOrEqual(3);
      for (const dep of deps) expect(index.get(dep) ?? Infinity).toBeLessThan(i);
      edges += deps.length;
    });
    expect(edges).toBeGreaterThan(200);
    expect(scenario.packages.filter((p) => p.spec?.withC === true)).toHaveLength(30);
  });

  it("materializes many repos, listing the maps in scenario order", async () => {
    const scenario = syntheticScenario({ count: 24 });
    const materialized = await materializeScenario(scenario, await dirs.make("scenario-synthetic"));
    expect([...materialized.commits.keys()]).toEqual(scenario.packages.map((p) => p.name));
    expect([...materialized.packageDirs.keys()]).toEqual(scenario.packages.map((p) => p.name));
    for (const pkg of scenario.packages)
      expect((await materialized.server.headCommit(pkg.name)).sha).toBe(materialized.commits.get(pkg.name));
  });
});
