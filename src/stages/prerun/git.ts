// git for prerun: clone or update one repository (a package, or the manifest)
// shallow, at the branch head or at the last commit before a snapshot cutoff,
// with retries and backoff. A repository that still fails is a result
// (`failed`, with git's reason), never an exception: one bad repo must not
// stop the night (BBS aborted the whole prerun).
//
// Network operations (clone, fetch) run with a timeout, their output appended
// to the package's git log file; local queries (rev-parse, log, checkout) are
// quick and their output is read directly.

import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { runProcess } from "../../jobs/process.js";
import { shellCommand, splitShellWords } from "../../transport/shell.js";
import { errorMessage } from "../../util/errors.js";
import { swapDirectory, temporaryPathFor } from "../../util/fs.js";
import { runTool } from "../../util/tool.js";

/** The commit a clone is at. */
export interface CommitInfo {
  /** Full SHA. */
  sha: string;
  /** `%h`: the abbreviated SHA git prints (7 characters unless ambiguous). */
  shortSha: string;
  /** Author date (`%aI`, ISO 8601 with the author's offset): BBS's git_last_commit_date. */
  authorDate: string;
  /** Committer date (`%cI`): what the snapshot cutoff compares with. */
  committerDate: string;
}

export type SyncStatus = "cloned" | "updated" | "unchanged" | "failed";

export type SyncResult =
  | { status: "cloned" | "updated" | "unchanged"; commit: CommitInfo; attempts: number; logFile: string }
  | { status: "failed"; reason: string; attempts: number; logFile: string };

export interface NetworkResult {
  ok: boolean;
  timedOut: boolean;
  cancelled: boolean;
  /** What went wrong, from git's own output ("fatal: ..."), when not ok. */
  reason?: string;
}

/** How git commands are run (one implementation per process runner). */
export interface GitRunner {
  /** The git command (config `tools.git`). */
  readonly command: string;
  /** Runs a network operation (clone, fetch) with the timeout, appending its output to `logFile`. */
  network(
    args: readonly string[],
    options: { cwd?: string; logFile: string; signal?: AbortSignal },
  ): Promise<NetworkResult>;
  /** Runs a local query and returns its trimmed stdout; throws GitCommandError when git fails. */
  query(args: readonly string[], cwd: string): Promise<string>;
}

export class GitCommandError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly reason: string,
    /** A failure that another attempt cannot fix (no commit before the cutoff). */
    readonly permanent = false,
  ) {
    super(`git ${args.join(" ")}: ${reason}`);
  }
}

/** The environment of every git command: never prompt for credentials (prerun runs from cron). */
export function gitEnvironment(): Record<string, string> {
  return { GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "/bin/true", LC_ALL: "C" };
}

/** The first `fatal:`/`error:` line of git's output (the specific one), else its last non-empty line. */
export function gitFailureReason(output: string): string {
  const lines = output
    .split(/\r\n?|\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("$ "));
  const fatal = lines.find((line) => /^(fatal|error):/.test(line));
  return fatal ?? lines[lines.length - 1] ?? "git failed without a message";
}

export interface GitRunnerOptions {
  command?: string;
  /** Timeout of each network operation. */
  timeoutMs: number;
  /** Between SIGTERM and SIGKILL of a timed-out git. */
  killGraceMs?: number;
}

/**
 * The git runner over real processes: network operations through the job
 * engine's runProcess (a process group, killed whole on timeout or
 * cancellation), local queries directly. `command` is shell text, as
 * `tools.git` is (`git`, or a path, with options if needed).
 */
export function createGitRunner(options: GitRunnerOptions): GitRunner {
  const command = options.command ?? "git";
  const [executable = "git", ...leadingArgs] = splitShellWords(command, "tools.git");
  const env = gitEnvironment();
  return {
    command,
    async network(args, { cwd, logFile, signal }) {
      mkdirSync(dirname(logFile), { recursive: true });
      appendFileSync(logFile, `$ git ${args.join(" ")}\n`);
      const before = statSync(logFile).size;
      const result = await runProcess({
        command: `${command} ${shellCommand(args)}`,
        outputFile: logFile,
        env,
        timeoutMs: options.timeoutMs,
        ...(cwd === undefined ? {} : { cwd }),
        ...(options.killGraceMs === undefined ? {} : { killGraceMs: options.killGraceMs }),
        ...(signal === undefined ? {} : { signal }),
      });
      if (result.exitCode === 0) return { ok: true, timedOut: false, cancelled: false };
      const reason = result.timedOut
        ? `git ${args[0] ?? ""} timed out after ${Number((options.timeoutMs / 1000).toFixed(1))} s`
        : result.cancelled
          ? `git ${args[0] ?? ""} was cancelled`
          : (result.spawnError ?? gitFailureReason(readLogFrom(logFile, before)));
      appendFileSync(logFile, `(exit ${result.exitCode ?? result.signal ?? "none"}: ${reason})\n`);
      return { ok: false, timedOut: result.timedOut, cancelled: result.cancelled, reason };
    },
    async query(args, cwd) {
      const result = await runTool(executable, [...leadingArgs, "-C", cwd, ...args], { env });
      if (result.exitCode !== 0) {
        throw new GitCommandError(args, result.spawnError ?? gitFailureReason(`${result.stderr}\n${result.stdout}`));
      }
      return result.stdout.trim();
    },
  };
}

/** The log from byte `from` on (git's output of the last command). */
function readLogFrom(path: string, from: number): string {
  try {
    return readFileSync(path).subarray(from).toString("utf8");
  } catch {
    return "";
  }
}

export interface SyncOptions {
  url: string;
  branch: string;
  /** The clone's directory (e.g. MEAT0/<pkg>). */
  dir: string;
  /** Attempts in all (the first updates an existing clone; the others clone afresh). */
  attempts: number;
  /** Pause before the second attempt; doubled before each further one, at most 5 minutes. */
  retryDelayMs: number;
  /** Check out the last commit (first-parent, committer date) strictly before this instant instead of the head. */
  cutoff?: Date;
  /** git's output goes here (recreated at each call). */
  logFile: string;
  signal?: AbortSignal;
  /** Called before each retry, with the reason of the failed attempt. */
  onRetry?: (attempt: number, reason: string, delayMs: number) => void;
}

const MAX_RETRY_DELAY_MS = 300_000;

/** Delay before attempt `attempt` (2, 3, ...): base, 2 x base, 4 x base ... capped. */
export function retryDelay(attempt: number, baseMs: number): number {
  return Math.min(MAX_RETRY_DELAY_MS, baseMs * 2 ** Math.max(0, attempt - 2));
}

/**
 * Clones `url` (branch `branch`, depth 1) into `dir`, or updates the clone
 * already there, then checks out the head (or the last commit before
 * `cutoff`) and cleans the tree. The first attempt updates in place; a
 * failed attempt is followed by fresh clones into a temporary directory,
 * swapped in only when they succeed, so a clone is never destroyed by a
 * failing server.
 */
export async function cloneOrUpdate(git: GitRunner, options: SyncOptions): Promise<SyncResult> {
  const { logFile } = options;
  mkdirSync(dirname(logFile), { recursive: true });
  rmSync(logFile, { force: true });
  let reason = "no attempt made";
  let attempt = 0;
  while (attempt < options.attempts) {
    attempt += 1;
    if (attempt > 1) {
      const delay = retryDelay(attempt, options.retryDelayMs);
      options.onRetry?.(attempt, reason, delay);
      appendFileSync(logFile, `# attempt ${attempt} of ${options.attempts} in ${delay / 1000} s, after: ${reason}\n`);
      await sleep(delay, undefined, { signal: options.signal }).catch(() => undefined);
    }
    if (options.signal?.aborted) return { status: "failed", reason: "cancelled", attempts: attempt, logFile };
    try {
      const updateInPlace = attempt === 1 && existsSync(join(options.dir, ".git"));
      const result = updateInPlace ? await update(git, options, logFile) : await freshClone(git, options, logFile);
      return { ...result, attempts: attempt, logFile };
    } catch (error) {
      reason = error instanceof GitCommandError ? error.reason : errorMessage(error);
      appendFileSync(logFile, `# attempt ${attempt} failed: ${reason}\n`);
      if (error instanceof GitCommandError && error.permanent) break;
    }
  }
  return { status: "failed", reason, attempts: attempt, logFile };
}

async function network(
  git: GitRunner,
  args: readonly string[],
  cwd: string | undefined,
  logFile: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const result = await git.network(args, { cwd, logFile, signal });
  if (!result.ok) throw new GitCommandError(args, result.reason ?? "failed", result.cancelled);
}

function remoteRef(branch: string): string {
  return `refs/remotes/origin/${branch}`;
}

async function update(
  git: GitRunner,
  options: SyncOptions,
  logFile: string,
): Promise<{ status: "updated" | "unchanged"; commit: CommitInfo }> {
  const { dir, branch } = options;
  // Fetched from the configured URL, not `origin`: a changed packageGitUrl takes effect at once.
  await network(
    git,
    ["fetch", "--depth", "1", "--no-tags", options.url, `+refs/heads/${branch}:${remoteRef(branch)}`],
    dir,
    logFile,
    options.signal,
  );
  const target = await snapshotCommit(git, dir, options, logFile);
  // HEAD and the target in one git call: one line when they are the same commit.
  const [current, wanted = current] = parseCommits(
    await git.query(["log", "--no-walk=unsorted", `--format=${COMMIT_FORMAT}`, "HEAD", target], dir),
  );
  if (wanted === undefined) throw new GitCommandError(["log", target], `no commit ${target}`);
  await checkout(git, dir, branch, wanted.sha);
  return { status: current?.sha === wanted.sha ? "unchanged" : "updated", commit: wanted };
}

async function freshClone(
  git: GitRunner,
  options: SyncOptions,
  logFile: string,
): Promise<{ status: "cloned"; commit: CommitInfo }> {
  const { dir, branch } = options;
  mkdirSync(dirname(dir), { recursive: true });
  const temporary = temporaryPathFor(dir);
  try {
    await network(
      git,
      ["clone", "--quiet", "--depth", "1", "--no-tags", "--branch", branch, options.url, temporary],
      undefined,
      logFile,
      options.signal,
    );
    if (options.cutoff !== undefined)
      await checkout(git, temporary, branch, await snapshotCommit(git, temporary, options, logFile));
    const commit = await commitInfo(git, temporary);
    swapDirectory(temporary, dir);
    return { status: "cloned", commit };
  } finally {
    rmSync(temporary, { recursive: true, force: true });
  }
}

/**
 * The commit to check out: the fetched branch head (its ref), or with a cutoff the last
 * first-parent commit whose committer date is before it, deepening the
 * shallow history until one is found or the history is complete.
 */
async function snapshotCommit(git: GitRunner, dir: string, options: SyncOptions, logFile: string): Promise<string> {
  const ref = remoteRef(options.branch);
  if (options.cutoff === undefined) return ref;
  const cutoffSeconds = Math.floor(options.cutoff.getTime() / 1000);
  let deepen = 16;
  for (;;) {
    const log = await git.query(["log", "--first-parent", "--format=%H %ct", ref], dir);
    for (const line of log.split("\n")) {
      const [sha, seconds] = line.split(" ");
      if (sha !== undefined && seconds !== undefined && Number(seconds) < cutoffSeconds) return sha;
    }
    const shallow = (await git.query(["rev-parse", "--is-shallow-repository"], dir)) === "true";
    if (!shallow) {
      throw new GitCommandError(
        ["log", ref],
        `branch ${options.branch} has no commit before ${options.cutoff.toISOString()}`,
        true,
      );
    }
    await network(
      git,
      ["fetch", "--no-tags", `--deepen=${deepen}`, options.url, `+refs/heads/${options.branch}:${ref}`],
      dir,
      logFile,
      options.signal,
    );
    deepen *= 2;
  }
}

async function checkout(git: GitRunner, dir: string, branch: string, commit: string): Promise<void> {
  await git.query(["checkout", "--quiet", "--force", "-B", branch, commit], dir);
  await git.query(["clean", "-ffdxq"], dir);
}

const COMMIT_FORMAT = "%H%x1f%h%x1f%aI%x1f%cI";

function parseCommits(out: string): CommitInfo[] {
  return out
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const [sha = "", shortSha = "", authorDate = "", committerDate = ""] = line.split("\x1f");
      return { sha, shortSha, authorDate, committerDate };
    });
}

/** The commit checked out in `dir`. */
export async function commitInfo(git: GitRunner, dir: string): Promise<CommitInfo> {
  const [commit] = parseCommits(await git.query(["log", "-1", `--format=${COMMIT_FORMAT}`, "HEAD"], dir));
  if (commit === undefined) throw new GitCommandError(["log", "HEAD"], `no commit checked out in ${dir}`);
  return commit;
}
