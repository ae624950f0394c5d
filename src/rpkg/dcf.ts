// DCF (Debian Control File) reading and writing: DESCRIPTION, .BBSoptions,
// meat-index.dcf, summaries, PACKAGES, gitlog files all use it.
//
// Reading follows R's `read.dcf` (src/main/dcf.c):
// - lines end with LF, CRLF or a lone CR (R's text connections accept all three);
// - a line of spaces and tabs only is blank; blank lines end a record (several in a row are one);
// - a line starting with a space or tab continues the previous field: its
//   leading and trailing blanks are removed and it is joined with "\n"; a
//   continuation line holding only "." stands for an empty line (R's escape);
// - any other line is `Tag: value`, the tag being everything before the first
//   ":"; the value loses its leading and trailing spaces and tabs;
// - a continuation line at the start of a record, or a line without a colon,
//   is an error (BBS_INPUT_INVALID naming the file and line);
// - a field repeated within a record keeps its last value; field order is kept.
// Options reproduce BBS's own parser where a caller needs it (comment lines,
// continuation joined with one space) and `mergeDcfRecords` its "merge records" mode.
//
// Bytes are decoded per record: UTF-8 unless the record declares another
// `Encoding:` (latin1 and friends), as R CMD INSTALL/build do for DESCRIPTION.

import { TextDecoder } from "node:util";
import { BbsError } from "../util/errors.js";
import { readInputFile } from "../util/fs.js";

/** One DCF record: its fields in file order and the line it starts on. */
export interface DcfRecord {
  /** 1-based line number of the record's first field. */
  line: number;
  fields: Map<string, string>;
}

/**
 * How bytes become text:
 * - `declared` (default): UTF-8 (a leading BOM dropped), or the charset the
 *   record declares in its `Encoding` field (`latin1` = ISO-8859-1); a record
 *   that declares nothing and is not valid UTF-8 is read as Latin-1, as BBS
 *   reads such files, rather than mangled.
 * - `r-utf8`: what R's read.dcf then strwrap/write.dcf produce in a UTF-8
 *   locale: bytes taken as UTF-8 whatever `Encoding` says, each byte of an
 *   invalid sequence shown as `<xx>` (used for PACKAGES).
 */
export type DcfDecoding = "declared" | "r-utf8";

export interface DcfParseOptions {
  /** Name of the file in error messages. */
  source?: string;
  /** BBS quirk: lines starting with `#` are comments (R treats them as fields). Default false. */
  comments?: boolean;
  /** How continuation lines are joined: `newline` (R, default) or `space` (BBS's parser). */
  continuation?: "newline" | "space";
  decoding?: DcfDecoding;
}

interface RawRecord {
  line: number;
  fields: Map<string, string>;
}

const BLANK_LINE = /^[ \t]*$/;
const ESCAPED_BLANK_LINE = /^[ \f\n\r\t\v]+\.[ \f\n\r\t\v]*$/;

/** Parses DCF text or bytes into records (see the module comment for the rules). */
export function parseDcf(input: string | Uint8Array, options: DcfParseOptions = {}): DcfRecord[] {
  const source = options.source ?? "DCF input";
  // Bytes are parsed as Latin-1 (one char per byte, nothing lost) and each
  // record's values decoded once its Encoding field is known.
  const text =
    typeof input === "string"
      ? input
      : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString("latin1");
  const raw = parseStructure(text, source, options);
  if (typeof input === "string") return raw;
  const decoding = options.decoding ?? "declared";
  return raw.map((record, index) => decodeRecord(record, decoding, source, index === 0));
}

/** Reads and parses a DCF file; BBS_INPUT_INVALID if it cannot be read. */
export function readDcfFile(path: string, options: DcfParseOptions = {}): DcfRecord[] {
  return parseDcf(readInputFile(path), { ...options, source: options.source ?? path });
}

/**
 * Folds records into one, as BBS's "merge records" mode does (a DESCRIPTION
 * with blank lines inside is still one package): later values win, a field
 * keeps the position of its first appearance. No records gives an empty record at line 0.
 */
export function mergeDcfRecords(records: readonly DcfRecord[]): DcfRecord {
  const fields = new Map<string, string>();
  for (const record of records) for (const [name, value] of record.fields) fields.set(name, value);
  return { line: records[0]?.line ?? 0, fields };
}

/** Splits text into lines the way R's text connections do (LF, CRLF or CR). */
export function splitDcfLines(text: string): string[] {
  const lines = text.split(/\r\n?|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

function parseStructure(text: string, source: string, options: DcfParseOptions): RawRecord[] {
  const joinWithSpace = options.continuation === "space";
  const records: RawRecord[] = [];
  let current: RawRecord | undefined;
  let field: string | undefined;
  let pendingEmptyLines = 0; // R's " ." lines, added before the next continuation text
  const lines = splitDcfLines(text);
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!;
    const lineNumber = index + 1;
    if (BLANK_LINE.test(line)) {
      current = undefined;
      field = undefined;
      pendingEmptyLines = 0;
      continue;
    }
    if (options.comments === true && line.startsWith("#")) continue;
    if (line[0] === " " || line[0] === "\t") {
      if (current === undefined || field === undefined) {
        throw malformed(
          source,
          lineNumber,
          line,
          "a continuation line (starting with a space or tab) cannot start a record",
          "indent only the lines that continue the previous field's value; a record starts with a `Field: value` line",
        );
      }
      if (!joinWithSpace && ESCAPED_BLANK_LINE.test(line)) {
        pendingEmptyLines += 1;
        continue;
      }
      const content = trimBlanks(line, 0);
      const previous = current.fields.get(field) ?? "";
      let value: string;
      if (joinWithSpace) value = previous === "" ? content : `${previous} ${content}`;
      else value = (previous === "" ? "" : `${previous}\n`) + "\n".repeat(pendingEmptyLines) + content;
      pendingEmptyLines = 0;
      current.fields.set(field, value);
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) {
      throw malformed(
        source,
        lineNumber,
        line,
        colon === 0 ? "the line has an empty field name" : 'the line has no "Field:" name',
        "each line must be `Field: value`, or continue the previous value with a leading space or tab",
      );
    }
    if (current === undefined) {
      current = { line: lineNumber, fields: new Map() };
      records.push(current);
    }
    field = line.slice(0, colon);
    pendingEmptyLines = 0;
    current.fields.set(field, trimBlanks(line, colon + 1));
  }
  return records;
}

/**
 * `line` from `start` without its leading and trailing spaces and tabs. By
 * hand, not with /[ \t]+$/: a backtracking regex is quadratic in a run of
 * blanks that does not end the line, and a hostile DESCRIPTION has megabytes of them.
 */
function trimBlanks(line: string, start: number): string {
  let from = start;
  let to = line.length;
  while (from < to && isBlank(line.charCodeAt(from))) from += 1;
  while (to > from && isBlank(line.charCodeAt(to - 1))) to -= 1;
  return line.slice(from, to);
}

function isBlank(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

function malformed(source: string, lineNumber: number, line: string, problem: string, hint: string): BbsError {
  const excerpt = line.length > 60 ? `${line.slice(0, 60)}...` : line;
  return new BbsError("BBS_INPUT_INVALID", `${source}:${lineNumber}: ${problem}: ${JSON.stringify(excerpt)}`, { hint });
}

// ---- decoding ----------------------------------------------------------------

const LATIN1_NAMES = new Set(["latin1", "latin-1", "iso-8859-1", "iso8859-1", "iso_8859-1", "l1"]);
const UTF8_NAMES = new Set(["utf-8", "utf8"]);
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function decodeRecord(record: RawRecord, decoding: DcfDecoding, source: string, first: boolean): DcfRecord {
  const decode = decoding === "r-utf8" ? decodeUtf8EscapingInvalid : decoderFor(record, source);
  const fields = new Map<string, string>();
  for (const [name, value] of record.fields) {
    let decodedName = decode(name);
    if (first && decoding === "declared" && fields.size === 0) decodedName = decodedName.replace(/^\uFEFF/, "");
    fields.set(decodedName, decode(value));
  }
  return { line: record.line, fields };
}

function decoderFor(record: RawRecord, source: string): (latin1Text: string) => string {
  const declared = record.fields.get("Encoding");
  if (declared === undefined || UTF8_NAMES.has(declared.toLowerCase())) return decodeUtf8OrLatin1;
  if (LATIN1_NAMES.has(declared.toLowerCase())) return (text) => text; // the bytes already are Latin-1 code points
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(declared);
  } catch (error) {
    throw new BbsError("BBS_INPUT_INVALID", `${source}:${record.line}: unknown encoding "Encoding: ${declared}"`, {
      hint: "declare UTF-8 (preferred), latin1 or another encoding iconv knows, e.g. latin2",
      cause: error,
    });
  }
  return (text) => decoder.decode(Buffer.from(text, "latin1"));
}

function decodeUtf8OrLatin1(latin1Text: string): string {
  if (isAscii(latin1Text)) return latin1Text;
  try {
    return strictUtf8.decode(Buffer.from(latin1Text, "latin1"));
  } catch {
    return latin1Text;
  }
}

function isAscii(text: string): boolean {
  return /^[\x00-\x7f]*$/.test(text);
}

/** UTF-8 decoding where each byte of an invalid sequence becomes `<xx>` (R's `iconv(sub = "byte")`). */
export function decodeUtf8EscapingInvalid(latin1Text: string): string {
  if (isAscii(latin1Text)) return latin1Text;
  const bytes = Buffer.from(latin1Text, "latin1");
  try {
    return strictUtf8.decode(bytes);
  } catch {
    // fall through to the byte-by-byte decoding below
  }
  let out = "";
  let index = 0;
  while (index < bytes.length) {
    const length = utf8SequenceLength(bytes, index);
    if (length > 0) {
      out += bytes.toString("utf8", index, index + length);
      index += length;
    } else {
      out += `<${bytes[index]!.toString(16).padStart(2, "0")}>`;
      index += 1;
    }
  }
  return out;
}

/** Length of the valid UTF-8 sequence starting at `at` (RFC 3629), 0 if invalid. */
function utf8SequenceLength(bytes: Buffer, at: number): number {
  const c = bytes[at]!;
  if (c < 0x80) return 1;
  if (c < 0xc2 || c > 0xf4) return 0;
  const extra = c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
  if (at + extra >= bytes.length) return 0; // truncated
  for (let k = 1; k <= extra; k += 1) if (((bytes[at + k] ?? 0) & 0xc0) !== 0x80) return 0;
  const d = bytes[at + 1]!;
  if (c === 0xe0 && d < 0xa0) return 0; // overlong
  if (c === 0xed && d >= 0xa0) return 0; // surrogates
  if (c === 0xf0 && d < 0x90) return 0; // overlong
  if (c === 0xf4 && d > 0x8f) return 0; // above U+10FFFF
  return extra + 1;
}

// ---- writing -------------------------------------------------------------------

/** Fields of one record to write, in order. */
export type DcfFields = ReadonlyMap<string, string> | readonly (readonly [string, string])[];

export interface DcfFormatOptions {
  /** End the text with a blank line after the last record too (meat-index.dcf, skipped-index.dcf). Default false. */
  blankLineAfterLast?: boolean;
}

/**
 * Formats one record in BBS's format: one `Field: value` line per field. A
 * multi-line value continues on lines starting with a space, an empty line
 * inside it written as ` .` (so read.dcf reads the value back unchanged).
 */
export function formatDcfRecord(fields: DcfFields): string {
  let out = "";
  for (const [name, value] of fields) {
    checkFieldName(name);
    const [first, ...rest] = value.split(/\r\n?|\n/);
    out += `${name}: ${first ?? ""}\n`;
    for (const line of rest) out += line.trim() === "" ? " .\n" : ` ${line}\n`;
  }
  return out;
}

/** Formats records separated by one blank line. */
export function formatDcf(records: readonly DcfFields[], options: DcfFormatOptions = {}): string {
  const text = records.map(formatDcfRecord).join("\n");
  return options.blankLineAfterLast === true && records.length > 0 ? `${text}\n` : text;
}

function checkFieldName(name: string): void {
  if (name === "" || name.includes(":") || /[\r\n]/.test(name) || /^[ \t#]/.test(name)) {
    throw new BbsError("BBS_INTERNAL", `invalid DCF field name ${JSON.stringify(name)}`);
  }
}

// ---- field injection (prerun, STAGE2) --------------------------------------------

/**
 * Sets fields of a DESCRIPTION file's bytes as BBS's `inject_DCF_fields` does,
 * without its bugs: blank lines are dropped, every existing line of an injected
 * field is removed *with its continuation lines*, and `Field: value` lines are
 * appended in the given order, whole values kept (BBS kept only the first word
 * of git_last_commit_date). Other lines are kept byte for byte; appended lines
 * use the file's line ending and its declared Encoding (latin1 or UTF-8).
 */
export function injectDcfFields(
  content: Uint8Array,
  fields: readonly (readonly [string, string])[],
  source = "DESCRIPTION",
): Buffer {
  const injected = new Set(fields.map(([name]) => name));
  for (const name of injected) checkFieldName(name);
  const text = Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString("latin1");
  const lineEnding = /^[^\r\n]*\r\n/.test(text) ? "\r\n" : "\n";
  const lines = text.split(/(?<=\r\n|\n|\r(?!\n))/);
  let kept = "";
  let dropping = false;
  let encoding: string | undefined;
  for (const line of lines) {
    const body = line.replace(/[\r\n]+$/, "");
    if (BLANK_LINE.test(body)) continue;
    const continuation = body[0] === " " || body[0] === "\t";
    if (!continuation) {
      const colon = body.indexOf(":");
      const name = colon > 0 ? body.slice(0, colon) : undefined;
      dropping = name !== undefined && injected.has(name);
      if (name === "Encoding")
        encoding = body
          .slice(colon + 1)
          .trim()
          .toLowerCase();
    }
    if (dropping) continue;
    kept += body === line ? `${line}${lineEnding}` : line;
  }
  const latin1 = encoding !== undefined && LATIN1_NAMES.has(encoding);
  let appended = "";
  for (const [name, value] of fields) {
    const line = formatDcfRecord([[name, value]]).replace(/\n/g, lineEnding);
    if (latin1 && /[^\x00-\xff]/.test(line)) {
      throw new BbsError(
        "BBS_INPUT_INVALID",
        `${source}: the value of ${name} cannot be written in its declared Encoding latin1`,
        {
          hint: "declare `Encoding: UTF-8` in the DESCRIPTION file",
        },
      );
    }
    appended += line;
  }
  return Buffer.concat([Buffer.from(kept, "latin1"), Buffer.from(appended, latin1 ? "latin1" : "utf8")]);
}
