// Reading the text files builders deliver (logs, NodeInfo, Rcheck outputs):
// their encoding is whatever the node's tools wrote. BBS decoded them as UTF-8
// then ISO-8859-1 (spec 12.22); a node may declare another encoding
// (`logEncoding`, Windows: iso8859-1). A file that cannot be read is absent
// (undefined), never an exception: the page then says the output is not
// available.

import { isUtf8 } from "node:buffer";
import { readFileSync } from "node:fs";
import { TextDecoder } from "node:util";

const decoders = new Map<string, TextDecoder>();

function isUtf8Name(encoding: string): boolean {
  return /^utf-?8$/i.test(encoding.trim());
}

/** Decodes bytes as the node's encoding; UTF-8 that does not decode falls back to ISO-8859-1. */
export function decodeText(bytes: Buffer, encoding = "utf-8"): string {
  if (isUtf8Name(encoding)) return isUtf8(bytes) ? bytes.toString("utf8") : bytes.toString("latin1");
  let decoder = decoders.get(encoding);
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(encoding.replace(/^iso8859/i, "iso-8859"));
    } catch {
      decoder = new TextDecoder("latin1");
    }
    decoders.set(encoding, decoder);
  }
  return decoder.decode(bytes);
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
