// Where packages of each type live in a CRAN-style repository (contrib.url())
// and BBS's order of package types: shared by OUTGOING, the propagation DB and
// propagation itself.

import { PKG_TYPES, type PkgType } from "../config/schema.js";
import { BbsError } from "../util/errors.js";
import type { RepositoryIndexType } from "./packages-index.js";

/** BBS's order of package types (PROPAGATION_STATUS_DB, update, REPOSITORY). */
const TYPE_ORDER: readonly string[] = [
  "source",
  "win.binary",
  "mac.binary.big-sur-x86_64",
  "mac.binary.big-sur-arm64",
  "mac.binary",
];

export function isPkgType(value: string): value is PkgType {
  return (PKG_TYPES as readonly string[]).includes(value);
}

/** Sorts package types as BBS processes them (source first); unknown ones last, by name. */
export function sortPkgTypes<T extends string>(types: Iterable<T>): T[] {
  const rank = (type: string): number => {
    const index = TYPE_ORDER.indexOf(type);
    return index === -1 ? TYPE_ORDER.length : index;
  };
  return [...types].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** write_PACKAGES's `type` for a package type (prepareRepos: win* -> win.binary, mac.binary* -> mac.binary). */
export function indexTypeOf(pkgType: PkgType): RepositoryIndexType {
  if (pkgType === "source") return "source";
  return pkgType.startsWith("win") ? "win.binary" : "mac.binary";
}

/** The contrib path of a package type, as R's contrib.url() computes it (docs/formats.md#repository-layout). */
export function contribPath(pkgType: PkgType, rVersion: string | undefined): string {
  if (pkgType === "source") return "src/contrib";
  if (rVersion === undefined) {
    throw new BbsError(
      "BBS_CONFIG_INVALID",
      `propagation.rVersion is not set, but the repository has ${pkgType} packages`,
      {
        hint: 'set propagation.rVersion to the R version of this Bioconductor release, e.g. "4.4" for 3.20 (binary contrib paths contain it)',
      },
    );
  }
  if (pkgType === "win.binary") return `bin/windows/contrib/${rVersion}`;
  if (pkgType === "mac.binary") return `bin/macosx/contrib/${rVersion}`;
  const flavour = pkgType.slice("mac.binary.".length);
  return `bin/macosx/${flavour}/contrib/${rVersion}`;
}
