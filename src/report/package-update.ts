// The report of a few packages only, after `bbs rerun` rebuilt them on the
// current run: each package's directory (`<pkg>/`: its pages, report.json,
// raw results) is rendered again from the run's results and switched in
// with renames, under the report's lock; every other file of the report is
// left as it is (the main pages follow at the next full report, postrun's).

import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { readRunFacts } from "../results/run-info.js";
import { BbsError } from "../util/errors.js";
import { acquireLock } from "../util/lock.js";
import { SharedParts } from "./chrome.js";
import type { ReportInput } from "./input.js";
import { buildModel } from "./model.js";
import { ReportTree } from "./output.js";
import { reportRenderer } from "./render.js";
import { writePackage } from "./write.js";

export interface PackageReportUpdate {
  readonly reportDir: string;
  /** The packages whose directories were written again. */
  readonly packages: readonly string[];
  readonly pages: number;
  readonly warnings: readonly string[];
}

export function updatePackageReports(
  input: Omit<ReportInput, "threads">,
  packages: readonly string[],
): PackageReportUpdate {
  const { reportDir } = input;
  if (!existsSync(join(reportDir, "index.html"))) {
    throw new BbsError("BBS_PRECONDITION", `there is no report in ${reportDir} to update`, {
      hint: "run `bbs postrun` (or `bbs report`) once for the run: it writes the whole report",
    });
  }
  const lock = acquireLock(join(dirname(reportDir), `.${basename(reportDir)}.lock`), {
    description: `update of the report in ${reportDir}`,
  });
  const warnings: string[] = [];
  try {
    const model = buildModel({
      central: input.central,
      hosts: input.hosts,
      runDir: input.runDir,
      run: readRunFacts(input.runDir),
      ...(input.historyDb === undefined ? {} : { historyDb: input.historyDb }),
      generatedAt: input.generatedAt ?? new Date(),
      warn: (message) => warnings.push(message),
    });
    const renderer = reportRenderer();
    const parts = new SharedParts(model, renderer);
    // Links to root files (the Renviron copy, the status DBs) are drawn only when the file is there.
    const present = new Set(readdirSync(reportDir));
    const written: string[] = [];
    let pages = 0;
    for (const name of packages) {
      const pkg = model.packages.find((entry) => entry.name === name);
      if (pkg === undefined || !pkg.hasDir) {
        warnings.push(`${name}: not a package of the run's report (no directory): left out`);
        continue;
      }
      const staging = join(reportDir, `.${name}.new-${process.pid}`);
      rmSync(staging, { recursive: true, force: true });
      mkdirSync(staging);
      try {
        pages += writePackage(ReportTree.attach(staging), parts, renderer, pkg, present);
        const final = join(reportDir, name);
        const old = join(reportDir, `.${name}.old-${process.pid}`);
        if (existsSync(final)) renameSync(final, old);
        renameSync(join(staging, name), final);
        rmSync(old, { recursive: true, force: true });
        written.push(name);
      } finally {
        rmSync(staging, { recursive: true, force: true });
      }
    }
    return { reportDir, packages: written, pages, warnings };
  } finally {
    lock.release();
  }
}
