// bbs propagate update on postrun-shaped inputs (real corpus tarballs):
// YES only, never overwrite, archive (release) or remove (devel), manuals
// gated by the source status, dry run, integrity checks of DB vs OUTGOING.

import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { parseStatusDb, propagates } from "../../src/propagation/inputs.js";
import { contribPath, formatRepositoryFile, type RepositoryLayout } from "../../src/propagation/layout.js";
import { CollectingLog } from "../../src/propagation/reporter.js";
import { applyUpdate, prepareUpdatePlan, type UpdateOptions } from "../../src/propagation/update.js";
import { isBbsError } from "../../src/util/errors.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { corpusTarball, snapshotTree, writeCentralDir } from "./fixtures.js";

const dirs = useTempDirs();
let central: string;
let staging: string;
let layout: RepositoryLayout;
const RELEASE: UpdateOptions = { archive: true, manuals: true };
const DEVEL: UpdateOptions = { archive: false, manuals: true };

function layoutFor(
  root: string,
  types: ("source" | "win.binary" | "mac.binary.big-sur-arm64")[] = ["source"],
): RepositoryLayout {
  return {
    root,
    rVersion: "4.2",
    contribDirs: types.map((pkgType) => ({
      pkgType,
      path: contribPath(pkgType, "4.2"),
      extension: pkgType === "source" ? "tar.gz" : pkgType === "win.binary" ? "zip" : "tgz",
      indexType: pkgType === "source" ? "source" : pkgType === "win.binary" ? "win.binary" : "mac.binary",
    })),
  };
}

async function update(options: UpdateOptions) {
  const plan = prepareUpdatePlan(layout, central, options);
  return applyUpdate(layout, plan, new CollectingLog());
}

function expectError(action: () => unknown, code: string, message: RegExp): void {
  try {
    action();
  } catch (error) {
    expect(isBbsError(error) && error.code).toBe(code);
    expect((error as Error).message).toMatch(message);
    return;
  }
  throw new Error("expected an error");
}

beforeEach(async () => {
  const root = await dirs.make("update");
  central = join(root, "central");
  staging = join(root, "staging");
  mkdirSync(staging);
  layout = layoutFor(staging);
});

describe("PROPAGATION_STATUS_DB.txt", () => {
  it("is read by key, and only YES propagates", () => {
    const db = parseStatusDb(
      "a#source#propagate: YES\nb#win.binary#propagate: NO, package depends on 'z' which is not available\r\n" +
        "c#mac.binary.big-sur-arm64#propagate: UNNEEDED, same version is already published\n",
      "DB",
    );
    expect([...db.lines.keys()]).toEqual(["a#source", "b#win.binary", "c#mac.binary.big-sur-arm64"]);
    expect([...db.lines.values()].map((line) => propagates(line.explanation))).toEqual([true, false, false]);
    expect(db.lines.get("b#win.binary")).toMatchObject({
      explanation: "NO, package depends on 'z' which is not available",
    });
  });

  it("names the file and line of a malformed entry, and refuses a key given twice", () => {
    expectError(
      () => parseStatusDb("a#source#propagate: YES\nthis is not a status line\n", "DB"),
      "BBS_INPUT_INVALID",
      /DB:2: line has no ":"/,
    );
    expectError(
      () => parseStatusDb("a#source#propagate: YES\na#source#propagate: NO, x\n", "DB"),
      "BBS_INPUT_INVALID",
      /DB: a#source#propagate appears more than once/,
    );
  });
});

describe("update", () => {
  it("copies only YES files, keeps NO and UNNEEDED out, and a re-run changes nothing", async () => {
    writeCentralDir(central, [
      { path: corpusTarball("BiocGenerics"), manual: true },
      { path: corpusTarball("zlibbioc"), status: "NO, package depends on 'z' which is not available", manual: true },
      { path: corpusTarball("XVector"), status: "UNNEEDED, same version is already published" },
    ]);
    const result = await update(DEVEL);
    expect(result.added).toEqual(["src/contrib/BiocGenerics_0.44.0.tar.gz"]);
    expect(
      readFileSync(join(staging, "src/contrib/BiocGenerics_0.44.0.tar.gz")).equals(
        readFileSync(corpusTarball("BiocGenerics")),
      ),
    ).toBe(true);
    // manuals follow the packages that propagated, not the timestamps
    expect(result.manuals).toEqual(["manuals/BiocGenerics/man/BiocGenerics.pdf"]);
    expect(existsSync(join(staging, "manuals/zlibbioc"))).toBe(false);
    expect(result.plan.notPropagated.map((entry) => entry.file).sort()).toEqual([
      "source/XVector_0.38.0.tar.gz",
      "source/zlibbioc_1.44.0.tar.gz",
    ]);

    const before = snapshotTree(staging);
    const again = await update(DEVEL);
    expect(again.plan.operations).toEqual([
      {
        op: "manual",
        from: join(central, "OUTGOING/manuals/BiocGenerics.pdf"),
        to: "manuals/BiocGenerics/man/BiocGenerics.pdf",
      },
    ]);
    expect(again.added).toEqual([]);
    expect(again.manuals).toEqual([]);
    expect(again.plan.alreadyThere).toEqual(["src/contrib/BiocGenerics_0.44.0.tar.gz"]);
    expect(snapshotTree(staging)).toEqual(before);
  });

  it("never overwrites a file of the same name", async () => {
    mkdirSync(join(staging, "src/contrib"), { recursive: true });
    writeFileSync(join(staging, "src/contrib/BiocGenerics_0.44.0.tar.gz"), "the published bytes\n");
    writeCentralDir(central, [{ path: corpusTarball("BiocGenerics") }]);
    const result = await update(DEVEL);
    expect(result.added).toEqual([]);
    expect(readFileSync(join(staging, "src/contrib/BiocGenerics_0.44.0.tar.gz"), "utf8")).toBe("the published bytes\n");
  });

  it("release: the superseded version is archived byte for byte, then removed", async () => {
    mkdirSync(join(staging, "src/contrib"), { recursive: true });
    const old = join(staging, "src/contrib/BiocGenerics_0.9.10.tar.gz");
    copyFileSync(corpusTarball("zlibbioc"), old);
    const oldBytes = readFileSync(old);
    writeCentralDir(central, [{ path: corpusTarball("BiocGenerics") }]);
    const result = await update(RELEASE);
    expect(result.archived).toEqual(["src/contrib/BiocGenerics_0.9.10.tar.gz"]);
    expect(existsSync(old)).toBe(false);
    expect(
      readFileSync(join(staging, "src/contrib/Archive/BiocGenerics/BiocGenerics_0.9.10.tar.gz")).equals(oldBytes),
    ).toBe(true);
    expect(existsSync(join(staging, "src/contrib/BiocGenerics_0.44.0.tar.gz"))).toBe(true);
  });

  it("release: an Archive copy with other content stops the update and keeps the original", async () => {
    mkdirSync(join(staging, "src/contrib/Archive/BiocGenerics"), { recursive: true });
    copyFileSync(corpusTarball("zlibbioc"), join(staging, "src/contrib/BiocGenerics_0.9.10.tar.gz"));
    writeFileSync(join(staging, "src/contrib/Archive/BiocGenerics/BiocGenerics_0.9.10.tar.gz"), "different\n");
    writeCentralDir(central, [{ path: corpusTarball("BiocGenerics") }]);
    await expect(update(RELEASE)).rejects.toMatchObject({
      code: "BBS_STEP_FAILED",
      message: expect.stringMatching(/exists with different content/),
    });
    expect(existsSync(join(staging, "src/contrib/BiocGenerics_0.9.10.tar.gz"))).toBe(true);
  });

  it("devel: superseded versions are removed (versions compared as package_version, ties by modification time)", async () => {
    mkdirSync(join(staging, "src/contrib"), { recursive: true });
    for (const name of [
      "BiocGenerics_0.9.10.tar.gz",
      "BiocGenerics_0.44.tar.gz",
      "foo_1.9.0.tar.gz",
      "foo_1.10.0.tar.gz",
      "bar_2.0.tar.gz",
      "bar_2.0.0.tar.gz",
    ]) {
      writeFileSync(join(staging, "src/contrib", name), name);
    }
    utimesSync(join(staging, "src/contrib/bar_2.0.tar.gz"), new Date(2020, 1, 1), new Date(2020, 1, 1));
    writeCentralDir(central, [{ path: corpusTarball("BiocGenerics") }]);
    const result = await update(DEVEL);
    expect(result.removed.sort()).toEqual(
      [
        "src/contrib/BiocGenerics_0.44.tar.gz",
        "src/contrib/BiocGenerics_0.9.10.tar.gz",
        "src/contrib/bar_2.0.tar.gz",
        "src/contrib/foo_1.9.0.tar.gz",
      ].sort(),
    );
    expect(existsSync(join(staging, "src/contrib/Archive"))).toBe(false);
    expect(existsSync(join(staging, "src/contrib/foo_1.10.0.tar.gz"))).toBe(true);
  });

  it("copies binaries into their contrib directory for the configured R version", async () => {
    layout = layoutFor(staging, ["source", "win.binary", "mac.binary.big-sur-arm64"]);
    const work = await dirs.make("binaries");
    for (const name of ["BiocGenerics_0.44.0.zip", "BiocGenerics_0.44.0.tgz"]) writeFileSync(join(work, name), name);
    writeCentralDir(central, [
      { path: corpusTarball("BiocGenerics") },
      { path: join(work, "BiocGenerics_0.44.0.zip"), pkgType: "win.binary" },
      {
        path: join(work, "BiocGenerics_0.44.0.tgz"),
        pkgType: "mac.binary.big-sur-arm64",
        status: "NO, version to propagate (0.44.0) is lower than published version (0.45.0)",
      },
    ]);
    const result = await update(DEVEL);
    expect(result.added).toEqual([
      "src/contrib/BiocGenerics_0.44.0.tar.gz",
      "bin/windows/contrib/4.2/BiocGenerics_0.44.0.zip",
    ]);
    expect(formatRepositoryFile(layout)).toBe(
      "source: src/contrib\nwin.binary: bin/windows/contrib/4.2\nmac.binary.big.sur.arm64: bin/macosx/big-sur-arm64/contrib/4.2\n" +
        "provides: source, win.binary, mac.binary.big-sur-arm64\n",
    );
  });

  it("--dry-run plans the same operations and changes nothing", async () => {
    mkdirSync(join(staging, "src/contrib"), { recursive: true });
    writeFileSync(join(staging, "src/contrib/BiocGenerics_0.9.10.tar.gz"), "old");
    writeCentralDir(central, [{ path: corpusTarball("BiocGenerics"), manual: true }]);
    const before = snapshotTree(staging);
    const plan = prepareUpdatePlan(layout, central, RELEASE);
    expect(plan.operations.map((operation) => operation.op)).toEqual(["copy", "archive", "manual"]);
    expect(snapshotTree(staging)).toEqual(before);
  });
});

describe("update refuses inconsistent inputs before changing anything", () => {
  it("an empty or missing DB", () => {
    writeCentralDir(central, [{ path: corpusTarball("BiocGenerics") }]);
    const db = join(central, "PROPAGATION_STATUS_DB.txt");
    writeFileSync(db, "");
    expectError(
      () => prepareUpdatePlan(layout, central, DEVEL),
      "BBS_PRECONDITION",
      /is empty, but OUTGOING holds packages/,
    );
    rmSync(db);
    expectError(
      () => prepareUpdatePlan(layout, central, DEVEL),
      "BBS_PRECONDITION",
      /PROPAGATION_STATUS_DB\.txt not found\. Did postrun run\?/,
    );
  });

  it("an OUTGOING file without a DB line, or a line without a file (an interrupted or mismatched postrun)", () => {
    writeCentralDir(central, [{ path: corpusTarball("BiocGenerics") }, { path: corpusTarball("zlibbioc") }]);
    writeFileSync(
      join(central, "PROPAGATION_STATUS_DB.txt"),
      "BiocGenerics#source#propagate: YES\nIRanges#source#propagate: YES\n",
    );
    expectError(() => prepareUpdatePlan(layout, central, DEVEL), "BBS_PRECONDITION", /does not match/);
    try {
      prepareUpdatePlan(layout, central, DEVEL);
    } catch (error) {
      expect((error as { details: string[] }).details).toEqual([
        "no line for zlibbioc#source#propagate (OUTGOING/source/zlibbioc_1.44.0.tar.gz)",
        "IRanges#source#propagate has no package file in OUTGOING/source/",
      ]);
    }
    expect(snapshotTree(staging)).toEqual({});
  });

  it("a staging repository that does not exist (a typo must not create an empty repository)", () => {
    writeCentralDir(central, [{ path: corpusTarball("BiocGenerics") }]);
    layout = layoutFor(join(staging, "typo"));
    expectError(
      () => prepareUpdatePlan(layout, central, DEVEL),
      "BBS_PRECONDITION",
      /the staging repository .*typo does not exist/,
    );
  });

  it("OUTGOING types the repository does not provide", () => {
    const work = join(central, "..", "bin");
    mkdirSync(work, { recursive: true });
    writeFileSync(join(work, "A_1.0.zip"), "zip");
    writeCentralDir(central, [{ path: join(work, "A_1.0.zip"), pkgType: "win.binary" }]);
    expectError(
      () => prepareUpdatePlan(layout, central, DEVEL),
      "BBS_CONFIG_INVALID",
      /OUTGOING has win\.binary packages, but the repository does not provide win\.binary/,
    );
  });
});
