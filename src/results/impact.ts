// The impact of a change (issue 13): for a package whose status on a node is
// worse than in its last good run, which of its inputs changed in between:
// its own commits, and the packages of its dependency closure whose commit or
// version changed, each with the range (`S4Vectors a1b2c3..d4e5f6`).
//
// A package's status on a node is the worst of its stages (OK < WARNINGS <
// ERROR = TIMEOUT; skipped and NA say nothing). Its bad streak is the run
// where it first got that bad (tonight, or an earlier run when it has failed
// since) and the runs after it; the last good run is the run before the streak
// with a better status. Inputs are what each run built against
// (src/history/packages.ts): tonight's from the run directory, earlier runs'
// from the history. Nothing is guessed: a run without recorded inputs makes
// the impact "not known", never "nothing changed".

import type { RunPackage, PackageSource } from "../history/packages.js";
import type { HistoryStore } from "../history/store.js";
import { RESULTS_RUN_KIND, parseResultsRunId } from "./history.js";

/** How many previous runs of each node are searched for the last good one. */
export const IMPACT_RUNS_SEARCHED = 15;

const RANK: Readonly<Record<string, number>> = { OK: 0, NotNeeded: 0, WARNINGS: 1, ERROR: 2, TIMEOUT: 2 };

/** The worst status among a package's stages on a node, with its rank; undefined when none is a result (all NA/skipped). */
export function worstStatus(statuses: Iterable<string>): { status: string; rank: number } | undefined {
  let worst: { status: string; rank: number } | undefined;
  for (const status of statuses) {
    const rank = RANK[status];
    if (rank === undefined) continue;
    if (worst === undefined || rank > worst.rank || (rank === worst.rank && status === "ERROR"))
      worst = { status, rank };
  }
  return worst;
}

export interface InputChange {
  readonly package: string;
  readonly source: PackageSource;
  /** `changed`: in both closures; `added`: new in the closure; `removed`: no longer in it. */
  readonly kind: "changed" | "added" | "removed";
  readonly fromVersion: string | null;
  readonly toVersion: string | null;
  readonly fromCommit: string | null;
  readonly toCommit: string | null;
}

export interface InputDiff {
  /** The package's own commit or version change; null when its own code did not change. */
  readonly own: InputChange | null;
  /** Packages of its closure that changed, in closure order (nearest first). */
  readonly dependencies: InputChange[];
}

/**
 * A package's dependency closure in `graph`: its Depends, Imports, LinkingTo
 * and the Suggests that are packages of the build (CHECK loads them), then
 * the hard dependencies of those, transitively; nearest first, without the
 * package itself. Names the graph does not know stay in the closure (a
 * dependency found nowhere is still one).
 */
export function dependencyClosure(pkg: string, graph: ReadonlyMap<string, RunPackage>): string[] {
  const start = graph.get(pkg);
  if (start === undefined) return [];
  const seen = new Set<string>([pkg]);
  const queue = [...start.deps, ...start.suggests];
  const closure: string[] = [];
  for (let position = 0; position < queue.length; position += 1) {
    const name = queue[position] as string;
    if (seen.has(name)) continue;
    seen.add(name);
    closure.push(name);
    for (const dep of graph.get(name)?.deps ?? []) if (!seen.has(dep)) queue.push(dep);
  }
  return closure;
}

function change(
  name: string,
  before: RunPackage | undefined,
  after: RunPackage | undefined,
  kind: InputChange["kind"],
): InputChange {
  return {
    package: name,
    source: after?.source ?? before?.source ?? "installed",
    kind,
    fromVersion: before?.version ?? null,
    toVersion: after?.version ?? null,
    fromCommit: before?.commit ?? null,
    toCommit: after?.commit ?? null,
  };
}

function differs(before: RunPackage, after: RunPackage): boolean {
  return before.version !== after.version || before.commit !== after.commit;
}

/** What changed for `pkg` between the inputs of a good run (`before`) and of a bad one (`after`). */
export function diffInputs(
  pkg: string,
  before: ReadonlyMap<string, RunPackage>,
  after: ReadonlyMap<string, RunPackage>,
): InputDiff {
  const ownBefore = before.get(pkg);
  const ownAfter = after.get(pkg);
  const own =
    ownBefore !== undefined && ownAfter !== undefined && differs(ownBefore, ownAfter)
      ? change(pkg, ownBefore, ownAfter, "changed")
      : null;
  const closureAfter = dependencyClosure(pkg, after);
  const closureBefore = new Set(dependencyClosure(pkg, before));
  const dependencies: InputChange[] = [];
  for (const name of closureAfter) {
    const was = before.get(name);
    const is = after.get(name);
    if (!closureBefore.has(name)) dependencies.push(change(name, was, is, "added"));
    else if (was !== undefined && is !== undefined && differs(was, is))
      dependencies.push(change(name, was, is, "changed"));
  }
  const now = new Set(closureAfter);
  for (const name of closureBefore)
    if (!now.has(name)) dependencies.push(change(name, before.get(name), after.get(name), "removed"));
  return { own, dependencies };
}

/** A run of a node, as the impact names it: the build run id (not the history's `<run>@<node>`). */
export interface RunRef {
  readonly runId: string;
  readonly startedAt: Date;
  readonly status: string;
}

export interface PackageImpact {
  readonly package: string;
  readonly node: string;
  /** Tonight's (worst) status. */
  readonly status: string;
  /** The first run of the bad streak: tonight (`firstBadTonight`) or an earlier one. */
  readonly firstBad: RunRef;
  readonly firstBadTonight: boolean;
  readonly lastGood: RunRef;
  /** Undefined when one of the two runs has no recorded inputs (imported before bbs recorded them). */
  readonly diff: InputDiff | undefined;
}

export interface ImpactQuery {
  readonly store: HistoryStore;
  /** Tonight's build run id and snapshot time: the history's rows of this run are not "previous". */
  readonly runId: string;
  readonly snapshotTime?: Date;
  /** Tonight's statuses: package -> node -> the statuses of its stages. */
  readonly statuses: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;
  /** What a node built against tonight (from the run directory). */
  readonly tonight: (node: string) => ReadonlyMap<string, RunPackage>;
}

interface PastRun {
  historyRunId: string;
  startedAt: Date;
  statuses: string[];
}

/** package -> node -> previous runs with a result for it, most recent first. */
function pastResults(query: ImpactQuery): Map<string, Map<string, PastRun[]>> {
  const byPackage = new Map<string, Map<string, Map<string, PastRun>>>();
  const current = (historyRunId: string, startedAt: Date): boolean =>
    historyRunId === query.runId ||
    historyRunId.startsWith(`${query.runId}@`) ||
    (query.snapshotTime !== undefined && startedAt.getTime() >= query.snapshotTime.getTime());
  query.store.forEachRecentStatus(
    (row) => {
      if (current(row.runId, row.runStartedAt) || !query.statuses.has(row.package)) return;
      let nodes = byPackage.get(row.package);
      if (nodes === undefined) byPackage.set(row.package, (nodes = new Map()));
      let runs = nodes.get(row.node);
      if (runs === undefined) nodes.set(row.node, (runs = new Map()));
      const run = runs.get(row.runId) ?? { historyRunId: row.runId, startedAt: row.runStartedAt, statuses: [] };
      run.statuses.push(row.status);
      runs.set(row.runId, run);
    },
    { kind: RESULTS_RUN_KIND, lastRuns: IMPACT_RUNS_SEARCHED + 1 },
  );
  const result = new Map<string, Map<string, PastRun[]>>();
  for (const [pkg, nodes] of byPackage) {
    const sorted = new Map<string, PastRun[]>();
    for (const [node, runs] of nodes)
      sorted.set(
        node,
        [...runs.values()].sort(
          (a, b) => b.startedAt.getTime() - a.startedAt.getTime() || b.historyRunId.localeCompare(a.historyRunId),
        ),
      );
    result.set(pkg, sorted);
  }
  return result;
}

function buildRunId(historyRunId: string): string {
  return parseResultsRunId(historyRunId)?.runId ?? historyRunId;
}

/**
 * Every (package, node) whose status tonight is worse than in its last good
 * run within the last IMPACT_RUNS_SEARCHED runs, with what changed in between.
 * Packages in order of `statuses`, nodes in the order each package lists them.
 */
export function computeImpacts(query: ImpactQuery): PackageImpact[] {
  const past = pastResults(query);
  const inputsCache = new Map<string, ReadonlyMap<string, RunPackage>>();
  const inputsOf = (historyRunId: string): ReadonlyMap<string, RunPackage> => {
    let inputs = inputsCache.get(historyRunId);
    if (inputs === undefined) inputsCache.set(historyRunId, (inputs = query.store.runPackages(historyRunId)));
    return inputs;
  };
  const impacts: PackageImpact[] = [];
  for (const [pkg, nodes] of query.statuses) {
    for (const [node, statuses] of nodes) {
      const now = worstStatus(statuses);
      if (now === undefined || now.rank === 0) continue;
      const runs = past.get(pkg)?.get(node) ?? [];
      let firstBad: PastRun | undefined; // undefined: tonight
      let lastGood: { run: PastRun; status: string } | undefined;
      for (const run of runs) {
        const then = worstStatus(run.statuses);
        if (then === undefined) continue;
        if (then.rank < now.rank) {
          lastGood = { run, status: then.status };
          break;
        }
        firstBad = run;
      }
      if (lastGood === undefined) continue;
      const tonightRef: RunRef = {
        runId: query.runId,
        startedAt: query.snapshotTime ?? new Date(),
        status: now.status,
      };
      const after = firstBad === undefined ? query.tonight(node) : inputsOf(firstBad.historyRunId);
      const before = inputsOf(lastGood.run.historyRunId);
      impacts.push({
        package: pkg,
        node,
        status: now.status,
        firstBad:
          firstBad === undefined
            ? tonightRef
            : {
                runId: buildRunId(firstBad.historyRunId),
                startedAt: firstBad.startedAt,
                status: worstStatus(firstBad.statuses)?.status ?? now.status,
              },
        firstBadTonight: firstBad === undefined,
        lastGood: {
          runId: buildRunId(lastGood.run.historyRunId),
          startedAt: lastGood.run.startedAt,
          status: lastGood.status,
        },
        diff: before.size === 0 || after.size === 0 || !after.has(pkg) ? undefined : diffInputs(pkg, before, after),
      });
    }
  }
  return impacts;
}

/** `a1b2c3..d4e5f6`, `1.0.0 -> 1.0.1`, or both: one change as the page and the email say it. */
export function describeChange(item: InputChange): string {
  if (item.kind === "added")
    return `${item.package} (new dependency${item.toVersion === null ? "" : ` ${item.toVersion}`})`;
  if (item.kind === "removed") return `${item.package} (no longer a dependency)`;
  const parts: string[] = [];
  if (item.fromCommit !== item.toCommit) parts.push(`${item.fromCommit ?? "?"}..${item.toCommit ?? "?"}`);
  if (item.fromVersion !== item.toVersion) parts.push(`${item.fromVersion ?? "?"} -> ${item.toVersion ?? "?"}`);
  return `${item.package} ${parts.join(", ")}`;
}

/** "changed since the last good run: S4Vectors a1b2c3..d4e5f6; its own code: none" */
export function describeDiff(diff: InputDiff | undefined): string {
  if (diff === undefined) return "what changed is not known (no inputs recorded for one of the two runs)";
  const deps =
    diff.dependencies.length === 0 ? "none of its dependencies" : diff.dependencies.map(describeChange).join(", ");
  return `changed since the last good run: ${deps}; its own code: ${describeOwn(diff)}`;
}

/** Since when and compared with which run: "first failing tonight (ERROR; OK in run 20261202-135500)". */
export function describeStreak(impact: PackageImpact): string {
  const bad = impact.status === "WARNINGS" ? "with WARNINGS" : "failing";
  const when = impact.firstBadTonight ? `first ${bad} tonight` : `${bad} since run ${impact.firstBad.runId}`;
  return `${when} (${impact.status}; ${impact.lastGood.status} in run ${impact.lastGood.runId})`;
}

/** One impact as a sentence: "first failing tonight (ERROR; OK in run ...); changed since the last good run: ..." */
export function describeImpact(impact: PackageImpact): string {
  return `${describeStreak(impact)}; ${describeDiff(impact.diff)}`;
}

/** The own-code part of a diff: "none", "a1b2c3..d4e5f6", "1.0.0 -> 1.0.1"... */
export function describeOwn(diff: InputDiff): string {
  return diff.own === null ? "none" : describeChange(diff.own).slice(diff.own.package.length + 1);
}
