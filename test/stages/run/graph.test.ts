// The STAGE2 dependency graph in TypeScript (spec 4.1.6, 6.6), the library
// paths and installed packages R would see (without starting R), and the
// .Rcheck pruning (spec 4.3.6).

import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Description } from "../../../src/rpkg/description.js";
import {
  computeDependencyGraph,
  formatDependencyGraph,
  mergeAvailable,
  parseDependencyGraph,
  parsePackagesIndex,
} from "../../../src/stages/run/dep-graph.js";
import { pruneCheckDir } from "../../../src/rpkg/rcheck.js";
import { installedPackages, libraryPaths } from "../../../src/rpkg/r-env.js";
import { useTempDirs } from "../../fixtures/tmp.js";

const dirs = useTempDirs();

const description = (text: string) => Description.parse(text);

describe("dependency graph", () => {
  const targets = [
    {
      name: "IRanges",
      description: description(
        "Package: IRanges\nVersion: 2.41.0\nDepends: R (>= 4.0.0), methods, BiocGenerics (>= 0.39.2), S4Vectors\nImports: stats\nLinkingTo: S4Vectors\nSuggests: RUnit, GO.db, BiocStyle\n",
      ),
    },
    {
      name: "S4Vectors",
      description: description(
        "Package: S4Vectors\nVersion: 0.44.0\nDepends: methods, BiocGenerics\nSuggests: IRanges\n",
      ),
    },
  ];
  const cran = parsePackagesIndex(
    "Package: RUnit\nVersion: 0.4.32\n\nPackage: BiocStyle\nVersion: 2.30.0\nImports: knitr, yaml\n\nPackage: BiocStyle\nVersion: 2.28.0\n",
    "https://cran.example.org",
  );
  const bioc = parsePackagesIndex(
    "Package: BiocGenerics\nVersion: 0.49.1\nDepends: R (>= 4.0.0), methods, utils, graphics, stats\n\nPackage: RUnit\nVersion: 0.4.30\n",
    "https://bioc.example.org",
  );
  const installed = new Map([
    ["methods", { version: "4.2.2", deps: ["utils", "stats"] }],
    ["utils", { version: "4.2.2", deps: [] }],
    ["stats", { version: "4.2.2", deps: ["utils", "grDevices", "graphics"] }],
    ["graphics", { version: "4.2.2", deps: ["grDevices"] }],
    ["grDevices", { version: "4.2.2", deps: [] }],
    ["knitr", { version: "1.41", deps: ["evaluate"] }],
    ["RUnit", { version: "0.4.0", deps: ["utils"] }],
  ]);
  const graph = computeDependencyGraph({
    targets,
    available: mergeAvailable([bioc.packages, cran.packages]),
    installed,
  });
  const lines = formatDependencyGraph(graph.nodes)
    .split("\n")
    .filter((line) => line !== "");

  it("seeds targets and their Suggests, closes over Depends/Imports/LinkingTo, drops R and version specs", () => {
    expect(lines.slice(0, 2)).toEqual([
      "IRanges: methods BiocGenerics S4Vectors stats",
      "S4Vectors: methods BiocGenerics",
    ]);
    expect(lines).toContain("BiocGenerics: methods utils graphics stats");
    expect(lines).toContain("BiocStyle: knitr yaml");
    expect(lines).toContain("stats: utils grDevices graphics");
    expect(lines).toContain("grDevices: ");
  });

  it("takes the highest version among repositories, repositories before installed packages", () => {
    expect(graph.nodes.find((node) => node.name === "RUnit")).toMatchObject({
      source: "repository",
      version: "0.4.32",
    });
    expect(graph.nodes.find((node) => node.name === "BiocStyle")).toMatchObject({ version: "2.30.0" });
    expect(graph.nodes.find((node) => node.name === "knitr")).toMatchObject({ source: "installed" });
    expect(graph.nodes.find((node) => node.name === "IRanges")).toMatchObject({ source: "target" });
  });

  it("gives unknown packages no line but keeps them in the lines naming them", () => {
    expect([...graph.unknown].sort()).toEqual(["GO.db", "evaluate", "yaml"]);
    expect(lines.some((line) => line.startsWith("GO.db:") || line.startsWith("yaml:"))).toBe(false);
    expect(lines).toContain("knitr: evaluate");
  });

  it("reads back as BBS parses it", () => {
    const parsed = parseDependencyGraph(formatDependencyGraph(graph.nodes));
    expect(parsed.get("IRanges")).toEqual(["methods", "BiocGenerics", "S4Vectors", "stats"]);
    expect(parsed.get("grDevices")).toEqual([]);
    expect(parsed.size).toBe(graph.nodes.length);
  });

  it("reports index records it cannot use", () => {
    const parsed = parsePackagesIndex(
      "Package: a\n\nPackage: b\nVersion: 1\nImports: (>= 1)\n\nPackage: c\nVersion: 1\n",
      "https://x.example.org",
    );
    expect(parsed.packages.map((pkg) => pkg.name)).toEqual(["c"]);
    expect(parsed.problems).toHaveLength(2);
  });
});

describe("library paths and installed packages, without R", () => {
  it("follow R's order (R_LIBS, R_LIBS_USER, R_LIBS_SITE from Renviron with %S, R's library), existing directories only", async () => {
    const root = await dirs.make("rhome");
    const rHome = join(root, "R");
    for (const dir of ["etc", "library/base", "site-library", "local-site", "libs"])
      mkdirSync(join(rHome, dir), { recursive: true });
    writeFileSync(
      join(rHome, "library", "base", "DESCRIPTION"),
      "Package: base\nVersion: 4.2.2\nPriority: base\nBuilt: R 4.2.2; ; 2022-11-10; unix\n",
    );
    writeFileSync(
      join(rHome, "etc", "Renviron"),
      `R_PAPERSIZE_USER=\${R_PAPERSIZE}\nR_LIBS_USER=\${R_LIBS_USER:-'${join(root, "nowhere")}'}\nR_LIBS_SITE=\${R_LIBS_SITE:-'${join(rHome, "local-site")}:%S'}\n`,
    );
    const env = { HOME: root };
    expect(libraryPaths(rHome, `${join(rHome, "libs")}:${join(root, "missing")}`, "x86_64-pc-linux-gnu", env)).toEqual([
      join(rHome, "libs"),
      join(rHome, "local-site"),
      join(rHome, "site-library"),
      join(rHome, "library"),
    ]);
    expect(libraryPaths(rHome, undefined, "x86_64-pc-linux-gnu", { ...env, R_LIBS_SITE: join(rHome, "libs") })).toEqual(
      [join(rHome, "libs"), join(rHome, "library")],
    );
  });

  it("lists installed packages (first library wins), skipping locks and non-installations", async () => {
    const root = await dirs.make("libs");
    const write = (lib: string, name: string, text: string) => {
      mkdirSync(join(root, lib, name), { recursive: true });
      writeFileSync(join(root, lib, name, "DESCRIPTION"), text);
    };
    write(
      "a",
      "pkg",
      "Package: pkg\nVersion: 2.0\nImports: other (>= 1), R (>= 4)\nBuilt: R 4.2.2; ; 2024-01-01; unix\n",
    );
    write("b", "pkg", "Package: pkg\nVersion: 1.0\nBuilt: R 4.2.2; ; 2024-01-01; unix\n");
    write("b", "source", "Package: source\nVersion: 1.0\n");
    write("b", "00LOCK-pkg", "Package: pkg\nVersion: 3.0\nBuilt: R 4.2.2; ; 2024-01-01; unix\n");
    const { packages, problems } = installedPackages([join(root, "a"), join(root, "b")]);
    expect(problems).toEqual([]);
    expect([...packages.keys()]).toEqual(["pkg"]);
    expect(packages.get("pkg")).toMatchObject({ version: "2.0", deps: ["other"], libPath: join(root, "a") });
    const system = installedPackages(libraryPaths("/usr/lib/R", undefined, "x86_64-pc-linux-gnu")).packages;
    expect(system.get("methods")?.deps).toEqual(["utils", "stats"]);
  });
});

describe(".Rcheck pruning", () => {
  it("keeps what the report shows, nothing else", async () => {
    const root = await dirs.make("rcheck");
    const dir = join(root, "pkg.Rcheck");
    const files = [
      "00check.log",
      "00install.out",
      "pkg-Ex.Rout",
      "pkg-Ex.R",
      "pkg-Ex.timings",
      "pkg-Ex.pdf",
      "pkg-manual.pdf",
      "00_pkg_src/pkg/DESCRIPTION",
      "pkg/R/pkg",
      "examples_x64/pkg-Ex.timings",
      "examples_x64/pkg-Ex.Rout",
      "tests/testthat.Rout",
      "tests/startup.Rs",
      "tests/testthat/test-a.R",
    ];
    for (const file of files) {
      mkdirSync(join(dir, file, ".."), { recursive: true });
      writeFileSync(join(dir, file), "x");
    }
    pruneCheckDir(dir, "pkg");
    expect(readdirSync(dir).sort()).toEqual([
      "00check.log",
      "00install.out",
      "examples_x64",
      "pkg-Ex.Rout",
      "pkg-Ex.timings",
      "pkg-manual.pdf",
      "tests",
    ]);
    expect(readdirSync(join(dir, "examples_x64"))).toEqual(["pkg-Ex.timings"]);
    expect(readdirSync(join(dir, "tests"))).toEqual(["testthat.Rout"]);
  });
});
