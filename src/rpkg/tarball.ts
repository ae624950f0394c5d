// Reading an R source package tarball (`<pkg>_<version>.tar.gz`) without a tar
// process: the file is read once (whole when small, else streamed), through an
// MD5 hash and zlib's gunzip, into the tar reader, which picks `<pkg>/DESCRIPTION` and notices a
// `<pkg>/src/` directory entry. Reading stops as soon as the caller has what
// it needs (the MD5 still covers the whole file). bzip2 and xz tarballs, rare
// in R repositories, are decompressed by the `bzip2`/`xz` commands.

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, createReadStream, openSync, readFileSync, readSync, statSync } from "node:fs";
import { basename } from "node:path";
import type { Readable } from "node:stream";
import { promisify } from "node:util";
import { isMainThread } from "node:worker_threads";
import { createGunzip, gunzip, gunzipSync, type ZlibOptions } from "node:zlib";
import { BbsError, errorMessage } from "../util/errors.js";
import { TarFormatError, TarParser, type TarEntry, type TarVisitor } from "./tar.js";

const gunzipAsync = promisify(gunzip);

export interface PackageTarballContents {
  /** Bytes of `<pkg>/DESCRIPTION` (a regular file entry with exactly that name), if present. */
  description?: Buffer;
  /**
   * Whether a `<pkg>/src/` directory entry was seen (how write_PACKAGES infers
   * NeedsCompilation). Only meaningful when the listing was read to the end,
   * i.e. unless `needsListing` returned false.
   */
  hasSrcDirectory: boolean;
  /** Lowercase hex MD5 of the whole file. */
  md5: string;
}

export interface ReadPackageTarballOptions {
  /**
   * Called when DESCRIPTION is found: return false when `hasSrcDirectory` is
   * not needed (e.g. DESCRIPTION has NeedsCompilation), so reading stops there.
   * Default: the whole listing is read.
   */
  needsListing?: (description: Buffer) => boolean;
}

/** The package name of a package file name: what precedes the first `_` (R's rule). */
export function packageNameFromFileName(file: string): string {
  return basename(file).split("_")[0]!;
}

/**
 * Reads `<packageName>/DESCRIPTION` and the `src/` marker from a package
 * tarball, and its MD5. Throws BBS_INPUT_INVALID naming the file when it is
 * not a readable tar archive (gzip, bzip2, xz or uncompressed).
 */
export async function readPackageTarball(
  path: string,
  packageName: string = packageNameFromFileName(path),
  options: ReadPackageTarballOptions = {},
): Promise<PackageTarballContents> {
  const descriptionName = `${packageName}/DESCRIPTION`;
  const srcName = `${packageName}/src/`;
  let description: Buffer | undefined;
  let hasSrcDirectory = false;
  let listingWanted = true;
  const visitor: TarVisitor = {
    entry(entry: TarEntry) {
      if (entry.name === srcName) {
        hasSrcDirectory = true;
        if (description !== undefined) return "stop";
      }
      return entry.name === descriptionName && entry.type === "file" ? "content" : "skip";
    },
    content(_entry: TarEntry, data: Buffer) {
      description = data;
      listingWanted = options.needsListing?.(data) ?? true;
      return listingWanted && !hasSrcDirectory;
    },
  };
  const parser = new TarParser(visitor);
  try {
    const md5 = await streamInto(path, parser);
    return { ...(description === undefined ? {} : { description }), hasSrcDirectory, md5 };
  } catch (error) {
    if (error instanceof BbsError) throw error;
    throw new BbsError("BBS_INPUT_INVALID", `${path} is not a readable package tarball: ${errorMessage(error)}`, {
      hint: "rebuild the package with `R CMD build`, or remove the file from the repository directory",
      cause: error,
    });
  }
}

export interface PackageTarballScan extends PackageTarballContents {
  /** Content of every regular-file member `wanted` accepted, by member name, in archive order. */
  members: Map<string, Buffer>;
}

/**
 * Reads a whole package tarball once: DESCRIPTION, the `src/` marker and MD5
 * as readPackageTarball, plus the content of the regular-file members
 * `wanted` selects (e.g. `<pkg>/inst/doc/...` for a repository's landing
 * pages). Throws BBS_INPUT_INVALID naming the file when it is not a readable
 * tar archive.
 */
export async function scanPackageTarball(
  path: string,
  wanted: (memberName: string) => boolean,
  packageName: string = packageNameFromFileName(path),
): Promise<PackageTarballScan> {
  const descriptionName = `${packageName}/DESCRIPTION`;
  const srcName = `${packageName}/src/`;
  let description: Buffer | undefined;
  let hasSrcDirectory = false;
  const members = new Map<string, Buffer>();
  const visitor: TarVisitor = {
    entry(entry: TarEntry) {
      if (entry.name === srcName) hasSrcDirectory = true;
      if (entry.type !== "file") return "skip";
      return entry.name === descriptionName || wanted(entry.name) ? "content" : "skip";
    },
    content(entry: TarEntry, data: Buffer) {
      if (entry.name === descriptionName) description = data;
      if (wanted(entry.name)) members.set(entry.name, data);
      return true;
    },
  };
  try {
    const md5 = await streamInto(path, new TarParser(visitor));
    return { ...(description === undefined ? {} : { description }), hasSrcDirectory, md5, members };
  } catch (error) {
    if (error instanceof BbsError) throw error;
    throw new BbsError("BBS_INPUT_INVALID", `${path} is not a readable package tarball: ${errorMessage(error)}`, {
      hint: "rebuild the package with `R CMD build`, or remove the file from the repository directory",
      cause: error,
    });
  }
}

type Compression = "gzip" | "bzip2" | "xz" | "none";

/** The compression of a file from its first bytes (at least 6 when the file has them). */
function compressionOf(magic: Buffer): Compression {
  if (magic.length >= 2 && magic[0] === 0x1f && magic[1] === 0x8b) return "gzip";
  if (magic.length >= 3 && magic.toString("latin1", 0, 3) === "BZh") return "bzip2";
  if (magic.length >= 6 && magic.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return "xz";
  return "none";
}

function detectCompression(path: string): Compression {
  const fd = openSync(path, "r");
  try {
    const magic = Buffer.alloc(6);
    return compressionOf(magic.subarray(0, readSync(fd, magic, 0, 6, 0)));
  } finally {
    closeSync(fd);
  }
}

/**
 * gzip files up to this size are read whole: one read, one inflate on libuv's
 * pool while this thread hashes, one parse. Streaming them cost twice the time
 * (per-chunk stream machinery, and garbage); larger files are streamed so
 * memory stays bounded.
 */
const WHOLE_FILE_LIMIT = 16 * 1024 * 1024;

/** Reads the file through MD5 and decompression into the parser; returns the MD5. */
async function streamInto(path: string, parser: TarParser): Promise<string> {
  // A small file is read once, whole, and its compression told from the bytes read.
  const whole = statSync(path).size <= WHOLE_FILE_LIMIT ? readFileSync(path) : undefined;
  const compression = whole === undefined ? detectCompression(path) : compressionOf(whole);
  if (compression === "none" && whole !== undefined) {
    parser.push(whole);
    parser.finish();
    return createHash("md5").update(whole).digest("hex");
  }
  if (compression === "gzip" && whole !== undefined) {
    const bytes = whole;
    // Output in large chunks: zlib's default 16 KB made inflating a tarball twice as slow.
    const zlibOptions = { chunkSize: Math.min(1 << 20, Math.max(1 << 16, bytes.length * 2)) };
    // On the main thread, inflated on libuv's pool while this thread hashes; in a reader
    // thread (record-pool.ts, one per core already), inflated right here.
    // A failure (e.g. bytes after the archive) leaves the file to the streaming reader below.
    const inflating = isMainThread ? gunzipAsync(bytes, zlibOptions).catch(() => undefined) : undefined;
    const md5 = createHash("md5").update(bytes).digest("hex");
    const inflated = inflating !== undefined ? await inflating : gunzipQuietly(bytes, zlibOptions);
    if (inflated !== undefined) {
      parser.push(inflated);
      parser.finish();
      return md5;
    }
  }
  if (compression === "bzip2" || compression === "xz") {
    const [md5] = await Promise.all([md5OfFile(path), parseExternal(path, compression, parser)]);
    return md5;
  }
  const hash = createHash("md5");
  const gunzip = compression === "gzip" ? createGunzip({ chunkSize: 1 << 18 }) : undefined;
  let failure: unknown;
  const finished =
    gunzip === undefined ? Promise.resolve() : gunzipFinished(gunzip, parser, (error) => (failure = error));
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    if (parser.done || failure !== undefined) continue;
    if (gunzip === undefined) parser.push(chunk);
    else if (!gunzip.write(chunk)) await drained(gunzip);
  }
  if (gunzip !== undefined) {
    if (!parser.done && failure === undefined) {
      gunzip.end();
      await finished;
    }
    gunzip.destroy();
  }
  if (failure !== undefined && !parser.done) throw failure;
  parser.finish();
  return hash.digest("hex");
}

function gunzipQuietly(bytes: Buffer, options: ZlibOptions): Buffer | undefined {
  try {
    return gunzipSync(bytes, options);
  } catch {
    return undefined;
  }
}

/** Feeds gunzip's output to the parser; resolves at the end of the stream or on error (reported via onError). */
function gunzipFinished(
  gunzip: ReturnType<typeof createGunzip>,
  parser: TarParser,
  onError: (error: unknown) => void,
): Promise<void> {
  return new Promise((resolve) => {
    let failed = false;
    gunzip.on("data", (chunk: Buffer) => {
      if (parser.done || failed) return;
      try {
        parser.push(chunk);
      } catch (error) {
        failed = true;
        onError(error); // a malformed tar: stop feeding, report from streamInto
      }
    });
    gunzip.once("end", () => resolve());
    gunzip.once("error", (error) => {
      onError(error);
      resolve();
    });
  });
}

function drained(stream: NodeJS.WritableStream & NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.removeListener("drain", done);
      stream.removeListener("error", done);
      stream.removeListener("close", done);
      resolve();
    };
    stream.once("drain", done);
    stream.once("error", done);
    stream.once("close", done);
  });
}

async function md5OfFile(path: string): Promise<string> {
  const hash = createHash("md5");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>)
    hash.update(chunk);
  return hash.digest("hex");
}

/** bzip2/xz: decompressed by the command of that name, its output parsed as it comes. */
async function parseExternal(path: string, compression: "bzip2" | "xz", parser: TarParser): Promise<void> {
  const child = spawn(compression, ["-dc", path], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve(code));
  });
  for await (const chunk of child.stdout as Readable as AsyncIterable<Buffer>) {
    if (!parser.push(chunk)) {
      child.kill();
      break;
    }
  }
  let code: number | null;
  try {
    code = await exit;
  } catch (error) {
    throw new BbsError("BBS_COMMAND_FAILED", `cannot run ${compression} to read ${path}: ${errorMessage(error)}`, {
      hint: `install ${compression}, or recompress the tarball with gzip`,
    });
  }
  if (!parser.done && code !== 0) throw new TarFormatError(`${compression} -dc failed: ${stderr.trim()}`);
  parser.finish();
}
