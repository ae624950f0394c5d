// The content of a leaf page (spec 9.2): the summary's fields in file order
// (Status as a glyph, the PackageFileSize unit link rebuilt from a whitelist
// rather than passed through), the command output, and for CHECK the
// installation output, the tests outputs (i386/x64 side by side when both
// exist) and the example timings. A missing file is said to be missing.

import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ParsedSummary } from "../jobs/summary.js";
import type { BuildType } from "../config/schema.js";
import type { Stage } from "../results/status.js";
import { readTextIfPresent, truncateLines } from "./text.js";

export const ANOMALY = "Due to an anomaly in the Build System, this output is not available. We apologize for the inconvenience.";
export const TIMINGS_ANOMALY = "Due to an anomaly in the Build System, the timings are not available. We apologize for the inconvenience.";

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
      if (match?.[1] !== undefined && match[2] !== undefined) return { name, value, size: { number: match[1], unit: match[2] } };
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

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function sortedEntries(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** `tests*` output files of an Rcheck directory (`*.Rout`, `*.Rout.fail`), per tests directory. */
function testsSection(rcheck: string, rcheckName: string, encoding: string): SectionView {
  const section: SectionView = { title: "Tests output", columns: [] };
  if (!isDirectory(rcheck)) {
    section.columns.push([{ missing: ANOMALY }]);
    return section;
  }
  const testDirs = sortedEntries(rcheck).filter((name) => name.startsWith("tests") && isDirectory(join(rcheck, name)));
  const ordered = testDirs.length === 2 && testDirs.includes("tests_i386") && testDirs.includes("tests_x64") ? ["tests_i386", "tests_x64"] : testDirs;
  const column = (dir: string): OutputView[] =>
    sortedEntries(join(rcheck, dir))
      .filter((name) => /\.Rout(\.fail)?$/.test(name))
      .map((name) => textOutput(join(rcheck, dir, name), `${rcheckName}/${dir}/${name}`, encoding));
  if (ordered.length === 2 && ordered[0] === "tests_i386") section.columns.push(column("tests_i386"), column("tests_x64"));
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
    .map((line) => line.split("\t").map((cell, index) => ({ text: cell, number: index > 0 && /^-?[0-9.]+$/.test(cell) })));
  return { filename, timings: rows };
}

function timingsSection(rcheck: string, rcheckName: string, pkg: string, encoding: string): SectionView {
  const section: SectionView = { title: "Example timings", columns: [] };
  if (!isDirectory(rcheck)) {
    section.columns.push([{ missing: TIMINGS_ANOMALY }]);
    return section;
  }
  const file = `${pkg}-Ex.timings`;
  if (isDirectory(join(rcheck, "examples_i386")) && isDirectory(join(rcheck, "examples_x64"))) {
    for (const arch of ["examples_i386", "examples_x64"]) {
      const path = join(rcheck, arch, file);
      section.columns.push(existsSync(path) ? [timingsOutput(path, `${rcheckName}/${arch}/${file}`, encoding)] : []);
    }
    return section;
  }
  const path = join(rcheck, file);
  section.columns.push([existsSync(path) ? timingsOutput(path, `${rcheckName}/${file}`, encoding) : { missing: TIMINGS_ANOMALY }]);
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

/** The output sections of a leaf page, in BBS's order for the build type. */
export function leafSections(input: LeafInput): SectionView[] {
  const { runDir, pkg, nodeId, stage, encoding, buildType } = input;
  const stageDir = join(runDir, "products-in", nodeId, stage);
  const command = (title: string): SectionView => ({
    title,
    columns: [[textOutput(join(stageDir, `${pkg}.${stage}-out.txt`), undefined, encoding)]],
  });
  if (stage !== "checksrc" || buildType === "books") return [command("Command output")];
  const rcheckName = `${pkg}.Rcheck`;
  const rcheck = join(stageDir, rcheckName);
  if (buildType === "bioc-longtests") {
    return [
      testsSection(rcheck, rcheckName, encoding),
      command("'R CMD check' output"),
      { title: "Installation output", columns: [[textOutput(join(rcheck, "00install.out"), `${rcheckName}/00install.out`, encoding)]] },
    ];
  }
  return [
    command("Command output"),
    { title: "Installation output", columns: [[textOutput(join(rcheck, "00install.out"), `${rcheckName}/00install.out`, encoding)]] },
    testsSection(rcheck, rcheckName, encoding),
    timingsSection(rcheck, rcheckName, pkg, encoding),
  ];
}
