import { corpusDir } from "../fixtures/corpus.js";
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import {
  BBS_GIT_FIELDS,
  buildPackagesIndex,
  formatPackagesIndex,
  listSourcePackageFiles,
  readSourcePackageRecord,
  writePackagesIndex,
} from "../../src/rpkg/packages-index.js";
import { readPackageTarball } from "../../src/rpkg/tarball.js";
import { runRscript } from "./helpers/r.js";

const CORPUS = corpusDir();
const GIT = (pkg: string): string =>
  `git_url: https://git.bioconductor.org/packages/${pkg}\ngit_branch: RELEASE_3_16\ngit_last_commit: 1a2b3c4\n` +
  `git_last_commit_date: 2023-01-10 09:58:40 -0500 (Tue, 10 Jan 2023)\n`;

interface Fixture {
  file: string;
  pkg: string;
  description: string | Buffer;
  src?: boolean;
  /** How to pack: GNU tar with gzip (default), another tar format, compressor or tool. */
  pack?: "gnu" | "posix" | "ustar" | "python" | "bzip2" | "xz" | "plain" | "dot-prefix";
  extraFiles?: Record<string, string>;
}

const LONG = "LongNamedPackage" + "x".repeat(80); // > 100 bytes with "/DESCRIPTION"

const FIXTURES: Fixture[] = [
  {
    file: "alpha_1.0.0.tar.gz",
    pkg: "alpha",
    src: true,
    description:
      "Package: alpha\nVersion: 1.0.0\nTitle: Alpha\nDepends: R (>= 4.0.0), methods, BiocGenerics (>= 0.37.0), S4Vectors (>= 0.27.12),\n" +
      "    IRanges (>= 2.23.9), GenomeInfoDb (>= 1.15.2), GenomicRanges (>= 1.41.5), SummarizedExperiment\n" +
      "Imports: stats,\n  utils\nLicense: GPL(>=2)\nEnhances:\nPriority: optional\n" +
      GIT("alpha"),
  },
  {
    file: "beta_0.1.tar.gz",
    pkg: "beta",
    description: "Package: beta\nVersion: 0.1\nLicense: Proprietary\nOS_type: unix\n" + GIT("beta"),
  },
  {
    file: "gamma_2.0.tar.gz",
    pkg: "gamma",
    src: true,
    description:
      "Package: gamma\nVersion: 2.0\nNeedsCompilation: no\nLicense: MIT+file LICENSE\nMD5sum: stale\nArchs: x64\n",
  },
  { file: "delta_1.9.tar.gz", pkg: "delta", description: "Package: delta\nVersion: 1.9\nLicense: Artistic-2.0\n" },
  {
    file: "delta_1.10.tar.gz",
    pkg: "delta",
    description: "Package: delta\nVersion: 1.10\nLicense: Artistic-2.0\n" + GIT("delta"),
  },
  { file: "delta_1.2.tar.gz", pkg: "delta", description: "Package: delta\nVersion: 1.2\n" },
  { file: "eps_1.2.tar.gz", pkg: "eps", description: "Package: eps\nVersion: 1.2\nSuggests: a,\n  b\n" },
  { file: "eps_1.2.0.tar.gz", pkg: "eps", description: "Package: eps\nVersion: 1.2.0\nSuggests: later\n" },
  {
    file: "latin_1.0.tar.gz",
    pkg: "latin",
    description: Buffer.concat([
      Buffer.from("Package: latin\nVersion: 1.0\nSuggests: caf"),
      Buffer.from([0xe9]),
      Buffer.from("\nEncoding: latin1\n"),
    ]),
  },
  {
    file: "utf_1.0.tar.gz",
    pkg: "utf",
    description: "Package: utf\nVersion: 1.0\nSuggests: café, 日本語\nLicense: GPL (>= 2) | file LICENCE\n",
  },
  {
    file: "records_1.0.tar.gz",
    pkg: "records",
    description: "Package: records\nVersion: 1.0\n\nImports: second-record-is-ignored\n",
  },
  { file: `${LONG}_1.0.tar.gz`, pkg: LONG, src: true, pack: "gnu", description: `Package: ${LONG}\nVersion: 1.0\n` },
  {
    file: "paxpkg_1.0.tar.gz",
    pkg: "paxpkg",
    src: true,
    pack: "posix",
    description: "Package: paxpkg\nVersion: 1.0\n",
  },
  { file: "ustarpkg_1.0.tar.gz", pkg: "ustarpkg", pack: "ustar", description: "Package: ustarpkg\nVersion: 1.0\n" },
  { file: "pypkg_1.0.tar.gz", pkg: "pypkg", src: true, pack: "python", description: "Package: pypkg\nVersion: 1.0\n" },
  { file: "bzpkg_1.0.tar.bz2", pkg: "bzpkg", src: true, pack: "bzip2", description: "Package: bzpkg\nVersion: 1.0\n" },
  { file: "xzpkg_1.0.tar.xz", pkg: "xzpkg", pack: "xz", description: "Package: xzpkg\nVersion: 1.0\n" },
  { file: "plainpkg_1.0.tar.gz", pkg: "plainpkg", pack: "plain", description: "Package: plainpkg\nVersion: 1.0\n" },
  {
    file: "big_1.0.tar.gz",
    pkg: "big",
    src: true,
    description: "Package: big\nVersion: 1.0\n",
    extraFiles: { "big/data/blob.txt": "z".repeat(3_000_000) },
  },
  // Over 16 MB compressed: streamed rather than read whole (src/rpkg/tarball.ts).
  {
    file: "huge_1.0.tar.gz",
    pkg: "huge",
    description: "Package: huge\nVersion: 1.0\nNeedsCompilation: no\n",
    extraFiles: { "huge/inst/extdata/noise.txt": randomBytes(17_500_000).toString("base64") },
  },
  // Left out by R (and by us):
  { file: "dotted_1.0.tar.gz", pkg: "dotted", pack: "dot-prefix", description: "Package: dotted\nVersion: 1.0\n" },
  { file: "broken_1.0.tar.gz", pkg: "broken", description: "Package: broken\nthis is not DCF\n" },
  {
    file: "nodesc_1.0.tar.gz",
    pkg: "nodesc",
    description: "",
    extraFiles: { "nodesc/README": "no DESCRIPTION here\n" },
  },
  { file: "mismatch_1.0.tar.gz", pkg: "othername", description: "Package: othername\nVersion: 1.0\n" },
];

const EXPECTED_PROBLEMS = [
  "broken_1.0.tar.gz",
  "dotted_1.0.tar.gz",
  "garbage_1.0.tar.gz",
  "mismatch_1.0.tar.gz",
  "nodesc_1.0.tar.gz",
];

function pack(repo: string, work: string, fixture: Fixture): void {
  const tree = join(work, fixture.file);
  mkdirSync(join(tree, fixture.pkg), { recursive: true });
  if (fixture.description !== "") writeFileSync(join(tree, fixture.pkg, "DESCRIPTION"), fixture.description);
  if (fixture.src === true) {
    mkdirSync(join(tree, fixture.pkg, "src"));
    writeFileSync(join(tree, fixture.pkg, "src", "code.c"), "int f(void) { return 1; }\n");
  }
  for (const [path, content] of Object.entries(fixture.extraFiles ?? {})) {
    mkdirSync(join(tree, path, ".."), { recursive: true });
    writeFileSync(join(tree, path), content);
  }
  const out = join(repo, fixture.file);
  const entries = readdirSync(tree);
  switch (fixture.pack ?? "default") {
    case "python":
      execFileSync("python3", [
        "-c",
        `import tarfile,sys\nwith tarfile.open(sys.argv[1], "w:gz") as t: t.add(sys.argv[2], arcname=sys.argv[3])`,
        out,
        join(tree, fixture.pkg),
        fixture.pkg,
      ]);
      break;
    case "bzip2":
      execFileSync("tar", ["-cjf", out, "-C", tree, ...entries]);
      break;
    case "xz":
      execFileSync("tar", ["-cJf", out, "-C", tree, ...entries]);
      break;
    case "plain":
      execFileSync("tar", ["-cf", out, "-C", tree, ...entries]);
      break;
    case "dot-prefix":
      execFileSync("tar", ["-czf", out, "-C", tree, ...entries.map((e) => `./${e}`)]);
      break;
    case "gnu":
    case "posix":
    case "ustar":
      execFileSync("tar", [`--format=${fixture.pack!}`, "-czf", out, "-C", tree, ...entries]);
      break;
    default:
      execFileSync("tar", ["-czf", out, "-C", tree, ...entries]);
  }
}

let repo: string;
let rPackages: { latest: string; all: string; latestGz: Buffer };

beforeAll(() => {
  const root = mkdtempSync(join(tmpdir(), "bbs-packages-"));
  repo = join(root, "repo");
  mkdirSync(repo);
  for (const file of readdirSync(CORPUS)) copyFileSync(join(CORPUS, file), join(repo, file));
  for (const fixture of FIXTURES) pack(repo, join(root, "work"), fixture);
  writeFileSync(join(repo, "garbage_1.0.tar.gz"), "this is not a tarball\n");
  writeFileSync(join(repo, "notes.txt"), "not a package file\n");
  mkdirSync(join(repo, "Archive"));
  // Real R on copies of the same directory: latestOnly (default) and latestOnly = FALSE.
  for (const copy of ["r-latest", "r-all"]) cpSync(repo, join(root, copy), { recursive: true });
  runRscript(
    `args <- commandArgs(TRUE); f <- c("git_url", "git_branch", "git_last_commit", "git_last_commit_date")
suppressMessages(tools::write_PACKAGES(args[1], type = "source", fields = f))
suppressMessages(tools::write_PACKAGES(args[2], type = "source", fields = f, latestOnly = FALSE))`,
    [join(root, "r-latest"), join(root, "r-all")],
  );
  rPackages = {
    latest: readFileSync(join(root, "r-latest", "PACKAGES"), "utf8"),
    all: readFileSync(join(root, "r-all", "PACKAGES"), "utf8"),
    latestGz: gunzipSync(readFileSync(join(root, "r-latest", "PACKAGES.gz"))),
  };
});

describe("PACKAGES identical to tools::write_PACKAGES", () => {
  it("with latestOnly (the default) and BBS's git fields", async () => {
    const index = await writePackagesIndex(repo, { fields: BBS_GIT_FIELDS });
    const ours = readFileSync(join(repo, "PACKAGES"), "utf8");
    expect(ours.split("\n\n")).toEqual(rPackages.latest.split("\n\n")); // record by record first, for readable diffs
    expect(ours).toBe(rPackages.latest);
    expect(gunzipSync(readFileSync(join(repo, "PACKAGES.gz"))).toString("utf8")).toBe(
      rPackages.latestGz.toString("utf8"),
    );
    expect(index.problems.map((p) => p.file)).toEqual(EXPECTED_PROBLEMS);
    expect(index.entries.some((e) => e.file === "IRanges_2.32.0.tar.gz")).toBe(true);
  });

  it("with latestOnly = FALSE", async () => {
    const index = await buildPackagesIndex(repo, { fields: [...BBS_GIT_FIELDS], latestOnly: false, concurrency: 1 });
    expect(formatPackagesIndex(index.entries)).toBe(rPackages.all);
  });

  it("exercises what it claims: wrapping, standardized and dropped licenses, inferred NeedsCompilation", () => {
    expect(rPackages.latest).toMatch(/^Depends: R \(>= 4\.0\.0\), methods, .*\n {8}\S/m);
    expect(rPackages.latest).toContain("License: GPL (>= 2)\n");
    expect(rPackages.latest).toContain("Suggests: caf<e9>\n");
    expect(rPackages.latest).toContain("Package: zlibbioc\n");
    expect(rPackages.latest).toContain(`Package:\n        ${LONG}\n`); // too long for one line: write.dcf wraps it
    expect(rPackages.latest).toMatch(
      /Package: beta\nVersion: 0.1\nOS_type: unix\nMD5sum: [0-9a-f]{32}\nNeedsCompilation: no\n/,
    );
    expect(rPackages.latest).toMatch(
      /Package: gamma\nVersion: 2.0\nLicense: MIT \+ file LICENSE\nArchs: x64\nMD5sum: [0-9a-f]{32}\nNeedsCompilation: no\n/,
    );
    expect(rPackages.latest).toMatch(/Package: alpha\n(.*\n)*NeedsCompilation: yes\n/);
    expect(rPackages.latest).toContain("Version: 1.10\n");
    expect(rPackages.latest).not.toContain("Version: 1.9\n");
    // eps_1.2.0 sorts before eps_1.2 (digits before letters): the first of equal versions is kept
    expect(rPackages.latest).toContain("Suggests: later\n");
    expect(rPackages.all).toContain("Suggests: a, b\n");
    expect(rPackages.all).toContain("Version: 1.9\n");
  });
});

describe("package files", () => {
  it("lists files as write_PACKAGES does", () => {
    const files = listSourcePackageFiles(repo);
    expect(files).toContain("bzpkg_1.0.tar.bz2");
    expect(files).not.toContain("notes.txt");
    expect(files).not.toContain("Archive");
    expect(files.indexOf("GenomeInfoDb_1.34.9.tar.gz")).toBeLessThan(files.indexOf("GenomeInfoDbData_1.2.9.tar.gz"));
    expect(files.indexOf("big_1.0.tar.gz")).toBeLessThan(files.indexOf("Biobase_2.58.0.tar.gz"));
  });

  it("reads DESCRIPTION and MD5 natively, stopping early when it can", async () => {
    const path = join(repo, "big_1.0.tar.gz");
    const md5 = execFileSync("md5sum", [path], { encoding: "utf8" }).split(" ")[0];
    const full = await readPackageTarball(path);
    expect(full).toMatchObject({ hasSrcDirectory: true, md5 });
    expect(full.description?.toString()).toBe("Package: big\nVersion: 1.0\n");
    const early = await readPackageTarball(path, "big", { needsListing: () => false });
    expect(early.md5).toBe(md5);
    expect(early.description?.toString()).toBe("Package: big\nVersion: 1.0\n");
    const record = await readSourcePackageRecord(join(repo, "gamma_2.0.tar.gz"));
    expect(record.values.get("NeedsCompilation")).toBe("no");
    expect(record.values.get("MD5sum")).toMatch(/^[0-9a-f]{32}$/);
  });

  it("reads a tarball too large to read whole by streaming it, with the same results", async () => {
    const path = join(repo, "huge_1.0.tar.gz");
    expect(statSync(path).size).toBeGreaterThan(16 * 1024 * 1024);
    const md5 = execFileSync("md5sum", [path], { encoding: "utf8" }).split(" ")[0];
    const contents = await readPackageTarball(path);
    expect(contents).toMatchObject({ hasSrcDirectory: false, md5 });
    expect(contents.description?.toString()).toBe("Package: huge\nVersion: 1.0\nNeedsCompilation: no\n");
  });

  it("names the file when it is not a tarball", async () => {
    await expect(readSourcePackageRecord(join(repo, "garbage_1.0.tar.gz"))).rejects.toThrow(
      /garbage_1.0.tar.gz is not a readable package tarball/,
    );
  });

  it("writes empty index files for a directory without packages", async () => {
    const empty = mkdtempSync(join(tmpdir(), "bbs-empty-repo-"));
    const index = await writePackagesIndex(empty);
    expect(index.entries).toEqual([]);
    expect(readFileSync(join(empty, "PACKAGES"), "utf8")).toBe("");
    expect(gunzipSync(readFileSync(join(empty, "PACKAGES.gz"))).length).toBe(0);
  });
});
