// The published side of the propagation DB read as R's available.packages()
// reads it (issue 14, defect 3): PACKAGES.rds first (xz, as
// tools::write_PACKAGES writes it), then R's default filters (R_version,
// OS_type, subarch, duplicates). Checked against real R on generated
// repositories, and through makePropagationDb: a published package that needs
// R >= 99.0 is invisible to R, so the same version is YES, as for BBS.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { availablePackages, satisfiesRVersion, type RPlatform } from "../../../src/rpkg/available-filters.js";
import { PROPAGATION_STATUS_DB_FILE } from "../../../src/layout/central.js";
import { makePropagationDb } from "../../../src/stages/postrun/propagation-db.js";
import { readPublishedRepositories } from "../../../src/stages/postrun/repo-index.js";
import { writeTestConfig } from "../../fixtures/test-config.js";
import { useTempDirs } from "../../fixtures/tmp.js";

const temp = useTempDirs();

type Fields = Record<string, string>;

function dcf(records: readonly Fields[]): string {
  return records
    .map((fields) =>
      Object.entries(fields)
        .map(([k, v]) => `${k}: ${v}\n`)
        .join(""),
    )
    .join("\n");
}

/** A contrib directory with PACKAGES, and PACKAGES.rds saved by R (xz, as write_PACKAGES) when `rds` is given. */
async function writeContrib(dir: string, packages: readonly Fields[], rds?: readonly Fields[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "PACKAGES"), dcf(packages));
  if (rds === undefined) return;
  writeFileSync(join(dir, "rds.dcf"), dcf(rds));
  const script = `db <- read.dcf("${join(dir, "rds.dcf")}"); saveRDS(db, "${join(dir, "PACKAGES.rds")}", compress = "xz")`;
  await execa("Rscript", ["--vanilla", "-e", script]);
}

/** What real R's available.packages() returns over these contrib URLs: "pkg version" lines. */
async function rAvailable(contribUrls: readonly string[]): Promise<string[]> {
  const script = `ap <- available.packages(contriburl = c(${contribUrls.map((u) => `"${u}"`).join(", ")})); cat(paste(ap[, "Package"], ap[, "Version"]), sep = "\\n")`;
  const result = await execa("Rscript", ["--vanilla", "-e", script]);
  return result.stdout
    .split("\n")
    .filter((line) => line !== "")
    .sort();
}

const RSCRIPT = "Rscript";

describe("R's default available.packages() filters", () => {
  const platform: RPlatform = { version: "4.2.2", osType: "unix", rArch: "" };

  it("R_version: every R constraint of Depends must hold; one R cannot parse is kept", () => {
    expect(satisfiesRVersion(undefined, "4.2.2")).toBe(true);
    expect(satisfiesRVersion("R (>= 4.0), methods", "4.2.2")).toBe(true);
    expect(satisfiesRVersion("methods, R (>= 99.0)", "4.2.2")).toBe(false);
    expect(satisfiesRVersion("R (>= 3.5.0), R (< 4.2)", "4.2.2")).toBe(false);
    expect(satisfiesRVersion("R(>= 4.3)", "4.2.2")).toBe(false);
    expect(satisfiesRVersion("R (!= 4.2.2)", "4.2.2")).toBe(false);
    expect(satisfiesRVersion("Rcpp (>= 99.0)", "4.2.2")).toBe(true);
    expect(satisfiesRVersion("R (>=99.0)", "4.2.2")).toBe(true);
  });

  it("OS_type, subarch and duplicates", () => {
    const records = [
      { package: "a", version: "1.0" },
      { package: "a", version: "1.1" },
      { package: "a", version: "1.1.0", depends: "x" },
      { package: "w", version: "1.0", osType: "windows" },
      { package: "u", version: "1.0", osType: "unix" },
      { package: "e", version: "1.0", osType: "" },
      { package: "s", version: "1.0", archs: "i386, x64" },
    ];
    const names = (p: RPlatform) => availablePackages(records, p).map((r) => `${r.package} ${r.version}`);
    expect(names(platform)).toEqual(["a 1.1", "u 1.0", "s 1.0"]);
    expect(names({ ...platform, osType: "windows", rArch: "x64" })).toEqual(["a 1.1", "w 1.0", "s 1.0"]);
    expect(names({ ...platform, rArch: "arm" })).toEqual(["a 1.1", "u 1.0"]);
  });
});

describe("published repositories as real R reads them", () => {
  it("reads PACKAGES.rds first and filters as available.packages() does, over two repositories", async () => {
    const root = await temp.make("repos");
    const final = join(root, "final", "src", "contrib");
    const cran = join(root, "cran", "src", "contrib");
    // PACKAGES is stale: R reads PACKAGES.rds, which has newer and other packages.
    await writeContrib(
      final,
      [{ Package: "stale", Version: "1.0" }],
      [
        { Package: "future", Version: "1.0", Depends: "R (>= 99.0)" },
        { Package: "past", Version: "2.0", Depends: "R (>= 3.0.0), methods" },
        { Package: "capped", Version: "1.0", Depends: "R (< 4.0)" },
        { Package: "winOnly", Version: "1.0", OS_type: "windows" },
        { Package: "unixOnly", Version: "1.0", OS_type: "unix", NeedsCompilation: "yes" },
        { Package: "dup", Version: "1.0" },
        { Package: "dup", Version: "1.2" },
        { Package: "shared", Version: "3.0", Depends: "R (>= 99.0)" },
        { Package: "ünïcode", Version: "1.0", Description: "Ünïcode ☃" },
      ],
    );
    await writeContrib(cran, [
      { Package: "shared", Version: "2.0" },
      { Package: "dup", Version: "1.1" },
      { Package: "future", Version: "0.9", Depends: "R (>= 4.0.0)" },
    ]);
    const urls = [pathToFileURL(final).href, pathToFileURL(cran).href];
    const sources = urls.map((url) => ({ repoUrl: url, contribPath: ".", key: "test" }));
    const published = await readPublishedRepositories(sources, { rscript: RSCRIPT });
    const ours = published
      .available(sources)
      .map((pkg) => `${pkg.package} ${pkg.version}`)
      .sort();
    expect(ours).toEqual(await rAvailable(urls));
    expect(ours).toEqual(["dup 1.2", "future 0.9", "past 2.0", "shared 2.0", "unixOnly 1.0", "ünïcode 1.0"]);
    expect(published.platform).toMatchObject({ osType: "unix", rArch: "" });
    expect(published.platform.version).toMatch(/^4\.\d+\.\d+$/);
    expect(published.available(sources.slice(0, 1)).find((p) => p.package === "unixOnly")?.needsCompilation).toBe(
      "yes",
    );
  });

  it("falls back on PACKAGES when R cannot read PACKAGES.rds, and says so", async () => {
    const root = await temp.make("corrupt");
    const contrib = join(root, "src", "contrib");
    await writeContrib(contrib, [{ Package: "plain", Version: "1.0" }]);
    writeFileSync(join(contrib, "PACKAGES.rds"), "not an rds file");
    const sources = [{ repoUrl: pathToFileURL(contrib).href, contribPath: ".", key: "test" }];
    const published = await readPublishedRepositories(sources, { rscript: RSCRIPT });
    expect(published.available(sources).map((p) => p.package)).toEqual(["plain"]);
    expect(published.unreadable).toHaveLength(1);
    expect(published.unreadable[0]).toContain("PACKAGES.rds");
  });
});

describe("the propagation DB with R's filters", () => {
  it("says YES for the version already published when the published one needs an R that does not exist, as BBS", async () => {
    const root = await temp.make("r-version");
    const runDir = join(root, "run");
    mkdirSync(join(runDir, "OUTGOING", "source"), { recursive: true });
    writeFileSync(
      join(runDir, "OUTGOING", "source", "PACKAGES"),
      dcf([
        { Package: "needsFutureR", Version: "1.0.0", Depends: "R (>= 99.0)" },
        { Package: "ordinary", Version: "1.0.0", Depends: "R (>= 4.0)" },
      ]),
    );
    const repo = join(root, "repo");
    await writeContrib(
      join(repo, "src", "contrib"),
      [
        { Package: "needsFutureR", Version: "1.0.0", Depends: "R (>= 99.0)" },
        { Package: "ordinary", Version: "1.0.0", Depends: "R (>= 4.0)" },
      ],
      [
        { Package: "needsFutureR", Version: "1.0.0", Depends: "R (>= 99.0)" },
        { Package: "ordinary", Version: "1.0.0", Depends: "R (>= 4.0)" },
      ],
    );
    const config = writeTestConfig({
      workDir: join(root, "work"),
      global: { propagation: { finalRepo: pathToFileURL(repo).href }, nonTargetRepos: [] },
    }).load();
    await makePropagationDb({ runDir, config });
    expect(readFileSync(join(runDir, PROPAGATION_STATUS_DB_FILE), "utf8")).toBe(
      [
        "needsFutureR#source#propagate: YES",
        "ordinary#source#propagate: UNNEEDED, same version is already published",
        "",
      ].join("\n"),
    );
  });
});
