// A small incremental tar reader: enough to list an archive and take a few
// small files out of it without extracting anything to disk. It handles the
// formats R CMD build, GNU tar and Python produce: ustar (name prefix), GNU
// long names and link names (`L`/`K` entries), pax extended headers (`x`:
// path, linkpath, size) and base-256 sizes. Decompression is the caller's
// business: it pushes decompressed bytes as they come (tarball.ts).

/** What an entry is; anything else (devices, fifos, sparse files) is `other`. */
export type TarEntryType = "file" | "directory" | "symlink" | "hardlink" | "other";

export interface TarEntry {
  /** The name as stored (after long-name and pax overrides), e.g. `IRanges/src/`. */
  name: string;
  type: TarEntryType;
  size: number;
  linkName?: string;
}

/** What to do with an entry: receive its content, skip it, or stop reading the archive. */
export type TarEntryAction = "content" | "skip" | "stop";

export interface TarVisitor {
  entry(entry: TarEntry): TarEntryAction;
  /** The whole content of an entry for which `entry` returned "content"; return false to stop. */
  content?(entry: TarEntry, data: Buffer): boolean;
}

/** A malformed archive (bad header checksum, truncated entry...). */
export class TarFormatError extends Error {
  override readonly name = "TarFormatError";
}

const BLOCK = 512;

type State =
  | { kind: "header" }
  | {
      kind: "data";
      entry: TarEntry;
      remaining: number;
      padding: number;
      collect: Buffer[] | undefined;
      meta: MetaKind | undefined;
    }
  | { kind: "done" };

type MetaKind = "gnu-long-name" | "gnu-long-link" | "pax" | "pax-global";

export class TarParser {
  private readonly visitor: TarVisitor;
  private pending: Buffer = Buffer.alloc(0);
  private state: State = { kind: "header" };
  private longName: string | undefined;
  private longLink: string | undefined;
  private pax: Map<string, string> = new Map();
  private stopped = false;

  constructor(visitor: TarVisitor) {
    this.visitor = visitor;
  }

  /** True once the end of the archive was reached or the visitor stopped. */
  get done(): boolean {
    return this.state.kind === "done";
  }

  /** True when the visitor asked to stop (as opposed to reaching the end of the archive). */
  get stoppedByVisitor(): boolean {
    return this.stopped;
  }

  /** Feeds decompressed bytes; returns false once no more input is wanted. */
  push(chunk: Buffer): boolean {
    let data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = Buffer.alloc(0);
    while (data.length > 0 && this.state.kind !== "done") {
      if (this.state.kind === "header") {
        if (data.length < BLOCK) break;
        this.readHeader(data.subarray(0, BLOCK));
        data = data.subarray(BLOCK);
      } else {
        data = this.readData(this.state, data);
      }
    }
    if (this.state.kind !== "done" && data.length > 0) this.pending = Buffer.from(data);
    return this.state.kind !== "done";
  }

  /** Signals the end of input: throws TarFormatError if it ended inside an entry. */
  finish(): void {
    if (this.state.kind === "done") return;
    if (this.state.kind === "data" || this.pending.length > 0) throw new TarFormatError("truncated tar archive");
    // End of input on a header boundary without the zero blocks: accepted (GNU tar only warns).
    this.state = { kind: "done" };
  }

  private readHeader(header: Buffer): void {
    if (header.every((byte) => byte === 0)) {
      this.state = { kind: "done" };
      return;
    }
    verifyChecksum(header);
    const typeflag = String.fromCharCode(header[156]!);
    const magic = header.toString("latin1", 257, 263);
    let name = cString(header, 0, 100);
    if (magic === "ustar\0") {
      const prefix = cString(header, 345, 155);
      if (prefix !== "") name = `${prefix}/${name}`;
    }
    let size = parseSize(header.subarray(124, 136));
    let linkName: string | undefined = cString(header, 157, 100) || undefined;
    const meta = metaKind(typeflag);
    if (meta === undefined) {
      name = this.pax.get("path") ?? this.longName ?? name;
      linkName = this.pax.get("linkpath") ?? this.longLink ?? linkName;
      const paxSize = this.pax.get("size");
      if (paxSize !== undefined && /^\d+$/.test(paxSize)) size = Number(paxSize);
      this.longName = undefined;
      this.longLink = undefined;
      this.pax = new Map();
    }
    const entry: TarEntry = { name, type: entryType(typeflag), size, ...(linkName === undefined ? {} : { linkName }) };
    // Links and directories carry no data whatever their size field says.
    const dataSize = entry.type === "directory" || entry.type === "symlink" || entry.type === "hardlink" ? 0 : size;
    const padding = (BLOCK - (dataSize % BLOCK)) % BLOCK;
    let collect: Buffer[] | undefined;
    if (meta !== undefined) {
      collect = [];
    } else {
      const action = this.visitor.entry(entry);
      if (action === "stop") {
        this.stop();
        return;
      }
      if (action === "content") collect = [];
    }
    this.state = { kind: "data", entry, remaining: dataSize, padding, collect, meta };
    if (dataSize === 0) this.endOfEntry(this.state);
  }

  private readData(state: Extract<State, { kind: "data" }>, data: Buffer): Buffer {
    if (state.remaining > 0) {
      const take = Math.min(state.remaining, data.length);
      state.collect?.push(data.subarray(0, take));
      state.remaining -= take;
      data = data.subarray(take);
      if (state.remaining === 0) this.endOfEntry(state);
      return data;
    }
    const skip = Math.min(state.padding, data.length);
    state.padding -= skip;
    if (state.padding === 0 && this.state === state) this.state = { kind: "header" };
    return data.subarray(skip);
  }

  private endOfEntry(state: Extract<State, { kind: "data" }>): void {
    const content = state.collect === undefined ? undefined : Buffer.concat(state.collect);
    state.collect = undefined;
    if (content !== undefined) {
      switch (state.meta) {
        case "gnu-long-name":
          this.longName = cString(content, 0, content.length);
          break;
        case "gnu-long-link":
          this.longLink = cString(content, 0, content.length);
          break;
        case "pax":
          this.pax = parsePax(content);
          break;
        case "pax-global":
          break;
        case undefined:
          if (this.visitor.content?.(state.entry, content) === false) {
            this.stop();
            return;
          }
      }
    }
    if (state.padding === 0) this.state = { kind: "header" };
  }

  private stop(): void {
    this.stopped = true;
    this.state = { kind: "done" };
  }
}

function metaKind(typeflag: string): MetaKind | undefined {
  if (typeflag === "L") return "gnu-long-name";
  if (typeflag === "K") return "gnu-long-link";
  if (typeflag === "x") return "pax";
  if (typeflag === "g") return "pax-global";
  return undefined;
}

function entryType(typeflag: string): TarEntryType {
  switch (typeflag) {
    case "0":
    case "\0":
    case "7":
      return "file";
    case "1":
      return "hardlink";
    case "2":
      return "symlink";
    case "5":
      return "directory";
    default:
      return "other";
  }
}

/** A NUL-terminated field; names are bytes, read as UTF-8 (what GNU tar writes in UTF-8 locales). */
function cString(buffer: Buffer, offset: number, length: number): string {
  const field = buffer.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString("utf8");
}

function parseSize(field: Buffer): number {
  if ((field[0]! & 0x80) !== 0) {
    // GNU base-256: big-endian, first byte's high bit is the marker.
    let value = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i += 1) value = value * 256 + field[i]!;
    return value;
  }
  const text = field
    .toString("latin1")
    .replace(/[\0 ]+$/, "")
    .trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`invalid size field "${text}" in tar header`);
  return parseInt(text, 8);
}

function verifyChecksum(header: Buffer): void {
  const stored = header
    .toString("latin1", 148, 156)
    .replace(/[\0 ]+$/, "")
    .trim();
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i += 1) {
    const byte = i >= 148 && i < 156 ? 0x20 : header[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  const expected = /^[0-7]+$/.test(stored) ? parseInt(stored, 8) : NaN;
  if (expected !== unsigned && expected !== signed) {
    throw new TarFormatError("not a tar archive (bad header checksum)");
  }
}

/** Pax records: `<length> <key>=<value>\n`. */
function parsePax(content: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let offset = 0;
  while (offset < content.length) {
    const space = content.indexOf(0x20, offset);
    if (space === -1) break;
    const length = Number(content.toString("latin1", offset, space));
    if (!Number.isInteger(length) || length <= 0) break;
    const record = content.toString("utf8", space + 1, offset + length - 1);
    const equals = record.indexOf("=");
    if (equals > 0) records.set(record.slice(0, equals), record.slice(equals + 1));
    offset += length;
  }
  return records;
}
