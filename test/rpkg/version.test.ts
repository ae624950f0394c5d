import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  compareVersionStrings,
  compareVersions,
  indexOfLatestVersion,
  isBbsValidVersion,
  isValidPackageVersion,
  parseVersion,
  satisfies,
  tryParseVersion,
  VERSION_OPERATORS,
} from "../../src/rpkg/version.js";
import { BbsError } from "../../src/util/errors.js";
import { seededRandom } from "./helpers/random.js";
import { runRscriptJson } from "./helpers/r.js";

function generatePairs(count: number): [string, string][] {
  const random = seededRandom(20241024);
  const component = (): string => {
    const r = random();
    if (r < 0.5) return String(Math.floor(random() * 4)); // small numbers collide often
    if (r < 0.7) return String(Math.floor(random() * 120));
    if (r < 0.85) return "0".repeat(1 + Math.floor(random() * 2)) + String(Math.floor(random() * 12)); // leading zeros
    return String(Math.floor(random() * 100000));
  };
  const version = (): string => {
    const n = 2 + Math.floor(random() * 3); // 2-4 components (package_version needs 2)
    let text = component();
    for (let i = 1; i < n; i += 1) text += (random() < 0.8 ? "." : "-") + component();
    return text;
  };
  const pairs: [string, string][] = [
    ["1.0", "1.0.0"],
    ["1.0.0", "1.0"],
    ["1.0.1", "1.0"],
    ["1-2", "1.2"],
    ["01.2", "1.02"],
    ["1.10", "1.9"],
    ["1.99.0", "1.100"],
    ["2.41.0", "2.41.0"],
    ["0.99.1", "1.0.0"],
    ["1.2-3", "1.2.3.0"],
    ["3.0.0.0", "3"],
  ];
  while (pairs.length < count) {
    const a = version();
    // Half the pairs share a prefix, so equal and near-equal versions are common.
    const b = random() < 0.5 ? version() : a.replace(/[0-9]+$/, component()) + (random() < 0.3 ? ".0" : "");
    pairs.push([a, b]);
  }
  return pairs;
}

interface RComparison {
  compareVersion: number[];
  order: number[];
  ops: Record<string, boolean[]>;
}

const pairs = generatePairs(400);
let r: RComparison;

beforeAll(() => {
  const file = join(mkdtempSync(join(tmpdir(), "bbs-version-")), "pairs.tsv");
  writeFileSync(file, pairs.map(([a, b]) => `${a}\t${b}`).join("\n") + "\n");
  r = runRscriptJson<RComparison>(
    `p <- read.delim(commandArgs(TRUE)[1], header = FALSE, colClasses = "character")
# numeric_version: package_version ordering, also for one-component versions
a <- numeric_version(p[[1]]); b <- numeric_version(p[[2]])
out <- list(
  compareVersion = mapply(utils::compareVersion, p[[1]], p[[2]], USE.NAMES = FALSE),
  order = ifelse(a < b, -1L, ifelse(a > b, 1L, 0L)),
  ops = list(">=" = a >= b, ">" = a > b, "<=" = a <= b, "<" = a < b, "==" = a == b, "!=" = a != b))
cat(jsonlite::toJSON(out))`,
    [file],
  );
});

describe("version ordering agrees with R", () => {
  it("has a few hundred pairs, with equal, prefix and leading-zero cases", () => {
    expect(pairs.length).toBe(400);
    expect(r.order.filter((o) => o === 0).length).toBeGreaterThan(20);
    expect(pairs.some(([a, b]) => /(^|[.-])0\d/.test(a + b))).toBe(true);
  });

  it("compareVersions = package_version comparison", () => {
    expect(pairs.map(([a, b]) => compareVersions(a, b))).toEqual(r.order);
  });

  it("compareVersionStrings = utils::compareVersion", () => {
    expect(pairs.map(([a, b]) => compareVersionStrings(a, b))).toEqual(r.compareVersion);
  });

  it("satisfies = package_version operators", () => {
    for (const op of VERSION_OPERATORS) {
      expect(
        pairs.map(([a, b]) => satisfies(a, op, b)),
        op,
      ).toEqual(r.ops[op]);
    }
  });
});

describe("versions", () => {
  it("parses with leading zeros stripped and any size", () => {
    expect(parseVersion("01.002-0").components).toEqual(["1", "2", "0"]);
    expect(compareVersions("1.123456789012345678901", "1.123456789012345678900")).toBe(1);
    expect(tryParseVersion(" 1.2 ")?.text).toBe("1.2");
  });

  it("knows which versions are valid for BBS and for package_version", () => {
    expect(isBbsValidVersion("1.55.0")).toBe(true);
    expect(isBbsValidVersion("1")).toBe(true);
    expect(isBbsValidVersion("0.99-1")).toBe(true);
    for (const bad of ["1.0a", "v1.0", "1..0", "1.0.", "", " 1.0", "1.0-"])
      expect(isBbsValidVersion(bad), bad).toBe(false);
    expect(isValidPackageVersion("1")).toBe(false);
    expect(isValidPackageVersion("1.0")).toBe(true);
  });

  it("rejects invalid versions with a clear error", () => {
    try {
      compareVersions("1.0", "1.x");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(BbsError);
      expect((error as BbsError).message).toContain('"1.x" is not a valid version');
    }
  });

  it("picks the first of the greatest versions, as R's which.max", () => {
    expect(indexOfLatestVersion(["1.0", "1.2", "1.2.0", "1.1"])).toBe(1);
    expect(indexOfLatestVersion([])).toBe(-1);
  });
});
