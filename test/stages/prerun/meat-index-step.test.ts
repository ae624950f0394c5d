// The meat-index rules on hand-written DESCRIPTION files (the scenario test
// covers the fixtures): BBS's parser (comments, blank lines merged), the
// checks' order, Authors@R through one R process that survives a package
// whose Authors@R makes R exit, cran builds, bioc-longtests.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateMaintainers } from "../../../src/stages/prerun/maintainer-r.js";
import { buildMeatIndex, type MeatIndex } from "../../../src/stages/prerun/meat-index-step.js";
import type { PackageSource } from "../../../src/stages/prerun/state.js";
import { useTempDirs } from "../../fixtures/tmp.js";

const dirs = useTempDirs();
let meat0: string;

const PACKAGES: Record<string, { description?: string | Buffer; bbsOptions?: string }> = {
  commented: {
    description:
      "# a comment BBS skips\nPackage: commented\nVersion: 1.0\n\nMaintainer: Jane Doe\n  <jane@example.org>\n",
  },
  authorsR: {
    description:
      'Package: authorsR\nVersion: 2.1-3\nAuthors@R: person("Ada", "Lovelace", email = "ada@example.org", role = c("aut", "cre"))\n',
  },
  noCre: { description: 'Package: noCre\nVersion: 1.0\nAuthors@R: person("Ada", "Lovelace", role = "aut")\n' },
  stops: { description: 'Package: stops\nVersion: 1.0\nAuthors@R: stop("no authors today")\n' },
  quits: { description: "Package: quits\nVersion: 1.0\nAuthors@R: quit(status = 3)\n" },
  afterQuit: {
    description:
      'Package: afterQuit\nVersion: 1.0\nAuthors@R: c(person("Bo", "Li", email = "bo@example.org", role = "cre"))\n',
  },
  latin1: {
    description: Buffer.concat([
      Buffer.from('Package: latin1\nVersion: 1.0\nEncoding: latin1\nAuthors@R: person("Ren', "latin1"),
      Buffer.from([0xe9]),
      Buffer.from('", "Dupont", email = "rd@example.org", role = "cre")\n', "latin1"),
    ]),
  },
  emptyMaintainer: { description: "Package: emptyMaintainer\nVersion: 1.0\nMaintainer:\n" },
  noVersion: { description: "Package: noVersion\nMaintainer: A <a@example.org>\n" },
  noPackage: { description: "Version: 1.0\nMaintainer: A <a@example.org>\n" },
  noDescription: {},
  longtests: {
    description: "Package: longtests\nVersion: 1.0\nMaintainer: A <a@example.org>\n",
    bbsOptions: "RunLongTests: TRUE\n",
  },
};

function sources(names: readonly string[]): Map<string, PackageSource> {
  return new Map(
    names.map((name) => [name, { package: name, status: "cloned", url: "", branch: "devel", attempts: 1, seconds: 0 }]),
  );
}

async function index(buildType: "bioc" | "cran" | "bioc-longtests"): Promise<MeatIndex> {
  const names = Object.keys(PACKAGES);
  return buildMeatIndex({ packages: names, sources: sources(names), meat0Dir: meat0, buildType, rscript: "Rscript" });
}

beforeAll(async () => {
  meat0 = await dirs.make("meat0");
  for (const [name, files] of Object.entries(PACKAGES)) {
    mkdirSync(join(meat0, name));
    if (files.description !== undefined) writeFileSync(join(meat0, name, "DESCRIPTION"), files.description);
    if (files.bbsOptions !== undefined) writeFileSync(join(meat0, name, ".BBSoptions"), files.bbsOptions);
  }
});

describe("buildMeatIndex", () => {
  it("adds, skips and explains as BBS's rules say", async () => {
    const result = await index("bioc");
    expect(result.records).toEqual([
      { package: "commented", version: "1.0", maintainer: "Jane Doe", maintainerEmail: "jane@example.org" },
      { package: "authorsR", version: "2.1-3", maintainer: "Ada Lovelace", maintainerEmail: "ada@example.org" },
      { package: "afterQuit", version: "1.0", maintainer: "Bo Li", maintainerEmail: "bo@example.org" },
      { package: "latin1", version: "1.0", maintainer: "René Dupont", maintainerEmail: "rd@example.org" },
      { package: "longtests", version: "1.0", maintainer: "A", maintainerEmail: "a@example.org" },
    ]);
    const reasons = Object.fromEntries(result.skipped.map((entry) => [entry.package, [entry.reason, entry.message]]));
    expect(reasons).toEqual({
      noCre: ["no-maintainer", expect.stringContaining('no person with role "cre"')],
      stops: ["no-maintainer", expect.stringContaining("evaluating Authors@R failed: no authors today")],
      quits: ["no-maintainer", expect.stringContaining("R exited while evaluating Authors@R")],
      emptyMaintainer: ["no-maintainer", expect.stringContaining("the Maintainer field is empty")],
      noVersion: ["no-version", "Field 'Version' not found in 'noVersion/DESCRIPTION'"],
      noPackage: ["no-package-field", "Field 'Package' not found in 'noPackage/DESCRIPTION'"],
      noDescription: ["no-description", "Missing DESCRIPTION file in 'noDescription/'"],
    });
    expect(result.ignored).toEqual([]);
  });

  it("writes the whole maintainer and needs no email in cran builds", async () => {
    const result = await index("cran");
    expect(result.records.find((record) => record.package === "commented")).toEqual({
      package: "commented",
      version: "1.0",
      maintainer: "Jane Doe <jane@example.org>",
    });
  });

  it("ignores packages without RunLongTests in bioc-longtests builds", async () => {
    const result = await index("bioc-longtests");
    expect(result.records.map((record) => record.package)).toEqual(["longtests"]);
    expect(result.ignored).toHaveLength(Object.keys(PACKAGES).length - 1);
    expect(result.skipped).toEqual([]);
  });

  it("skips a package whose clone failed, with git's reason", async () => {
    const result = await buildMeatIndex({
      packages: ["commented"],
      sources: new Map([
        [
          "commented",
          {
            package: "commented",
            status: "failed",
            url: "",
            branch: "devel",
            reason: "fatal: nope",
            attempts: 5,
            seconds: 1,
          },
        ],
      ]),
      meat0Dir: meat0,
      buildType: "bioc",
      rscript: "Rscript",
    });
    expect(result.skipped).toEqual([
      { package: "commented", reason: "git-failed", message: "git clone or update failed: fatal: nope" },
    ]);
  });
});

describe("evaluateMaintainers", () => {
  it("starts no R for no package, and reports R that cannot run", async () => {
    expect((await evaluateMaintainers([], { rscript: "/nonexistent/Rscript" })).size).toBe(0);
    await expect(
      evaluateMaintainers([join(meat0, "authorsR", "DESCRIPTION")], { rscript: "/nonexistent/Rscript" }),
    ).rejects.toMatchObject({ code: "BBS_COMMAND_FAILED" });
  });
});
