// The generator's output: deterministic bytes, the DESCRIPTION each spec asks
// for, and the DESCRIPTION-level behaviours as R itself reads them.

import { readFile, readdir, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import {
  dependencyNames,
  descriptionPackageName,
  descriptionVersion,
  helloFunctionName,
  PACKAGE_BEHAVIOURS,
  renderPackage,
  writePackage,
  type PackageSpec,
} from "../fixtures/rpkg-generator.js";
import { asciiRdsDataFrame } from "../fixtures/rds.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { rscript } from "./r-commands.js";

const dirs = useTempDirs();

const RICH: PackageSpec = {
  name: "rich.pkg",
  version: "2.3.4",
  title: "A Rich Fixture",
  depends: ["R (>= 4.0.0)", "methods"],
  imports: ["stats", "utils (>= 3.0)"],
  linkingTo: ["someHeaders"],
  suggests: ["notInstalled"],
  withC: true,
  maintainer: "Zoë Fixture <zoe@bbs-fixtures.example.org>",
  osType: "unix",
  packageStatus: "Deprecated",
  bbsOptions: "UnsupportedPlatforms: win\nCHECKprepend: _R_CHECK_FORCE_SUGGESTS_=0",
  extraDescription: { Encoding: "UTF-8", biocViews: "Software,\n    Infrastructure" },
};

async function filesUnder(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.set(relative(dir, path), await readFile(path, "utf8"));
  }
  return out;
}

/** DESCRIPTION fields as R's read.dcf sees them (newlines inside values shown as <NL>). */
async function readDcfInR(path: string): Promise<Record<string, string>> {
  const out = await rscript(
    `d <- read.dcf(${JSON.stringify(path)}, keep.white = character()); for (k in colnames(d)) cat(k, "\\t", gsub("\\n", "<NL>", d[1, k]), "\\n", sep = "")`,
    "",
  );
  return Object.fromEntries(out.split("\n").map((line) => line.split("\t") as [string, string]));
}

describe("renderPackage / writePackage", () => {
  it("is deterministic: the same spec gives the same files, byte for byte, wherever written", async () => {
    expect(renderPackage(RICH)).toEqual(renderPackage(structuredClone(RICH)));
    const a = await writePackage(await dirs.make("gen-a"), RICH);
    const b = await writePackage(await dirs.make("gen-b"), structuredClone(RICH));
    const filesA = await filesUnder(a);
    expect(filesA).toEqual(await filesUnder(b));
    expect([...filesA.keys()].sort()).toEqual(renderPackage(RICH).map((f) => f.path));
  });

  it("writes every DESCRIPTION field of the spec, as R reads it", async () => {
    const dir = await writePackage(await dirs.make("gen-rich"), RICH);
    const fields = await readDcfInR(join(dir, "DESCRIPTION"));
    expect(fields).toMatchObject({
      Package: "rich.pkg",
      Version: "2.3.4",
      Title: "A Rich Fixture",
      Maintainer: "Zoë Fixture <zoe@bbs-fixtures.example.org>",
      Depends: "R (>= 4.0.0), methods",
      Imports: "stats, utils (>= 3.0)",
      LinkingTo: "someHeaders",
      Suggests: "notInstalled",
      OS_type: "unix",
      PackageStatus: "Deprecated",
      License: "Artistic-2.0",
      Encoding: "UTF-8",
      biocViews: "Software,<NL>Infrastructure", // continuation line, as read.dcf joins it
    });
    expect(await readFile(join(dir, ".BBSoptions"), "utf8")).toBe(
      "UnsupportedPlatforms: win\nCHECKprepend: _R_CHECK_FORCE_SUGGESTS_=0\n",
    );
    expect(await readFile(join(dir, ".Rbuildignore"), "utf8")).toBe("^\\.BBSoptions$\n");
    const namespace = await readFile(join(dir, "NAMESPACE"), "utf8");
    expect(namespace.split("\n")).toEqual([
      `export(${helloFunctionName("rich.pkg")})`,
      "import(methods)",
      "import(stats)",
      "import(utils)",
      "useDynLib(rich.pkg, .registration = TRUE)",
      "",
    ]);
    // R looks for R_init_<name with dots as underscores> in rich.pkg.so.
    expect(await readFile(join(dir, "src", "rich_pkg.c"), "utf8")).toContain("void R_init_rich_pkg(DllInfo *dll)");
  });

  it("writes Authors@R without Maintainer, or neither", () => {
    const authors = 'person("Ann", "Author", email = "ann@example.org", role = c("aut", "cre"))';
    const description = (spec: PackageSpec): string =>
      renderPackage(spec).find((f) => f.path === "DESCRIPTION")?.content ?? "";
    const withAuthors = description({ name: "aR", version: "1.0", authorsR: authors });
    expect(withAuthors).toContain(`Authors@R: ${authors}\n`);
    expect(withAuthors).not.toMatch(/^(Maintainer|Author):/m);
    const nobody = description({ name: "nobody", version: "1.0", noMaintainer: true });
    expect(nobody).not.toMatch(/^(Maintainer|Authors@R):/m);
    expect(nobody).toMatch(/^Author: /m);
  });

  it("refuses invalid names and non-empty target directories", async () => {
    expect(() => renderPackage({ name: "1abc", version: "1.0" })).toThrow(/not a valid R package name/);
    expect(() => renderPackage({ name: "a_b", version: "1.0" })).toThrow(/not a valid R package name/);
    const parent = await dirs.make("gen-twice");
    await writePackage(parent, { name: "twice", version: "1.0" });
    await expect(writePackage(parent, { name: "twice", version: "1.0" })).rejects.toThrow(/is not empty/);
  });

  it("names dependencies without version specs and without R", () => {
    expect(dependencyNames(["R (>= 4.1)", "a", "b.c (>= 1.0)", " d(>=2)"])).toEqual(["a", "b.c", "d"]);
  });

  it("lists every behaviour once", () => {
    expect(new Set(PACKAGE_BEHAVIOURS).size).toBe(8);
  });
});

describe("DESCRIPTION behaviours, as real R reads them", () => {
  it("malformed-description: read.dcf fails on the line without a colon", async () => {
    const dir = await writePackage(await dirs.make("gen-malformed"), {
      name: "malformed",
      version: "1.0.0",
      behaviour: "malformed-description",
    });
    const out = await rscript(
      `r <- tryCatch(read.dcf(${JSON.stringify(join(dir, "DESCRIPTION"))}), error = conditionMessage); cat(if (is.character(r)) r else "parsed")`,
      "",
    );
    expect(out).toMatch(/^Line starting 'this line is not a .*' is malformed!$/);
  });

  it("name-mismatch: the Package field differs from the directory name", async () => {
    const spec: PackageSpec = { name: "dirName", version: "1.0.0", behaviour: "name-mismatch" };
    const dir = await writePackage(await dirs.make("gen-mismatch"), spec);
    const fields = await readDcfInR(join(dir, "DESCRIPTION"));
    expect(fields.Package).toBe(descriptionPackageName(spec));
    expect(fields.Package).not.toBe("dirName");
    expect(dir.endsWith("/dirName")).toBe(true);
  });

  it("invalid-version: R rejects the Version, and so does BBS's version pattern", async () => {
    const spec: PackageSpec = { name: "badVersion", version: "1.0.0", behaviour: "invalid-version" };
    const dir = await writePackage(await dirs.make("gen-version"), spec);
    const version = (await readDcfInR(join(dir, "DESCRIPTION"))).Version ?? "";
    expect(version).toBe(descriptionVersion(spec));
    expect(version).not.toMatch(/^[0-9]+([.-][0-9]+)*$/);
    const out = await rscript(
      `cat(tryCatch(as.character(package_version(${JSON.stringify(version)})), error = function(e) "invalid"))`,
      "",
    );
    expect(out).toBe("invalid");
  });
});

describe("asciiRdsDataFrame", () => {
  it("writes a data.frame readRDS() reads back, escapes included", async () => {
    const dir = await dirs.make("rds");
    const path = join(dir, "df.rds");
    await writeFile(
      path,
      asciiRdsDataFrame([
        ["File", ["a b.Rnw", "é\"q'\\.Rmd"]],
        ["PDF", ["x.pdf", ""]],
      ]),
    );
    const out = await rscript(
      `d <- readRDS(${JSON.stringify(path)}); stopifnot(is.data.frame(d)); cat(nrow(d), names(d), d$File, d$PDF, sep = "|")`,
      "",
    );
    expect(out).toBe("2|File|PDF|a b.Rnw|é\"q'\\.Rmd|x.pdf|");
  });
});
