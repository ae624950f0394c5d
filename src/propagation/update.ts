// `bbs propagate update` (updateReposPkgs-<repo>.sh, docs/propagation.md#update): copy
// into the staging repository the OUTGOING files whose DB status is YES
// (never overwriting), keep one version per package in each contrib
// directory (older ones archived under <contrib>/Archive/<pkg>/ in a release
// build, verified byte for byte before the original goes, or removed), and
// copy the reference manuals of the packages that propagated.
//
// The plan is computed first, from OUTGOING, the DB and the staging listing,
// without changing anything: --dry-run prints it, a real run applies it
// operation by operation. Every operation is atomic on its own (temporary
// name, then link or rename), and planning from what is on disk makes an
// interrupted update complete on the next run (a re-run is a no-op).

import { existsSync, lstatSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { compareVersions } from "../rpkg/version.js";
import { BbsError, errorMessage, isBbsError } from "../util/errors.js";
import { classifyFsError } from "../util/fs-errors.js";
import { copyFileAtomic, sameContent } from "./files.js";
import {
  checkStatusDbAgainstOutgoing,
  parsePackageFileName,
  propagates,
  readOutgoing,
  readStatusDb,
  statusKey,
  type Outgoing,
  type StatusDb,
} from "./inputs.js";
import type { ContribDir, RepositoryLayout } from "./layout.js";
import type { PropagationLog } from "./reporter.js";
import { requireStagingRoot } from "./state.js";

export type UpdateOperation =
  /** A package file that may propagate: OUTGOING -> contrib directory. */
  | { op: "copy"; from: string; to: string }
  /** A superseded file, copied under Archive/<pkg>/ and then removed (release). */
  | { op: "archive"; file: string; to: string; supersededBy: string }
  /** A superseded file, removed (devel, and every repository but a release software one). */
  | { op: "remove"; file: string; supersededBy: string }
  /** The reference manual of a package whose source tarball propagated. */
  | { op: "manual"; from: string; to: string };

export interface UpdatePlan {
  operations: UpdateOperation[];
  /** Files whose status is YES but which the repository already holds (relative to the staging root). */
  alreadyThere: string[];
  /** Files that do not propagate, with their status. */
  notPropagated: { file: string; status: string }[];
  warnings: string[];
}

export interface UpdateOptions {
  /** Archive superseded versions (`propagation.archive`, release builds). */
  archive: boolean;
  /** Copy reference manuals (`propagation.manuals`). */
  manuals: boolean;
}

interface StagedFile {
  file: string;
  pkg: string;
  version: string;
  /** Modification time; files about to be copied count as newest. */
  mtimeMs: number;
}

function stagedFiles(root: string, dir: ContribDir, warnings: string[]): StagedFile[] {
  const absolute = join(root, dir.path);
  if (!existsSync(absolute)) return [];
  const files: StagedFile[] = [];
  for (const file of readdirSync(absolute)) {
    if (!file.endsWith(`.${dir.extension}`)) continue;
    const parsed = parsePackageFileName(file, dir.extension);
    if (parsed === undefined) {
      warnings.push(
        `${dir.path}/${file} is not named <package>_<version>.${dir.extension}: left alone, not considered for pruning`,
      );
      continue;
    }
    const stat = lstatSync(join(absolute, file));
    if (stat.isFile()) files.push({ file, ...parsed, mtimeMs: stat.mtimeMs });
  }
  return files;
}

/** The files of one package that are not its newest version (ties: newest modification time, then name). */
function supersededFiles(files: readonly StagedFile[]): { stale: StagedFile; keep: StagedFile }[] {
  const byPackage = new Map<string, StagedFile[]>();
  for (const file of files) byPackage.set(file.pkg, [...(byPackage.get(file.pkg) ?? []), file]);
  const result: { stale: StagedFile; keep: StagedFile }[] = [];
  for (const group of byPackage.values()) {
    if (group.length < 2) continue;
    const ordered = [...group].sort(
      (a, b) =>
        compareVersions(b.version, a.version) ||
        b.mtimeMs - a.mtimeMs ||
        (a.file < b.file ? 1 : a.file > b.file ? -1 : 0),
    );
    const keep = ordered[0]!;
    for (const stale of ordered.slice(1)) result.push({ stale, keep });
  }
  return result.sort((a, b) => (a.stale.file < b.stale.file ? -1 : 1));
}

/** The plan of an update; reads only. */
export function planUpdate(
  layout: RepositoryLayout,
  outgoing: Outgoing,
  db: StatusDb,
  options: UpdateOptions,
): UpdatePlan {
  const plan: UpdatePlan = { operations: [], alreadyThere: [], notPropagated: [], warnings: [] };
  const provided = new Map(layout.contribDirs.map((dir) => [dir.pkgType, dir]));
  for (const pkgType of outgoing.types.keys()) {
    if (!provided.has(pkgType)) {
      throw new BbsError(
        "BBS_CONFIG_INVALID",
        `OUTGOING has ${pkgType} packages, but the repository does not provide ${pkgType}`,
        {
          hint: `add ${pkgType} to propagation.pkgTypes (or leave it empty to use the types of outgoing)`,
        },
      );
    }
  }
  for (const dir of layout.contribDirs) {
    const staged = stagedFiles(layout.root, dir, plan.warnings);
    const stagedNames = new Set(staged.map((file) => file.file));
    for (const file of outgoing.types.get(dir.pkgType) ?? []) {
      const status = db.lines.get(statusKey(file.pkg, dir.pkgType))?.explanation ?? "";
      const target = `${dir.path}/${file.file}`;
      if (!propagates(status)) {
        plan.notPropagated.push({ file: `${dir.pkgType}/${file.file}`, status });
      } else if (stagedNames.has(file.file)) {
        plan.alreadyThere.push(target);
      } else {
        plan.operations.push({ op: "copy", from: file.path, to: target });
        staged.push({ file: file.file, pkg: file.pkg, version: file.version, mtimeMs: Number.POSITIVE_INFINITY });
      }
    }
    for (const { stale, keep } of supersededFiles(staged)) {
      const file = `${dir.path}/${stale.file}`;
      plan.operations.push(
        options.archive
          ? { op: "archive", file, to: `${dir.path}/Archive/${stale.pkg}/${stale.file}`, supersededBy: keep.version }
          : { op: "remove", file, supersededBy: keep.version },
      );
    }
  }
  if (options.manuals) {
    for (const [pkg, from] of outgoing.manuals) {
      const status = db.lines.get(statusKey(pkg, "source"))?.explanation;
      if (status !== undefined && propagates(status))
        plan.operations.push({ op: "manual", from, to: `manuals/${pkg}/man/${pkg}.pdf` });
    }
  }
  return plan;
}

export function describeOperation(operation: UpdateOperation): string {
  switch (operation.op) {
    case "copy":
      return `copy     ${operation.from} -> ${operation.to}`;
    case "archive":
      return `archive  ${operation.file} -> ${operation.to} (superseded by ${operation.supersededBy})`;
    case "remove":
      return `remove   ${operation.file} (superseded by ${operation.supersededBy})`;
    case "manual":
      return `manual   ${operation.from} -> ${operation.to}`;
  }
}

export interface UpdateResult {
  plan: UpdatePlan;
  /** Files added to the repository (relative to the staging root). */
  added: string[];
  archived: string[];
  removed: string[];
  manuals: string[];
}

async function applyOperation(root: string, operation: UpdateOperation, result: UpdateResult): Promise<void> {
  switch (operation.op) {
    case "copy":
      if (copyFileAtomic(operation.from, join(root, operation.to))) result.added.push(operation.to);
      return;
    case "archive": {
      const source = join(root, operation.file);
      const target = join(root, operation.to);
      if (!copyFileAtomic(source, target) && !(await sameContent(source, target))) {
        throw new BbsError(
          "BBS_STEP_FAILED",
          `cannot archive ${operation.file}: ${operation.to} exists with different content`,
          {
            hint: "compare the two files by hand; remove the wrong one, then re-run `bbs propagate update`",
          },
        );
      }
      if (!(await sameContent(source, target))) {
        throw new BbsError(
          "BBS_STEP_FAILED",
          `the archived copy ${operation.to} differs from ${operation.file}; the original is kept`,
          {
            hint: "check the disk of the staging repository, then re-run `bbs propagate update`",
          },
        );
      }
      rmSync(source);
      result.archived.push(operation.file);
      return;
    }
    case "remove":
      rmSync(join(root, operation.file), { force: true });
      result.removed.push(operation.file);
      return;
    case "manual": {
      const target = join(root, operation.to);
      if (existsSync(target) && (await sameContent(operation.from, target))) return;
      copyFileAtomic(operation.from, target, { overwrite: true });
      result.manuals.push(operation.to);
      return;
    }
  }
}

/** Applies a plan in order; the first failure stops it with BBS_STEP_FAILED naming the operation. */
export async function applyUpdate(
  layout: RepositoryLayout,
  plan: UpdatePlan,
  reporter: PropagationLog,
): Promise<UpdateResult> {
  const result: UpdateResult = { plan, added: [], archived: [], removed: [], manuals: [] };
  for (const operation of plan.operations) {
    reporter.info(describeOperation(operation));
    try {
      await applyOperation(layout.root, operation, result);
    } catch (error) {
      if (isBbsError(error)) throw error;
      // A full disk or a file bbs may not write keeps its own code, so scripts can tell it from a bad plan.
      const known = classifyFsError(error, { doing: `updating (${describeOperation(operation)})` });
      if (known !== undefined) throw known;
      throw new BbsError(
        "BBS_STEP_FAILED",
        `update failed at: ${describeOperation(operation)}: ${errorMessage(error)}`,
        {
          hint: "fix the cause (permissions, disk space), then re-run `bbs propagate update`: what was done is kept and not redone",
          cause: error,
        },
      );
    }
  }
  return result;
}

/** Reads OUTGOING and the DB of `centralDir`, checks them, and plans the update. */
export function prepareUpdatePlan(layout: RepositoryLayout, centralDir: string, options: UpdateOptions): UpdatePlan {
  requireStagingRoot(layout);
  const db = readStatusDb(centralDir);
  const outgoing = readOutgoing(centralDir);
  checkStatusDbAgainstOutgoing(db, outgoing);
  return planUpdate(layout, outgoing, db, options);
}
