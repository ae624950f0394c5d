// Binary repositories (mac.binary .tgz, win.binary .zip) and PACKAGES.rds,
// compared with real R's tools::write_PACKAGES on the same files. The
// binaries are real: `R CMD INSTALL --build` of corpus packages and of a
// generated package with C code, repacked as .tgz and as .zip (deflated,
// stored, zip64).

import { corpusDir } from "../fixtures/corpus.js";
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import {
  buildPackagesIndex,
  packagesIndexMatrix,
  writePackagesIndex,
  type RepositoryIndexType,
} from "../../src/rpkg/packages-index.js";
import { serializeCharacterMatrix } from "../../src/rpkg/rds.js";
import { readZipMember } from "../../src/rpkg/zip.js";
import { writePackage } from "../fixtures/rpkg-generator.js";
import { runRscript } from "./helpers/r.js";

const CORPUS = corpusDir();

let root: string;
let macDir: string;
let winDir: string;
let srcDir: string;

/** Unpacks a built binary (`<pkg>_<ver>_R_<platform>.tar.gz`) into `into/<pkg>`. */
function unpackBinary(binary: string, into: string): void {
  mkdirSync(into, { recursive: true });
  execFileSync("tar", ["-xzf", binary, "-C", into]);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "bbs-binary-index-"));
  const lib = join(root, "lib");
  const built = join(root, "built");
  mkdirSync(lib);
  mkdirSync(built);
  const generated = join(root, "generated");
  await writePackage(generated, { name: "binC", version: "1.2.3", withC: true, imports: ["methods"] });
  const sources = [
    join(CORPUS, "BiocGenerics_0.44.0.tar.gz"),
    join(CORPUS, "zlibbioc_1.44.0.tar.gz"),
    join(generated, "binC"),
  ];
  for (const source of sources) {
    execFileSync("R", ["CMD", "INSTALL", "--build", "-l", lib, source], {
      cwd: built,
      stdio: "ignore",
      env: { ...process.env, R_LIBS_USER: "" },
    });
  }
  const binaries = readdirSync(built).filter((name) => name.endsWith(".tar.gz"));
  expect(binaries).toHaveLength(3);

  macDir = join(root, "mac");
  winDir = join(root, "win");
  srcDir = join(root, "src");
  mkdirSync(macDir);
  mkdirSync(winDir);
  mkdirSync(srcDir);
  for (const binary of binaries) {
    const [pkg, version] = binary.split("_") as [string, string];
    copyFileSync(join(built, binary), join(macDir, `${pkg}_${version}.tgz`));
    const tree = join(root, "trees", pkg);
    unpackBinary(join(built, binary), tree);
    // zlibbioc stored (no compression), binC as zip64, BiocGenerics deflated.
    const zipOptions = pkg === "zlibbioc" ? ["-0"] : pkg === "binC" ? ["-fz"] : [];
    execFileSync("zip", ["-q", "-r", ...zipOptions, join(winDir, `${pkg}_${version}.zip`), pkg], { cwd: tree });
  }
  // An older version of a package (latestOnly), a zip without DESCRIPTION and a broken zip: left out.
  copyFileSync(join(macDir, "BiocGenerics_0.44.0.tgz"), join(macDir, "BiocGenerics_0.40.0.tgz"));
  copyFileSync(join(winDir, "BiocGenerics_0.44.0.zip"), join(winDir, "BiocGenerics_0.40.0.zip"));
  mkdirSync(join(root, "empty", "nodesc"), { recursive: true });
  writeFileSync(join(root, "empty", "nodesc", "README"), "no DESCRIPTION\n");
  execFileSync("zip", ["-q", "-r", join(winDir, "nodesc_1.0.zip"), "nodesc"], { cwd: join(root, "empty") });
  writeFileSync(join(winDir, "broken_1.0.zip"), "not a zip\n");
  for (const file of readdirSync(CORPUS)) copyFileSync(join(CORPUS, file), join(srcDir, file));

  for (const dir of [macDir, winDir, srcDir]) cpSync(dir, `${dir}-r`, { recursive: true });
  runRscript(
    `args <- commandArgs(TRUE)
suppressMessages(tools::write_PACKAGES(args[1], type = "mac.binary"))
suppressMessages(tools::write_PACKAGES(args[2], type = "win.binary"))
suppressMessages(tools::write_PACKAGES(args[3], type = "source"))`,
    [`${macDir}-r`, `${winDir}-r`, `${srcDir}-r`],
  );
});

describe.each<[RepositoryIndexType, () => string]>([
  ["mac.binary", () => macDir],
  ["win.binary", () => winDir],
  ["source", () => srcDir],
])("%s index identical to tools::write_PACKAGES", (type, dir) => {
  it("PACKAGES, PACKAGES.gz and PACKAGES.rds", async () => {
    const index = await writePackagesIndex(dir(), { type, rds: true });
    const ours = readFileSync(join(dir(), "PACKAGES"), "utf8");
    const theirs = readFileSync(join(`${dir()}-r`, "PACKAGES"), "utf8");
    expect(ours).toBe(theirs);
    expect(gunzipSync(readFileSync(join(dir(), "PACKAGES.gz"))).toString("utf8")).toBe(theirs);
    // readRDS of both files: the same matrix (identical() in R), and the same serialization.
    const verdict = runRscript(
      `args <- commandArgs(TRUE); a <- readRDS(args[1]); b <- readRDS(args[2])
cat(identical(a, b), identical(serialize(a, NULL, version = 3), serialize(b, NULL, version = 3)), nrow(a), "\\n")`,
      [join(dir(), "PACKAGES.rds"), join(`${dir()}-r`, "PACKAGES.rds")],
    );
    expect(verdict.trim()).toBe(`TRUE TRUE ${index.entries.length}`);
    if (type === "win.binary") {
      expect(ours).not.toContain("MD5sum");
      expect(index.problems.map((problem) => problem.file).sort()).toEqual(["broken_1.0.zip", "nodesc_1.0.zip"]);
    } else {
      expect(ours).toMatch(/MD5sum: [0-9a-f]{32}/);
    }
    if (type !== "source") expect(ours).not.toContain("NeedsCompilation");
    expect(ours).toContain("Version: 0.44.0");
    expect(ours).not.toContain("Version: 0.40.0");
  });
});

describe("PACKAGES.rds", () => {
  it("serializes byte for byte as R does, NA and non-ASCII values included", () => {
    const matrix = {
      rownames: ["caf\u00e9", "b"],
      colnames: ["Package", "Version", "Suggests"],
      rows: [
        ["caf\u00e9", "1.0", undefined],
        ["b", "2.0-1", "\u65e5\u672c\u8a9e, x"],
      ],
    };
    const file = join(root, "matrix.rds.raw");
    writeFileSync(file, serializeCharacterMatrix(matrix));
    const out = runRscript(
      `args <- commandArgs(TRUE)
m <- matrix(c("caf\\u00e9", "b", "1.0", "2.0-1", NA, "\\u65e5\\u672c\\u8a9e, x"), 2, dimnames = list(c("caf\\u00e9", "b"), c("Package", "Version", "Suggests")))
ours <- unserialize(readBin(args[1], "raw", 1e6))
cat(identical(ours, m), identical(serialize(ours, NULL, version = 3), serialize(m, NULL, version = 3)), "\\n")`,
      [file],
    );
    expect(out.trim()).toBe("TRUE TRUE");
  });

  it("an empty directory gets an empty but readable index", async () => {
    const empty = join(root, "empty-repo");
    mkdirSync(empty);
    await writePackagesIndex(empty, { type: "mac.binary", rds: true });
    expect(readFileSync(join(empty, "PACKAGES"), "utf8")).toBe("");
    const out = runRscript(
      `args <- commandArgs(TRUE); a <- readRDS(file.path(args[1], "PACKAGES.rds"))
ap <- available.packages(contriburl = paste0("file://", args[1]), filters = list())
cat(nrow(a), ncol(a), nrow(ap), "\\n")`,
      [empty],
    );
    expect(out.trim()).toBe("0 14 0");
  });

  it("the matrix has every index field as a column", async () => {
    const index = await buildPackagesIndex(winDir, { type: "win.binary" });
    const matrix = packagesIndexMatrix(index);
    expect(matrix.colnames).toContain("MD5sum");
    expect(matrix.rows.every((row) => row[matrix.colnames.indexOf("MD5sum")] === undefined)).toBe(true);
  });
});

describe("zip reader", () => {
  it("reads members of deflated, stored and zip64 archives; undefined for a missing member", () => {
    for (const [file, pkg] of [
      ["BiocGenerics_0.44.0.zip", "BiocGenerics"],
      ["zlibbioc_1.44.0.zip", "zlibbioc"],
      ["binC_1.2.3.zip", "binC"],
    ] as const) {
      const description = readZipMember(join(winDir, file), `${pkg}/DESCRIPTION`)?.toString("utf8");
      expect(description).toBe(
        execFileSync("unzip", ["-p", join(winDir, file), `${pkg}/DESCRIPTION`], { encoding: "utf8" }),
      );
      expect(readZipMember(join(winDir, file), `${pkg}/NOPE`)).toBeUndefined();
    }
  });

  it("names the file when it is not a zip archive", () => {
    expect(() => readZipMember(join(winDir, "broken_1.0.zip"), "x")).toThrow(
      /broken_1\.0\.zip is not a readable zip archive/,
    );
    rmSync(join(root, "trees"), { recursive: true, force: true });
  });
});
