// The nine real Bioconductor 3.16 packages of the test corpus (test/corpus) through
// `bbs prerun`, from git repos made of their tarballs: all make it to the meat
// index with the version and maintainer R reads from their DESCRIPTION, and
// the target repo serves all nine to R.

import { cpSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { corpusGitServer, type CorpusGitServer } from "../../fixtures/corpus.js";
import { useTempDirs } from "../../fixtures/tmp.js";
import { makeCli, prerunConfig } from "./helpers.js";

const dirs = useTempDirs();
let corpus: CorpusGitServer;
let centralDir: string;
let output: { exitCode: number | undefined; all: string };

/** Package, Version, Maintainer (Maintainer field, else Authors@R's cre) as R reads each tarball's DESCRIPTION. */
async function describedByR(): Promise<string[][]> {
  const script = `
    for (tarball in commandArgs(TRUE)) {
      pkg <- sub("_.*", "", basename(tarball))
      untar(tarball, files = paste0(pkg, "/DESCRIPTION"), exdir = tempdir())
      d <- read.dcf(file.path(tempdir(), pkg, "DESCRIPTION"))
      m <- if ("Maintainer" %in% colnames(d)) d[1, "Maintainer"] else {
        p <- eval(parse(text = d[1, "Authors@R"]))
        format(p[vapply(p, function(x) "cre" %in% x$role, NA)], include = c("given", "family", "email"))
      }
      cat(d[1, "Package"], d[1, "Version"], gsub("[[:space:]]+", " ", m), sep = "\\t"); cat("\\n")
    }`;
  const { stdout } = await execa("Rscript", ["--vanilla", "-e", script, ...corpus.packages.map((p) => p.tarball)], {
    env: { LC_ALL: "C.UTF-8" },
  });
  return stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split("\t"));
}

beforeAll(async () => {
  corpus = await corpusGitServer();
  const root = await dirs.make("prerun-corpus");
  const config = prerunConfig(join(root, "work"), corpus.server);
  centralDir = config.load().values["central.dir"];
  const result = await makeCli(root, config).run(["prerun"]);
  output = { exitCode: result.exitCode, all: result.all };
});

describe("prerun of the real corpus", () => {
  it("indexes all nine packages with R's versions and maintainers, skipping none", async () => {
    expect(output.exitCode, output.all).toBe(0);
    let expected = "";
    for (const [pkg, version, maintainer] of await describedByR()) {
      const [, name, email] = /^(.*\S)\s*<(.*)>/.exec(maintainer ?? "") ?? [];
      expected += `Package: ${pkg}\nVersion: ${version}\nMaintainer: ${name}\nMaintainerEmail: ${email}\n\n`;
    }
    expect(readFileSync(join(centralDir, "meat-index.dcf"), "utf8")).toBe(expected);
    expect(readFileSync(join(centralDir, "skipped-index.dcf"), "utf8")).toBe("");
    expect(readdirSync(join(centralDir, "gitlog"))).toHaveLength(10);
  });

  it("serves the nine tarballs to R's available.packages()", async () => {
    const script = `ap <- available.packages(repos = "file://${centralDir}", type = "source", fields = "git_last_commit"); cat(paste(ap[, "Package"], ap[, "Version"], ap[, "git_last_commit"]), sep = "\\n")`;
    const { stdout } = await execa("Rscript", ["--vanilla", "-e", script]);
    const listed = stdout.split("\n").sort();
    const expected = await Promise.all(
      corpus.packages.map(async (p) => `${p.name} ${p.version} ${(await corpus.server.headCommit(p.name)).shortSha}`),
    );
    expect(listed).toEqual(expected.sort());
  });

  it("writes PACKAGES byte for byte as R's tools::write_PACKAGES does on the same tarballs", async () => {
    const copy = join(await dirs.make("corpus-write-packages"), "contrib");
    mkdirSync(copy);
    for (const file of readdirSync(join(centralDir, "src", "contrib")).filter((name) => name.endsWith(".tar.gz"))) {
      cpSync(join(centralDir, "src", "contrib", file), join(copy, file));
    }
    const fields = 'c("git_url", "git_branch", "git_last_commit", "git_last_commit_date")';
    await execa(
      "Rscript",
      [
        "--vanilla",
        "-e",
        `suppressMessages(tools::write_PACKAGES(commandArgs(TRUE)[1], type = "source", fields = ${fields}))`,
        copy,
      ],
      {
        env: { LC_ALL: "C.UTF-8" },
      },
    );
    expect(readFileSync(join(centralDir, "src", "contrib", "PACKAGES"), "utf8")).toBe(
      readFileSync(join(copy, "PACKAGES"), "utf8"),
    );
  });
});
