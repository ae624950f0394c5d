// Reading one member of a zip archive without unzip: Windows binary packages
// (`<pkg>_<version>.zip`) hold `<pkg>/DESCRIPTION`, which write_PACKAGES reads
// through R's `unz()`. Only what that needs: the end-of-central-directory
// record (zip64 included), the central directory, and one member stored or
// deflated. The archive is read with positioned reads, never whole.

import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { inflateRawSync } from "node:zlib";
import { BbsError, errorMessage } from "../util/errors.js";

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_EOCD_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
/** EOCD (22 bytes) plus the longest comment (65535). */
const EOCD_SEARCH = 22 + 0xffff;

/** A malformed or unsupported zip archive. */
export class ZipFormatError extends Error {
  override readonly name = "ZipFormatError";
}

export interface ZipEntryInfo {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  let offset = 0;
  while (offset < length) {
    const n = readSync(fd, buffer, offset, length - offset, position + offset);
    if (n === 0) throw new ZipFormatError("truncated zip archive");
    offset += n;
  }
  return buffer;
}

function u64(buffer: Buffer, offset: number): number {
  const value = buffer.readBigUInt64LE(offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipFormatError("zip64 offset too large");
  return Number(value);
}

/** Where the central directory is and how many entries it has. */
function locateCentralDirectory(fd: number, fileSize: number): { offset: number; size: number; entries: number } {
  const tailLength = Math.min(fileSize, EOCD_SEARCH);
  const tail = readAt(fd, fileSize - tailLength, tailLength);
  for (let i = tail.length - 22; i >= 0; i -= 1) {
    if (tail.readUInt32LE(i) !== EOCD_SIGNATURE) continue;
    const entries = tail.readUInt16LE(i + 10);
    const size = tail.readUInt32LE(i + 12);
    const offset = tail.readUInt32LE(i + 16);
    if (entries !== 0xffff && size !== 0xffffffff && offset !== 0xffffffff) return { offset, size, entries };
    // zip64: the locator sits just before the EOCD record.
    const locatorAt = fileSize - tailLength + i - 20;
    if (locatorAt < 0) throw new ZipFormatError("zip64 end of central directory locator missing");
    const locator = readAt(fd, locatorAt, 20);
    if (locator.readUInt32LE(0) !== ZIP64_EOCD_LOCATOR_SIGNATURE)
      throw new ZipFormatError("zip64 end of central directory locator missing");
    const record = readAt(fd, u64(locator, 8), 56);
    if (record.readUInt32LE(0) !== ZIP64_EOCD_SIGNATURE)
      throw new ZipFormatError("zip64 end of central directory record missing");
    return { entries: u64(record, 32), size: u64(record, 40), offset: u64(record, 48) };
  }
  throw new ZipFormatError("not a zip archive (no end of central directory record)");
}

/** Sizes and offset from a zip64 extra field, for the values marked 0xffffffff. */
function applyZip64Extra(extra: Buffer, info: ZipEntryInfo): void {
  for (let at = 0; at + 4 <= extra.length;) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    if (id === 0x0001) {
      let field = at + 4;
      if (info.size === 0xffffffff) {
        info.size = u64(extra, field);
        field += 8;
      }
      if (info.compressedSize === 0xffffffff) {
        info.compressedSize = u64(extra, field);
        field += 8;
      }
      if (info.localHeaderOffset === 0xffffffff) info.localHeaderOffset = u64(extra, field);
      return;
    }
    at += 4 + length;
  }
}

/** The entries of the central directory, in archive order. */
function centralDirectory(fd: number, fileSize: number): ZipEntryInfo[] {
  const location = locateCentralDirectory(fd, fileSize);
  if (location.offset + location.size > fileSize)
    throw new ZipFormatError("central directory lies beyond the end of the file");
  const directory = readAt(fd, location.offset, location.size);
  const entries: ZipEntryInfo[] = [];
  let at = 0;
  while (at + 46 <= directory.length && entries.length < location.entries) {
    if (directory.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw new ZipFormatError("corrupt central directory");
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    const flags = directory.readUInt16LE(at + 8);
    const nameBytes = directory.subarray(at + 46, at + 46 + nameLength);
    const info: ZipEntryInfo = {
      // Bit 11: UTF-8 names; otherwise CP437, which agrees with Latin-1 for the ASCII names packages use.
      name: nameBytes.toString((flags & 0x0800) !== 0 ? "utf8" : "latin1"),
      method: directory.readUInt16LE(at + 10),
      compressedSize: directory.readUInt32LE(at + 20),
      size: directory.readUInt32LE(at + 24),
      localHeaderOffset: directory.readUInt32LE(at + 42),
    };
    applyZip64Extra(directory.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength), info);
    entries.push(info);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function entryData(fd: number, entry: ZipEntryInfo): Buffer {
  const header = readAt(fd, entry.localHeaderOffset, 30);
  if (header.readUInt32LE(0) !== LOCAL_SIGNATURE) throw new ZipFormatError(`corrupt local header of ${entry.name}`);
  const start = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  const raw = readAt(fd, start, entry.compressedSize);
  if (entry.method === 0) return raw;
  if (entry.method === 8) return inflateRawSync(raw);
  throw new ZipFormatError(
    `${entry.name} uses compression method ${entry.method} (only stored and deflated are supported)`,
  );
}

/**
 * The content of member `name` of the zip archive at `path` (the last entry of
 * that name, as unzip extracts it), or undefined when there is none. Throws
 * BBS_INPUT_INVALID naming the file when it is not a readable zip archive.
 */
export function readZipMember(path: string, name: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const entries = centralDirectory(fd, fstatSync(fd).size);
    const entry = entries.filter((candidate) => candidate.name === name).pop();
    return entry === undefined ? undefined : entryData(fd, entry);
  } catch (error) {
    throw new BbsError("BBS_INPUT_INVALID", `${path} is not a readable zip archive: ${errorMessage(error)}`, {
      hint: "rebuild the Windows binary package, or remove the file from the repository directory",
      cause: error,
    });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
