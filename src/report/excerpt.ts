// What a report page shows of a log. BBS put a whole command output on the
// page (up to 99,999 lines); one package that prints a gigabyte, or one line
// of 100 MB, then took the whole report down (V8's heap, or its longest
// string). A page shows a log whole while it is small; a larger one shows
// its head and its tail with what was left out counted, and the page links
// the full file (raw results). The file is read in bounded pieces: memory
// does not grow with its size, and no string longer than a piece is made.

import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** A log up to this size and line count is shown whole. */
export const WHOLE_MAX_BYTES = 2 * 1024 * 1024;
export const WHOLE_MAX_LINES = 99_999;
/** Otherwise its head and its tail, each at most this much. */
export const PART_MAX_BYTES = 1024 * 1024;
export const PART_MAX_LINES = 50_000;

const CHUNK_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

export interface LogExcerpt {
  /** The first bytes (the whole file when nothing is left out). */
  head: Buffer;
  /** The last bytes, when something between them and the head is left out. */
  tail?: Buffer;
  /** Bytes left out between head and tail. */
  omittedBytes: number;
  /** Newlines among them. */
  omittedLines: number;
}

/** The excerpt of the file at `path` a page shows; undefined when it cannot be read. */
export function readLogExcerpt(path: string): LogExcerpt | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    if (size <= WHOLE_MAX_BYTES) {
      const whole = readAt(fd, 0, size);
      if (countNewlines(whole, 0, whole.length) <= WHOLE_MAX_LINES)
        return { head: whole, omittedBytes: 0, omittedLines: 0 };
    }
    const head = headPart(readAt(fd, 0, Math.min(size, PART_MAX_BYTES)));
    const tailStart = Math.max(head.length, size - PART_MAX_BYTES);
    const tail = tailPart(readAt(fd, tailStart, size - tailStart));
    const omittedStart = head.length;
    const omittedEnd = size - tail.length;
    return {
      head,
      tail,
      omittedBytes: omittedEnd - omittedStart,
      omittedLines: countNewlinesInFile(fd, omittedStart, omittedEnd),
    };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The first PART_MAX_LINES lines of `bytes` (a line cut by the byte limit stays cut). */
function headPart(bytes: Buffer): Buffer {
  let end = -1;
  for (let line = 0; line < PART_MAX_LINES; line += 1) {
    end = bytes.indexOf(NEWLINE, end + 1);
    if (end === -1) return trimToCharacter(bytes);
  }
  return bytes.subarray(0, end + 1);
}

/** The last PART_MAX_LINES lines of `bytes`, from a line start when there is one. */
function tailPart(bytes: Buffer): Buffer {
  // The newline that ends the file starts no line; count line starts backwards from it.
  let searchEnd = bytes.length > 0 && bytes[bytes.length - 1] === NEWLINE ? bytes.length - 1 : bytes.length;
  let lineStart: number | undefined;
  for (let line = 0; line < PART_MAX_LINES && searchEnd > 0; line += 1) {
    const at = bytes.lastIndexOf(NEWLINE, searchEnd - 1);
    if (at === -1) break;
    lineStart = at + 1;
    searchEnd = at;
  }
  // No line starts in it: the end of one long line, shown from inside it.
  return lineStart === undefined ? skipContinuationBytes(bytes) : bytes.subarray(lineStart);
}

/** Drops a UTF-8 character cut at the end, so the head still decodes as UTF-8. */
function trimToCharacter(bytes: Buffer): Buffer {
  let end = bytes.length;
  for (let back = 1; back <= 3 && end - back >= 0; back += 1) {
    const byte = bytes[end - back] as number;
    if ((byte & 0xc0) === 0x80) continue; // continuation: look further back for the lead byte
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    if (needed > back) end -= back;
    break;
  }
  return bytes.subarray(0, end);
}

/** Drops UTF-8 continuation bytes at the start (the rest of a character cut off before). */
function skipContinuationBytes(bytes: Buffer): Buffer {
  let start = 0;
  while (start < 3 && start < bytes.length && ((bytes[start] as number) & 0xc0) === 0x80) start += 1;
  return bytes.subarray(start);
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const read = readSync(fd, buffer, done, length - done, position + done);
    if (read === 0) break; // the file shrank meanwhile
    done += read;
  }
  return buffer.subarray(0, done);
}

function countNewlines(bytes: Buffer, start: number, end: number): number {
  let count = 0;
  for (let at = bytes.indexOf(NEWLINE, start); at !== -1 && at < end; at = bytes.indexOf(NEWLINE, at + 1)) count += 1;
  return count;
}

/** Newlines between two offsets of the file, read a chunk at a time. */
function countNewlinesInFile(fd: number, start: number, end: number): number {
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let count = 0;
  for (let position = start; position < end;) {
    const read = readSync(fd, chunk, 0, Math.min(chunk.length, end - position), position);
    if (read === 0) break;
    count += countNewlines(chunk, 0, read);
    position += read;
  }
  return count;
}
