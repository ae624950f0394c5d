// What a job's result depends on, as the history stores it (incremental runs,
// docs/architecture.md#job-inputs): a job is reused from an earlier run only
// when the hash of these inputs is the same, and "what changed since the last
// good run" (impact) compares two of them. The hash is SHA-256 over a
// canonical JSON (keys sorted), so equal inputs give equal hashes whatever
// order they were gathered in.

import { createHash } from "node:crypto";

/** One package of a job's dependency closure, as the job was installed, built or checked against. */
export interface ClosureEntry {
  /** The installed (or, for a bbs-built package, meat's) DESCRIPTION Version; null when unknown (found nowhere). */
  readonly version: string | null;
  /** git_last_commit of a package bbs builds tonight (a target); null for the others. */
  readonly commit: string | null;
}

export interface JobInputs {
  /** Layout of this record; a new layout is a new number (old hashes then never match: re-run). */
  readonly format: 1;
  /** Version of bbs's own definition of the job (what it runs and how it judges it). */
  readonly definition: string;
  readonly stage: string;
  readonly package: string;
  /** DESCRIPTION's Version in meat (null: a non-target install, whose version is in `closure`). */
  readonly version: string | null;
  /** The package's git_last_commit (null: not a package bbs builds from git). */
  readonly commit: string | null;
  /** `R --version`'s first line on the node. */
  readonly rVersion: string;
  /** The node's config that reaches this job: its command line, environment, timeout... (name -> value). */
  readonly config: Readonly<Record<string, string>>;
  /**
   * Every package of the closure the job ran against, by name (the package
   * itself excluded): for INSTALL its Depends/Imports/LinkingTo, transitively;
   * for BUILD, CHECK and BUILD BIN also its Suggests and their closures.
   */
  readonly closure: Readonly<Record<string, ClosureEntry>>;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([key, item]) => [key, canonical(item)]));
  }
  return value;
}

/** The canonical JSON text of a job's inputs (what the history stores). */
export function inputsText(inputs: JobInputs): string {
  return JSON.stringify(canonical(inputs));
}

/** The hash a job's inputs are known by: hex SHA-256 of their canonical JSON. */
export function inputsHash(inputs: JobInputs): string {
  return createHash("sha256").update(inputsText(inputs)).digest("hex");
}

/** What differs between two closures: packages added, removed, or with another version or commit. */
export interface ClosureChange {
  readonly package: string;
  readonly before: ClosureEntry | undefined;
  readonly after: ClosureEntry | undefined;
}

export function closureChanges(before: JobInputs["closure"], after: JobInputs["closure"]): ClosureChange[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const changes: ClosureChange[] = [];
  for (const name of names) {
    const old = before[name];
    const now = after[name];
    if (old?.version === now?.version && old?.commit === now?.commit) continue;
    changes.push({ package: name, before: old, after: now });
  }
  return changes;
}
