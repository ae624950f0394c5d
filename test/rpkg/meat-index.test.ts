import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  compareCaseInsensitive,
  formatMeatIndex,
  formatSkippedIndex,
  parseMeatIndex,
  parseSkippedIndex,
  readMeatIndex,
  readSkippedIndex,
  sortCaseInsensitively,
  targetPackages,
  writeMeatIndex,
  writeSkippedIndex,
  type MeatIndexRecord,
} from "../../src/rpkg/meat-index.js";

const records: MeatIndexRecord[] = [
  {
    package: "a4",
    version: "1.55.0",
    maintainer: "Laure Cougnaud",
    maintainerEmail: "laure.cougnaud@openanalytics.eu",
    packageStatus: "Deprecated",
    unsupportedPlatforms: "win",
  },
  {
    package: "Biobase",
    version: "2.67.0",
    maintainer: "Bioconductor Package Maintainer",
    maintainerEmail: "maintainer@bioconductor.org",
  },
  { package: "abind", version: "1.4-8", maintainer: "Tony Plate" },
];

describe("meat-index.dcf", () => {
  it("writes the spec's field order with a blank line after every record", () => {
    expect(formatMeatIndex(records)).toBe(
      "Package: a4\nVersion: 1.55.0\nMaintainer: Laure Cougnaud\nMaintainerEmail: laure.cougnaud@openanalytics.eu\n" +
        "PackageStatus: Deprecated\nUnsupportedPlatforms: win\n\n" +
        "Package: Biobase\nVersion: 2.67.0\nMaintainer: Bioconductor Package Maintainer\nMaintainerEmail: maintainer@bioconductor.org\n\n" +
        "Package: abind\nVersion: 1.4-8\nMaintainer: Tony Plate\n\n",
    );
    expect(formatMeatIndex([])).toBe("");
  });

  it("reads back what it writes, atomically written to disk", () => {
    const path = join(mkdtempSync(join(tmpdir(), "bbs-meat-")), "meat-index.dcf");
    writeMeatIndex(path, records);
    expect(readMeatIndex(path)).toEqual(records);
    expect(parseMeatIndex(readFileSync(path, "utf8"))).toEqual(records);
  });

  it("rejects records without Package or Version, naming the line", () => {
    expect(() => parseMeatIndex("Package: a\nVersion: 1.0\n\nPackage: b\n", "central/meat-index.dcf")).toThrow(
      /central\/meat-index.dcf:4: record has no Version field/,
    );
    expect(() => readMeatIndex("/nonexistent/meat-index.dcf")).toThrow(/does not exist/);
  });
});

describe("skipped-index.dcf", () => {
  it("writes one Package record and a blank line per skipped package", () => {
    expect(formatSkippedIndex(["badDESC", "mismatch"])).toBe("Package: badDESC\n\nPackage: mismatch\n\n");
    expect(parseSkippedIndex("Package: badDESC\n\nPackage: mismatch\n\n")).toEqual(["badDESC", "mismatch"]);
    const path = join(mkdtempSync(join(tmpdir(), "bbs-meat-")), "skipped-index.dcf");
    writeSkippedIndex(path, ["x"]);
    expect(readSkippedIndex(path)).toEqual(["x"]);
  });
});

describe("case-insensitive package order", () => {
  it("sorts as Python's sorted(key=str.lower)", () => {
    // Expected order computed with: python3 -c 'print(sorted([...], key=str.lower))'
    const names = [
      "zlibbioc",
      "Biobase",
      "a4",
      "ABarray",
      "abind",
      "a4Base",
      "BiocGenerics",
      "biocViews",
      "affy",
      "affy.data",
      "affy2",
      "AnnotationDbi",
    ];
    expect(sortCaseInsensitively(names)).toEqual([
      "a4",
      "a4Base",
      "ABarray",
      "abind",
      "affy",
      "affy.data",
      "affy2",
      "AnnotationDbi",
      "Biobase",
      "BiocGenerics",
      "biocViews",
      "zlibbioc",
    ]);
    const many = [
      ...names,
      "a.b",
      "A_b",
      "a1",
      "A10",
      "a9",
      "Zz",
      "zZ",
      "ZZZ",
      "m.M",
      "M.m",
      "abc-d",
      "ABC.D",
      "0x",
      "_u",
      "ü",
      "ß",
    ];
    const python = execFileSync(
      "python3",
      ["-c", "import json,sys; print(json.dumps(sorted(json.load(sys.stdin), key=str.lower)))"],
      {
        input: JSON.stringify(many),
        encoding: "utf8",
      },
    );
    expect(sortCaseInsensitively(many)).toEqual(JSON.parse(python));
    expect(compareCaseInsensitive("ABC", "abc")).toBe(0);
    expect(sortCaseInsensitively(["b", "ABC", "abc", "Abc"])).toEqual(["ABC", "abc", "Abc", "b"]); // stable for ties
  });

  it("gives a node's target packages: supported ones, sorted", () => {
    const linux = { hostname: "nebbiolo1", arch: "x86_64", pkgType: "source" };
    const windows = { hostname: "palomino3", arch: "x64", pkgType: "win.binary" };
    expect(targetPackages(records, linux).map((r) => r.package)).toEqual(["a4", "abind", "Biobase"]);
    expect(targetPackages(records, windows).map((r) => r.package)).toEqual(["abind", "Biobase"]);
  });
});
