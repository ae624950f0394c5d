// What `bbs report` and postrun hand the report generator. A module of its
// own so that index.ts and package-update.ts can both name it without an
// import cycle.

import type { ResolvedConfig } from "../config/load.js";

export interface ReportInput {
  /** The central node's configuration. */
  central: ResolvedConfig;
  /** Every node's configuration, by node id (loadAllHosts). */
  hosts: ReadonlyMap<string, ResolvedConfig>;
  /** The run's central directory. */
  runDir: string;
  /** Where the report goes (replaced atomically). */
  reportDir: string;
  /** SQLite history with previous runs (optional). */
  historyDb?: string;
  /** "This page was generated on" (default: now). */
  generatedAt?: Date;
  /** Threads rendering the package pages (default: one per core, at most 4; 1: this thread only). */
  threads?: number;
}
