// The on-disk layout of a CRAN-style repository as bbs propagates it (docs/formats.md#repository-layout):
// which contrib directory each
// package type lives in, the REPOSITORY file, the entries a push publishes,
// and where bbs keeps its own state inside the staging repository.

import { join } from "node:path";
import type { ResolvedConfig } from "../config/load.js";
import { PKG_TYPES, pkgTypeExtension, type PkgType } from "../config/schema.js";
import { formatRDcf } from "../rpkg/r-write-dcf.js";
import type { RepositoryIndexType } from "../rpkg/packages-index.js";
import { contribPath, indexTypeOf, isPkgType, sortPkgTypes } from "../rpkg/repository.js";
import { BbsError } from "../util/errors.js";

export { contribPath, indexTypeOf, isPkgType, sortPkgTypes };

/** bbs's own files inside the staging repository and at the destination (never published as content). */
export const STATE_DIR = ".bbs";

/** Top-level entries of a repository that push publishes (pushRepos-<repo>.sh's list), in that order. */
export const PUBLISHED_ENTRIES = [
  "src",
  "bin",
  "manuals",
  "REPOSITORY",
  "VIEWS",
  "vignettes",
  "citations",
  "news",
  "licenses",
  "readmes",
  "install",
] as const;

/** Landing-page documents extracted from source tarballs, one subdirectory per package. */
export const DOC_DIRS = ["vignettes", "readmes", "news", "install", "licenses", "citations"] as const;
export type DocDir = (typeof DOC_DIRS)[number];

/** The index files of a contrib directory, in the order push must make them visible (R reads .rds first). */
export const INDEX_FILES = ["PACKAGES.rds", "PACKAGES.gz", "PACKAGES"] as const;

export interface ContribDir {
  pkgType: PkgType;
  /** Relative to the repository root, e.g. `bin/windows/contrib/4.4`. */
  path: string;
  extension: "tar.gz" | "zip" | "tgz";
  indexType: RepositoryIndexType;
}

export interface RepositoryLayout {
  /** The staging repository (`propagation.stagingDir`), absolute. */
  root: string;
  rVersion: string | undefined;
  /** Provided types, in BBS order. */
  contribDirs: ContribDir[];
}

export function contribDir(pkgType: PkgType, rVersion: string | undefined): ContribDir {
  return {
    pkgType,
    path: contribPath(pkgType, rVersion),
    extension: pkgTypeExtension(pkgType),
    indexType: indexTypeOf(pkgType),
  };
}

/** A required propagation setting, or BBS_CONFIG_INVALID naming the key. */
export function requireSetting(cfg: ResolvedConfig, key: "propagation.stagingDir" | "propagation.destination"): string {
  const value = cfg.values[key];
  if (value === undefined || value.trim() === "") {
    const what =
      key === "propagation.stagingDir"
        ? "the staging repository directory (biocpush's ~/PACKAGES/<X.Y>/<repo>)"
        : "where push publishes (a directory or user@host:/path)";
    throw new BbsError("BBS_CONFIG_INVALID", `${key} is not set`, { hint: `set ${key} in global.yaml: ${what}` });
  }
  return value;
}

/** The repository's layout from the configuration: `propagation.pkgTypes`, else the types of `outgoing`. */
export function repositoryLayout(cfg: ResolvedConfig): RepositoryLayout {
  const configured = cfg.values["propagation.pkgTypes"];
  const key = configured.length > 0 ? "propagation.pkgTypes" : "outgoing";
  const names = configured.length > 0 ? [...configured] : Object.keys(cfg.values.outgoing);
  if (names.length === 0) names.push("source");
  for (const name of names) {
    if (!isPkgType(name)) {
      throw new BbsError("BBS_CONFIG_INVALID", `${key}: unknown package type "${name}"`, {
        hint: `known types: ${PKG_TYPES.join(", ")}`,
      });
    }
  }
  const types = sortPkgTypes(new Set(names as PkgType[]));
  const rVersion = cfg.values["propagation.rVersion"];
  return {
    root: requireSetting(cfg, "propagation.stagingDir"),
    rVersion,
    contribDirs: types.map((type) => contribDir(type, rVersion)),
  };
}

/** Where bbs keeps a state file of the staging repository. */
export function stateFile(layout: Pick<RepositoryLayout, "root">, name: string): string {
  return join(layout.root, STATE_DIR, name);
}

/**
 * The REPOSITORY file (biocViews write_REPOSITORY, docs/formats.md#repository): one field
 * per type, `-` turned into `.` in its name, and `provides` listing the types.
 */
export function formatRepositoryFile(layout: Pick<RepositoryLayout, "contribDirs">): string {
  const fields: [string, string][] = layout.contribDirs.map((dir) => [dir.pkgType.replaceAll("-", "."), dir.path]);
  fields.push(["provides", layout.contribDirs.map((dir) => dir.pkgType).join(", ")]);
  return formatRDcf([fields]);
}
