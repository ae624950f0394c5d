// The report's title (BBSreportutils.make_report_title), shared by the HTML
// report (page titles) and notify (email subjects and bodies), which must say
// exactly the same thing.

import type { BuildType } from "../config/schema.js";

/**
 * E.g. `Multiple platform build/check report for BioC 3.21` (more than one
 * report node), `Build/check report for BioC 3.21 annotations`, `Workflows
 * build report for BioC 3.21`, `Long Tests report for BioC 3.21`.
 * `reportNodeCount` counts every report node, foreign ones included, as BBS does.
 */
export function reportTitle(buildType: BuildType, biocVersion: string, reportNodeCount: number): string {
  let title: string;
  switch (buildType) {
    case "bioc-longtests":
      title = "Long Tests";
      break;
    case "workflows":
      title = "Workflows build";
      break;
    case "books":
      title = "Books build";
      break;
    case "bioc-testing":
      title = '"Blame Jeroen" build/check';
      break;
    default:
      title = reportNodeCount === 1 ? "Build/check" : "Multiple platform build/check";
  }
  title += " report for ";
  if (buildType === "cran") return `${title}CRAN`;
  title += `BioC ${biocVersion}`;
  if (buildType === "data-annotation") title += " annotations";
  else if (buildType === "data-experiment") title += " experimental data";
  return title;
}
