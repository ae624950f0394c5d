// Reading the text files builders deliver (logs, NodeInfo, Rcheck outputs):
// their encoding is whatever the node's tools wrote. BBS decodes each line as
// UTF-8, then as the node's encoding (docs/bbs-rules.md#log-decoding;
// `logEncoding`, Windows: iso8859-1). A file that cannot be read is absent
// (undefined), never an exception: the page then says the output is not
// available.

import { isUtf8 } from "node:buffer";
import { readFileSync } from "node:fs";
import { TextDecoder } from "node:util";

const decoders = new Map<string, TextDecoder>();

function isUtf8Name(encoding: string): boolean {
  return /^utf-?8$/i.test(encoding.trim());
}

function decoderFor(encoding: string): TextDecoder {
  let decoder = decoders.get(encoding);
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(isUtf8Name(encoding) ? "latin1" : encoding.replace(/^iso8859/i, "iso-8859"));
    } catch {
      decoder = new TextDecoder("latin1");
    }
    decoders.set(encoding, decoder);
  }
  return decoder;
}

/**
 * Decodes bytes as BBS does, line by line: UTF-8 when the line is valid
 * UTF-8, else the node's encoding (ISO-8859-1 for a UTF-8 node). A Windows
 * node's `iso8859-1` logs are mostly UTF-8 (R and its tools write UTF-8), so
 * decoding them straight as Latin-1 would turn `§` into `Â§`.
 */
export function decodeText(bytes: Buffer, encoding = "utf-8"): string {
  if (isUtf8(bytes)) return bytes.toString("utf8");
  const fallback = decoderFor(encoding);
  const parts: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline === -1 ? bytes.length : newline + 1;
    const line = bytes.subarray(start, end);
    parts.push(isUtf8(line) ? line.toString("utf8") : fallback.decode(line));
    start = end;
  }
  return parts.join("");
}

/** The file's bytes, or undefined when it does not exist or cannot be read. */
export function readBytesIfPresent(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** The decoded text of a file, or undefined when it cannot be read. */
export function readTextIfPresent(path: string, encoding?: string): string | undefined {
  const bytes = readBytesIfPresent(path);
  return bytes === undefined ? undefined : decodeText(bytes, encoding);
}

export interface TruncatedText {
  text: string;
  /** Lines left out after the limit (0 when complete). */
  omittedLines: number;
}

/** BBS shows at most 99,999 lines of a command's output. */
export const MAX_OUTPUT_LINES = 99_999;

/** Keeps the first `maxLines` lines of `text`. */
export function truncateLines(text: string, maxLines = MAX_OUTPUT_LINES): TruncatedText {
  let index = -1;
  for (let line = 0; line < maxLines; line += 1) {
    index = text.indexOf("\n", index + 1);
    if (index === -1) return { text, omittedLines: 0 };
  }
  const rest = text.slice(index + 1);
  if (rest === "") return { text, omittedLines: 0 };
  let omitted = 1;
  for (let at = rest.indexOf("\n"); at !== -1 && at < rest.length - 1; at = rest.indexOf("\n", at + 1)) omitted += 1;
  return { text: text.slice(0, index + 1), omittedLines: omitted };
}
