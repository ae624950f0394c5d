// `bbs propagate push` (pushRepos-<repo>.sh, docs/propagation.md#push), rebuilt so that
// no client ever sees an index listing a file that is not there, and a push
// killed at any point leaves the destination entirely old or entirely new.
//
// The destination holds complete snapshots ("releases") and serves one:
//
//   <dest>/.bbs/releases/<id>/{src,bin,manuals,REPOSITORY,VIEWS,vignettes,...}
//   <dest>/.bbs/current -> releases/<id>          switched with one rename(2)
//   <dest>/src -> .bbs/current/src                 one link per published entry,
//   <dest>/bin -> .bbs/current/bin                 created once
//   ...
//
// 1. upload: the staging repository is copied into a new release directory
//    with rsync --link-dest against the current release, so unchanged files
//    are hard links and only new files travel. Package files the previous
//    index listed and the new one does not are linked in too, unlisted, so a
//    client holding yesterday's index can still download them until the
//    next push ("deletions after", with a grace period of one push).
// 2. verify release: R reads the new release's indexes; every listed file
//    must be there. A failure leaves the destination untouched.
// 3. switch: `.bbs/current` is pointed at the new release atomically:
//    files first, indexes last, all at once.
// 4. verify: the same checks through the public paths; on failure the
//    previous release is switched back (rollback) and push fails.
// 5. clean up: links of entries the release lacks, and releases beyond
//    `propagation.keepReleases` (and partial ones of killed pushes), are removed.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseDcf } from "../rpkg/dcf.js";
import { BbsError, errorMessage, isBbsError } from "../util/errors.js";
import type { RetryPolicy, Transport } from "../transport/index.js";
import {
  CURRENT,
  graceFiles,
  inspectDestination,
  linkScript,
  PUBLISHED_LOG,
  q,
  releasesToRemove,
  RELEASES,
  runDestinationScript,
  switchScript,
  withdrawScript,
} from "./destination.js";
import { PUBLISHED_ENTRIES, STATE_DIR, type RepositoryLayout } from "./layout.js";
import type { Reporter } from "./reporter.js";
import { readStagingState, stagingFingerprint, updateStagingState } from "./state.js";
import { verifyPublished, type ExpectedContrib } from "./verify.js";

export interface PushOptions {
  transport: Transport;
  /** `r.rscriptCmd`, for verification. */
  rscript: string;
  /** Releases kept at the destination, the new one included (`propagation.keepReleases`). */
  keepReleases: number;
  /** KiB/s (`propagation.bandwidthLimit`); 0 or undefined: no limit. */
  bandwidthLimit?: number;
  dryRun: boolean;
  reporter: Reporter;
  /** Retry policy of the upload (default: put's). */
  retry?: Partial<RetryPolicy>;
  /** The new release's id (default: from the clock). */
  releaseId?: string;
  /** Dry runs: earlier steps would change the staging repository, so a push would publish even if it looks unchanged. */
  stagingWillChange?: boolean;
}

export interface PushResult {
  /** False when the destination already served this repository (nothing published, only verified). */
  published: boolean;
  release: string;
  /** The release served before, if any. */
  previous: string | undefined;
  /** Files sent (or that would be), relative to the repository root. */
  uploaded: string[];
  /** Superseded package files kept, unlisted, for one more push. */
  graceFiles: string[];
  removedReleases: string[];
}

function releaseId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${stamp}-${Math.random().toString(16).slice(2, 6)}`;
}

/** What each contrib directory of the prepared staging repository must serve. */
export function expectedContribs(layout: RepositoryLayout): ExpectedContrib[] {
  return layout.contribDirs.map((dir) => {
    const absolute = join(layout.root, dir.path);
    const indexFile = join(absolute, "PACKAGES");
    if (!existsSync(indexFile)) {
      throw new BbsError("BBS_PRECONDITION", `${indexFile} does not exist`, {
        hint: "run `bbs propagate prepare` before push",
      });
    }
    const versions = new Map<string, string>();
    const sizes = new Map<string, number>();
    for (const record of parseDcf(readFileSync(indexFile), { source: indexFile })) {
      const pkg = record.fields.get("Package");
      const version = record.fields.get("Version");
      if (pkg === undefined || version === undefined) continue;
      versions.set(pkg, version);
      const file = `${pkg}_${version}.${dir.extension}`;
      try {
        sizes.set(file, statSync(join(absolute, file)).size);
      } catch {
        throw new BbsError("BBS_PRECONDITION", `${indexFile} lists ${file}, which is not in ${absolute}`, {
          hint: "run `bbs propagate prepare` again",
        });
      }
    }
    return { dir, versions, sizes };
  });
}

/** Refuses a staging repository that was not prepared, or changed since (an update, a hand edit). */
export function requirePrepared(layout: RepositoryLayout): void {
  const state = readStagingState(layout);
  if (state.preparedFingerprint === undefined) {
    throw new BbsError("BBS_PRECONDITION", `${layout.root} has not been prepared`, {
      hint: "run `bbs propagate prepare` (or `bbs propagate all`) first",
    });
  }
  if (stagingFingerprint(layout) !== state.preparedFingerprint) {
    throw new BbsError(
      "BBS_PRECONDITION",
      `${layout.root} changed since the last prepare (${state.preparedAt ?? "unknown time"}): its indexes may not match its files`,
      {
        hint: "run `bbs propagate prepare` again, then push",
      },
    );
  }
}

function stagingEntries(layout: RepositoryLayout, reporter: Reporter): { published: string[]; excluded: string[] } {
  const names = readdirSync(layout.root);
  const published = PUBLISHED_ENTRIES.filter((entry) => names.includes(entry));
  const excluded = names.filter(
    (name) => name !== STATE_DIR && !(PUBLISHED_ENTRIES as readonly string[]).includes(name),
  );
  for (const name of excluded)
    reporter.warn(`${join(layout.root, name)} is not published (push publishes ${PUBLISHED_ENTRIES.join(", ")})`);
  return { published, excluded };
}

export async function pushRepository(layout: RepositoryLayout, options: PushOptions): Promise<PushResult> {
  const { transport, reporter, dryRun } = options;
  let expected: ExpectedContrib[] = [];
  try {
    requirePrepared(layout);
    expected = expectedContribs(layout);
  } catch (error) {
    if (!dryRun || !isBbsError(error)) throw error;
    reporter.warn(`${error.message} (a real push would stop here)`);
  }
  const { published, excluded } = stagingEntries(layout, reporter);
  const state = await inspectDestination(transport);
  const staged = readStagingState(layout);
  const fingerprint = stagingFingerprint(layout);
  if (options.stagingWillChange === true) {
    reporter.note(
      "the staging repository is shown as it is now: update and prepare would change it before a real push",
    );
  } else if (
    state.current !== undefined &&
    state.current === staged.pushedRelease &&
    fingerprint === staged.pushedFingerprint
  ) {
    // Nothing changed since the last push, which the destination still serves: a new release
    // would only push the real previous one (the rollback target) out of keepReleases.
    reporter.step(`push: ${transport.describe()} already serves this repository (release ${state.current})`);
    if (!dryRun) {
      reporter.step(`push: verify the published repository`);
      await verifyPublished(transport, "", expected, options.rscript).catch((error: unknown) => {
        throw new BbsError("BBS_VERIFY_FAILED", `push failed at step "verify": ${errorMessage(error)}`, {
          details: isBbsError(error) ? error.details : [],
          hint: "the destination changed outside bbs; run `bbs propagate prepare` and push again, or restore it",
        });
      });
    }
    return {
      published: false,
      release: state.current,
      previous: undefined,
      uploaded: [],
      graceFiles: [],
      removedReleases: [],
    };
  }
  const id = options.releaseId ?? releaseId();
  const previous = state.current !== undefined && state.releases.includes(state.current) ? state.current : undefined;
  const releaseDir = `${RELEASES}/${id}`;
  const result: PushResult = {
    published: !dryRun,
    release: id,
    previous,
    uploaded: [],
    graceFiles: [],
    removedReleases: [],
  };
  const fail = (step: string, error: unknown): never => {
    const code =
      isBbsError(error) && (error.code === "BBS_VERIFY_FAILED" || error.code === "BBS_TRANSPORT_FAILED")
        ? error.code
        : "BBS_STEP_FAILED";
    throw new BbsError(code, `push failed at step "${step}": ${errorMessage(error)}`, {
      details: isBbsError(error) ? error.details : [],
      hint: `${isBbsError(error) && error.hint !== undefined ? `${error.hint}; ` : ""}${
        step === "remove superseded releases"
          ? "the new release is published and verified; the next push removes what this one could not"
          : "the destination still serves what it served before this push"
      }`,
      cause: error,
    });
  };
  const step = async <T>(name: string, action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      return fail(name, error);
    }
  };

  // 1. upload
  reporter.step(
    `push: upload release ${id} to ${transport.describe()}${previous === undefined ? "" : ` (unchanged files linked from release ${previous})`}`,
  );
  await step("upload", async () => {
    if (!dryRun) await transport.mkdirs(RELEASES);
    const upload = await transport.put(layout.root, releaseDir, {
      exclude: [`/${STATE_DIR}`, ...excluded.map((name) => `/${name}`)],
      ...(previous === undefined ? {} : { linkDest: `${RELEASES}/${previous}` }),
      ...(options.bandwidthLimit !== undefined && options.bandwidthLimit > 0
        ? { bandwidthLimit: options.bandwidthLimit }
        : {}),
      ...(options.retry === undefined ? {} : { retry: options.retry }),
      dryRun,
    });
    result.uploaded = upload.transferred;
    for (const file of upload.transferred) reporter.info(`upload   ${file}`);
    if (previous === undefined) return;
    result.graceFiles = await graceFiles(transport, previous, expected);
    for (const file of result.graceFiles) reporter.info(`keep     ${file} (superseded; unlisted until the next push)`);
    if (!dryRun && result.graceFiles.length > 0) {
      await runDestinationScript(
        transport,
        result.graceFiles
          .map(
            (file) =>
              `[ -e ${q(`${releaseDir}/${file}`)} ] || ln ${q(`${RELEASES}/${previous}/${file}`)} ${q(`${releaseDir}/${file}`)}`,
          )
          .join("\n"),
      );
    }
  });
  if (dryRun) {
    reporter.info(`switch   ${CURRENT} -> releases/${id}`);
    for (const entry of published)
      if (state.top.get(entry) !== `${CURRENT}/${entry}`) reporter.info(`link     ${entry} -> ${CURRENT}/${entry}`);
    for (const old of releasesToRemove(state, id, options.keepReleases)) reporter.info(`remove   ${RELEASES}/${old}`);
    return result;
  }

  // 2. verify the release before anyone can see it
  reporter.step(`push: verify release ${id}`);
  try {
    await verifyPublished(transport, releaseDir, expected, options.rscript);
  } catch (error) {
    await transport.remove(releaseDir).catch(() => undefined);
    fail("verify release", error);
  }

  // 3. switch: links first (dangling until current exists on a new destination), then current
  reporter.step(`push: switch to release ${id}`);
  await step("switch", async () => {
    const links = linkScript(published, state, id, reporter);
    await runDestinationScript(
      transport,
      `${links}\n${switchScript(id)}\nprintf '%s\\n' ${q(id)} >> ${q(PUBLISHED_LOG)}`,
    );
  });

  // 4. verify what clients see; roll back on failure
  reporter.step("push: verify the published repository");
  try {
    await verifyPublished(transport, "", expected, options.rscript);
  } catch (error) {
    let rolledBack = "";
    if (previous !== undefined) {
      reporter.warn(`verification failed: switching back to release ${previous}`);
      // The failed release goes; the previous one is logged again, as the most recent publication.
      await step("roll back", () =>
        runDestinationScript(
          transport,
          `${switchScript(previous)}\nprintf '%s\\n' ${q(previous)} >> ${q(PUBLISHED_LOG)}\nrm -rf ${q(releaseDir)}`,
        ),
      );
      rolledBack = ` (rolled back to release ${previous})`;
    } else {
      reporter.warn("verification failed: withdrawing the first release (the destination served nothing before)");
      await step("roll back", () => runDestinationScript(transport, withdrawScript(published, id)));
      rolledBack = " (withdrawn: the destination serves what it served before)";
    }
    throw new BbsError("BBS_VERIFY_FAILED", `push failed at step "verify": ${errorMessage(error)}${rolledBack}`, {
      details: isBbsError(error) ? error.details : [],
      hint:
        previous === undefined
          ? "fix the cause and run `bbs propagate push` again"
          : "the destination serves what it served before this push; fix the cause and run `bbs propagate push` again",
    });
  }

  // 5. clean up
  reporter.step("push: remove superseded releases");
  await step("remove superseded releases", async () => {
    const cleanup: string[] = [];
    for (const [entry, target] of state.top) {
      if (target === `${CURRENT}/${entry}` && !published.includes(entry)) {
        reporter.info(`unlink   ${entry} (not in this release)`);
        cleanup.push(`rm -f ${q(entry)}`);
      }
    }
    const stale = releasesToRemove(
      { releases: [...state.releases, id], published: [...state.published, id] },
      id,
      options.keepReleases,
    );
    for (const old of stale) {
      reporter.info(`remove   ${RELEASES}/${old}`);
      cleanup.push(`rm -rf ${q(`${RELEASES}/${old}`)}`);
    }
    cleanup.push(`rm -rf ${q(STATE_DIR)}/legacy-*`);
    await runDestinationScript(transport, cleanup.join("\n"));
    result.removedReleases = stale;
  });
  updateStagingState(layout, { pushedAt: new Date().toISOString(), pushedRelease: id, pushedFingerprint: fingerprint });
  return result;
}
