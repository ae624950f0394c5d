// PACKAGES of an OUTGOING binary subdirectory (mac .tgz, Windows .zip), as
// stage6c's write_PACKAGES(type = "mac.binary" / "win.binary") provides it:
// the standard fields but NeedsCompilation (and MD5sum for zips), from each file's
// `<pkg>/DESCRIPTION`, highest version per package, in R's file order.
// (.tgz files are gzip tarballs, read natively; .zip members through unzip.)

import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { pkgTypeExtension, type PkgType } from "../../config/schema.js";
import { parseDcf } from "../../rpkg/dcf.js";
import { assemblePackagesIndex, compareFileNames, formatPackagesIndex, SOURCE_PACKAGES_FIELDS, writePackagesFiles, type PackageFileRecord } from "../../rpkg/packages-index.js";
import { packageNameFromFileName, readPackageTarball } from "../../rpkg/tarball.js";
import { runTool } from "../../util/tool.js";
import { BbsError, errorMessage } from "../../util/errors.js";

const BINARY_FIELDS: readonly string[] = SOURCE_PACKAGES_FIELDS.filter((field) => field !== "NeedsCompilation");

async function binaryDescription(path: string, extension: string): Promise<Buffer | undefined> {
  const member = `${packageNameFromFileName(path)}/DESCRIPTION`;
  if (extension !== "zip") return (await readPackageTarball(path)).description;
  const result = await runTool("unzip", ["-p", path, member], { timeoutMs: 120_000 });
  if (result.exitCode !== 0) return undefined;
  return Buffer.from(result.stdout, "utf8");
}

/** Writes PACKAGES and PACKAGES.gz of a binary subdirectory; returns the files left out, with why. */
export async function writeBinaryPackagesIndex(dir: string, pkgType: PkgType): Promise<Array<{ file: string; message: string }>> {
  const extension = pkgTypeExtension(pkgType);
  const files = readdirSync(dir)
    .filter((name) => name.includes("_") && name.endsWith(`.${extension}`) && statSync(join(dir, name)).isFile())
    .sort((a, b) => compareFileNames(a, b));
  const records: PackageFileRecord[] = [];
  const problems: Array<{ file: string; message: string }> = [];
  for (const file of files) {
    const path = join(dir, file);
    try {
      const description = await binaryDescription(path, extension);
      if (description === undefined) throw new BbsError("BBS_INPUT_INVALID", `${path} has no ${packageNameFromFileName(file)}/DESCRIPTION`);
      const [first] = parseDcf(description, { source: `${path}: DESCRIPTION`, decoding: "r-utf8" });
      const values = new Map(BINARY_FIELDS.map((field) => [field, first?.fields.get(field)] as const));
      // R reads zips with unzip and records no MD5sum for them.
      if (extension === "zip") values.delete("MD5sum");
      else values.set("MD5sum", createHash("md5").update(readFileSync(path)).digest("hex"));
      records.push({ file: basename(path), values });
    } catch (error) {
      problems.push({ file, message: errorMessage(error) });
    }
  }
  writePackagesFiles(dir, formatPackagesIndex(assemblePackagesIndex(records)));
  return problems;
}
