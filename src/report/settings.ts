// What the build's configuration decides about the report: the title
// (docs/bbs-rules.md#report-titles), displayed stages, LEDs, reverse dependencies, landing-page links and
// the legend's wording (docs/bbs-rules.md#report-legend-and-filtering). Pure functions of the central config.

import { reportTitle } from "../results/title.js";
import type { ResolvedConfig } from "../config/load.js";
import { parseOutgoing, type OutgoingSource } from "../config/nodes.js";
import type { BuildType } from "../config/schema.js";
import { displayedStages } from "../results/status.js";
import { STAGE_LABELS, type Stage, perStage } from "../layout/stages.js";

export interface ReportSettings {
  buildType: BuildType;
  biocVersion: string;
  /** Number of report nodes (the title depends on it). */
  nodeCount: number;
  title: string;
  simpleLayout: boolean;
  alphabetDispatch: boolean;
  rawResults: boolean;
  motd?: string;
  displayedStages: Stage[];
  /** Propagation LED column (all build types but bioc-longtests, bioc-testing, cran). */
  propagationColumn: boolean;
  /** Reverse-dependency sections on package pages (bioc builds). */
  reverseDeps: boolean;
  outgoing: OutgoingSource[];
  /** Per stage, minutes after which a job times out. */
  timeoutMinutes: Record<Stage, number>;
}

export function settingsFrom(central: ResolvedConfig, nodeCount: number): ReportSettings {
  const v = central.values;
  const minutes = (seconds: number): number => Math.round(seconds / 60);
  const settings: ReportSettings = {
    buildType: v.buildType,
    biocVersion: v.biocVersion,
    nodeCount,
    title: reportTitle(v.buildType, v.biocVersion, nodeCount),
    simpleLayout: v["report.simpleLayout"],
    alphabetDispatch: v["report.alphabetDispatch"],
    rawResults: v["report.rawResults"],
    displayedStages: displayedStages(v.buildType),
    propagationColumn: !["bioc-longtests", "bioc-testing", "cran"].includes(v.buildType),
    reverseDeps: v.buildType === "bioc",
    outgoing: parseOutgoing(v.outgoing),
    timeoutMinutes: perStage((entry) => minutes(v[`timeouts.${entry.configKey}`])),
  };
  const motd = v["report.motd"];
  if (motd !== undefined && motd.trim() !== "") settings.motd = motd;
  return settings;
}

/** The package's page on the Bioconductor (or CRAN) web site. */
export function landingPageUrl(buildType: BuildType, biocVersion: string, pkg: string): string {
  const name = encodeURIComponent(pkg);
  if (buildType === "cran") return `https://cran.rstudio.com/package=${name}`;
  if (buildType === "books") return `/books/${encodeURIComponent(biocVersion)}/${name}/`;
  return `/packages/${encodeURIComponent(biocVersion)}/${name}`;
}

/** "A, B or C" (or "and"). */
export function enumerate(items: readonly string[], conjunction: "or" | "and"): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} ${conjunction} ${items[items.length - 1] ?? ""}`;
}

export interface LegendEntry {
  status: "TIMEOUT" | "ERROR" | "WARNINGS" | "OK" | "NA" | "skipped";
  /** Lower-case class the filter checkbox toggles; undefined for NA and skipped (not filterable). */
  filter?: "timeout" | "error" | "warnings" | "ok";
  text: string;
}

/** The glyph legend (docs/bbs-rules.md#report-legend-and-filtering), worded from the displayed stages and timeouts. */
export function legendEntries(settings: ReportSettings, layout: "long" | "simple"): LegendEntry[] {
  const stages = settings.displayedStages;
  const labels = stages.map((stage) => STAGE_LABELS[stage]);
  const hasCheck = stages.includes("checksrc");
  const entries: LegendEntry[] = [{ status: "TIMEOUT", filter: "timeout", text: timeoutText(settings) }];
  const failing = stages.filter((stage) => stage !== "checksrc").map((stage) => STAGE_LABELS[stage]);
  let errorText = "Bad DESCRIPTION file";
  if (failing.length > 0) errorText += `, or ${enumerate(failing, "or")} of package failed`;
  if (hasCheck) errorText += ", or CHECK produced errors";
  entries.push({ status: "ERROR", filter: "error", text: errorText });
  if (hasCheck) entries.push({ status: "WARNINGS", filter: "warnings", text: "CHECK of package produced warnings" });
  entries.push({
    status: "OK",
    filter: "ok",
    text: `${enumerate(labels, layout === "simple" ? "and" : "or")} of package went OK`,
  });
  entries.push({
    status: "NA",
    text: `${enumerate(labels, "or")} result is not available because of an anomaly in the Build System`,
  });
  const skippable = stages
    .filter((stage) => stage === "checksrc" || stage === "buildbin")
    .map((stage) => STAGE_LABELS[stage]);
  if (layout === "long" && skippable.length > 0) {
    entries.push({
      status: "skipped",
      text: `${enumerate(skippable, "or")} of package was skipped because the BUILD step failed`,
    });
  }
  return entries;
}

function timeoutText(settings: ReportSettings): string {
  const byMinutes = new Map<number, string[]>();
  for (const stage of settings.displayedStages) {
    const minutes = settings.timeoutMinutes[stage];
    byMinutes.set(minutes, [...(byMinutes.get(minutes) ?? []), STAGE_LABELS[stage]]);
  }
  return [...byMinutes]
    .map(
      ([minutes, labels]) =>
        `${enumerate(labels, "or")} of package took more than ${minutes} minute${minutes === 1 ? "" : "s"}`,
    )
    .join("; ");
}

export const LED_LEGEND = [
  {
    color: "Green",
    verdict: "YES",
    text: "Package was propagated because it didn't previously exist or version was bumped",
  },
  {
    color: "Red",
    verdict: "NO",
    text: "Package was not propagated because of impossible dependencies, or version lower than what is already propagated",
  },
  {
    color: "Blue",
    verdict: "UNNEEDED",
    text: "Package was not propagated because it is already in the repository with this version. A version bump is required in order to propagate a new version",
  },
] as const;
