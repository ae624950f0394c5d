// R's `write.dcf` output, reproduced byte for byte: PACKAGES files must be
// identical to what `tools::write_PACKAGES` writes. write.dcf formats every
// value with `formatDL(style = "list")`, i.e. `strwrap("<Tag>: <value>",
// width = 72, exdent = 8)` at R's default `options(width = 80)`: whitespace
// runs collapse to one space (two after a sentence end), lines are re-filled
// to fewer than 72 columns, continuation lines are indented by 8 spaces, and
// paragraph breaks are written as ` .` lines. This module implements base R's
// `strwrap` and `write.dcf` (R 4.x) for that purpose.

/** R's `getOption("width")` default, from which write.dcf derives its layout. */
const R_WIDTH = 80;
export const WRITE_DCF_WIDTH = 0.9 * R_WIDTH; // 72
export const WRITE_DCF_INDENT = 0.1 * R_WIDTH; // 8

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u;

/**
 * Display width of a code point, as R's `nchar(type = "w")`: 0 for combining
 * and format characters (soft hyphen excepted), 2 for East Asian wide and
 * fullwidth characters and emoji, 1 otherwise.
 */
function codePointWidth(codePoint: number, char: string): number {
  if (codePoint < 0x300) return 1;
  if (codePoint !== 0xad && ZERO_WIDTH.test(char)) return 0;
  if (
    (codePoint >= 0x1100 && codePoint <= 0x115f) ||
    (codePoint >= 0x2e80 && codePoint <= 0xa4cf && codePoint !== 0x303f) ||
    (codePoint >= 0xac00 && codePoint <= 0xd7a3) ||
    (codePoint >= 0xf900 && codePoint <= 0xfaff) ||
    (codePoint >= 0xfe10 && codePoint <= 0xfe19) ||
    (codePoint >= 0xfe30 && codePoint <= 0xfe6f) ||
    (codePoint >= 0xff00 && codePoint <= 0xff60) ||
    (codePoint >= 0xffe0 && codePoint <= 0xffe6) ||
    (codePoint >= 0x1f300 && codePoint <= 0x1f64f) ||
    (codePoint >= 0x1f900 && codePoint <= 0x1f9ff) ||
    (codePoint >= 0x20000 && codePoint <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

/** Display width of a string, as R's `nchar(x, type = "w")`. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += codePointWidth(char.codePointAt(0)!, char);
  return width;
}

/** R's `strsplit(x, re)`: a match at the very end yields no trailing empty string; "" yields nothing. */
function rStrsplit(text: string, separator: RegExp): string[] {
  const parts = text.split(separator);
  if (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return parts;
}

const SENTENCE_END = /[.?!][)"']?$/;

export interface StrwrapOptions {
  width?: number;
  indent?: number;
  exdent?: number;
}

/**
 * R's `strwrap(x, width, indent, exdent)` for one string (prefix and initial
 * empty), returning the lines. Paragraphs (separated by a line holding only
 * blanks) are wrapped separately and separated by an empty line.
 */
export function strwrap(text: string, options: StrwrapOptions = {}): string[] {
  const width = options.width ?? 0.9 * R_WIDTH;
  const indentString = " ".repeat(options.indent ?? 0);
  const exdentString = " ".repeat(options.exdent ?? 0);
  const lines: string[] = [];
  for (const paragraph of rStrsplit(text, /\n[ \t\n]*\n/)) {
    let words = rStrsplit(paragraph, /[ \t\n]/);
    let widths = words.map(displayWidth);
    // Empty "words" come from runs of blanks: keep one only after a sentence end (two spaces there).
    if (widths.includes(0)) {
      const keep = words.map((_word, i) => widths[i] !== 0 || (i > 0 && SENTENCE_END.test(words[i - 1]!)));
      words = words.filter((_, i) => keep[i]);
      widths = widths.filter((_, i) => keep[i]);
    }
    if (words.length === 0) {
      lines.push("", "");
      continue;
    }
    const lower: number[] = [0];
    const upper: number[] = [];
    let current = -1;
    let lens: number[] = [];
    let sum = 0;
    for (const w of widths) lens.push((sum += w + 1));
    let maxLength = width - (options.indent ?? 0);
    let first = true;
    while (lens.length > 0) {
      let k = Math.max(lens.filter((len) => len <= maxLength).length, 1);
      if (first) {
        first = false;
        maxLength = width - (options.exdent ?? 0);
      }
      current += k;
      upper.push(widths[current] === 0 ? current - 1 : current);
      if (lens.length > k) {
        if (widths[current + 1] === 0) {
          current += 1;
          k += 1;
        }
        lower.push(current + 1);
      }
      if (lens.length > k) {
        const offset = lens[k - 1]!;
        lens = lens.slice(k).map((len) => len - offset);
      } else {
        lens = [];
      }
    }
    for (let block = 0; block < upper.length; block += 1) {
      const lead = block === 0 ? indentString : exdentString;
      lines.push(lead + words.slice(lower[block], upper[block]! + 1).join(" "));
    }
    lines.push("");
  }
  if (lines.length === 0) return [""]; // no paragraph at all
  lines.pop(); // strwrap drops the separator after the last paragraph
  return lines;
}

/** One field as write.dcf writes it: `formatDL(tag, value, style = "list")` then its paragraph escapes. */
export function formatRDcfField(tag: string, value: string): string {
  const wrapped = strwrap(`${tag}: ${value}`, { width: WRITE_DCF_WIDTH, exdent: WRITE_DCF_INDENT }).join("\n");
  return wrapped.replace(/\n[ \t]*\n/g, "\n .\n ").replace(/\n \.([^\n])/g, "\n  .$1");
}

/**
 * Records as R's `write.dcf(x)` writes them at the default width: each field
 * folded by `formatRDcfField`, records separated by a blank line, a newline at
 * the end. Fields with an undefined or empty value are left out (write_PACKAGES
 * turns "" into NA).
 */
export function formatRDcf(records: readonly (readonly (readonly [string, string | undefined])[])[]): string {
  const blocks: string[] = [];
  for (const record of records) {
    const fields = record.filter(
      (entry): entry is readonly [string, string] => entry[1] !== undefined && entry[1] !== "",
    );
    if (fields.length > 0) blocks.push(fields.map(([tag, value]) => `${formatRDcfField(tag, value)}\n`).join(""));
  }
  return blocks.join("\n");
}
