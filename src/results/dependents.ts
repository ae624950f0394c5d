// `bbs impact <pkg>[@<commit>]`: the reverse question of the impact of a
// change, asked before (or after) a push: which packages of the build have
// `pkg` in their dependency closure (src/results/impact.ts says what the
// closure is), in build order, with their last statuses on every node. With a
// commit, whether a run has built `pkg` at that commit yet, and if so the
// dependents' statuses in the run before it and in the first run with it.
// Everything comes from the central history (run_packages, postrun's results
// runs): the last graph each node built with, not tonight's unfinished run.

import type { RunPackage } from "../history/packages.js";
import type { HistoryStore, RunRow } from "../history/store.js";
import { STAGE_LABELS, STAGES } from "../layout/stages.js";
import { sortCaseInsensitively } from "../rpkg/meat-index.js";
import { BbsError } from "../util/errors.js";
import { RESULTS_RUN_KIND, parseResultsRunId } from "./history.js";
import { dependencyClosure } from "./impact.js";

export interface PackageRef {
  readonly package: string;
  /** A commit (abbreviated or whole) given as `<pkg>@<commit>`. */
  readonly commit?: string;
}

/** Parses `pkg` or `pkg@commit`. */
export function parsePackageRef(text: string): PackageRef {
  const match = /^([A-Za-z][A-Za-z0-9.]*)(?:@([0-9a-fA-F]{4,40}))?$/.exec(text.trim());
  if (match === null) {
    throw new BbsError("BBS_USAGE", `${JSON.stringify(text)} is not a package name, nor <package>@<commit>`, {
      hint: "e.g. `bbs impact S4Vectors` or `bbs impact S4Vectors@d4e5f6a` (a commit: 4 to 40 hex digits)",
    });
  }
  return { package: match[1] as string, ...(match[2] === undefined ? {} : { commit: match[2].toLowerCase() }) };
}

/** A node's statuses in one run: stage -> status. */
export type StageStatuses = Readonly<Record<string, string>>;

export interface DependentResult {
  readonly package: string;
  /** 1-based position in build order. */
  readonly order: number;
  /** Directly depends on it (Depends, Imports, LinkingTo or Suggests), or only through other packages. */
  readonly direct: boolean;
  /** node -> its statuses in the node's last run (with a commit: the first run built with it). */
  readonly statuses: Readonly<Record<string, StageStatuses>>;
  /** With a commit that has been built: node -> statuses in the run before it. */
  readonly before?: Readonly<Record<string, StageStatuses>>;
}

export interface NodeRun {
  readonly node: string;
  /** The build run id. */
  readonly runId: string;
  /** The history's id of the node's results in it (`<run id>@<node>`). */
  readonly historyRunId: string;
  readonly startedAt: Date;
  /** The commit of the package in that run, when it is a package of the build. */
  readonly commit: string | null;
}

export interface ReverseImpact {
  readonly package: string;
  readonly version: string | null;
  readonly commit?: string;
  /** The runs whose statuses are shown, per node. */
  readonly runs: readonly NodeRun[];
  /** With a commit: whether a run built it; then `runs` are those first runs and `beforeRuns` the runs before them. */
  readonly built?: boolean;
  readonly beforeRuns?: readonly NodeRun[];
  readonly dependents: readonly DependentResult[];
}

/** The latest results run of each node that recorded what it built against, most recent first. */
function latestRunsWithPackages(store: HistoryStore): Array<{ run: RunRow; packages: Map<string, RunPackage> }> {
  const seen = new Set<string>();
  const latest: Array<{ run: RunRow; packages: Map<string, RunPackage> }> = [];
  for (const run of store.runs({ kind: RESULTS_RUN_KIND })) {
    if (seen.has(run.node)) continue;
    const packages = store.runPackages(run.runId);
    if (packages.size === 0) continue;
    seen.add(run.node);
    latest.push({ run, packages });
  }
  return latest;
}

/** Latest attempt of each (package, stage) of a results run: package -> stage -> status. */
function runStatuses(store: HistoryStore, historyRunId: string): Map<string, Record<string, string>> {
  const byPackage = new Map<string, Record<string, string>>();
  const attempts = new Map<string, number>();
  for (const job of store.jobs(historyRunId)) {
    const key = `${job.package}\u0000${job.stage}`;
    if ((attempts.get(key) ?? 0) > job.attempt) continue;
    attempts.set(key, job.attempt);
    const stages = byPackage.get(job.package) ?? {};
    stages[job.stage] = job.status;
    byPackage.set(job.package, stages);
  }
  return byPackage;
}

/** Packages of the build in `names`, dependencies before dependents (hard dependencies), ties case-insensitively. */
export function buildOrder(names: readonly string[], graph: ReadonlyMap<string, RunPackage>): string[] {
  const members = new Set(names);
  const remaining = new Map(
    names.map((name) => [
      name,
      new Set((graph.get(name)?.deps ?? []).filter((dep) => members.has(dep) && dep !== name)),
    ]),
  );
  const order: string[] = [];
  while (remaining.size > 0) {
    let ready = [...remaining].filter(([, deps]) => deps.size === 0).map(([name]) => name);
    // A cycle (which R would refuse to install) must not hang: take the rest in name order.
    if (ready.length === 0) ready = [...remaining.keys()];
    for (const name of sortCaseInsensitively(ready)) {
      order.push(name);
      remaining.delete(name);
      for (const deps of remaining.values()) deps.delete(name);
    }
  }
  return order;
}

/** The packages of the build whose closure contains `pkg`, in build order (see the top of this file). */
export function reverseImpact(store: HistoryStore, ref: PackageRef): ReverseImpact {
  const latest = latestRunsWithPackages(store);
  if (latest.length === 0) {
    throw new BbsError("BBS_PRECONDITION", "the history has no run that recorded what it built against", {
      hint: "`bbs postrun` records it (its history step) on the central node; run a night first, or check historyDb in the config",
    });
  }
  const graph = new Map<string, RunPackage>();
  for (const { packages } of latest) for (const [name, entry] of packages) if (!graph.has(name)) graph.set(name, entry);
  const target = graph.get(ref.package);
  if (target === undefined) {
    throw new BbsError(
      "BBS_USAGE",
      `${ref.package} is neither a package of the build nor a dependency of one in the last run`,
      {
        hint: "package names are case-sensitive; `bbs impact` knows the packages of the last run's dependency graphs",
      },
    );
  }
  const dependentNames = [...graph.values()]
    .filter((entry) => entry.source === "build" && entry.package !== ref.package)
    .filter((entry) => dependencyClosure(entry.package, graph).includes(ref.package))
    .map((entry) => entry.package);
  const ordered = buildOrder(dependentNames, graph);

  let runs: NodeRun[] = latest.map(({ run, packages }) => nodeRun(run, packages.get(ref.package)?.commit ?? null));
  let beforeRuns: NodeRun[] | undefined;
  let built: boolean | undefined;
  if (ref.commit !== undefined) {
    const withCommit = firstRunsWithCommit(store, ref.package, ref.commit);
    built = withCommit.length > 0;
    if (built) {
      runs = withCommit;
      beforeRuns = withCommit.flatMap((first) => {
        const previous = store
          .runs({ node: first.node, kind: RESULTS_RUN_KIND })
          .find((run) => run.startedAt.getTime() < first.startedAt.getTime());
        return previous === undefined
          ? []
          : [nodeRun(previous, store.runPackages(previous.runId).get(ref.package)?.commit ?? null)];
      });
    }
  }
  const statusesOf = (list: readonly NodeRun[]): Map<string, Map<string, Record<string, string>>> =>
    new Map(list.map((run) => [run.node, runStatuses(store, run.historyRunId)] as const));
  const now = statusesOf(runs);
  const then = beforeRuns === undefined ? undefined : statusesOf(beforeRuns);
  const direct = new Set(
    ordered.filter((name) => {
      const entry = graph.get(name);
      return entry !== undefined && (entry.deps.includes(ref.package) || entry.suggests.includes(ref.package));
    }),
  );
  const perNode = (source: Map<string, Map<string, Record<string, string>>>, name: string) =>
    Object.fromEntries(
      [...source].flatMap(([node, statuses]) => (statuses.has(name) ? [[node, statuses.get(name)!]] : [])),
    );
  return {
    package: ref.package,
    version: target.version,
    ...(ref.commit === undefined ? {} : { commit: ref.commit }),
    runs,
    ...(built === undefined ? {} : { built }),
    ...(beforeRuns === undefined ? {} : { beforeRuns }),
    dependents: ordered.map((name, index) => ({
      package: name,
      order: index + 1,
      direct: direct.has(name),
      statuses: perNode(now, name),
      ...(then === undefined ? {} : { before: perNode(then, name) }),
    })),
  };
}

function nodeRun(run: RunRow, commit: string | null): NodeRun {
  return {
    node: run.node,
    runId: parseResultsRunId(run.runId)?.runId ?? run.runId,
    historyRunId: run.runId,
    startedAt: run.startedAt,
    commit,
  };
}

/** Per node, the first results run that built `pkg` at `commit`. */
function firstRunsWithCommit(store: HistoryStore, pkg: string, commit: string): NodeRun[] {
  const first = new Map<string, NodeRun>();
  for (const hit of store.runsWithCommit(pkg, commit, RESULTS_RUN_KIND)) {
    if (first.has(hit.node)) continue;
    const run = store.run(hit.runId);
    if (run !== undefined) first.set(hit.node, nodeRun(run, hit.commit));
  }
  return [...first.values()];
}

function stagesText(statuses: StageStatuses | undefined, before?: StageStatuses): string {
  if (statuses === undefined) return "no result";
  return STAGES.filter((stage) => statuses[stage] !== undefined)
    .map((stage) => {
      const was = before?.[stage];
      const now = statuses[stage] as string;
      return `${STAGE_LABELS[stage]} ${was !== undefined && was !== now ? `${was} -> ${now}` : now}`;
    })
    .join(", ");
}

function runsText(runs: readonly NodeRun[]): string {
  return runs.map((run) => `run ${run.runId} on ${run.node}`).join(", ");
}

/** What `bbs impact` prints. */
export function formatReverseImpact(result: ReverseImpact): string {
  const lines: string[] = [];
  const name = result.commit === undefined ? result.package : `${result.package}@${result.commit}`;
  if (result.commit === undefined) {
    const commits = [...new Set(result.runs.flatMap((run) => (run.commit === null ? [] : [run.commit])))];
    lines.push(
      `${name} ${result.version ?? ""}${commits.length > 0 ? ` (commit ${commits.join(", ")})` : ""}: last statuses from ${runsText(result.runs)}`.replace(
        "  ",
        " ",
      ),
    );
  } else if (result.built === true) {
    lines.push(
      `${name}: first built in ${runsText(result.runs)}; statuses before it (${runsText(result.beforeRuns ?? [])}) -> with it`,
    );
  } else {
    const last = [...new Set(result.runs.flatMap((run) => (run.commit === null ? [] : [run.commit])))];
    lines.push(
      `${name}: no run has built this commit yet (the last run built ${last.join(", ") || "no commit of it"}); once pushed, these packages are rebuilt against it, last statuses from ${runsText(result.runs)}`,
    );
  }
  if (result.dependents.length === 0) {
    lines.push("no package of the build has it in its dependency closure");
    return `${lines.join("\n")}\n`;
  }
  lines.push(
    `${result.dependents.length} package(s) of the build have it in their dependency closure, in build order:`,
  );
  const width = Math.max(...result.dependents.map((dep) => dep.package.length + (dep.direct ? 9 : 0)));
  for (const dep of result.dependents) {
    const label = `${dep.package}${dep.direct ? " (direct)" : ""}`.padEnd(width);
    const nodes = result.runs.map(
      (run) => `${run.node}: ${stagesText(dep.statuses[run.node], dep.before?.[run.node])}`,
    );
    lines.push(`${String(dep.order).padStart(4)}. ${label}  ${nodes.join("; ")}`);
  }
  return `${lines.join("\n")}\n`;
}
