// The manifest (docs/formats.md#manifest): which packages a build covers. It lives in a git
// repository (`manifest.gitUrl`, branch `manifest.gitBranch`, file
// `manifest.file`), cloned shallow into `manifestCloneDir`, or in a plain local
// file when `manifest.gitUrl` is unset.
//
// Format, as BBS reads it: one package per line, optionally prefixed
// `Package:`; blank lines and lines starting with `#` are skipped; any other
// line containing `:` is an error. bbs also rejects what BBS let through and
// then tripped over: a name that is not an R package name (it becomes a
// directory name and a URL) and a package listed twice (two clones of one
// directory at once).

import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import type { ResolvedConfig } from "../../config/load.js";
import { BbsError } from "../../util/errors.js";
import { readInputFile } from "../../util/fs.js";
import { cloneOrUpdate, type GitRunner } from "./git.js";
import { interruptedError } from "./progress.js";
import { isValidPackageName } from "../../rpkg/package-name.js";

export interface Manifest {
  /** Package names in manifest order. */
  packages: string[];
  /** Where the manifest was read from. */
  source: ManifestSource;
}

export type ManifestSource =
  | { kind: "git"; url: string; branch: string; file: string; commit: string; path: string }
  | { kind: "file"; path: string };

export { isValidPackageName };

/** Parses manifest text; BBS_INPUT_INVALID naming `source` and the line for a bad line or a duplicate. */
export function parseManifest(text: string, source: string): string[] {
  const packages: string[] = [];
  const firstLine = new Map<string, number>();
  const problems: string[] = [];
  text.split(/\r\n?|\n/).forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === "" || raw.startsWith("#")) return;
    let name: string;
    if (raw.startsWith("Package:")) name = raw.slice("Package:".length).trim();
    else if (raw.includes(":")) {
      problems.push(
        `${source}:${line}: ${JSON.stringify(raw)} is not a package line (only "Package: <name>" lines may contain ":")`,
      );
      return;
    } else name = raw.trim();
    if (!isValidPackageName(name)) {
      problems.push(`${source}:${line}: ${JSON.stringify(name)} is not a valid R package name`);
      return;
    }
    const previous = firstLine.get(name);
    if (previous !== undefined) {
      problems.push(`${source}:${line}: package ${name} is already listed on line ${previous}`);
      return;
    }
    firstLine.set(name, line);
    packages.push(name);
  });
  if (problems.length > 0) {
    throw new BbsError(
      "BBS_INPUT_INVALID",
      problems.length === 1 ? problems[0]! : `${source} has ${problems.length} invalid lines`,
      {
        details: problems.length === 1 ? [] : problems,
        hint: "write one package per line, as `Package: <name>` or `<name>`; blank lines and lines starting with # are ignored",
      },
    );
  }
  return packages;
}

/** The manifest file named by the config when it is a plain file (no manifest.gitUrl). */
export function plainManifestPath(config: ResolvedConfig): string {
  const file = config.values["manifest.file"];
  return isAbsolute(file) ? file : resolve(config.configDir, file);
}

/**
 * Reads the manifest the config names: clones or updates the manifest
 * repository first when there is one (shallow; a clone that cannot be
 * updated is made again, as BBS does). Errors name the repository or file.
 */
export async function fetchManifest(
  config: ResolvedConfig,
  git: GitRunner,
  logFile: string,
  signal?: AbortSignal,
): Promise<Manifest> {
  const v = config.values;
  const url = v["manifest.gitUrl"];
  if (url === undefined) {
    const path = plainManifestPath(config);
    const text = readInputFile(
      path,
      "set manifest.file to the manifest's path (relative paths are relative to the config directory), or set manifest.gitUrl",
    ).toString("utf8");
    return { packages: parseManifest(text, path), source: { kind: "file", path } };
  }
  const branch = v["manifest.gitBranch"];
  const file = v["manifest.file"];
  const dir = v.manifestCloneDir;
  const result = await cloneOrUpdate(git, {
    url,
    branch,
    dir,
    attempts: v["prerun.gitAttempts"],
    retryDelayMs: v["prerun.gitRetryDelay"] * 1000,
    logFile,
    ...(signal === undefined ? {} : { signal }),
  });
  if (result.status === "failed" && signal?.aborted === true) {
    throw interruptedError("manifest");
  }
  if (result.status === "failed") {
    throw new BbsError(
      "BBS_COMMAND_FAILED",
      `cannot clone or update the manifest repository ${url} (branch ${branch}): ${result.reason}`,
      {
        hint: `check manifest.gitUrl and manifest.gitBranch, and that this node can reach the git server; git's output is in ${result.logFile}`,
      },
    );
  }
  const path = join(dir, file);
  if (!existsSync(path)) {
    throw new BbsError("BBS_INPUT_INVALID", `the manifest repository ${url} (branch ${branch}) has no file ${file}`, {
      hint: "set manifest.file to the manifest's path inside the repository, e.g. software.txt",
    });
  }
  const text = readInputFile(path).toString("utf8");
  return {
    packages: parseManifest(text, `${url} (branch ${branch}): ${file}`),
    source: { kind: "git", url, branch, file, commit: result.commit.sha, path },
  };
}
