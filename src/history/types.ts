// The history's records of runs and jobs as the store's callers see them. A
// module of its own so that the row mappings (rows.ts) and the queries
// (input-queries.ts) the store is made of can name them without an import
// cycle through store.ts.

import type { JobInputs } from "./inputs.js";

/**
 * `absent` and `unfinished` describe a builder as seen by postrun's import
 * into the central history (its products never arrived, or arrived without
 * BBS_EndOfRun.txt).
 */
export type RunState = "running" | "finished" | "cancelled" | "failed" | "interrupted" | "absent" | "unfinished";

export interface RunInfo {
  readonly runId: string;
  readonly node: string;
  /** run | prerun | bench ... */
  readonly kind: string;
  readonly startedAt: Date;
  readonly buildType?: string;
  readonly biocVersion?: string;
  readonly schedule?: string;
  readonly configDigest?: string;
  readonly bbsVersion?: string;
  readonly host?: string;
  readonly pid?: number;
  /** Incremental runs: whether earlier results were reused (`incremental`) or every job ran (`full`). */
  readonly mode?: RunMode;
}

export type RunMode = "incremental" | "full";

export interface RunRow extends RunInfo {
  readonly endedAt: Date | undefined;
  readonly state: RunState;
}

export interface JobStart {
  readonly runId: string;
  readonly node: string;
  readonly stage: string;
  readonly package: string;
  readonly version?: string | null;
  readonly commit?: string | null;
  readonly command?: string | null;
  readonly startedAt: Date;
  /** inputsHash() of the job's inputs (incremental runs); stored with `inputs` once per distinct hash. */
  readonly inputHash?: string | null;
  readonly inputs?: JobInputs;
  /** A result copied from an earlier run instead of run again: the run it was produced in. */
  readonly reusedFrom?: string | null;
}

export interface JobEnd {
  readonly endedAt: Date;
  readonly elapsedSeconds: number;
  readonly retCode: number | null;
  readonly status: string;
  readonly error?: string;
  /** Processes the job left alive when it ended (null: not counted). */
  readonly survivors?: number | null;
}

export interface JobRow extends JobStart {
  readonly id: number;
  readonly attempt: number;
  readonly endedAt: Date | undefined;
  readonly elapsedSeconds: number | undefined;
  readonly retCode: number | null;
  readonly status: string;
  readonly error: string | undefined;
  readonly survivors: number | null;
  readonly inputHash: string | null;
  readonly reusedFrom: string | null;
}
