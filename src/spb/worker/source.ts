// The pipeline's first step: the submission's sources in `<job dir>/<pkg>`.
// A git job is cloned and checked out at exactly the submitted commit (or
// the branch tip when none was given) and the SHA built is recorded; a
// tarball job is fetched from the coordinator, its SHA-256 verified, checked
// for tar-slip again (tarball.ts) and unpacked. A failure to get the sources
// is the build system's (ABNORMAL, retried), never the package's.

import { createHash } from "node:crypto";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { errorMessage } from "../../util/errors.js";
import { runCommand } from "../../util/runner.js";
import type { JobSource } from "../model.js";
import { checkTarball } from "../tarball.js";
import type { RunningStep } from "./step-runner.js";

export interface SourceSettings {
  readonly gitCmd: string;
  /** Branch cloned when a git job names no commit nor branch. */
  readonly gitBranch: string;
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly timeoutMs: number;
  /** The tarball of a tarball job, from the coordinator. */
  readonly fetchTarball: (signal: AbortSignal) => Promise<Buffer>;
  readonly signal: AbortSignal;
}

export type SourceResult =
  | { readonly ok: true; readonly commit: string | null; readonly attempts: number }
  | { readonly ok: false; readonly reason: string; readonly attempts: number; readonly timedOut: boolean };

/** The argv of the source step as the job page shows it. */
export function sourceCommand(
  source: JobSource,
  settings: Pick<SourceSettings, "gitCmd" | "gitBranch">,
  pkg: string,
): string[] {
  if (source.kind === "tarball") return ["fetch", `GET /api/v1/jobs/<job>/source`, `tar -xzf ${source.fileName}`];
  return [settings.gitCmd, "clone", "--no-checkout", "--", source.url, pkg];
}

const GIT_SAFE = ["-c", "protocol.ext.allow=never", "-c", "core.hooksPath=/dev/null"];

export async function fetchSources(
  step: RunningStep,
  dir: string,
  pkg: string,
  source: JobSource,
  settings: SourceSettings,
): Promise<SourceResult> {
  let attempts = 0;
  for (;;) {
    attempts += 1;
    rmSync(join(dir, pkg), { recursive: true, force: true });
    const outcome =
      source.kind === "git"
        ? await gitSources(step, dir, pkg, source, settings)
        : await tarballSources(step, dir, pkg, source, settings);
    if (outcome.ok) return { ok: true, commit: outcome.commit, attempts };
    if (!outcome.retriable || attempts > settings.retries || settings.signal.aborted)
      return { ok: false, reason: outcome.reason, attempts, timedOut: outcome.timedOut };
    step.note(
      `${outcome.reason}; attempt ${attempts + 1} of ${settings.retries + 1} in ${settings.retryDelayMs / 1000} s (spb.retries)`,
    );
    await sleep(settings.retryDelayMs, undefined, { signal: settings.signal }).catch(() => undefined);
    step.restartClock(settings.timeoutMs);
  }
}

type Attempt =
  | { readonly ok: true; readonly commit: string | null }
  | { readonly ok: false; readonly reason: string; readonly retriable: boolean; readonly timedOut: boolean };

async function gitSources(
  step: RunningStep,
  dir: string,
  pkg: string,
  source: Extract<JobSource, { kind: "git" }>,
  settings: SourceSettings,
): Promise<Attempt> {
  const git = settings.gitCmd;
  const branch = source.commit === undefined ? ["--branch", source.branch ?? settings.gitBranch] : [];
  const clone = await step.run([git, ...GIT_SAFE, "clone", "--no-checkout", ...branch, "--", source.url, pkg]);
  if (clone.timedOut)
    return { ok: false, reason: `git clone of ${source.url} timed out`, retriable: true, timedOut: true };
  if (clone.retCode !== 0)
    return {
      ok: false,
      reason: clone.spawnError
        ? `cannot run ${git}: ${clone.spawnError}`
        : `git clone of ${source.url} failed (exit ${clone.retCode})`,
      retriable: clone.spawnError === undefined,
      timedOut: false,
    };
  const clonePath = join(dir, pkg);
  const target = source.commit ?? "HEAD";
  const checkout = await step.run([git, ...GIT_SAFE, "-C", clonePath, "checkout", "--detach", "--quiet", target, "--"]);
  if (checkout.timedOut) return { ok: false, reason: "git checkout timed out", retriable: true, timedOut: true };
  if (checkout.retCode !== 0)
    return {
      ok: false,
      reason: `commit ${target} is not in ${source.url} (git checkout exit ${checkout.retCode})`,
      retriable: false,
      timedOut: false,
    };
  const head = await runCommand({
    command: { argv: [git, "-C", clonePath, "rev-parse", "HEAD"] },
    output: { capture: true },
    timeoutMs: 60_000,
  });
  const sha = head.stdout.trim();
  if (head.exitCode !== 0 || !/^[0-9a-f]{40,64}$/.test(sha))
    return { ok: false, reason: `git rev-parse HEAD failed in ${clonePath}`, retriable: true, timedOut: false };
  if (source.commit !== undefined && !sha.startsWith(source.commit))
    return {
      ok: false,
      reason: `checked out ${sha}, not the submitted ${source.commit}`,
      retriable: false,
      timedOut: false,
    };
  step.note(`building commit ${sha}`);
  return { ok: true, commit: sha };
}

async function tarballSources(
  step: RunningStep,
  dir: string,
  pkg: string,
  source: Extract<JobSource, { kind: "tarball" }>,
  settings: SourceSettings,
): Promise<Attempt> {
  let bytes: Buffer;
  try {
    bytes = await settings.fetchTarball(AbortSignal.any([settings.signal, AbortSignal.timeout(settings.timeoutMs)]));
  } catch (error) {
    return {
      ok: false,
      reason: `cannot fetch the tarball from the coordinator: ${errorMessage(error)}`,
      retriable: true,
      timedOut: false,
    };
  }
  const sha = createHash("sha256").update(bytes).digest("hex");
  if (sha !== source.sha256)
    return {
      ok: false,
      reason: `the tarball's SHA-256 is ${sha}, not the submitted ${source.sha256}`,
      retriable: true,
      timedOut: false,
    };
  const file = join(dir, source.fileName);
  writeFileSync(`${file}.part`, bytes);
  renameSync(`${file}.part`, file);
  try {
    await checkTarball(file, pkg);
  } catch (error) {
    step.note(errorMessage(error));
    return { ok: false, reason: errorMessage(error), retriable: false, timedOut: false };
  }
  const unpack = join(dir, ".unpack");
  rmSync(unpack, { recursive: true, force: true });
  mkdirSync(unpack);
  const tar = await step.run(["tar", "-xzf", file, "-C", unpack, "--no-same-owner", "--no-same-permissions"]);
  if (tar.retCode !== 0)
    return {
      ok: false,
      reason: `tar -xzf ${source.fileName} failed (exit ${tar.retCode})`,
      retriable: false,
      timedOut: tar.timedOut,
    };
  renameSync(join(unpack, pkg), join(dir, pkg));
  rmSync(unpack, { recursive: true, force: true });
  rmSync(file, { force: true });
  return { ok: true, commit: null };
}
