// The real corpus as a git server: one repo per tarball with exactly the
// tarball's files, a manifest, a cache that is reused, and private copies for
// tests that change upstream.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { corpusGitServer, extractCorpus, listCorpus, type CorpusGitServer } from "../fixtures/corpus.js";
import { git } from "../fixtures/git.js";
import { useTempDirs } from "../fixtures/tmp.js";

const dirs = useTempDirs();
const EXPECTED = [
  "Biobase",
  "BiocGenerics",
  "GenomeInfoDb",
  "GenomeInfoDbData",
  "GenomicRanges",
  "IRanges",
  "S4Vectors",
  "XVector",
  "zlibbioc",
];
let cacheDir: string;
let corpus: CorpusGitServer;

beforeAll(async () => {
  // A private cache: this file proves building and reusing it, whatever other runs left behind.
  cacheDir = await dirs.make("corpus-cache");
  corpus = await corpusGitServer({ cacheDir });
});

describe("corpusGitServer", () => {
  it("lists the nine tarballs of the corpus", async () => {
    const packages = await listCorpus();
    expect(packages.map((p) => p.name)).toEqual(EXPECTED);
    expect(packages.find((p) => p.name === "IRanges")?.version).toBe("2.32.0");
  });

  it("makes one repo per package holding exactly the tarball's files, on devel", async () => {
    expect(corpus.shared).toBe(true);
    expect(corpus.server.branch).toBe("devel");
    for (const pkg of corpus.packages) {
      const tarFiles = (await execa("tar", ["-tzf", pkg.tarball])).stdout
        .split("\n")
        .filter((path) => path !== "" && !path.endsWith("/"))
        .map((path) => path.slice(pkg.name.length + 1))
        .sort();
      const repoFiles = (
        await git(["--git-dir", corpus.server.repoPath(pkg.name), "ls-tree", "-r", "--name-only", "devel"])
      )
        .split("\n")
        .sort();
      expect(repoFiles, pkg.name).toEqual(tarFiles);
      const description = await git(["--git-dir", corpus.server.repoPath(pkg.name), "show", "devel:DESCRIPTION"]);
      expect(description, pkg.name).toMatch(new RegExp(`^Package: ${pkg.name}$`, "m"));
      expect(description, pkg.name).toMatch(new RegExp(`^Version: ${pkg.version.replace(/\./g, "\\.")}$`, "m"));
    }
  });

  it("has a manifest listing every package, and clones with real git", async () => {
    const manifest = await git(["--git-dir", corpus.server.repoPath("manifest"), "show", "devel:software.txt"]);
    expect(manifest.split("\n").filter((line) => line.startsWith("Package: "))).toEqual(
      EXPECTED.map((name) => `Package: ${name}`),
    );
    const clone = join(await dirs.make("corpus-clone"), "zlibbioc");
    await git(["clone", "--quiet", "--depth", "1", "--branch", "devel", corpus.server.url("zlibbioc"), clone]);
    expect(await git(["rev-parse", "HEAD"], { cwd: clone })).toBe((await corpus.server.headCommit("zlibbioc")).sha);
  });

  it("reuses the cached server on the next call instead of rebuilding it", async () => {
    const marker = join(corpus.server.root, "cache-reuse-marker");
    await writeFile(marker, "left by the test\n");
    const again = await corpusGitServer({ cacheDir });
    expect(again.server.root).toBe(corpus.server.root);
    expect((await execa("cat", [marker])).stdout).toBe("left by the test");
    expect((await again.server.headCommit("IRanges")).sha).toBe((await corpus.server.headCommit("IRanges")).sha);
  });

  it("hands out private copies that may change while the cache stays as it was", async () => {
    const cachedHead = (await corpus.server.headCommit("zlibbioc")).sha;
    const copy = await corpusGitServer({ cacheDir, copyTo: join(await dirs.make("corpus-copy"), "git") });
    expect(copy.shared).toBe(false);
    expect(copy.server.root).not.toBe(corpus.server.root);
    const changed = await copy.server.commitChange("zlibbioc", { version: "bump" });
    expect((await copy.server.headCommit("zlibbioc")).sha).toBe(changed);
    expect((await corpus.server.headCommit("zlibbioc")).sha).toBe(cachedHead);
    expect(await git(["--git-dir", copy.server.repoPath("zlibbioc"), "show", "devel:DESCRIPTION"])).toMatch(
      /^Version: 1\.44\.1$/m,
    );
  });

  it("extracts chosen packages with real tar", async () => {
    const dest = await dirs.make("corpus-extract");
    const extracted = await extractCorpus(dest, { packages: ["zlibbioc", "BiocGenerics"] });
    expect([...extracted.keys()].sort()).toEqual(["BiocGenerics", "zlibbioc"]);
    expect((await execa("ls", [join(dest, "zlibbioc")])).stdout).toContain("DESCRIPTION");
    await expect(extractCorpus(dest, { packages: ["NotInCorpus"] })).rejects.toThrow(/not in the corpus: NotInCorpus/);
  });
});
