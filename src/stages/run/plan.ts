// The job list of one `bbs run` for the engine (one engine serves every
// stage): pools install, buildsrc, checksrc, buildbin, in BBS's job order
// (STAGE2 in dependency-graph file order, the other stages in target order),
// so `--schedule barrier` with the given order is BBS.
//
//   install:<pkg>   one per package of the dependency graph: a target is
//                   installed from meat; a non-target already installed is a
//                   job without command (skipped, no files, as BBS); a
//                   missing non-target is installed from the non-target
//                   repositories. Dependencies: its graph dependencies.
//   buildsrc:<pkg>  after install:<pkg>; also waits for the installation of
//                   the packages it Suggests (vignettes, and CHECK's
//                   suggested packages, need them; under BBS's barrier they
//                   were always there, so both schedules give the same results).
//   checksrc:<pkg>  after buildsrc:<pkg>, skipped when BUILD is not OK or
//                   WARNINGS (BBS: no CHECK job after a failed BUILD; the
//                   report derives `skipped`); waits for its Suggests too.
//   buildbin:<pkg>  likewise.
// Without BUILD in the run (`--stage 4`), the candidates are the targets whose
// BUILD summary in meat says OK or WARNINGS (docs/bbs-rules.md#targets-and-meat).

import type { JobSpec } from "../../jobs/types.js";
import type { Stage } from "../../layout/stages.js";
import type { Description } from "../../rpkg/description.js";
import type { DependencyGraph } from "./dep-graph.js";
import {
  buildbinJob,
  buildJob,
  checkJob,
  installNonTargetJob,
  installTargetJob,
  type StageJobSettings,
  type StageOutcome,
  type TargetPackage,
} from "./stage-jobs.js";

export interface PlannedTarget extends TargetPackage {
  readonly description: Description;
}

export interface PlanInputs {
  /** Stages of this invocation, in order. */
  readonly stages: readonly Stage[];
  /** Targets with sources in meat, sorted case-insensitively. */
  readonly targets: readonly PlannedTarget[];
  /** The STAGE2 graph (when install is one of the stages). */
  readonly graph: DependencyGraph | undefined;
  /** Packages installed before the run (non-targets among them are not installed again). */
  readonly installed: ReadonlySet<string>;
  /** Packages whose installs this run does (default: the whole graph); build and later stages only for `buildFor`. */
  readonly installFor?: ReadonlySet<string>;
  readonly buildFor?: ReadonlySet<string>;
  /** Outcomes of BUILD jobs not in this run (summaries in meat), for CHECK and BUILD BIN. */
  readonly earlierBuilds: ReadonlyMap<string, StageOutcome>;
  readonly estimates: Readonly<Record<Stage, ReadonlyMap<string, number>>>;
  /** Packages whose BUILD failed on every recent night: their CHECK and BUILD BIN are likely skipped (time forecasts). */
  readonly failingBuilds?: ReadonlySet<string>;
  readonly settings: StageJobSettings;
}

/** Metadata of a job for logs and history. */
export interface JobInfo {
  readonly pkg: string;
  readonly stage: Stage;
  /** null: non-target install (no version in its summary). */
  readonly version: string | null;
}

export interface RunPlan {
  readonly jobs: readonly JobSpec<StageOutcome>[];
  readonly info: ReadonlyMap<string, JobInfo>;
  /** Counts of STAGE2's queue, as BBS logs them. */
  readonly installQueue: { readonly targets: number; readonly nonTargets: number; readonly alreadyInstalled: number };
}

export function jobId(stage: Stage, pkg: string): string {
  return `${stage}:${pkg}`;
}

/** BUILD (and CHECK after it) found nothing wrong enough to stop. */
export function buildSucceeded(status: string | undefined): boolean {
  return status === "OK" || status === "WARNINGS";
}

const skipAfterFailedBuild = (context: { previous: { outcome?: StageOutcome } | undefined }): boolean =>
  !buildSucceeded(context.previous?.outcome?.status);

export function planRun(inputs: PlanInputs): RunPlan {
  const { stages, targets, settings } = inputs;
  const runs = (stage: Stage) => stages.includes(stage);
  const jobs: JobSpec<StageOutcome>[] = [];
  const info = new Map<string, JobInfo>();
  const installQueue = { targets: 0, nonTargets: 0, alreadyInstalled: 0 };
  const add = (job: JobSpec<StageOutcome>, meta: JobInfo) => {
    jobs.push(job);
    info.set(job.id, meta);
  };
  const estimate = (stage: Stage, pkg: string) => inputs.estimates[stage].get(pkg);
  const targetByName = new Map(targets.map((target) => [target.name, target] as const));
  const installIds = new Set<string>();

  if (runs("install") && inputs.graph !== undefined) {
    for (const node of inputs.graph.nodes) {
      if (inputs.installFor !== undefined && !inputs.installFor.has(node.name)) continue;
      const id = jobId("install", node.name);
      installIds.add(id);
      const target = targetByName.get(node.name);
      const base = { id, pool: "install", label: node.name, deps: node.deps.map((dep) => jobId("install", dep)) };
      const withEstimate = (value: number | undefined) => (value === undefined ? {} : { estimate: value });
      if (target !== undefined) {
        installQueue.targets += 1;
        add(
          { ...base, ...withEstimate(estimate("install", node.name)), run: installTargetJob(target, settings) },
          { pkg: node.name, stage: "install", version: target.version },
        );
      } else if (inputs.installed.has(node.name)) {
        installQueue.alreadyInstalled += 1;
        add(base, { pkg: node.name, stage: "install", version: null });
      } else {
        installQueue.nonTargets += 1;
        add(
          { ...base, ...withEstimate(estimate("install", node.name)), run: installNonTargetJob(node.name, settings) },
          { pkg: node.name, stage: "install", version: null },
        );
      }
    }
  }

  // The installs a package's BUILD and CHECK wait for: its own and those of the packages it Suggests.
  const waitsFor = (target: PlannedTarget): string[] => {
    if (installIds.size === 0) return [];
    const names = [target.name, ...target.description.dependencies("Suggests").map((dependency) => dependency.name)];
    return [...new Set(names.map((name) => jobId("install", name)))].filter((id) => installIds.has(id));
  };
  const later = inputs.buildFor === undefined ? targets : targets.filter((target) => inputs.buildFor?.has(target.name));

  if (runs("buildsrc")) {
    for (const target of later) {
      const own = jobId("install", target.name);
      add(
        {
          id: jobId("buildsrc", target.name),
          pool: "buildsrc",
          label: target.name,
          deps: waitsFor(target),
          ...(installIds.has(own) ? { after: own } : {}),
          ...(estimate("buildsrc", target.name) === undefined ? {} : { estimate: estimate("buildsrc", target.name) }),
          run: buildJob(target, settings),
        },
        { pkg: target.name, stage: "buildsrc", version: target.version },
      );
    }
  }

  for (const stage of ["checksrc", "buildbin"] as const) {
    if (!runs(stage)) continue;
    for (const target of later) {
      const build = jobId("buildsrc", target.name);
      // Without BUILD in this run, only packages whose BUILD succeeded get a job (BBS).
      if (!runs("buildsrc") && !buildSucceeded(inputs.earlierBuilds.get(target.name)?.status)) continue;
      add(
        {
          id: jobId(stage, target.name),
          pool: stage,
          label: target.name,
          deps: waitsFor(target),
          after: build,
          skipWhen: skipAfterFailedBuild,
          ...(runs("buildsrc") && inputs.failingBuilds?.has(target.name) ? { likelySkipped: true } : {}),
          ...(estimate(stage, target.name) === undefined ? {} : { estimate: estimate(stage, target.name) }),
          run: stage === "checksrc" ? checkJob(target, settings) : buildbinJob(target, settings),
        },
        { pkg: target.name, stage, version: target.version },
      );
    }
  }
  return { jobs, info, installQueue };
}
