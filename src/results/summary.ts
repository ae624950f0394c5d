// `<pkg>.<stage>-summary.dcf` (docs/formats.md#summary-files) and `BBS_EndOfRun.txt` (#bbs_endofruntxt),
// byte for byte as BBS writes them (field order, `EllapsedTime` spelling,
// `%.1f seconds`, `RetCode: None`, the HTML unit link of PackageFileSize),
// except the date, whose UTC offset is correct.

import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { BbsError } from "../util/errors.js";
import { readTextIfExists, writeFileAtomic } from "../util/fs.js";
import { parseDcf } from "../rpkg/dcf.js";
import { formatBbsDate, tryParseBbsDate } from "../util/bbs-date.js";
import { formatFixed, formatGeneral } from "./pyformat.js";

/**
 * bbs's own last field of a summary whose result an incremental run took
 * from an earlier run: that run's id (docs/formats.md#summary-files). BBS's
 * readers take a summary's fields by name and pass over this one.
 */
export const REUSED_FROM_FIELD = "ReusedFrom";

/** What a job's summary says. `extras` follow the common fields, in order. */
export interface JobSummary {
  readonly package: string;
  /** null for non-target installs (written `None`). */
  readonly version: string | null;
  readonly command: string;
  readonly startedAt: Date;
  readonly endedAt: Date;
  /** From the first start, re-runs included. */
  readonly elapsedSeconds: number;
  /** null when the job timed out (written `None`). */
  readonly retCode: number | null;
  readonly status: string;
  readonly extras?: ReadonlyArray<readonly [string, string]>;
}

/** `%.1f seconds`, rounded as printf rounds. */
export function formatSeconds(seconds: number): string {
  return `${formatFixed(seconds, 1)} seconds`;
}

/** Dates are printed in `timeZone` (IANA name; default the local zone, as BBS). */
export interface DateOptions {
  readonly timeZone?: string;
}

export function formatSummary(summary: JobSummary, options: DateOptions = {}): string {
  const lines = [
    `Package: ${summary.package}`,
    `Version: ${summary.version ?? "None"}`,
    `Command: ${summary.command}`,
    `StartedAt: ${formatBbsDate(summary.startedAt, options)}`,
    `EndedAt: ${formatBbsDate(summary.endedAt, options)}`,
    `EllapsedTime: ${formatSeconds(summary.elapsedSeconds)}`,
    `RetCode: ${summary.retCode === null ? "None" : String(summary.retCode)}`,
    `Status: ${summary.status}`,
  ];
  for (const [field, value] of summary.extras ?? []) lines.push(`${field}: ${value}`);
  return `${lines.join("\n")}\n`;
}

/** Writes a summary atomically (readers never see half a file). */
export function writeSummary(path: string, summary: JobSummary, options: DateOptions = {}): void {
  writeFileAtomic(path, formatSummary(summary, options));
}

// ---- stage extras -------------------------------------------------------------

/**
 * BBS's human_readable_size: bytes below 1024, else KiB/MiB/GiB with `%.4g`
 * (`%.0f` past 1024 GiB); `htmlized` wraps the unit in the Wikipedia link the
 * report shows.
 */
export function humanReadableSize(bytes: number, htmlized = true): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? "byte" : "bytes"}`;
  let size = bytes;
  let unit = "KiB";
  for (const candidate of ["KiB", "MiB", "GiB"]) {
    unit = candidate;
    size /= 1024;
    if (size < 1024) break;
  }
  const shown = htmlized ? `<A href="http://en.wikipedia.org/wiki/${unit}" target="_blank">${unit}</A>` : unit;
  if (size >= 1024) return `${formatFixed(size, 0)} ${shown}`;
  // 1 <= size < 1024 here, so `%.4g` never takes its exponent form.
  return `${formatGeneral(size, 4)} ${shown}`;
}

/** `du -sb`: the apparent size of a file, or of a directory tree (links not followed). */
export function totalSize(path: string): number {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.size;
  let size = stat.size;
  for (const name of readdirSync(path)) size += totalSize(join(path, name));
  return size;
}

/**
 * `PackageFile` / `PackageFileSize` of buildnovig, buildsrc and buildbin.
 * `productPath` is the tarball; `None` / `NA` when it does not exist.
 */
export function packageFileExtras(productPath: string, displayName: string): Array<[string, string]> {
  const stat = lstatSync(productPath, { throwIfNoEntry: false });
  if (!stat)
    return [
      ["PackageFile", "None"],
      ["PackageFileSize", "NA"],
    ];
  return [
    ["PackageFile", displayName],
    ["PackageFileSize", humanReadableSize(totalSize(productPath), true)],
  ];
}

/** `CheckDir` / `Warnings` of checksrc (`DeployDestDir` for books). */
export function checkExtras(
  checkDir: string | null,
  warnings: string | null,
  field: "CheckDir" | "DeployDestDir" = "CheckDir",
): Array<[string, string]> {
  return [
    [field, checkDir ?? "None"],
    ["Warnings", warnings ?? "NA"],
  ];
}

// ---- reading --------------------------------------------------------------------

/** A summary read back; unknown fields are kept in `fields`. */
export interface ParsedSummary {
  readonly package: string;
  readonly version: string | null;
  readonly command: string;
  readonly startedAt: Date | undefined;
  readonly endedAt: Date | undefined;
  readonly elapsedSeconds: number | undefined;
  readonly retCode: number | null;
  readonly status: string;
  /** Every field, in file order (the raw text of StartedAt etc. included). */
  readonly fields: ReadonlyMap<string, string>;
}

/** Parses summary text; `source` names the file in errors. */
export function parseSummary(text: string, source: string): ParsedSummary {
  // BBS's own DCF reading: `#` comments, continuation lines joined by a space.
  const [record, extra] = parseDcf(text, { source, comments: true, continuation: "space" });
  if (!record) throw invalidSummary(source, "the file is empty");
  if (extra) throw invalidSummary(source, `a second record starts at line ${extra.line}`);
  const fields = record.fields;
  const required = (key: string): string => {
    const value = fields.get(key);
    if (value === undefined) throw invalidSummary(source, `field ${key} is missing`);
    return value;
  };
  const version = required("Version");
  const retCode = required("RetCode");
  const elapsed = /^(-?[\d.]+) seconds$/.exec(fields.get("EllapsedTime") ?? "");
  return {
    package: required("Package"),
    version: version === "None" ? null : version,
    command: fields.get("Command") ?? "",
    startedAt: tryParseBbsDate(fields.get("StartedAt") ?? "")?.date,
    endedAt: tryParseBbsDate(fields.get("EndedAt") ?? "")?.date,
    elapsedSeconds: elapsed ? Number(elapsed[1]) : undefined,
    retCode: retCode === "None" ? null : parseRetCode(retCode, source),
    status: required("Status"),
    fields,
  };
}

function parseRetCode(text: string, source: string): number {
  if (!/^-?\d+$/.test(text))
    throw invalidSummary(source, `RetCode is ${JSON.stringify(text)}, expected an integer or None`);
  return Number(text);
}

function invalidSummary(source: string, problem: string): BbsError {
  return new BbsError("BBS_INPUT_INVALID", `${source}: invalid job summary: ${problem}`, {
    hint: "the file was not written by bbs/BBS or was damaged; delete it to have the job run again (bbs run --resume)",
  });
}

/** Reads a summary file; undefined when it does not exist. */
export function readSummary(path: string): ParsedSummary | undefined {
  const text = readTextIfExists(path);
  return text === undefined ? undefined : parseSummary(text, path);
}

// ---- BBS_EndOfRun.txt -------------------------------------------------------------

/** One executed stage, as a line of BBS_EndOfRun.txt. */
export interface StageTicket {
  /** `STAGE2` ... `STAGE5` */
  readonly stage: string;
  /** The stage's slot count (BBS_NB_CPU for STAGE5). */
  readonly nbCpu: number;
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly elapsedSeconds: number;
}

export function formatEndOfRunLine(ticket: StageTicket, options: DateOptions = {}): string {
  return (
    `${ticket.stage} | nb_cpu=${Math.trunc(ticket.nbCpu)} | StartedAt: ${formatBbsDate(ticket.startedAt, options)}` +
    ` | EndedAt: ${formatBbsDate(ticket.endedAt, options)} | EllapsedTime: ${formatSeconds(ticket.elapsedSeconds)}`
  );
}

export function writeEndOfRun(path: string, tickets: readonly StageTicket[], options: DateOptions = {}): void {
  writeFileAtomic(path, tickets.map((ticket) => `${formatEndOfRunLine(ticket, options)}\n`).join(""));
}
