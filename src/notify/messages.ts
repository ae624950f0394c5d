// Who gets mail after a build and what it says (BBS-notify.py, docs/bbs-rules.md#notify):
// for each meat-index package (case-insensitive order) that is not
// Deprecated, the TIMEOUT and ERROR statuses of INSTALL, BUILD and CHECK
// (the stages the build type displays; WARNINGS and BUILD BIN never notify)
// on the notify nodes, read from BUILD_STATUS_DB.txt (where `skipped` is
// already derived). One email per package to its MaintainerEmail, with
// BBS's text; `bioconductor@stat.math.ethz.ch` (a mailing list) is
// redirected to the operators. The digest mode sends each address one email
// for all its packages.

import type { BuildType } from "../config/schema.js";
import type { Stage } from "../layout/stages.js";
import { asStatus, displayedStages, isNotifiable } from "../results/status.js";
import { buildStatusKey } from "../results/status-db.js";
import { sortCaseInsensitively, type MeatIndexRecord } from "../rpkg/meat-index.js";
import { describeChange, describeOwn, describeStreak, type PackageImpact } from "../results/impact.js";

/** The mailing list BBS never mails directly (BBS-notify.py). */
export const REDIRECTED_LIST = "bioconductor@stat.math.ethz.ch";

export interface Problem {
  node: string;
  stage: Stage;
  status: string;
  /** The leaf page: `<report.publishedUrl><pkg>/<node>-<stage>.html`. */
  url: string;
}

export interface PackageProblems {
  package: string;
  maintainer?: string;
  /** Where the email goes (after the mailing-list redirection). */
  to: string;
  problems: Problem[];
  /** What changed since the last good run, on the nodes where it got worse (src/results/impact.ts). */
  impacts?: PackageImpact[];
}

export interface Email {
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** Packages the email is about. */
  packages: string[];
  headers?: Record<string, string>;
}

export interface ProblemInput {
  records: readonly MeatIndexRecord[];
  /** BUILD_STATUS_DB.txt as a map from `<pkg>#<node>#<stage>` to status. */
  statuses: ReadonlyMap<string, string>;
  notifyNodes: readonly string[];
  buildType: BuildType;
  /** report.publishedUrl (a trailing `/` is added when missing). */
  publishedUrl: string;
  /** Where mail to the redirected mailing list goes (notify.opsEmail). */
  listRedirect: string;
}

export interface ProblemScan {
  packages: PackageProblems[];
  /** Packages with problems but no MaintainerEmail in the meat index (nobody to tell). */
  withoutEmail: string[];
  /** Deprecated packages with problems (BBS sends them nothing). */
  deprecated: string[];
}

const NOTIFIED_STAGES: readonly Stage[] = ["install", "buildsrc", "checksrc"];

function commandName(stage: Stage, buildType: BuildType): string {
  if (stage === "install") return "R CMD INSTALL";
  if (stage === "buildsrc") return "R CMD build";
  return buildType === "books" ? "CHECK" : "R CMD check";
}

export function leafReportUrl(publishedUrl: string, pkg: string, node: string, stage: Stage): string {
  const base = publishedUrl.endsWith("/") ? publishedUrl : `${publishedUrl}/`;
  return `${base}${pkg}/${node}-${stage}.html`;
}

export function collectProblems(input: ProblemInput): ProblemScan {
  const stages = displayedStages(input.buildType).filter((stage) => NOTIFIED_STAGES.includes(stage));
  const scan: ProblemScan = { packages: [], withoutEmail: [], deprecated: [] };
  for (const record of sortCaseInsensitively(input.records, (r) => r.package)) {
    const problems: Problem[] = [];
    for (const node of input.notifyNodes) {
      for (const stage of stages) {
        const status = input.statuses.get(buildStatusKey(record.package, node, stage));
        if (status === undefined || !isNotifiable(stage, asStatus(status))) continue;
        problems.push({ node, stage, status, url: leafReportUrl(input.publishedUrl, record.package, node, stage) });
      }
    }
    if (problems.length === 0) continue;
    if (record.packageStatus === "Deprecated") {
      scan.deprecated.push(record.package);
      continue;
    }
    const email = record.maintainerEmail?.trim();
    if (email === undefined || email === "") {
      scan.withoutEmail.push(record.package);
      continue;
    }
    scan.packages.push({
      package: record.package,
      ...(record.maintainer === undefined ? {} : { maintainer: record.maintainer }),
      to: email === REDIRECTED_LIST ? input.listRedirect : email,
      problems,
    });
  }
  return scan;
}

const HEAD = "[This is an automatically generated email. Please don't reply.]\n";

function tail(plural: boolean): string {
  return `Please take the time to address this by committing and pushing\nchanges to your ${plural ? "packages" : "package"} at git.bioconductor.org\n`;
}

const FOOTNOTE =
  "Notes:\n\n" +
  "  * This was the status of your package at the time this email was sent to you.\n" +
  "    Given that the online report is updated daily (in normal conditions) you\n" +
  "    could see something different when you visit the URL(s) above, especially if\n" +
  "    you do so several days after you received this email.\n\n" +
  "  * It is possible that the problems reported in this report are false positives,\n" +
  "    either because another package (from CRAN or Bioconductor) breaks your\n" +
  "    package (if yours depends on it) or because of a Build System problem.\n" +
  "    If this is the case, then you can ignore this email.\n\n" +
  "  * Please check the report again 24h after you've committed your changes to the\n" +
  "    package and make sure that all the problems have gone.\n\n" +
  "  * If you have questions about this report or need help with the\n" +
  "    maintenance of your package, please use the Bioc-devel mailing list:\n\n" +
  "      https://bioconductor.org/help/mailing-list/\n\n" +
  "    (all package maintainers are requested to subscribe to this list)\n\n" +
  "For immediate notification of package build status, please\n" +
  "subscribe to your package's RSS feed. Information is at:\n\n" +
  "https://bioconductor.org/developers/rss-feeds/\n\n" +
  "Thanks for contributing to the Bioconductor project!\n\n";

function problemBullets(problems: readonly Problem[], buildType: BuildType): string {
  return problems
    .map(
      (p) =>
        `  o ${p.status} for '${commandName(p.stage, buildType)}' on ${p.node}. See the details here:\n      ${p.url}\n`,
    )
    .join("\n");
}

/**
 * What changed since the last good run, after the problems (bbs's own; BBS's
 * text is unchanged when nothing got worse): a maintainer whose package broke
 * because of a dependency learns which one and which commits.
 */
export function impactSection(impacts: readonly PackageImpact[], publishedUrl: string): string {
  if (impacts.length === 0) return "";
  const base = publishedUrl.endsWith("/") ? publishedUrl : `${publishedUrl}/`;
  const items = impacts.map((impact) => {
    const head = `  o On ${impact.node}, ${describeStreak(impact)}:\n`;
    if (impact.diff === undefined)
      return `${head}      what changed is not known (no inputs recorded for one of the two runs)\n`;
    const deps =
      impact.diff.dependencies.length === 0
        ? ["      none of its dependencies changed\n"]
        : impact.diff.dependencies.map(
            (change) =>
              `      ${describeChange(change)}${change.source === "build" ? `, see ${base}${change.package}/` : ""}\n`,
          );
    return `${head}${deps.join("")}      its own code: ${describeOwn(impact.diff)}\n`;
  });
  return `\nChanged since the last good run:\n\n${items.join("\n")}`;
}

function bullets(pkg: PackageProblems, buildType: BuildType, publishedUrl: string): string {
  return `${problemBullets(pkg.problems, buildType)}${impactSection(pkg.impacts ?? [], publishedUrl)}`;
}

/** BBS's email for one package, byte for byte. */
export function packageEmail(
  pkg: PackageProblems,
  title: string,
  from: string,
  buildType: BuildType,
  publishedUrl = "",
): Email {
  const text =
    `${HEAD}\nHi ${pkg.package} maintainer,\n\n` +
    `According to the ${title},\n` +
    `the ${pkg.package} package has the following problem(s):\n\n` +
    `${bullets(pkg, buildType, publishedUrl)}\n${tail(false)}\n${FOOTNOTE}`;
  return {
    from,
    to: [pkg.to],
    subject: `${pkg.package} problems reported in the ${title}`,
    text,
    packages: [pkg.package],
  };
}

function digestSubject(names: readonly string[], title: string): string {
  if (names.length <= 3) {
    const listed = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]!}`;
    return `${listed} problems reported in the ${title}`;
  }
  return `${names.slice(0, 3).join(", ")} and ${names.length - 3} other packages: problems reported in the ${title}`;
}

/** One email per address for all its packages (a single package gets BBS's email). */
export function digestEmails(
  packages: readonly PackageProblems[],
  title: string,
  from: string,
  buildType: BuildType,
  publishedUrl = "",
): Email[] {
  const byAddress = new Map<string, PackageProblems[]>();
  for (const pkg of packages) byAddress.set(pkg.to, [...(byAddress.get(pkg.to) ?? []), pkg]);
  return [...byAddress.values()].map((group) => {
    if (group.length === 1) return packageEmail(group[0]!, title, from, buildType, publishedUrl);
    const names = group.map((pkg) => pkg.package);
    const maintainers = [
      ...new Set(group.map((pkg) => pkg.maintainer).filter((name): name is string => name !== undefined)),
    ];
    const greeting = maintainers.length === 1 ? maintainers[0]! : "package maintainer";
    const sections = group
      .map((pkg) => `the ${pkg.package} package:\n\n${bullets(pkg, buildType, publishedUrl)}`)
      .join("\n");
    const text =
      `${HEAD}\nHi ${greeting},\n\n` +
      `According to the ${title},\n` +
      `${group.length} packages you maintain have the following problem(s):\n\n` +
      `${sections}\n${tail(true)}\n${FOOTNOTE}`;
    return { from, to: [group[0]!.to], subject: digestSubject(names, title), text, packages: names };
  });
}
