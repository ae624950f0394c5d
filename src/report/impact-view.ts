// The package page's "Impact of a change" rows (src/report/impact.ts finds
// the impacts of a run; this module only shapes them for the page template).

import { describeChange, describeOwn, describeStreak } from "../results/impact.js";
import type { PackageModel, ReportModel } from "./model.js";
import { enc } from "./views.js";

/** The package page's rows: one per node where the package got worse. */
export function impactView(model: ReportModel, pkg: PackageModel): { rows: object[] } | undefined {
  const impacts = model.impacts.get(pkg.name);
  if (impacts === undefined || impacts.length === 0) return undefined;
  const nodeById = new Map(model.nodes.map((node) => [node.id, node] as const));
  return {
    rows: impacts.map((impact) => {
      const head = describeStreak(impact);
      const diff = impact.diff;
      return {
        nodeId: impact.node,
        nodeClass: nodeById.get(impact.node)?.cssClass ?? "",
        head,
        known: diff !== undefined,
        dependencies:
          diff?.dependencies.map((change) => {
            const other = model.byName.get(change.package);
            return {
              name: change.package,
              rest: describeChange(change).slice(change.package.length),
              href: other?.hasDir === true ? `../${enc(other.name)}/` : undefined,
            };
          }) ?? [],
        own: diff === undefined ? "" : describeOwn(diff),
      };
    }),
  };
}
