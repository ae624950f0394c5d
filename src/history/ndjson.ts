// Append-only NDJSON event files (one JSON object per line), readable by
// `tail -f`, jq, and a later `bbs` that wants to know what happened.
//
// Crash safety: each line goes to the kernel in one write() on an O_APPEND
// descriptor as soon as it is produced, so a kill -9 of bbs loses nothing
// already written and lines from several writers never interleave. A power
// loss may leave a torn last line: the reader reports and skips it, and a
// writer reopening the file first ends such a line, so the next record
// starts on a line of its own. `durable: true` also fsyncs every line.

import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, writeSync } from "node:fs";
import { dirname } from "node:path";

export class NdjsonWriter {
  private fd: number | undefined;

  private constructor(
    fd: number,
    readonly path: string,
    private readonly durable: boolean,
  ) {
    this.fd = fd;
  }

  static open(path: string, options: { durable?: boolean } = {}): NdjsonWriter {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(path, "a+");
    const size = fstatSync(fd).size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) writeSync(fd, "\n");
    }
    return new NdjsonWriter(fd, path, options.durable === true);
  }

  /** Appends one record as one line. */
  write(record: object): void {
    if (this.fd === undefined) throw new Error(`NDJSON writer for ${this.path} is closed`);
    const line = Buffer.from(`${JSON.stringify(record)}\n`, "utf8");
    let offset = 0;
    while (offset < line.length) offset += writeSync(this.fd, line, offset, line.length - offset);
    if (this.durable) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }
}

export interface NdjsonContents {
  readonly records: unknown[];
  /** Lines that are not JSON objects (1-based line numbers); a torn last line is one of them. */
  readonly problems: ReadonlyArray<{ readonly line: number; readonly text: string }>;
}

/** Reads an NDJSON file, skipping (and reporting) lines that do not parse. */
export function readNdjson(path: string): NdjsonContents {
  const records: unknown[] = [];
  const problems: Array<{ line: number; text: string }> = [];
  readFileSync(path, "utf8")
    .split("\n")
    .forEach((text, index) => {
      if (text.trim() === "") return;
      try {
        const value: unknown = JSON.parse(text);
        if (typeof value === "object" && value !== null && !Array.isArray(value)) records.push(value);
        else problems.push({ line: index + 1, text });
      } catch {
        problems.push({ line: index + 1, text });
      }
    });
  return { records, problems };
}
