import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  BASE_PACKAGES,
  Description,
  injectDescriptionFields,
  isBasePackage,
  isRDependency,
  isRecommendedPackage,
  parseDependencies,
  RECOMMENDED_PACKAGES,
  splitMaintainer,
} from "../../src/rpkg/description.js";
import { BbsError } from "../../src/util/errors.js";
import { runRscriptJson } from "./helpers/r.js";

const FIELDS = [
  "R (>= 4.0.0), methods, BiocGenerics (>= 0.37.0)",
  "S4Vectors(>= 0.27.12),IRanges (>= 2.23.9) ,\n    GenomeInfoDb (>= 1.15.2),",
  "Rcpp (== 1.0.7), data.table (< 1.15), foo (!= 2.0-1), bar (<= 3.0), baz (> 0.1)",
  "stats,\n  utils,  graphics ,grDevices",
  "A.b.C2 (>= 1.0),A.b.C2 (>= 1.0),  zlibbioc",
];

interface RDependency {
  name: string;
  op?: string;
  version?: string;
}

let r: { split: RDependency[][]; base: string[]; recommended: string[] };

beforeAll(() => {
  r = runRscriptJson(
    `fields <- commandArgs(TRUE)
split <- lapply(fields, function(f) unname(lapply(tools:::.split_dependencies(f), function(d) {
  if (!is.null(d$version)) d$version <- as.character(d$version); d })))
std <- tools:::.get_standard_package_names()
cat(jsonlite::toJSON(list(split = split, base = std$base, recommended = std$recommended), auto_unbox = TRUE))`,
    FIELDS,
  );
});

describe("parseDependencies", () => {
  it("agrees with R's tools:::.split_dependencies", () => {
    FIELDS.forEach((field, i) => {
      const ours = parseDependencies(field).map(({ name, op, version }) => ({ name, ...(op ? { op, version } : {}) }));
      // as.character(package_version("2.0-1")) is "2.0.1": compare with "-" read as "."
      const theirs = r.split[i]!.map((d) => ({ name: d.name, ...(d.op ? { op: d.op, version: d.version } : {}) }));
      expect(ours.map((d) => ({ ...d, version: d.version?.replace(/-/g, ".") }))).toEqual(
        theirs.map((d) => ({ ...d, version: d.version?.replace(/-/g, ".") })),
      );
    });
  });

  it("keeps the constraint text and tolerates odd spacing", () => {
    expect(parseDependencies("IRanges ( >=   2.41.0 )")).toEqual([
      { name: "IRanges", constraint: ">= 2.41.0", op: ">=", version: "2.41.0" },
    ]);
    expect(parseDependencies("R (>=4.1)")).toEqual([{ name: "R", constraint: ">=4.1", op: ">=", version: "4.1" }]);
    expect(parseDependencies("foo (>= 1.0a), bar (~ 2)")).toEqual([
      { name: "foo", constraint: ">= 1.0a" },
      { name: "bar", constraint: "~ 2" },
    ]);
    expect(parseDependencies("")).toEqual([]);
    expect(parseDependencies(" , ,")).toEqual([]);
  });

  it("rejects entries without a package name, naming the field", () => {
    expect(() => parseDependencies("(>= 1.0)", "x/DESCRIPTION, field Imports")).toThrow(
      /x\/DESCRIPTION, field Imports: cannot parse dependency "\(>= 1.0\)"/,
    );
    expect(() => parseDependencies("two words")).toThrow(BbsError);
  });
});

describe("package classes", () => {
  it("lists R's base and recommended packages", () => {
    expect([...BASE_PACKAGES].sort()).toEqual([...r.base].sort());
    expect([...RECOMMENDED_PACKAGES].sort()).toEqual([...r.recommended].sort());
    expect(isBasePackage("methods")).toBe(true);
    expect(isBasePackage("Matrix")).toBe(false);
    expect(isRecommendedPackage("Matrix")).toBe(true);
    expect(isRDependency({ name: "R" })).toBe(true);
  });
});

describe("splitMaintainer", () => {
  it("splits name and email as BBS does", () => {
    expect(splitMaintainer("Laure Cougnaud <laure.cougnaud@openanalytics.eu>")).toEqual({
      name: "Laure Cougnaud",
      email: "laure.cougnaud@openanalytics.eu",
    });
    expect(splitMaintainer("Bioconductor Package Maintainer\n  <maintainer@bioconductor.org>")).toEqual({
      name: "Bioconductor Package Maintainer",
      email: "maintainer@bioconductor.org",
    });
    expect(splitMaintainer("No Email Person")).toEqual({ name: "No Email Person" });
    expect(splitMaintainer("Empty <>")).toEqual({ name: "Empty" });
    expect(splitMaintainer('"Dr. X" <x@y.org> ')).toEqual({ name: '"Dr. X"', email: "x@y.org" });
  });
});

describe("Description", () => {
  it("reads a package directory, merging records and typing common fields", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "bbs-desc-")), "a4");
    mkdirSync(dir);
    writeFileSync(
      join(dir, "DESCRIPTION"),
      "Package: a4\nVersion: 1.55.0\nMaintainer: Laure <l@x.eu>\n\nPackageStatus: Deprecated\nOS_type: unix\n" +
        "Depends: R (>= 4.0), methods, a4Core\nImports: Biobase,\n  a4Core, Matrix\nSuggests: knitr\n",
    );
    const description = Description.read(dir);
    expect(description.package).toBe("a4");
    expect(description.version).toBe("1.55.0");
    expect(description.maintainer).toBe("Laure <l@x.eu>");
    expect(description.packageStatus).toBe("Deprecated");
    expect(description.osType).toBe("unix");
    expect(description.hasValidVersion()).toBe(true);
    expect(description.dependencies("Imports").map((d) => d.name)).toEqual(["Biobase", "a4Core", "Matrix"]);
    expect(description.packageDependencies()).toEqual(["a4Core", "Biobase", "Matrix"]);
    expect(description.packageDependencies(["Suggests"])).toEqual(["knitr"]);
    expect(Description.read(join(dir, "DESCRIPTION")).package).toBe("a4");
  });

  it("reports unreadable and malformed DESCRIPTION files with their path", () => {
    const dir = mkdtempSync(join(tmpdir(), "bbs-desc-"));
    expect(() => Description.read(dir)).toThrow(/DESCRIPTION does not exist/);
    writeFileSync(join(dir, "DESCRIPTION"), "Package: x\nthis line is wrong\n");
    expect(() => Description.read(dir)).toThrow(/DESCRIPTION:2: the line has no "Field:" name/);
    expect(Description.parse("Package: x\nVersion: 1.0-beta\n").hasValidVersion()).toBe(false);
  });

  it("injects fields in place, atomically", () => {
    const dir = mkdtempSync(join(tmpdir(), "bbs-desc-"));
    writeFileSync(join(dir, "DESCRIPTION"), "Package: x\nVersion: 1.0\nRepository: CRAN\n  continued\n");
    injectDescriptionFields(dir, [
      ["git_last_commit_date", "2024-10-23 10:12:33 -0400 (Wed, 23 Oct 2024)"],
      ["Repository", "Bioconductor 3.21"],
    ]);
    expect(readFileSync(join(dir, "DESCRIPTION"), "utf8")).toBe(
      "Package: x\nVersion: 1.0\ngit_last_commit_date: 2024-10-23 10:12:33 -0400 (Wed, 23 Oct 2024)\nRepository: Bioconductor 3.21\n",
    );
  });
});
