// The inputs of each job of a planned run (incremental runs,
// docs/run.md#incremental-runs): what its result depends on, so that a job
// whose inputs are those of an earlier run's job can take that result
// instead of running again. The closure is the STAGE2 graph's: INSTALL
// against its Depends/Imports/LinkingTo, transitively; BUILD, CHECK and
// BUILD BIN also against its Suggests and their closures (what the vignettes
// and tests load). Each package of the closure counts with its version and,
// for a package bbs builds tonight, its commit: a commit deep in the chain
// changes the inputs of exactly the packages above it.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { inputsHash, type ClosureEntry, type JobInputs } from "../../history/inputs.js";
import type { Stage } from "../../layout/stages.js";
import type { InstalledPackage } from "../../rpkg/r-env.js";
import {
  buildbinCommand,
  buildCommand,
  checkCommand,
  installCommand,
  nonTargetInstallCommand,
} from "../../rpkg/r-commands.js";
import type { DependencyGraph } from "./dep-graph.js";
import type { PlannedTarget } from "./plan.js";
import type { StageJobSettings } from "./stage-jobs.js";

/**
 * bbs's own definition of the jobs: raise it when what a job runs or how its
 * status is judged changes (every job then runs again once).
 */
export const JOB_DEFINITION = "bbs-jobs-1";

export interface JobInputsRecord {
  readonly inputHash: string;
  readonly inputs: JobInputs;
}

export interface InputsContext {
  readonly targets: readonly PlannedTarget[];
  readonly graph: DependencyGraph;
  readonly installed: ReadonlyMap<string, InstalledPackage>;
  /** First line of `R --version`. */
  readonly rVersion: string;
  readonly settings: StageJobSettings;
}

/** The contents of a file the jobs read through their environment (R_ENVIRON_USER), as a hash; "absent" when unreadable. */
function fileDigest(path: string): string {
  try {
    return createHash("sha256").update(readFileSync(path)).digest("hex");
  } catch {
    return "absent";
  }
}

/** Computes and memoises the inputs of a run's jobs. */
export class RunInputs {
  private readonly deps: Map<string, readonly string[]>;
  private readonly graphVersions: Map<string, string>;
  private readonly targets: Map<string, PlannedTarget>;
  private readonly hardClosures = new Map<string, ReadonlySet<string>>();
  private readonly environment: Record<string, string>;

  constructor(private readonly context: InputsContext) {
    this.deps = new Map(context.graph.nodes.map((node) => [node.name, node.deps] as const));
    this.graphVersions = new Map();
    for (const node of context.graph.nodes)
      if (node.version !== undefined) this.graphVersions.set(node.name, node.version);
    this.targets = new Map(context.targets.map((target) => [target.name, target] as const));
    const env = context.settings.env;
    this.environment = Object.fromEntries(
      Object.keys(env)
        .sort()
        .map((name) => [`env.${name}`, env[name] as string]),
    );
    // The file R reads at every start matters by its contents, not its name.
    if (env.R_ENVIRON_USER !== undefined) this.environment["file.R_ENVIRON_USER"] = fileDigest(env.R_ENVIRON_USER);
  }

  /** The inputs of one job; undefined for a job that runs nothing (an installed non-target). */
  of(stage: Stage, pkg: string): JobInputsRecord | undefined {
    const target = this.targets.get(pkg);
    if (target === undefined && stage !== "install") return undefined;
    const names = stage === "install" ? this.hardClosure(pkg) : this.softClosure(target as PlannedTarget);
    const closure: Record<string, ClosureEntry> = {};
    for (const name of [...names].sort()) if (name !== pkg) closure[name] = this.entry(name);
    const inputs: JobInputs = {
      format: 1,
      definition: JOB_DEFINITION,
      stage,
      package: pkg,
      version: target?.version ?? null,
      commit: target?.commit ?? null,
      rVersion: this.context.rVersion,
      config: this.config(stage, pkg, target),
      closure,
    };
    return { inputHash: inputsHash(inputs), inputs };
  }

  private entry(name: string): ClosureEntry {
    const target = this.targets.get(name);
    if (target !== undefined) return { version: target.version, commit: target.commit };
    const installed = this.context.installed.get(name)?.version;
    return { version: installed ?? this.graphVersions.get(name) ?? null, commit: null };
  }

  /** The package and everything it needs installed: Depends, Imports, LinkingTo, transitively. */
  private hardClosure(pkg: string): ReadonlySet<string> {
    const known = this.hardClosures.get(pkg);
    if (known !== undefined) return known;
    const closure = new Set<string>();
    const queue = [pkg];
    while (queue.length > 0) {
      const name = queue.pop() as string;
      if (closure.has(name)) continue;
      const memo = name === pkg ? undefined : this.hardClosures.get(name);
      if (memo !== undefined) {
        for (const item of memo) closure.add(item);
        continue;
      }
      closure.add(name);
      queue.push(...(this.deps.get(name) ?? []));
    }
    this.hardClosures.set(pkg, closure);
    return closure;
  }

  private softClosure(target: PlannedTarget): ReadonlySet<string> {
    const closure = new Set(this.hardClosure(target.name));
    for (const dependency of target.description.dependencies("Suggests"))
      for (const name of this.hardClosure(dependency.name)) closure.add(name);
    return closure;
  }

  /** The node's config reaching the job: its command line (options and .BBSoptions included), environment, timeout. */
  private config(stage: Stage, pkg: string, target: PlannedTarget | undefined): Record<string, string> {
    const { commands, timeoutsMs } = this.context.settings;
    let command: string;
    if (target === undefined) command = nonTargetInstallCommand(commands, pkg);
    else {
      const tarball = `${pkg}_${target.version}.tar.gz`;
      switch (stage) {
        case "install":
          command = installCommand(commands, pkg, target.options);
          break;
        case "buildsrc":
          command = buildCommand(commands, pkg, target.options);
          break;
        case "checksrc":
          command = checkCommand(commands, { pkg, tarball, reuseInstall: true, options: target.options });
          break;
        case "buildbin":
          command = buildbinCommand(commands, pkg, tarball, target.options);
          break;
      }
    }
    return { command, timeoutMs: String(timeoutsMs[stage]), ...this.environment };
  }
}
