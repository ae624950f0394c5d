// The manifest (spec 6.1) as BBS reads it, plus the names and duplicates bbs
// refuses; errors name the file and the line. Also --snapshot-date values.

import { describe, expect, it } from "vitest";
import { isValidPackageName, parseManifest } from "../../../src/stages/prerun/manifest.js";
import { parseSnapshotDate } from "../../../src/stages/prerun/snapshot.js";
import { BbsError } from "../../../src/util/errors.js";

function errorOf(run: () => unknown): BbsError {
  try {
    run();
  } catch (error) {
    if (error instanceof BbsError) return error;
    throw error;
  }
  throw new Error("expected a BbsError");
}

describe("parseManifest", () => {
  it("reads names with or without the Package: prefix, skipping blank and # lines", () => {
    const text =
      "# software\nPackage: a4\n\nPackage:   ABarray  \nbiocViews\n\t\n#Package: hidden\nPackage: S4Vectors\r\nzlibbioc\n";
    expect(parseManifest(text, "software.txt")).toEqual(["a4", "ABarray", "biocViews", "S4Vectors", "zlibbioc"]);
  });

  it("rejects a line with another field, naming the file and the line", () => {
    const error = errorOf(() => parseManifest("Package: a4\nVersion: 1.0\n", "software.txt"));
    expect(error.code).toBe("BBS_INPUT_INVALID");
    expect(error.message).toBe(
      'software.txt:2: "Version: 1.0" is not a package line (only "Package: <name>" lines may contain ":")',
    );
    expect(error.hint).toContain("one package per line");
  });

  it("lists every bad line at once: invalid names and duplicates", () => {
    const error = errorOf(() => parseManifest("a4\n../evil\nPackage: a4\nfoo bar\n", "m.txt"));
    expect(error.message).toBe("m.txt has 3 invalid lines");
    expect(error.details).toEqual([
      'm.txt:2: "../evil" is not a valid R package name',
      "m.txt:3: package a4 is already listed on line 1",
      'm.txt:4: "foo bar" is not a valid R package name',
    ]);
  });

  it("knows R's package names", () => {
    for (const name of ["a4", "BiocGenerics", "data.table", "R.utils"]) expect(isValidPackageName(name)).toBe(true);
    for (const name of ["4a", "a", "a_b", "a.", ".a", "a-b", ""]) expect(isValidPackageName(name)).toBe(false);
  });
});

describe("parseSnapshotDate", () => {
  it("takes dates and times without an offset as local time", () => {
    expect(parseSnapshotDate("2024-03-01").getTime()).toBe(new Date(2024, 2, 1).getTime());
    expect(parseSnapshotDate("2024-03-01 13:55").getTime()).toBe(new Date(2024, 2, 1, 13, 55).getTime());
    expect(parseSnapshotDate("2024-03-01T13:55:30").getTime()).toBe(new Date(2024, 2, 1, 13, 55, 30).getTime());
  });

  it("honours an explicit offset, and reads BBS dates", () => {
    expect(parseSnapshotDate("2024-10-24T13:55:00-04:00").toISOString()).toBe("2024-10-24T17:55:00.000Z");
    expect(parseSnapshotDate("2024-10-24 17:55Z").toISOString()).toBe("2024-10-24T17:55:00.000Z");
    expect(parseSnapshotDate("2024-10-24 13:55 -0400 (Thu, 24 Oct 2024)").toISOString()).toBe(
      "2024-10-24T17:55:00.000Z",
    );
  });

  it("rejects anything else as a usage error", () => {
    for (const text of ["yesterday", "2024-02-30", "2024-13-01", "24-10-2024"]) {
      const error = errorOf(() => parseSnapshotDate(text));
      expect(error.code, text).toBe("BBS_USAGE");
      expect(error.message).toContain(text);
    }
  });
});
