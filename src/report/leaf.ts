// The content of a leaf page (docs/bbs-rules.md#report-pages): the summary's fields in file order
// (Status as a glyph, the PackageFileSize unit link rebuilt from a whitelist
// rather than passed through), the command output, and for CHECK the
// installation output, the tests outputs (i386/x64 side by side when both
// exist) and the example timings. A missing file is said to be missing.

import { existsSync, readdirSync } from "node:fs";
import type { ParsedSummary } from "../jobs/summary.js";
import type { BuildType } from "../config/schema.js";
import type { Stage } from "../layout/stages.js";
import { readTextIfPresent, truncateLines } from "./text.js";
import { stageProductsDir, outFileName, rcheckDirName } from "../layout/central.js";

export const ANOMALY =
  "Due to an anomaly in the Build System, this output is not available. We apologize for the inconvenience.";
export const TIMINGS_ANOMALY =
  "Due to an anomaly in the Build System, the timings are not available. We apologize for the inconvenience.";

export interface SummaryFieldView {
  name: string;
  value: string;
  glyph?: boolean;
  size?: { number: string; unit: string };
}

const SIZE_WITH_LINK = /^([0-9.]+) <A href="http:\/\/en\.wikipedia\.org\/wiki\/(KiB|MiB|GiB)" target="_blank">\2<\/A>$/;

/** Summary fields for display; PackageFileSize's HTML unit becomes structured data. */
export function summaryFields(summary: ParsedSummary): SummaryFieldView[] {
  return [...summary.fields].map(([name, value]) => {
    if (name === "Status") return { name, value, glyph: true };
    if (name === "PackageFileSize") {
      const match = SIZE_WITH_LINK.exec(value);
      if (match?.[1] !== undefined && match[2] !== undefined)
        return { name, value, size: { number: match[1], unit: match[2] } };
    }
    return { name, value };
  });
}

export interface OutputView {
  filename?: string;
  text?: string;
  hasText?: boolean;
  omittedLines?: number;
  missing?: string;
  timings?: Array<Array<{ text: string; number: boolean }>>;
}

export interface SectionView {
  title: string;
  columns: OutputView[][];
}

function textOutput(path: string, filename: string | undefined, encoding: string): OutputView {
  const text = readTextIfPresent(path, encoding);
  const view: OutputView = {};
  if (filename !== undefined) view.filename = filename;
  if (text === undefined) {
    view.missing = ANOMALY;
    return view;
  }
  const truncated = truncateLines(text);
  view.text = truncated.text;
  view.hasText = true;
  if (truncated.omittedLines > 0) view.omittedLines = truncated.omittedLines;
  return view;
}

/** The entries of a directory (undefined when it cannot be read): one readdir, no stat per entry. */
function listing(dir: string): Map<string, boolean> | undefined {
  try {
    return new Map(
      readdirSync(dir, { withFileTypes: true }).map((entry) => [entry.name, entry.isDirectory()] as const),
    );
  } catch {
    return undefined;
  }
}

function sortedNames(entries: ReadonlyMap<string, boolean>, directories: boolean, pattern: RegExp): string[] {
  return [...entries]
    .filter(([name, isDir]) => isDir === directories && pattern.test(name))
    .map(([name]) => name)
    .sort();
}

/** `tests*` output files of an Rcheck directory (`*.Rout`, `*.Rout.fail`), per tests directory. */
function testsSection(
  rcheck: string,
  entries: ReadonlyMap<string, boolean> | undefined,
  rcheckName: string,
  encoding: string,
): SectionView {
  const section: SectionView = { title: "Tests output", columns: [] };
  if (entries === undefined) {
    section.columns.push([{ missing: ANOMALY }]);
    return section;
  }
  const testDirs = sortedNames(entries, true, /^tests/);
  const ordered =
    testDirs.length === 2 && testDirs.includes("tests_i386") && testDirs.includes("tests_x64")
      ? ["tests_i386", "tests_x64"]
      : testDirs;
  const column = (dir: string): OutputView[] =>
    sortedNames(listing(`${rcheck}/${dir}`) ?? new Map(), false, /\.Rout(\.fail)?$/).map((name) =>
      textOutput(`${rcheck}/${dir}/${name}`, `${rcheckName}/${dir}/${name}`, encoding),
    );
  if (ordered.length === 2 && ordered[0] === "tests_i386")
    section.columns.push(column("tests_i386"), column("tests_x64"));
  else section.columns.push(ordered.flatMap(column));
  return section;
}

/** `<pkg>-Ex.timings` as table rows (tab-separated, numbers right-aligned). */
function timingsOutput(path: string, filename: string, encoding: string): OutputView {
  const text = readTextIfPresent(path, encoding);
  if (text === undefined) return { filename, missing: TIMINGS_ANOMALY };
  const rows = text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== "")
    .map((line) =>
      line.split("\t").map((cell, index) => ({ text: cell, number: index > 0 && /^-?[0-9.]+$/.test(cell) })),
    );
  return { filename, timings: rows };
}

function timingsSection(
  rcheck: string,
  entries: ReadonlyMap<string, boolean> | undefined,
  rcheckName: string,
  pkg: string,
  encoding: string,
): SectionView {
  const section: SectionView = { title: "Example timings", columns: [] };
  const file = `${pkg}-Ex.timings`;
  if (entries === undefined) {
    section.columns.push([{ missing: TIMINGS_ANOMALY }]);
  } else if (entries.get("examples_i386") === true && entries.get("examples_x64") === true) {
    for (const arch of ["examples_i386", "examples_x64"]) {
      const path = `${rcheck}/${arch}/${file}`;
      section.columns.push(existsSync(path) ? [timingsOutput(path, `${rcheckName}/${arch}/${file}`, encoding)] : []);
    }
  } else {
    section.columns.push([
      entries.has(file)
        ? timingsOutput(`${rcheck}/${file}`, `${rcheckName}/${file}`, encoding)
        : { missing: TIMINGS_ANOMALY },
    ]);
  }
  return section;
}

export interface LeafInput {
  runDir: string;
  buildType: BuildType;
  pkg: string;
  nodeId: string;
  stage: Stage;
  encoding: string;
}

/** The output sections of a leaf page, in BBS's order for the build type; `outputPresent`: the command output exists. */
export function leafSections(input: LeafInput): { sections: SectionView[]; outputPresent: boolean } {
  const { runDir, pkg, nodeId, stage, encoding, buildType } = input;
  // Paths by concatenation: a report builds hundreds of thousands of them.
  const stageDir = `${runDir}/${stageProductsDir(nodeId, stage)}`;
  const output = textOutput(`${stageDir}/${outFileName(pkg, stage)}`, undefined, encoding);
  const command = (title: string): SectionView => ({ title, columns: [[output]] });
  const outputPresent = output.missing === undefined;
  if (stage !== "checksrc" || buildType === "books") return { sections: [command("Command output")], outputPresent };
  const rcheckName = rcheckDirName(pkg);
  const rcheck = `${stageDir}/${rcheckName}`;
  const entries = listing(rcheck);
  const install: SectionView = {
    title: "Installation output",
    columns: [[textOutput(`${rcheck}/00install.out`, `${rcheckName}/00install.out`, encoding)]],
  };
  const sections =
    buildType === "bioc-longtests"
      ? [testsSection(rcheck, entries, rcheckName, encoding), command("'R CMD check' output"), install]
      : [
          command("Command output"),
          install,
          testsSection(rcheck, entries, rcheckName, encoding),
          timingsSection(rcheck, entries, rcheckName, pkg, encoding),
        ];
  return { sections, outputPresent };
}
