// The lower bound on any schedule's makespan, from a set of job durations:
// the largest of
//   - the critical path: a package's install chain (its install after those
//     of all its dependencies, recursively) plus its own build and check;
//   - for each stage, the stage's total work divided by its slots.

import type { WorkloadPackage } from "./workload.js";

export interface StageDurations {
  readonly install: ReadonlyMap<string, number>;
  readonly build: ReadonlyMap<string, number>;
  readonly check: ReadonlyMap<string, number>;
}

export interface LowerBound {
  readonly value: number;
  readonly criticalPath: number;
  readonly criticalPackages: readonly string[];
  readonly stageBound: Readonly<Record<"install" | "build" | "check", number>>;
  /** Which term is the bound. */
  readonly boundBy: string;
}

export function lowerBound(
  packages: readonly WorkloadPackage[],
  durations: StageDurations,
  slots: Readonly<Record<"install" | "build" | "check", number>>,
): LowerBound {
  const byName = new Map(packages.map((pkg) => [pkg.name, pkg]));
  const chain = new Map<string, { length: number; via: string | undefined }>();
  // Iterative post-order (chains are deep: no recursion).
  for (const root of packages) {
    if (chain.has(root.name)) continue;
    const stack: Array<{ name: string; expanded: boolean }> = [{ name: root.name, expanded: false }];
    const onStack = new Set<string>();
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { name: string; expanded: boolean };
      if (chain.has(top.name)) {
        stack.pop();
        continue;
      }
      const pkg = byName.get(top.name);
      if (!top.expanded) {
        top.expanded = true;
        onStack.add(top.name);
        for (const dep of pkg?.deps ?? [])
          if (!chain.has(dep) && !onStack.has(dep) && byName.has(dep)) stack.push({ name: dep, expanded: false });
        continue;
      }
      let best = 0;
      let via: string | undefined;
      for (const dep of pkg?.deps ?? []) {
        const length = chain.get(dep)?.length ?? 0;
        if (length > best) {
          best = length;
          via = dep;
        }
      }
      chain.set(top.name, { length: best + (durations.install.get(top.name) ?? 0), via });
      onStack.delete(top.name);
      stack.pop();
    }
  }
  let criticalPath = 0;
  let end: string | undefined;
  for (const pkg of packages) {
    const total =
      (chain.get(pkg.name)?.length ?? 0) + (durations.build.get(pkg.name) ?? 0) + (durations.check.get(pkg.name) ?? 0);
    if (total > criticalPath) {
      criticalPath = total;
      end = pkg.name;
    }
  }
  const criticalPackages: string[] = [];
  for (let name = end; name !== undefined; name = chain.get(name)?.via) criticalPackages.push(name);
  const sum = (values: ReadonlyMap<string, number>) => [...values.values()].reduce((total, value) => total + value, 0);
  const stageBound = {
    install: sum(durations.install) / slots.install,
    build: sum(durations.build) / slots.build,
    check: sum(durations.check) / slots.check,
  };
  const terms: Array<[string, number]> = [
    ["critical path", criticalPath],
    ["install work / slots", stageBound.install],
    ["build work / slots", stageBound.build],
    ["check work / slots", stageBound.check],
  ];
  const [boundBy, value] = terms.reduce((best, term) => (term[1] > best[1] ? term : best));
  return { value, criticalPath, criticalPackages, stageBound, boundBy };
}
