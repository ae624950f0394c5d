// bbs propagate prepare on a staging repository of real tarballs (the corpus
// plus generated packages built with R CMD build): indexes compared with real
// R's tools::write_PACKAGES, landing-page documents, VIEWS, REPOSITORY,
// incremental reading, empty and stale indexes, unreadable files, dry run.

import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { parseDcf } from "../../src/rpkg/dcf.js";
import { contribPath, type RepositoryLayout } from "../../src/propagation/layout.js";
import { prepareRepository, type PrepareOptions } from "../../src/propagation/prepare.js";
import { CollectingLog } from "../../src/propagation/reporter.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { runRscript } from "../rpkg/helpers/r.js";
import { buildDocPackage, CORPUS, snapshotTree } from "./fixtures.js";

const dirs = useTempDirs();
let work: string;
let built: { docs100: string; docs110: string; plain: string };
let layout: RepositoryLayout;
let staging: string;
let reporter: CollectingLog;
/** The reporter of the first prepare. */
let reporter0: CollectingLog;

function layoutAt(root: string): RepositoryLayout {
  return {
    root,
    rVersion: "4.2",
    contribDirs: [
      { pkgType: "source", path: "src/contrib", extension: "tar.gz", indexType: "source" },
      { pkgType: "win.binary", path: contribPath("win.binary", "4.2"), extension: "zip", indexType: "win.binary" },
    ],
  };
}

function options(extra: Partial<PrepareOptions> = {}): PrepareOptions {
  reporter = new CollectingLog();
  return {
    landingPages: true,
    rscript: "Rscript",
    dryRun: false,
    reporter,
    manifest: { file: join(work, "manifest", "software.txt"), meat0Dir: join(work, "MEAT0") },
    ...extra,
  };
}

/** VIEWS records; folded values unfolded (read.dcf keeps the line breaks of wrapped values). */
function views(): Map<string, Map<string, string>> {
  const records = parseDcf(readFileSync(join(staging, "VIEWS")));
  return new Map(
    records.map((record) => [
      record.fields.get("Package")!,
      new Map([...record.fields].map(([field, value]) => [field, value.replace(/\n/g, " ")])),
    ]),
  );
}

beforeAll(async () => {
  work = await dirs.make("prepare");
  const out = join(work, "built");
  built = {
    docs100: await buildDocPackage(join(work, "src"), out, {
      name: "propDocs",
      version: "1.0.0",
      news: "Rd",
      spec: { depends: ["BiocGenerics"] },
    }),
    docs110: await buildDocPackage(join(work, "src"), join(out, "bump"), {
      name: "propDocs",
      version: "1.1.0",
      news: "plain",
    }),
    plain: await buildDocPackage(join(work, "src"), out, {
      name: "propPlain",
      version: "0.5.0",
      news: "md",
      citation: "broken",
    }),
  };
  // The manifest and MEAT0 behind VIEWS placeholders.
  mkdirSync(join(work, "manifest"));
  writeFileSync(
    join(work, "manifest", "software.txt"),
    "# software\nPackage: BiocGenerics\n\nPackage: propMissing\npropAuthorsR\nPackage: propNoDescription\n",
  );
  mkdirSync(join(work, "MEAT0", "propMissing"), { recursive: true });
  writeFileSync(
    join(work, "MEAT0", "propMissing", "DESCRIPTION"),
    "Package: propMissing\nVersion: 0.99.0\nTitle: Not built yet\nMaintainer: Ann Other <ann@example.org>\nLicense: GPL-2\n",
  );
  mkdirSync(join(work, "MEAT0", "propAuthorsR"), { recursive: true });
  writeFileSync(
    join(work, "MEAT0", "propAuthorsR", "DESCRIPTION"),
    'Package: propAuthorsR\nVersion: 1.0.0\nTitle: Authors at R\nAuthors@R: c(person("Ada", "Lovelace", email = "ada@example.org",\n    role = c("aut", "cre")), person("Charles", "Babbage", role = "ctb"))\nLicense: GPL-2\n',
  );

  staging = join(work, "staging");
  mkdirSync(join(staging, "src", "contrib"), { recursive: true });
  for (const file of readdirSync(CORPUS)) copyFileSync(join(CORPUS, file), join(staging, "src", "contrib", file));
  copyFileSync(built.docs100, join(staging, "src", "contrib", "propDocs_1.0.0.tar.gz"));
  copyFileSync(built.plain, join(staging, "src", "contrib", "propPlain_0.5.0.tar.gz"));
  layout = layoutAt(staging);
  await prepareRepository(layout, options());
  reporter0 = reporter;
});

describe("indexes", () => {
  it("PACKAGES, PACKAGES.gz and PACKAGES.rds are what tools::write_PACKAGES writes for the same tarballs", () => {
    const rDir = join(work, "r-repo");
    mkdirSync(rDir);
    for (const file of readdirSync(join(staging, "src/contrib")).filter((name) => name.endsWith(".tar.gz"))) {
      copyFileSync(join(staging, "src/contrib", file), join(rDir, file));
    }
    runRscript(`suppressMessages(tools::write_PACKAGES(commandArgs(TRUE)[1], type = "source"))`, [rDir]);
    const ours = readFileSync(join(staging, "src/contrib/PACKAGES"), "utf8");
    const theirs = readFileSync(join(rDir, "PACKAGES"), "utf8");
    expect(ours.split("\n\n")).toEqual(theirs.split("\n\n"));
    expect(ours).toBe(theirs);
    expect(gunzipSync(readFileSync(join(staging, "src/contrib/PACKAGES.gz"))).toString("utf8")).toBe(theirs);
    const same = runRscript(
      `a <- commandArgs(TRUE); cat(identical(readRDS(a[1]), readRDS(a[2])), nrow(readRDS(a[1])))`,
      [join(staging, "src/contrib/PACKAGES.rds"), join(rDir, "PACKAGES.rds")],
    );
    expect(same).toBe("TRUE 11");
  });

  it("an empty contrib directory gets an empty index that R reads", () => {
    const win = join(staging, "bin/windows/contrib/4.2");
    expect(readFileSync(join(win, "PACKAGES"), "utf8")).toBe("");
    const rows = runRscript(
      `cat(nrow(available.packages(contriburl = paste0("file://", commandArgs(TRUE)[1]), filters = list())))`,
      [win],
    );
    expect(rows).toBe("0");
  });

  it("REPOSITORY maps each type to its contrib path", () => {
    expect(readFileSync(join(staging, "REPOSITORY"), "utf8")).toBe(
      "source: src/contrib\nwin.binary: bin/windows/contrib/4.2\nprovides: source, win.binary\n",
    );
  });
});

describe("landing pages", () => {
  it("extracts vignettes, README, INSTALL and NEWS (NEWS.Rd and NEWS.md rendered by R)", () => {
    expect(readdirSync(join(staging, "vignettes/propDocs/inst/doc")).sort()).toEqual([
      "intro.R",
      "intro.Rmd",
      "intro.html",
      "overview.pdf",
    ]);
    expect(readFileSync(join(staging, "readmes/propDocs/README"), "utf8")).toBe("propDocs README, version 1.0.0\n");
    expect(readFileSync(join(staging, "install/propDocs/INSTALL"), "utf8")).toMatch(/^Install propDocs/);
    expect(readFileSync(join(staging, "news/propDocs/NEWS"), "utf8")).toMatch(
      /Changes in version 1\.0\.0[\s\S]*Documents now come with version 1\.0\.0/,
    );
    // R 4.2 renders NEWS.md only with the xml2 package; without it the failure is reported, and no NEWS is published.
    const markdownNews = join(staging, "news/propPlain/NEWS");
    if (existsSync(markdownNews)) expect(readFileSync(markdownNews, "utf8")).toContain("First release of propPlain");
    else expect(reporter0.warnings.some((line) => /NEWS of propPlain could not be rendered/.test(line))).toBe(true);
    expect(readFileSync(join(staging, "licenses/zlibbioc/LICENSE"), "utf8").length).toBeGreaterThan(0);
    expect(existsSync(join(staging, "readmes/IRanges"))).toBe(false); // README.md is not README
  });

  it("writes a citation for every source tarball: from inst/CITATION, generated from DESCRIPTION, or a notice", () => {
    for (const pkg of ["Biobase", "BiocGenerics", "zlibbioc", "propDocs", "propPlain", "GenomeInfoDbData"]) {
      expect(existsSync(join(staging, "citations", pkg, "citation.html")), pkg).toBe(true);
    }
    expect(readFileSync(join(staging, "citations/BiocGenerics/citation.html"), "utf8")).toContain(
      "Orchestrating high-throughput genomic analysis with Bioconductor",
    );
    expect(readFileSync(join(staging, "citations/zlibbioc/citation.html"), "utf8")).toContain(
      "R package version 1.44.0",
    );
    expect(readFileSync(join(staging, "citations/propDocs/citation.html"), "utf8")).toContain(
      "R package version 1.0.0",
    );
    expect(readFileSync(join(staging, "citations/propPlain/citation.html"), "utf8")).toMatch(
      /color: red.*propPlain.*broken on purpose/s,
    );
  });

  it("VIEWS describes every package with the documents of the same prepare", () => {
    const rows = views();
    expect([...rows.keys()]).toEqual([
      "Biobase",
      "BiocGenerics",
      "GenomeInfoDb",
      "GenomeInfoDbData",
      "GenomicRanges",
      "IRanges",
      "propDocs",
      "propPlain",
      "S4Vectors",
      "XVector",
      "zlibbioc",
      "propMissing",
      "propAuthorsR",
      "propNoDescription",
    ]);
    const docs = rows.get("propDocs")!;
    expect(docs.get("source.ver")).toBe("src/contrib/propDocs_1.0.0.tar.gz");
    expect(existsSync(join(staging, docs.get("source.ver")!))).toBe(true);
    expect(docs.get("vignettes")).toBe(
      "vignettes/propDocs/inst/doc/overview.pdf, vignettes/propDocs/inst/doc/intro.html",
    );
    expect(docs.get("vignetteTitles")).toBe("overview.pdf, Introduction to propDocs,, briefly");
    expect(docs.get("Rfiles")).toBe("vignettes/propDocs/inst/doc/intro.R");
    expect([docs.get("hasREADME"), docs.get("hasNEWS"), docs.get("hasINSTALL"), docs.get("hasLICENSE")]).toEqual([
      "TRUE",
      "TRUE",
      "TRUE",
      "FALSE",
    ]);
    expect(docs.get("MD5sum")).toMatch(/^[0-9a-f]{32}$/);
    expect(docs.has("win.binary.ver")).toBe(false);
    const generics = rows.get("BiocGenerics")!;
    expect(generics.get("dependsOnMe")?.split(", ")).toEqual(
      expect.arrayContaining(["IRanges", "S4Vectors", "propDocs"]),
    );
    expect(generics.get("git_url")).toBe("https://git.bioconductor.org/packages/BiocGenerics");
    expect(rows.get("IRanges")!.get("dependencyCount")).toBe(
      String(Number(rows.get("IRanges")!.get("dependencyCount"))),
    );
    expect(Number(rows.get("GenomicRanges")!.get("dependencyCount"))).toBeGreaterThan(
      Number(rows.get("IRanges")!.get("dependencyCount")),
    );
    expect(rows.get("propMissing")).toEqual(
      new Map([
        ["Package", "propMissing"],
        ["Version", "0.99.0"],
        ["License", "GPL-2"],
        ["Title", "Not built yet"],
        ["Maintainer", "Ann Other <ann@example.org>"],
        ["hasREADME", "FALSE"],
        ["hasNEWS", "FALSE"],
        ["hasINSTALL", "FALSE"],
        ["hasLICENSE", "FALSE"],
        ["dependencyCount", "0"],
      ]),
    );
    expect(rows.get("propAuthorsR")!.get("Maintainer")).toBe("Ada Lovelace <ada@example.org>");
    expect(rows.get("propAuthorsR")!.get("Author")).toMatch(/Ada Lovelace \[aut, cre\], Charles Babbage \[ctb\]/);
    expect(rows.get("propNoDescription")!.get("Title")).toBe("ERROR");
    expect(reporter0.warnings.some((line) => /citation of propPlain could not be generated/.test(line))).toBe(true);
  });
});

describe("incremental prepare", () => {
  it("opens only new or changed files, and replaces a bumped package's documents", async () => {
    await prepareRepository(layout, options());
    expect(reporter.lines.filter((line) => line.startsWith("extract"))).toEqual([]);
    const unchanged = snapshotTree(staging);

    rmSync(join(staging, "src/contrib/propDocs_1.0.0.tar.gz"));
    copyFileSync(built.docs110, join(staging, "src/contrib/propDocs_1.1.0.tar.gz"));
    const result = await prepareRepository(layout, options());
    expect(result.opened).toBe(1);
    expect(result.cached).toBe(10);
    expect(result.docsExtracted).toEqual(["propDocs"]);
    expect(readFileSync(join(staging, "news/propDocs/NEWS"), "utf8")).toBe(
      "CHANGES IN VERSION 1.1.0\n------------------------\n\n    o Plain NEWS of propDocs.",
    );
    expect(readFileSync(join(staging, "readmes/propDocs/README"), "utf8")).toBe("propDocs README, version 1.1.0\n");
    expect(views().get("propDocs")!.get("source.ver")).toBe("src/contrib/propDocs_1.1.0.tar.gz");
    expect(unchanged["citations/Biobase/citation.html"]).toBe(snapshotTree(staging)["citations/Biobase/citation.html"]);

    // A touched file is read again; a package that left loses its documents.
    utimesSync(join(staging, "src/contrib/zlibbioc_1.44.0.tar.gz"), new Date(), new Date(Date.now() + 2000));
    rmSync(join(staging, "src/contrib/propPlain_0.5.0.tar.gz"));
    const after = await prepareRepository(layout, options());
    expect(after.opened).toBe(1);
    expect(after.docsRemoved).toEqual(["propPlain"]);
    expect(existsSync(join(staging, "news/propPlain"))).toBe(false);
    expect(existsSync(join(staging, "citations/propPlain"))).toBe(false);
    expect(views().has("propPlain")).toBe(false);
  });

  it("a directory that lost its last package gets an empty index, not a stale one", async () => {
    const repo = join(work, "small");
    mkdirSync(join(repo, "src/contrib"), { recursive: true });
    copyFileSync(join(CORPUS, "zlibbioc_1.44.0.tar.gz"), join(repo, "src/contrib/zlibbioc_1.44.0.tar.gz"));
    const small = layoutAt(repo);
    await prepareRepository(small, options({ landingPages: false }));
    expect(readFileSync(join(repo, "src/contrib/PACKAGES"), "utf8")).toContain("Package: zlibbioc");
    rmSync(join(repo, "src/contrib/zlibbioc_1.44.0.tar.gz"));
    await prepareRepository(small, options({ landingPages: false }));
    expect(readFileSync(join(repo, "src/contrib/PACKAGES"), "utf8")).toBe("");
    expect(runRscript(`cat(nrow(readRDS(commandArgs(TRUE)[1])))`, [join(repo, "src/contrib/PACKAGES.rds")])).toBe("0");
    expect(existsSync(join(repo, "VIEWS"))).toBe(false);
  });
});

describe("prepare refuses or only reports", () => {
  it("an unreadable package file stops prepare before anything changes", async () => {
    const repo = join(work, "broken");
    cpSync(join(work, "small"), repo, { recursive: true });
    copyFileSync(join(CORPUS, "XVector_0.38.0.tar.gz"), join(repo, "src/contrib/XVector_0.38.0.tar.gz"));
    writeFileSync(join(repo, "src/contrib/broken_1.0.tar.gz"), "not a tarball");
    const before = snapshotTree(repo);
    await expect(prepareRepository(layoutAt(repo), options({ landingPages: false }))).rejects.toMatchObject({
      code: "BBS_INPUT_INVALID",
      details: [expect.stringMatching(/broken_1\.0\.tar\.gz is not a readable package tarball/)],
    });
    expect(snapshotTree(repo)).toEqual(before);
  });

  it("--dry-run reports what it would write and changes nothing", async () => {
    copyFileSync(built.plain, join(staging, "src/contrib/propPlain_0.5.0.tar.gz"));
    const before = snapshotTree(staging);
    const collecting = new CollectingLog();
    const result = await prepareRepository(layout, {
      ...options(),
      dryRun: true,
      reporter: collecting.asDryRun(),
    });
    expect(result.written).toEqual(expect.arrayContaining(["src/contrib/PACKAGES", "VIEWS"]));
    expect(result.docsExtracted).toEqual(["propPlain"]);
    expect(collecting.lines).toEqual(
      expect.arrayContaining([
        "would write    src/contrib/PACKAGES",
        "would extract  documents of propPlain from src/contrib/propPlain_0.5.0.tar.gz",
      ]),
    );
    expect(snapshotTree(staging)).toEqual(before);
  });
});
