// The vocabulary of build results shared by postrun, the report and notify:
// statuses, which stages a build type displays, and the `skipped`
// derivation (docs/bbs-rules.md#derived-statuses): CHECK and BUILD BIN are `skipped` when BUILD
// ended in ERROR or TIMEOUT. `skipped` is derived by readers, never recorded.

import type { BuildType } from "../config/schema.js";
import type { Stage } from "../layout/stages.js";

/** Statuses a summary can record. */
export const RECORDED_STATUSES = ["OK", "WARNINGS", "ERROR", "TIMEOUT", "NotNeeded"] as const;
export type RecordedStatus = (typeof RECORDED_STATUSES)[number];

/** Every status a cell of the results can show: recorded, missing (`NA`) or derived (`skipped`). */
export type Status = RecordedStatus | "NA" | "skipped";

/** A status read from a file: anything unknown is treated as NA (an anomaly), never crashes a reader. */
export function asStatus(value: string | undefined): Status {
  if (value === undefined) return "NA";
  if ((RECORDED_STATUSES as readonly string[]).includes(value) || value === "NA" || value === "skipped")
    return value as Status;
  return "NA";
}

/** Stages that produce a line in BUILD_STATUS_DB.txt / a column in the report, for a node (docs/formats.md#build_status_dbtxt). */
export function stagesFor(buildType: BuildType, binNode: boolean): Stage[] {
  const stages: Stage[] = [];
  if (buildType !== "bioc-longtests") stages.push("install");
  stages.push("buildsrc");
  if (buildType !== "workflows") stages.push("checksrc");
  if (binNode) stages.push("buildbin");
  return stages;
}

/** Stage columns the report displays for a build type, whatever the node (docs/bbs-rules.md#stages). */
export function displayedStages(buildType: BuildType): Stage[] {
  switch (buildType) {
    case "bioc-longtests":
      return ["checksrc"];
    case "workflows":
      return ["install", "buildsrc"];
    case "data-annotation":
    case "data-experiment":
    case "books":
      return ["install", "buildsrc", "checksrc"];
    default:
      return ["install", "buildsrc", "checksrc", "buildbin"];
  }
}

/** The status shown for a stage, given BUILD's status on the same node (docs/bbs-rules.md#derived-statuses). */
export function withSkipped(stage: Stage, recorded: Status, buildStatus: Status): Status {
  if ((stage === "checksrc" || stage === "buildbin") && (buildStatus === "ERROR" || buildStatus === "TIMEOUT"))
    return "skipped";
  return recorded;
}

/** Statuses that make a maintainer email (docs/bbs-rules.md#notify): TIMEOUT and ERROR of INSTALL, BUILD, CHECK. */
export function isNotifiable(stage: Stage, status: Status): boolean {
  return stage !== "buildbin" && (status === "ERROR" || status === "TIMEOUT");
}
