// The sources a builder builds (docs/architecture.md, "How builders get the
// sources"): the run's target repo (`src/contrib/<pkg>_<version>.tar.gz` +
// PACKAGES, made by prerun from the snapshot commits with the git fields
// injected) mirrored into `<workDir>/target-repo/`, and each target's tarball
// unpacked into `meat/`. Then, as BBS's builders do (docs/bbs-rules.md#field-injection),
// `Date/Publication: <today>` is injected into each DESCRIPTION (not for CRAN).

import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import pLimit from "p-limit";
import type { BuildType } from "../../config/schema.js";
import { runProcess } from "../../jobs/process.js";
import { parseDcf } from "../../rpkg/dcf.js";
import { injectDescriptionFields } from "../../rpkg/description.js";
import { BbsError, errorMessage } from "../../util/errors.js";
import { parseRunInfo, type CentralRun } from "./central.js";
import {
  TARGET_REPO_DIR,
  TARGET_REPO_PACKAGES_FILE,
  RUN_INFO_FILE,
  outFileName,
  BUILDNOVIG_STAGE,
} from "../../layout/central.js";

/** A package of the target repo's PACKAGES. */
export interface TargetRepoEntry {
  readonly name: string;
  readonly version: string;
  readonly md5: string | undefined;
  /** `<pkg>_<version>.tar.gz` */
  readonly file: string;
}

export function parseTargetRepoIndex(text: string, source: string): Map<string, TargetRepoEntry> {
  const entries = new Map<string, TargetRepoEntry>();
  for (const record of parseDcf(text, { source })) {
    const name = record.fields.get("Package");
    const version = record.fields.get("Version");
    if (name === undefined || version === undefined) continue;
    entries.set(name, { name, version, md5: record.fields.get("MD5sum"), file: `${name}_${version}.tar.gz` });
  }
  return entries;
}

export interface FetchedTargetRepo {
  readonly dir: string;
  readonly entries: ReadonlyMap<string, TargetRepoEntry>;
}

/**
 * Mirrors the run's target repo into `localDir`: rsync (only changed files
 * travel) through the run's transport, or over HTTP for nodes that do not
 * push (PACKAGES, then each wanted tarball, skipped when the local copy has
 * the index's MD5, checked after download).
 */
export async function fetchTargetRepo(
  run: CentralRun,
  localDir: string,
  wanted: ReadonlySet<string>,
  signal?: AbortSignal,
): Promise<FetchedTargetRepo> {
  const callOptions = signal === undefined ? {} : { signal };
  if (run.transport !== undefined) {
    await run.transport.sync(TARGET_REPO_DIR, localDir, callOptions);
    const text = readFileSync(join(localDir, "PACKAGES"), "utf8");
    return { dir: localDir, entries: parseTargetRepoIndex(text, run.transport.location(TARGET_REPO_PACKAGES_FILE)) };
  }
  const http = run.http;
  if (http === undefined) throw new BbsError("BBS_INTERNAL", "a run without transport has no HTTP reader");
  mkdirSync(localDir, { recursive: true });
  const text = await http.readText(TARGET_REPO_PACKAGES_FILE, callOptions);
  const entries = parseTargetRepoIndex(text, http.url(TARGET_REPO_PACKAGES_FILE));
  const limit = pLimit(4);
  await Promise.all(
    [...entries.values()]
      .filter((entry) => wanted.has(entry.name))
      .map((entry) =>
        limit(() =>
          http.download(`${TARGET_REPO_DIR}/${entry.file}`, join(localDir, entry.file), {
            ...callOptions,
            ...(entry.md5 === undefined ? {} : { md5: entry.md5 }),
          }),
        ),
      ),
  );
  // The current run may have changed during the downloads (HTTP sees only central.dir).
  const after = await http.readTextIfExists(RUN_INFO_FILE, callOptions);
  if (after === undefined || parseRunInfo(after, http.url(RUN_INFO_FILE)).runId !== run.info.runId) {
    throw new BbsError(
      "BBS_PRECONDITION",
      `the current run changed from ${run.info.runId} while its target repo was being downloaded from ${http.baseUrl}`,
      {
        hint: "a new prerun started meanwhile; run `bbs run` again to build the new run",
      },
    );
  }
  writeFileSync(join(localDir, "PACKAGES.new"), text);
  renameSync(join(localDir, "PACKAGES.new"), join(localDir, "PACKAGES"));
  return { dir: localDir, entries };
}

export interface ExtractResult {
  /** Targets now in meat. */
  readonly extracted: readonly string[];
  /** Targets that could not be unpacked, with the reason. */
  readonly problems: ReadonlyArray<{ readonly pkg: string; readonly reason: string }>;
}

/**
 * Replaces `meat/<pkg>` by the content of the package's tarball, for each
 * target (a few tar processes at a time). A target the index lacks (its
 * prerun tarball failed) or whose tarball does not unpack is a problem, not a
 * failure of the run: it gets no jobs, and the report shows NA.
 */
export async function extractSources(
  repo: FetchedTargetRepo,
  meatDir: string,
  targets: readonly string[],
  options: { tar: string; killGraceMs: number; signal?: AbortSignal },
): Promise<ExtractResult> {
  mkdirSync(meatDir, { recursive: true });
  const limit = pLimit(4);
  const extracted: string[] = [];
  const problems: Array<{ pkg: string; reason: string }> = [];
  await Promise.all(
    targets.map((pkg) =>
      limit(async () => {
        const entry = repo.entries.get(pkg);
        if (entry === undefined) {
          problems.push({
            pkg,
            reason: `not in the target repo's PACKAGES (its prerun tarball failed: see ${TARGET_REPO_DIR}/${outFileName(pkg, BUILDNOVIG_STAGE)} on the central node)`,
          });
          return;
        }
        const tarball = resolve(repo.dir, entry.file);
        rmSync(join(meatDir, pkg), { recursive: true, force: true });
        const result = await runProcess({
          command: `${options.tar} -xzf '${tarball.replace(/'/g, "'\\''")}'`,
          cwd: meatDir,
          timeoutMs: 900_000,
          killGraceMs: options.killGraceMs,
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        });
        if (result.exitCode !== 0 || !existsSync(join(meatDir, pkg, "DESCRIPTION"))) {
          problems.push({
            pkg,
            reason: `${tarball} did not unpack into ${join(meatDir, pkg)} (tar ${result.timedOut ? "timed out" : `exit ${result.exitCode ?? result.signal ?? result.spawnError}`})`,
          });
          return;
        }
        extracted.push(pkg);
      }),
    ),
  );
  const order = new Map(targets.map((pkg, index) => [pkg, index] as const));
  extracted.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
  problems.sort((a, b) => (order.get(a.pkg) ?? 0) - (order.get(b.pkg) ?? 0));
  return { extracted, problems };
}

/** The builder's local date, `YYYY-MM-DD` (Date/Publication). */
export function localIsoDate(date: Date = new Date()): string {
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Injects `Date/Publication: <today>` into each package's DESCRIPTION (not for CRAN builds); returns failures. */
export function injectPublicationDate(
  meatDir: string,
  packages: readonly string[],
  buildType: BuildType,
  today: Date = new Date(),
): string[] {
  if (buildType === "cran") return [];
  const problems: string[] = [];
  for (const pkg of packages) {
    try {
      injectDescriptionFields(join(meatDir, pkg, "DESCRIPTION"), [["Date/Publication", localIsoDate(today)]]);
    } catch (error) {
      problems.push(`${pkg}: ${errorMessage(error)}`);
    }
  }
  return problems;
}
