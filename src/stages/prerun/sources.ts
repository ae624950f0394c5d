// The sources step: every manifest package cloned or updated in MEAT0, in
// parallel on `slots.prerun` slots, shallow, at the branch head or at the last
// commit before the snapshot cutoff. Each package ends as cloned, updated,
// unchanged or failed (with git's reason), logged as it ends; the snapshot
// (time, cutoff, every commit) is what the run records.

import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { ResolvedConfig } from "../../config/load.js";
import { cloneOrUpdate, type GitRunner, type SyncResult } from "./git.js";
import { runParallel } from "./parallel.js";
import type { PrerunListener } from "./progress.js";
import { formatElapsed } from "../../util/log-format.js";
import type { PackageSource } from "./state.js";

/** The git URL of a package: `packageGitUrl` with `{package}` replaced. */
export function packageGitUrl(template: string, name: string): string {
  return template.replaceAll("{package}", name);
}

export interface SyncSourcesOptions {
  config: ResolvedConfig;
  git: GitRunner;
  packages: readonly string[];
  cutoff?: Date;
  /** Where each package's git output goes (`<logDir>/<pkg>.git.log`). */
  logDir: string;
  signal?: AbortSignal;
  emit?: PrerunListener;
}

/** Clones or updates every package; resolves to one record per package, in the given order. */
export async function syncSources(options: SyncSourcesOptions): Promise<PackageSource[]> {
  const v = options.config.values;
  const branch = v.gitBranch;
  removeLeftovers(v.meat0Dir);
  const tasks = options.packages.map((name) => ({
    id: name,
    run: async (signal: AbortSignal): Promise<PackageSource> => {
      const url = packageGitUrl(v.packageGitUrl, name);
      const started = performance.now();
      const result = await cloneOrUpdate(options.git, {
        url,
        branch,
        dir: join(v.meat0Dir, name),
        attempts: v["prerun.gitAttempts"],
        retryDelayMs: v["prerun.gitRetryDelay"] * 1000,
        logFile: join(options.logDir, `${name}.git.log`),
        signal,
        ...(options.cutoff === undefined ? {} : { cutoff: options.cutoff }),
        onRetry: (attempt, reason, delayMs) =>
          options.emit?.({
            type: "note",
            at: new Date(),
            step: "sources",
            level: "warning",
            message: `${name}: ${reason}; attempt ${attempt} of ${v["prerun.gitAttempts"]} in ${formatElapsed(delayMs / 1000)}`,
          }),
      });
      return toPackageSource(name, url, branch, result, (performance.now() - started) / 1000);
    },
  }));
  const results = await runParallel(tasks, {
    pool: "sources",
    slots: v["slots.prerun"],
    notRun: (name): PackageSource => ({
      package: name,
      status: "failed",
      url: packageGitUrl(v.packageGitUrl, name),
      branch,
      reason: "cancelled before it started",
      attempts: 0,
      seconds: 0,
    }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    onFinished: (name, source, done, total) =>
      options.emit?.({
        type: "package",
        at: new Date(),
        step: "sources",
        package: name,
        status: source.status,
        detail: describeSource(source),
        done,
        total,
      }),
  });
  return options.packages.map((name) => results.get(name)!);
}

/**
 * Removes the temporary clones (`.<pkg>.tmp-*`) a killed prerun left in
 * MEAT0: prerun holds the build's lock, so none of them is in use.
 */
function removeLeftovers(meat0Dir: string): void {
  if (!existsSync(meat0Dir)) return;
  for (const name of readdirSync(meat0Dir)) {
    if (name.startsWith(".") && name.includes(".tmp-")) rmSync(join(meat0Dir, name), { recursive: true, force: true });
  }
}

function toPackageSource(
  name: string,
  url: string,
  branch: string,
  result: SyncResult,
  seconds: number,
): PackageSource {
  const common = {
    package: name,
    status: result.status,
    url,
    branch,
    attempts: result.attempts,
    seconds: Math.round(seconds * 10) / 10,
  };
  if (result.status === "failed") return { ...common, reason: result.reason };
  const { sha, shortSha, authorDate, committerDate } = result.commit;
  return { ...common, commit: sha, shortCommit: shortSha, commitDate: authorDate, committerDate };
}

function describeSource(source: PackageSource): string {
  const attempts = source.attempts > 1 ? `, ${source.attempts} attempts` : "";
  const what = source.status === "failed" ? `(${source.reason ?? "unknown reason"})` : (source.shortCommit ?? "");
  return `${what} [${formatElapsed(source.seconds)}${attempts}]`;
}
