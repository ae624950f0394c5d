// A package's results over the previous runs, from the SQLite history
// (src/history): the last statuses of each (node, stage), since when a cell
// fails or since when it is fixed, and whether this run brought a new problem.
//
// The current run's results come from the run directory, not the history:
// postrun may import this run into the history before or after the report
// is generated, so history rows of this run (its run id, or anything started
// at or after its snapshot) are left out and the run directory's status is
// put in front.
//
// On the central node, postrun imports every node's results as runs of kind
// RESULTS_RUN_KIND (one per run and node); those are what the report reads, so
// every node has a history, not only the central node's own builder.

import { HistoryStore, RESULTS_RUN_KIND } from "../history/store.js";
import type { Status } from "../results/status.js";
import { errorMessage } from "../util/errors.js";

/** How many runs per node are read at once (a longer failing streak is then looked up on its own). */
export const HISTORY_LOADED = 15;
/** How many previous runs each cell's history strip shows. */
export const HISTORY_SHOWN = 10;

export interface PastStatus {
  runId: string;
  startedAt: Date;
  status: string;
}

export interface CellHistory {
  /** Previous runs, most recent first (at most HISTORY_SHOWN). */
  recent: PastStatus[];
  /** The current failing streak (ERROR/TIMEOUT) started at this run; `beyondWindow` when it started before the oldest run in the history. */
  failingSince?: { at: Date; runId?: string; beyondWindow: boolean };
  /** The cell passes again since this run, after failing before. */
  fixedSince?: { at: Date; runId?: string };
  /** Worse than in the previous run of the node (or failing in a run where it did not exist before). */
  newProblem: boolean;
}

const SEVERITY: Readonly<Record<string, number>> = { OK: 0, NotNeeded: 0, WARNINGS: 1, TIMEOUT: 2, ERROR: 2 };

function isFailing(status: string): boolean {
  return status === "ERROR" || status === "TIMEOUT";
}

function isPassing(status: string): boolean {
  return status === "OK" || status === "WARNINGS" || status === "NotNeeded";
}

export interface CurrentRun {
  runId?: string;
  /** Rows started at or after this instant belong to the current run. */
  startedAt?: Date;
  /** When the current run's results were produced (used as "since" for a streak that starts now). */
  at: Date;
}

export class HistoryView {
  private readonly previousRunsByNode = new Map<string, PastStatus[]>();
  private recentByPackage: Map<string, Map<string, PastStatus[]>> | undefined;

  private constructor(
    /** For the report's other history queries (the impact of a change). */
    readonly store: HistoryStore,
    private readonly current: CurrentRun,
  ) {}

  /** Opens the history read-only; undefined (with the reason given to `warn`) when it cannot be used. */
  static open(path: string, current: CurrentRun, warn: (message: string) => void): HistoryView | undefined {
    try {
      return new HistoryView(HistoryStore.open(path, { readonly: true }), current);
    } catch (error) {
      warn(`history ${path} not used: ${errorMessage(error)}`);
      return undefined;
    }
  }

  close(): void {
    this.store.close();
  }

  private isCurrent(runId: string, startedAt: Date): boolean {
    if (
      this.current.runId !== undefined &&
      (runId === this.current.runId || runId.startsWith(`${this.current.runId}@`))
    )
      return true;
    return this.current.startedAt !== undefined && startedAt.getTime() >= this.current.startedAt.getTime();
  }

  /** Previous runs of a node, most recent first. */
  previousRuns(node: string): PastStatus[] {
    let runs = this.previousRunsByNode.get(node);
    if (runs === undefined) {
      runs = this.store
        .runs({ node, kind: RESULTS_RUN_KIND, limit: HISTORY_LOADED + 1 })
        .filter((run) => !this.isCurrent(run.runId, run.startedAt))
        .map((run) => ({ runId: run.runId, startedAt: run.startedAt, status: run.state }));
      this.previousRunsByNode.set(node, runs);
    }
    return runs;
  }

  /** Whether any node has a previous run (otherwise nothing can be "new"). */
  hasPreviousRuns(nodes: readonly string[]): boolean {
    return nodes.some((node) => this.previousRuns(node).length > 0);
  }

  /** Every package's previous results (the last runs of each node), read in one query. */
  private recent(): Map<string, Map<string, PastStatus[]>> {
    if (this.recentByPackage !== undefined) return this.recentByPackage;
    const byPackage = new Map<string, Map<string, PastStatus[]>>();
    const runDates = new Map<string, Date>(); // one Date per run, not per row
    try {
      // One more run than shown: this run's rows may be in the history already.
      this.store.forEachRecentStatus(
        (row) => {
          if (this.isCurrent(row.runId, row.runStartedAt)) return;
          let cells = byPackage.get(row.package);
          if (cells === undefined) {
            cells = new Map();
            byPackage.set(row.package, cells);
          }
          const key = `${row.node}#${row.stage}`;
          let startedAt = runDates.get(row.runId);
          if (startedAt === undefined) {
            startedAt = row.runStartedAt;
            runDates.set(row.runId, startedAt);
          }
          const entry = { runId: row.runId, startedAt, status: row.status };
          const list = cells.get(key);
          if (list === undefined) cells.set(key, [entry]);
          else list.push(entry);
        },
        { lastRuns: HISTORY_LOADED + 1, kind: RESULTS_RUN_KIND },
      );
    } catch {
      byPackage.clear();
    }
    for (const cells of byPackage.values())
      for (const list of cells.values()) list.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
    this.recentByPackage = byPackage;
    return byPackage;
  }

  /** One package's previous results, grouped by `<node>#<stage>`, most recent first. */
  packagePast(pkg: string): ReadonlyMap<string, readonly PastStatus[]> {
    return this.recent().get(pkg) ?? new Map();
  }

  /** The history of one cell given its current status and its previous results (most recent first). */
  cellHistory(
    cell: { pkg: string; node: string; stage: string },
    current: Status,
    past: readonly PastStatus[],
  ): CellHistory {
    const { node } = cell;
    const history: CellHistory = { recent: past.slice(0, HISTORY_SHOWN), newProblem: false };
    const previousRuns = this.previousRuns(node);
    const previous = past[0];
    const lastNodeRun = previousRuns[0];
    if ((SEVERITY[current] ?? 0) > 0 && lastNodeRun !== undefined) {
      // The cell's status in the node's last run; no row there means the job did not exist (new package).
      const before = previous !== undefined && previous.runId === lastNodeRun.runId ? previous.status : "OK";
      history.newProblem = (SEVERITY[current] ?? 0) > (SEVERITY[before] ?? 0);
    }
    if (isFailing(current)) {
      let since: { at: Date; runId?: string; beyondWindow: boolean } = { at: this.current.at, beyondWindow: false };
      if (this.current.runId !== undefined) since.runId = this.current.runId;
      let ended = false;
      for (const entry of past) {
        if (isPassing(entry.status)) {
          ended = true;
          break;
        }
        if (isFailing(entry.status)) since = { at: entry.startedAt, runId: entry.runId, beyondWindow: false };
      }
      if (!ended && past.length >= HISTORY_LOADED) since = this.streakStart(cell) ?? { ...since, beyondWindow: true };
      history.failingSince = since;
    } else if (isPassing(current)) {
      let since: { at: Date; runId?: string } = { at: this.current.at };
      if (this.current.runId !== undefined) since.runId = this.current.runId;
      for (const entry of past) {
        if (isFailing(entry.status)) {
          history.fixedSince = since;
          break;
        }
        if (isPassing(entry.status)) since = { at: entry.startedAt, runId: entry.runId };
      }
    }
    return history;
  }

  /** The start of a failing streak longer than the runs loaded, from the whole history. */
  private streakStart(cell: {
    pkg: string;
    node: string;
    stage: string;
  }): { at: Date; runId: string; beyondWindow: boolean } | undefined {
    try {
      const first = this.store.failingSince(cell.pkg, cell.node, cell.stage, {
        okStatuses: ["OK", "WARNINGS", "NotNeeded"],
        kind: RESULTS_RUN_KIND,
      });
      return first === undefined ? undefined : { at: first.runStartedAt, runId: first.runId, beyondWindow: false };
    } catch {
      return undefined;
    }
  }
}
