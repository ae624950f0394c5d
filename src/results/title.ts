// The title of a build's report and emails (docs/bbs-rules.md#report-titles, BBSreportutils.make_report_title).

import type { BuildType } from "../config/schema.js";

/** Report title rules (docs/bbs-rules.md#report-titles) (BBSreportutils.make_report_title). */
export function reportTitle(buildType: BuildType, biocVersion: string, nodeCount: number): string {
  let title: string;
  if (buildType === "bioc-longtests") title = "Long Tests";
  else if (buildType === "workflows") title = "Workflows build";
  else if (buildType === "books") title = "Books build";
  else if (buildType === "bioc-testing") title = '"Blame Jeroen" build/check';
  else title = nodeCount !== 1 ? "Multiple platform build/check" : "Build/check";
  title += " report for ";
  if (buildType === "cran") return `${title}CRAN`;
  title += `BioC ${biocVersion}`;
  if (buildType === "data-annotation") title += " annotations";
  else if (buildType === "data-experiment") title += " experimental data";
  return title;
}
