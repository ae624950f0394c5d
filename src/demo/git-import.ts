// Serves a directory as the head of a branch in a bare git repository, the way
// a site's git server holds package sources: imports the directory's files into
// a commit (git plumbing, no working clone), and commits again only when the
// files changed, so running it twice is harmless and a local edit shows up as
// one new upstream commit.

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BbsError } from "../util/errors.js";
import { runTool } from "../util/tool.js";

export interface GitIdentity {
  name: string;
  email: string;
}

export interface ImportOptions {
  branch: string;
  message: string;
  identity: GitIdentity;
  /** The git command (config `tools.git`). */
  git?: string;
}

export interface ImportResult {
  /** Commit at the head of the branch afterwards. */
  commit: string;
  /** A new commit was made (first import, or the files changed). */
  changed: boolean;
}

/** Imports `sourceDir` as the new head of `branch` in the bare repository `repo` (created if missing). */
export async function importDirectory(repo: string, sourceDir: string, options: ImportOptions): Promise<ImportResult> {
  const gitCommand = options.git ?? "git";
  const env = gitEnvironment(options.identity);
  const git = async (args: readonly string[], failure: string): Promise<string> => {
    const result = await runTool(gitCommand, args, { env });
    if (result.exitCode !== 0) {
      throw new BbsError(
        "BBS_COMMAND_FAILED",
        `${failure}: git ${args.join(" ")} failed: ${(result.stderr || result.spawnError || "").trim()}`,
        {
          hint: `check that git works and that ${repo} is writable`,
        },
      );
    }
    return result.stdout.trim();
  };
  if (!existsSync(join(repo, "HEAD"))) {
    mkdirSync(repo, { recursive: true });
    await git(["init", "--quiet", "--bare", `--initial-branch=${options.branch}`, repo], `cannot create ${repo}`);
  }
  const ref = `refs/heads/${options.branch}`;
  const parentResult = await runTool(
    gitCommand,
    ["--git-dir", repo, "rev-parse", "--verify", "--quiet", `${ref}^{commit}`],
    { env },
  );
  const parent = parentResult.exitCode === 0 ? parentResult.stdout.trim() : undefined;

  // A throwaway index: the repository is bare, and nothing else may see a half-built tree.
  const scratch = mkdtempSync(join(tmpdir(), "bbs-git-import-"));
  try {
    const inTree = ["--git-dir", repo, "--work-tree", resolve(sourceDir)];
    const indexEnv = { ...env, GIT_INDEX_FILE: join(scratch, "index") };
    const add = await runTool(gitCommand, [...inTree, "add", "--all", "--force", "."], {
      env: indexEnv,
      cwd: sourceDir,
    });
    if (add.exitCode !== 0)
      throw new BbsError("BBS_COMMAND_FAILED", `cannot import ${sourceDir} into ${repo}: ${add.stderr.trim()}`);
    const treeResult = await runTool(gitCommand, ["--git-dir", repo, "write-tree"], { env: indexEnv });
    if (treeResult.exitCode !== 0)
      throw new BbsError("BBS_COMMAND_FAILED", `cannot write the tree of ${sourceDir}: ${treeResult.stderr.trim()}`);
    const tree = treeResult.stdout.trim();
    if (parent !== undefined) {
      const parentTree = await git(
        ["--git-dir", repo, "rev-parse", `${parent}^{tree}`],
        `cannot read ${ref} of ${repo}`,
      );
      if (parentTree === tree) return { commit: parent, changed: false };
    }
    const commit = await git(
      ["--git-dir", repo, "commit-tree", tree, ...(parent === undefined ? [] : ["-p", parent]), "-m", options.message],
      `cannot commit ${sourceDir} into ${repo}`,
    );
    await git(
      ["--git-dir", repo, "update-ref", ref, commit, ...(parent === undefined ? [] : [parent])],
      `cannot move ${ref} of ${repo}`,
    );
    return { commit, changed: true };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** A git environment independent of the user's configuration (no signing hooks, no prompts). */
export function gitEnvironment(identity: GitIdentity): Record<string, string> {
  return {
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_TERMINAL_PROMPT: "0",
    GIT_AUTHOR_NAME: identity.name,
    GIT_AUTHOR_EMAIL: identity.email,
    GIT_COMMITTER_NAME: identity.name,
    GIT_COMMITTER_EMAIL: identity.email,
  };
}
