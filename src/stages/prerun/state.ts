// What each prerun step leaves in the run directory for the next one, so
// that any step can be re-run alone (`bbs prerun --only <step>`):
//
//   manifest      -> manifest.json         the package list and where it came from
//   sources       -> snapshot.json         snapshot time, cutoff, each package's commit or failure
//   index         -> meat-index.dcf, skipped-index.dcf, skipped-reasons.json, gitlog/
//   inject        -> <prerunMeatDir>/<pkg>/ the injected source trees
//   target-repo   -> src/contrib/          tarballs, job files, PACKAGES (last)
//
// The JSON files are machine-readable companions of BBS's files (which stay
// byte-exact): snapshot.json keeps the full commit SHAs, skipped-reasons.json
// says why each package of skipped-index.dcf was skipped.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { BbsError } from "../../util/errors.js";
import { writeFileAtomic } from "../../util/fs.js";
import { SKIPPED_REASONS_FILE } from "../../layout/central.js";

export const MANIFEST_STATE_FILE = "manifest.json";
export const SNAPSHOT_FILE = "snapshot.json";

const manifestSourceSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("git"),
    url: z.string(),
    branch: z.string(),
    file: z.string(),
    commit: z.string(),
    path: z.string(),
  }),
  z.object({ kind: z.literal("file"), path: z.string() }),
]);

const manifestStateSchema = z.object({
  source: manifestSourceSchema,
  /** Package names in manifest order. */
  packages: z.array(z.string()),
  readAt: z.string(),
});
export type ManifestState = z.infer<typeof manifestStateSchema>;

const packageSourceSchema = z.object({
  package: z.string(),
  /** cloned / updated / unchanged, or failed (then the package is skipped). */
  status: z.enum(["cloned", "updated", "unchanged", "failed"]),
  url: z.string(),
  branch: z.string(),
  /** Full SHA of the snapshot commit. */
  commit: z.string().optional(),
  /** Abbreviated SHA (`%h`), as in git-log-<pkg>.dcf. */
  shortCommit: z.string().optional(),
  /** Author date, ISO 8601 (git_last_commit_date). */
  commitDate: z.string().optional(),
  committerDate: z.string().optional(),
  /** Why the clone or update failed. */
  reason: z.string().optional(),
  attempts: z.number().int(),
  seconds: z.number(),
});
export type PackageSource = z.infer<typeof packageSourceSchema>;

const snapshotStateSchema = z.object({
  runId: z.string(),
  snapshotDate: z.string(),
  snapshotTime: z.string(),
  cutoff: z.string().nullable(),
  packages: z.array(packageSourceSchema),
});
export type SnapshotState = z.infer<typeof snapshotStateSchema>;

/** Stable codes of why a package is in skipped-index.dcf (docs/bbs-rules.md#meat-index-rules, plus failed clones). */
export const SKIP_REASONS = [
  "git-failed",
  "no-description",
  "bad-description",
  "no-package-field",
  "package-mismatch",
  "no-version",
  "invalid-version",
  "no-maintainer",
  "no-maintainer-email",
  "unsafe-link",
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** skipped-reasons.json, read by the report (src/report/inputs.ts), which tolerates its absence. */
export interface SkippedReasons {
  runId: string;
  packages: { package: string; reason: SkipReason; message: string }[];
}

/** Writes `value` as indented JSON, atomically. */
export function writeJsonFile(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Reads a JSON file bbs wrote and checks it against `schema`. A missing file
 * is BBS_PRECONDITION (an earlier step did not run), a damaged one
 * BBS_INPUT_INVALID; `hint` says what writes it.
 */
export function readJsonFile<T>(path: string, schema: z.ZodType<T>, hint: string, missing = "does not exist"): T {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      throw new BbsError("BBS_PRECONDITION", `${path} ${missing}`, { hint, cause: error });
    throw new BbsError("BBS_INPUT_INVALID", `${path} is not valid JSON`, { hint, cause: error });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new BbsError("BBS_INPUT_INVALID", `${path} does not have the expected content: ${problems.join("; ")}`, {
      hint,
    });
  }
  return parsed.data;
}

function readStepState<T>(path: string, schema: z.ZodType<T>, producedBy: string): T {
  return readJsonFile(
    path,
    schema,
    `run \`bbs prerun --only ${producedBy}\` first (or \`bbs prerun\` for a new run)`,
    `does not exist: the ${producedBy} step has not run in this run`,
  );
}

export function writeManifestState(runDir: string, state: ManifestState): void {
  writeJsonFile(join(runDir, MANIFEST_STATE_FILE), state);
}

export function readManifestState(runDir: string): ManifestState {
  return readStepState(join(runDir, MANIFEST_STATE_FILE), manifestStateSchema, "manifest");
}

export function writeSnapshotState(runDir: string, state: SnapshotState): void {
  writeJsonFile(join(runDir, SNAPSHOT_FILE), state);
}

export function readSnapshotState(runDir: string): SnapshotState {
  return readStepState(join(runDir, SNAPSHOT_FILE), snapshotStateSchema, "sources");
}

export function writeSkippedReasons(runDir: string, reasons: SkippedReasons): void {
  writeJsonFile(join(runDir, SKIPPED_REASONS_FILE), reasons);
}
