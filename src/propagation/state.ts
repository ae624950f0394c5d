// What bbs remembers about a staging repository, in its `.bbs/` directory:
// the lock that keeps two propagations of the same repository from
// interleaving, and state.json, which records the fingerprint of the tree
// prepare left behind, so push refuses a repository changed since (by an
// update, or by hand) whose indexes may no longer match its files.

import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { acquireLock, type Lock } from "../util/lock.js";
import { BbsError, errorMessage } from "../util/errors.js";
import { writeFileAtomic } from "../util/fs.js";
import { PUBLISHED_ENTRIES, stateFile, type RepositoryLayout } from "./layout.js";

export interface StagingState {
  /** When update last changed the repository (ISO 8601). */
  updatedAt?: string;
  /** When prepare last finished (ISO 8601). */
  preparedAt?: string;
  /** stagingFingerprint() right after that prepare. */
  preparedFingerprint?: string;
  /** When push last published, the release it published, and stagingFingerprint() of what it published. */
  pushedAt?: string;
  pushedRelease?: string;
  pushedFingerprint?: string;
}

const STATE_FILE = "state.json";

export function readStagingState(layout: Pick<RepositoryLayout, "root">): StagingState {
  const path = stateFile(layout, STATE_FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not a JSON object");
    return value as StagingState;
  } catch (error) {
    throw new BbsError("BBS_INPUT_INVALID", `${path} is corrupt: ${errorMessage(error)}`, {
      hint: `remove ${path} and run \`bbs propagate prepare\` again`,
    });
  }
}

export function updateStagingState(
  layout: Pick<RepositoryLayout, "root">,
  change: Partial<StagingState>,
): StagingState {
  const state = { ...readStagingState(layout), ...change };
  writeFileAtomic(stateFile(layout, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
  return state;
}

/**
 * A digest of every published file of the staging repository (path, size,
 * modification time): it changes whenever a file is added, removed or rewritten.
 */
export function stagingFingerprint(layout: Pick<RepositoryLayout, "root">): string {
  const hash = createHash("sha256");
  const walk = (relative: string): void => {
    let stat;
    try {
      stat = lstatSync(join(layout.root, relative));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    if (stat.isDirectory()) {
      hash.update(`d ${relative}\n`);
      for (const name of readdirSync(join(layout.root, relative)).sort()) walk(`${relative}/${name}`);
    } else {
      hash.update(`f ${relative} ${stat.size} ${stat.mtimeMs}\n`);
    }
  };
  for (const entry of PUBLISHED_ENTRIES) walk(entry);
  return hash.digest("hex");
}

/** Takes the repository's lock (BBS_LOCKED naming the holder when another propagation runs). */
export function lockStaging(layout: Pick<RepositoryLayout, "root">, command: string): Lock {
  return acquireLock(stateFile(layout, "propagate.lock"), {
    command,
    description: `propagation of the repository ${layout.root}`,
  });
}

/** Checks that the staging repository exists (a typo must not create an empty repository that push would publish). */
export function requireStagingRoot(layout: Pick<RepositoryLayout, "root">): void {
  let isDirectory = false;
  try {
    isDirectory = statSync(layout.root).isDirectory();
  } catch {
    isDirectory = false;
  }
  if (!isDirectory) {
    throw new BbsError("BBS_PRECONDITION", `the staging repository ${layout.root} does not exist`, {
      hint: `check propagation.stagingDir; for a new repository create the directory first (mkdir -p ${layout.root})`,
    });
  }
}
