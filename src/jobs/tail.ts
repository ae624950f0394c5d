// The last lines of a job's output file, which BBS's status rules read (12
// for INSTALL, 6 for CHECK) after every job. An out file can be gigabytes,
// and one line alone can be hundreds of megabytes (a package that prints a
// whole object with cat()), so the reader:
//
// - scans backwards in fixed chunks, each chunk searched once for newlines
//   (linear in the bytes scanned, never a growing string);
// - reads asynchronously, so the scan never holds the event loop: other
//   jobs' timeout timers fire on time while a huge tail is read;
// - keeps at most `maxLineBytes` of each line, from its start: the rules
//   match the beginning of R's own short lines (`* removing`, `Status: 1
//   WARNING`), which no megabyte-long line is.
// Memory is bounded by one chunk plus `count` kept line heads.

import { open, type FileHandle } from "node:fs/promises";

const CHUNK_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

/** How much of one line is kept by default: far more than any line a rule looks at. */
export const MAX_TAIL_LINE_BYTES = 64 * 1024;

export interface TailOptions {
  /** Bytes kept from the start of each line (default MAX_TAIL_LINE_BYTES). */
  readonly maxLineBytes?: number;
}

/**
 * The last `count` lines of the file at `path` (a trailing newline does not
 * make an empty last line; `\r\n` endings lose their `\r`). Bytes are decoded
 * as UTF-8. Rejects when the file cannot be opened.
 */
export async function readLastLines(path: string, count: number, options: TailOptions = {}): Promise<string[]> {
  if (count <= 0) return [];
  const maxLineBytes = options.maxLineBytes ?? MAX_TAIL_LINE_BYTES;
  const file = await open(path, "r");
  try {
    const size = (await file.stat()).size;
    const starts = await lastLineStarts(file, size, count);
    const lines: string[] = [];
    for (let index = 0; index < starts.length; index += 1) {
      const start = starts[index] as number;
      const next = starts[index + 1];
      // A line ends before the newline that starts the next one, or at the end of the file.
      let end = next === undefined ? size : next - 1;
      if (next === undefined && end > start && (await byteAt(file, end - 1)) === NEWLINE) end -= 1;
      lines.push(await readLineHead(file, start, end, maxLineBytes));
    }
    return lines;
  } finally {
    await file.close();
  }
}

/** Start offsets of the last `count` lines, in file order. */
async function lastLineStarts(file: FileHandle, size: number, count: number): Promise<number[]> {
  if (size === 0) return [];
  // A newline as the very last byte ends the last line; it starts none.
  const scanEnd = (await byteAt(file, size - 1)) === NEWLINE ? size - 1 : size;
  const starts: number[] = [];
  const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(1, scanEnd)));
  let position = scanEnd;
  while (position > 0 && starts.length < count) {
    const length = Math.min(chunk.length, position);
    position -= length;
    await readFully(file, chunk, length, position);
    for (
      let at = chunk.lastIndexOf(NEWLINE, length - 1);
      at !== -1;
      at = at > 0 ? chunk.lastIndexOf(NEWLINE, at - 1) : -1
    ) {
      starts.push(position + at + 1);
      if (starts.length === count) break;
    }
  }
  if (starts.length < count) starts.push(0);
  return starts.reverse();
}

async function readLineHead(file: FileHandle, start: number, end: number, maxLineBytes: number): Promise<string> {
  const length = Math.min(end - start, maxLineBytes);
  if (length <= 0) return "";
  const buffer = Buffer.allocUnsafe(length);
  await readFully(file, buffer, length, start);
  const text = buffer.toString("utf8");
  return length === end - start && text.endsWith("\r") ? text.slice(0, -1) : text;
}

async function byteAt(file: FileHandle, position: number): Promise<number> {
  const buffer = Buffer.alloc(1);
  const { bytesRead } = await file.read(buffer, 0, 1, position);
  return bytesRead === 1 ? (buffer[0] as number) : -1;
}

/** Reads `length` bytes at `position` (a file that shrank meanwhile leaves zeros, never a short loop). */
async function readFully(file: FileHandle, buffer: Buffer, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) {
      buffer.fill(0, done, length);
      return;
    }
    done += bytesRead;
  }
}
