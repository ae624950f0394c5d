// Real package products for postrun tests: source tarballs made by
// `R CMD build`, binaries made from an `R CMD INSTALL` library the way each
// platform packs them (mac: a gzip tarball of the installed package, Windows:
// a zip of it). Built once and cached under $BBS_FIXTURE_CACHE (default
// <tmpdir>/bbs-fixture-cache), keyed by the package specs and R's version,
// built beside the final place and renamed in (safe with parallel workers).

import { execa } from "execa";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writePackages, type PackageSpec } from "../../fixtures/rpkg-generator.js";

const FORMAT = 1;

/** The packages of the postrun fixture run; helperPkg is built but not in the meat index. */
export const PRODUCT_SPECS: readonly PackageSpec[] = [
  { name: "helperPkg", version: "1.0.0" },
  { name: "Alpha", version: "1.0.0" },
  { name: "buildErr", version: "1.0.0" },
  { name: "checkErr", version: "1.0.0", imports: ["helperPkg"] },
  { name: "checkWarn", version: "1.0.0" },
  { name: "deprecatedPkg", version: "1.0.0", packageStatus: "Deprecated" },
  { name: "installErr", version: "1.0.0" },
  { name: "naPkg", version: "1.0.0" },
  { name: "noWin", version: "1.0.0", depends: ["Alpha (>= 1.0.0)"] },
  { name: "versionSkew", version: "0.9.0" },
];

export interface Products {
  dir: string;
  /** `<dir>/<kind>/<pkg>_<version>.<ext>` */
  path(kind: "source" | "mac" | "win", pkg: string): string;
  /** A reference manual stand-in (no TeX here): `<dir>/manual.pdf`. */
  manual: string;
}

function versionOf(pkg: string): string {
  const spec = PRODUCT_SPECS.find((candidate) => candidate.name === pkg);
  if (spec === undefined) throw new Error(`no product spec for ${pkg}`);
  return spec.version;
}

function productsAt(dir: string): Products {
  const ext = { source: "tar.gz", mac: "tgz", win: "zip" } as const;
  return {
    dir,
    path: (kind, pkg) => join(dir, kind, `${pkg}_${versionOf(pkg)}.${ext[kind]}`),
    manual: join(dir, "manual.pdf"),
  };
}

export async function builtProducts(): Promise<Products> {
  const rVersion = (await execa("R", ["--version"])).stdout.split("\n")[0] ?? "";
  const key = createHash("sha256")
    .update(JSON.stringify({ FORMAT, rVersion, PRODUCT_SPECS }))
    .digest("hex")
    .slice(0, 16);
  const cacheRoot = process.env.BBS_FIXTURE_CACHE ?? join(tmpdir(), "bbs-fixture-cache");
  const final = join(cacheRoot, `postrun-products-${key}`);
  if (existsSync(join(final, "done"))) return productsAt(final);
  await mkdir(cacheRoot, { recursive: true });
  const work = join(cacheRoot, `.postrun-products-${key}-${process.pid}-${Date.now()}`);
  try {
    await build(work);
    try {
      await rename(work, final);
    } catch (error) {
      if (!existsSync(join(final, "done"))) throw error; // another worker won the race
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return productsAt(final);
}

async function build(work: string): Promise<void> {
  const sources = join(work, "pkgsrc");
  const library = join(work, "library");
  for (const dir of ["source", "mac", "win", "pkgsrc", "library"]) await mkdir(join(work, dir), { recursive: true });
  await writePackages(sources, PRODUCT_SPECS);
  const env = { R_LIBS: library, R_LIBS_USER: library, LANG: "C.UTF-8" };
  for (const spec of PRODUCT_SPECS) {
    await execa("R", ["CMD", "build", "--no-build-vignettes", "--no-manual", join(sources, spec.name)], {
      cwd: join(work, "source"),
      env,
    });
  }
  const tarballs = PRODUCT_SPECS.map((spec) => join(work, "source", `${spec.name}_${spec.version}.tar.gz`));
  await execa("R", ["CMD", "INSTALL", `--library=${library}`, ...tarballs], { env });
  for (const spec of PRODUCT_SPECS) {
    const file = `${spec.name}_${spec.version}`;
    await execa("tar", ["czf", join(work, "mac", `${file}.tgz`), "-C", library, spec.name]);
    await execa("zip", ["-qr", join(work, "win", `${file}.zip`), spec.name], { cwd: library });
  }
  await writeFile(join(work, "manual.pdf"), "%PDF-1.4\n% reference manual stand-in (no TeX on this machine)\n%%EOF\n");
  if ((await readdir(join(work, "source"))).length !== PRODUCT_SPECS.length)
    throw new Error("R CMD build did not produce every tarball");
  await rm(sources, { recursive: true, force: true });
  await writeFile(join(work, "done"), "");
}
