// The content of a leaf page (docs/bbs-rules.md#report-pages): the summary's fields in file order
// (Status as a glyph, the PackageFileSize unit link rebuilt from a whitelist
// rather than passed through), the command output, and for CHECK the
// installation output, the tests outputs (i386/x64 side by side when both
// exist) and the example timings. A missing file is said to be missing.

import { existsSync, readdirSync } from "node:fs";
import { humanReadableSize, type ParsedSummary } from "../results/summary.js";
import type { BuildType } from "../config/schema.js";
import type { Stage } from "../layout/stages.js";
import { readLogExcerpt } from "./excerpt.js";
import { decodeText } from "./text.js";
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
  /** A large file: what is left out between `text` (its head) and `tailText`, and where the whole file is. */
  omitted?: { what: string; href: string; tailText: string };
  missing?: string;
  timings?: Array<Array<{ text: string; number: boolean }>>;
}

export interface SectionView {
  title: string;
  columns: OutputView[][];
}

/** A file put into the report beside the pages, so that a page can link it whole. */
export interface FullFile {
  source: string;
  /** Path under the package's report directory (as the page links it). */
  relative: string;
}

/** Where a leaf page's outputs are, and where their full copies go. */
interface OutputPlace {
  encoding: string;
  /** `raw-results/<node>` (under the package's directory). */
  rawDir: string;
  /** Files too large to show whole, collected for the report to include. */
  fullFiles: FullFile[];
}

function omittedText(bytes: number, lines: number): string {
  const size = humanReadableSize(bytes, false);
  if (lines === 0) return `${size} of one long line`;
  return `${lines.toLocaleString("en-US")} ${lines === 1 ? "line" : "lines"} (${size})`;
}

/**
 * A file's view: its text, whole when small; else its head and tail, what was
 * left out, and a link to the whole file (`rawName`, under the raw results).
 */
function textOutput(path: string, filename: string | undefined, rawName: string, place: OutputPlace): OutputView {
  const excerpt = readLogExcerpt(path);
  const view: OutputView = {};
  if (filename !== undefined) view.filename = filename;
  if (excerpt === undefined) {
    view.missing = ANOMALY;
    return view;
  }
  view.text = decodeText(excerpt.head, place.encoding);
  view.hasText = true;
  if (excerpt.tail !== undefined) {
    const href = `${place.rawDir}/${rawName}`;
    place.fullFiles.push({ source: path, relative: href });
    view.omitted = {
      what: omittedText(excerpt.omittedBytes, excerpt.omittedLines),
      href: href.split("/").map(encodeURIComponent).join("/"),
      tailText: decodeText(excerpt.tail, place.encoding),
    };
  }
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
  place: OutputPlace,
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
      textOutput(`${rcheck}/${dir}/${name}`, `${rcheckName}/${dir}/${name}`, `${rcheckName}/${dir}/${name}`, place),
    );
  if (ordered.length === 2 && ordered[0] === "tests_i386")
    section.columns.push(column("tests_i386"), column("tests_x64"));
  else section.columns.push(ordered.flatMap(column));
  return section;
}

/** `<pkg>-Ex.timings` as table rows (tab-separated, numbers right-aligned); a huge one: its first rows and a link. */
function timingsOutput(path: string, filename: string, place: OutputPlace): OutputView {
  const text = textOutput(path, filename, filename, place);
  if (text.text === undefined) return { filename, missing: TIMINGS_ANOMALY };
  const rows = text.text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== "")
    .map((line) =>
      line.split("\t").map((cell, index) => ({ text: cell, number: index > 0 && /^-?[0-9.]+$/.test(cell) })),
    );
  const view: OutputView = { filename, timings: rows };
  if (text.omitted !== undefined) view.omitted = { ...text.omitted, tailText: "" };
  return view;
}

function timingsSection(
  rcheck: string,
  entries: ReadonlyMap<string, boolean> | undefined,
  rcheckName: string,
  pkg: string,
  place: OutputPlace,
): SectionView {
  const section: SectionView = { title: "Example timings", columns: [] };
  const file = `${pkg}-Ex.timings`;
  if (entries === undefined) {
    section.columns.push([{ missing: TIMINGS_ANOMALY }]);
  } else if (entries.get("examples_i386") === true && entries.get("examples_x64") === true) {
    for (const arch of ["examples_i386", "examples_x64"]) {
      const path = `${rcheck}/${arch}/${file}`;
      section.columns.push(existsSync(path) ? [timingsOutput(path, `${rcheckName}/${arch}/${file}`, place)] : []);
    }
  } else {
    section.columns.push([
      entries.has(file)
        ? timingsOutput(`${rcheck}/${file}`, `${rcheckName}/${file}`, place)
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

export interface LeafSections {
  sections: SectionView[];
  /** The command output exists. */
  outputPresent: boolean;
  /** Files shown in part, to be put whole into the report where the page links them. */
  fullFiles: FullFile[];
}

/** The output sections of a leaf page, in BBS's order for the build type. */
export function leafSections(input: LeafInput): LeafSections {
  const { runDir, pkg, nodeId, stage, encoding, buildType } = input;
  // Paths by concatenation: a report builds hundreds of thousands of them.
  const stageDir = `${runDir}/${stageProductsDir(nodeId, stage)}`;
  const place: OutputPlace = { encoding, rawDir: `raw-results/${nodeId}`, fullFiles: [] };
  // The command output's full copy is BBS's raw-results/<node>/<stage>-out.txt.
  const output = textOutput(`${stageDir}/${outFileName(pkg, stage)}`, undefined, `${stage}-out.txt`, place);
  const command = (title: string): SectionView => ({ title, columns: [[output]] });
  const outputPresent = output.missing === undefined;
  const { fullFiles } = place;
  if (stage !== "checksrc" || buildType === "books")
    return { sections: [command("Command output")], outputPresent, fullFiles };
  const rcheckName = rcheckDirName(pkg);
  const rcheck = `${stageDir}/${rcheckName}`;
  const entries = listing(rcheck);
  const install: SectionView = {
    title: "Installation output",
    columns: [
      [textOutput(`${rcheck}/00install.out`, `${rcheckName}/00install.out`, `${rcheckName}/00install.out`, place)],
    ],
  };
  const sections =
    buildType === "bioc-longtests"
      ? [testsSection(rcheck, entries, rcheckName, place), command("'R CMD check' output"), install]
      : [
          command("Command output"),
          install,
          testsSection(rcheck, entries, rcheckName, place),
          timingsSection(rcheck, entries, rcheckName, pkg, place),
        ];
  return { sections, outputPresent, fullFiles };
}
