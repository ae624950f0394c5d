// Which build results keep a package out of OUTGOING (docs/bbs-rules.md#outgoing-blocking).
// Judged per node, from the node named in the OUTGOING
// map alone: BUILD must be OK; workflows stop there (they are not checked);
// CHECK (for books, the rendering stage) must be OK or WARNINGS; a node
// building source packages stops there; BUILD BIN must be OK. A missing
// summary blocks (a late node's packages stay out). INSTALL is never consulted.

import type { BuildType } from "../../config/schema.js";
import type { Stage } from "../../layout/stages.js";

/** The Status of a stage's summary on the node, or undefined when there is no (readable) summary. */
export type StatusReader = (stage: Stage) => string | undefined;

const LABELS: Readonly<Record<Stage, string>> = {
  install: "INSTALL",
  buildsrc: "BUILD",
  checksrc: "CHECK",
  buildbin: "BUILD BIN",
};

/** Why the package is blocked, or undefined when it may go to OUTGOING. */
export function blockReason(status: StatusReader, buildType: BuildType, nodePkgType: string): string | undefined {
  const check = (stage: Stage, allowed: readonly string[]): string | undefined => {
    const value = status(stage);
    if (value === undefined) return `${LABELS[stage]} result missing`;
    return allowed.includes(value) ? undefined : `${LABELS[stage]} ${value}`;
  };
  const build = check("buildsrc", ["OK"]);
  if (build !== undefined) return build;
  // Workflows are not checked.
  if (buildType === "workflows") return undefined;
  const checked = check("checksrc", ["OK", "WARNINGS"]);
  if (checked !== undefined) return checked;
  if (nodePkgType === "source") return undefined;
  return check("buildbin", ["OK"]);
}
