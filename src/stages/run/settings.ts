// What one `bbs run` invocation works with, from the node's configuration
// and the command line: its stages, the job settings (command lines,
// timeouts, slots) and the packages of `--packages`.

import type { ResolvedConfig } from "../../config/load.js";
import { BbsError } from "../../util/errors.js";
import { perStage, STAGE_TABLE, stageEntry, stageOfNumber, type Stage, type StageNumber } from "../../layout/stages.js";
import type { PlannedTarget } from "./plan.js";
import type { Stage2Inputs } from "./prepare.js";
import { MEAT_INDEX_FILE } from "../../layout/central.js";

export { commandSettings } from "../../rpkg/command-settings.js";

/** The stages an invocation runs, validated against the node. */
export function resolveStages(
  config: ResolvedConfig,
  options: { readonly stages?: readonly StageNumber[]; readonly noBin?: boolean },
  note: (message: string) => void,
): Stage[] {
  const buildsBinaries = config.values.pkgType !== "source";
  if (options.stages !== undefined) {
    if (options.stages.includes(5) && !buildsBinaries) {
      throw new BbsError(
        "BBS_USAGE",
        `node ${config.nodeId} builds no binary packages (pkgType: source): STAGE5 does not apply`,
        {
          hint: "run --stages 2,3,4 (or --no-bin) on this node",
        },
      );
    }
    const stages = options.noBin === true ? options.stages.filter((number) => number !== 5) : options.stages;
    return stages.map(stageOfNumber);
  }
  const numbers = STAGE_TABLE.map((entry) => entry.number).filter(
    (number) => number !== 5 || (options.noBin !== true && buildsBinaries),
  );
  if (options.noBin !== true && !buildsBinaries)
    note(`node ${config.nodeId} builds no binary packages (pkgType: source): STAGE5 is left out`);
  return numbers.map(stageOfNumber);
}

export function timeoutsMs(config: ResolvedConfig): Record<Stage, number> {
  return perStage((entry) => config.values[`timeouts.${entry.configKey}`] * 1000);
}

/** `--packages`: the named packages (checked against the targets) and, for STAGE2, the packages they need. */
export function packageScope(names: readonly string[], targets: ReadonlySet<string>, runId: string): Set<string> {
  const unknown = names.filter((name) => !targets.has(name));
  if (unknown.length > 0) {
    throw new BbsError(
      "BBS_USAGE",
      `--packages: ${unknown.join(", ")} ${unknown.length === 1 ? "is not a target package" : "are not target packages"} of run ${runId} on this node`,
      {
        hint: `name packages of the run's ${MEAT_INDEX_FILE} that this node supports (UnsupportedPlatforms)`,
      },
    );
  }
  return new Set(names);
}

/**
 * `--dependents`: the named packages and the targets that depend on them, transitively,
 * through Depends, Imports, LinkingTo or Suggests (their INSTALL, BUILD or CHECK loads them).
 */
export function withDependents(
  named: ReadonlySet<string>,
  stage2: Stage2Inputs,
  targets: readonly PlannedTarget[],
): Set<string> {
  const deps = new Map(stage2.graph.nodes.map((node) => [node.name, node.deps] as const));
  const result = new Set(named);
  let grew = true;
  while (grew) {
    grew = false;
    for (const target of targets) {
      if (result.has(target.name)) continue;
      const needs = [
        ...(deps.get(target.name) ?? []),
        ...target.description.dependencies("Suggests").map((dependency) => dependency.name),
      ];
      if (needs.some((name) => result.has(name))) {
        result.add(target.name);
        grew = true;
      }
    }
  }
  return result;
}

/** Named packages, their Suggests, and everything those need (Depends/Imports/LinkingTo), within the graph. */
export function installClosure(
  named: ReadonlySet<string>,
  stage2: Stage2Inputs,
  targets: readonly PlannedTarget[],
): Set<string> {
  const deps = new Map(stage2.graph.nodes.map((node) => [node.name, node.deps] as const));
  const byName = new Map(targets.map((target) => [target.name, target] as const));
  const queue = [...named];
  for (const name of named)
    for (const dependency of byName.get(name)?.description.dependencies("Suggests") ?? []) queue.push(dependency.name);
  const closure = new Set<string>();
  while (queue.length > 0) {
    const name = queue.pop() as string;
    if (closure.has(name) || !deps.has(name)) continue;
    closure.add(name);
    queue.push(...(deps.get(name) ?? []));
  }
  return closure;
}

/** The slots of a stage's pool (STAGE5: BBS_NB_CPU, here slots.buildbin). */
export function slotsOf(config: ResolvedConfig, stage: Stage): number {
  return config.values[`slots.${stageEntry(stage).configKey}`];
}
