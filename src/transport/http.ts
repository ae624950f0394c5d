// Read-only access to the central directory as builders and R see it, at
// `central.baseUrl` (BBS_CENTRAL_BASEURL): meat-index.dcf, the target repo's
// src/contrib/PACKAGES, source tarballs. `http(s)://` goes through Node's fetch,
// `file://` through the filesystem. Downloads are verified against an MD5 when
// one is given (BBS downloadFile: skipped when the local copy already matches)
// and land under their final name only once complete and verified.

import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, mkdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { BbsError } from "../util/errors.js";
import { TransportError, type Diagnosis } from "./errors.js";
import { resolvePolicy, withRetries, type AttemptOutcome } from "./retry.js";
import { RETRY_POLICIES, type CallOptions, type OperationName } from "./transport.js";

export interface DownloadOptions extends CallOptions {
  /** Expected MD5 (hex): an existing local file with this sum is kept, a download with another is refused. */
  md5?: string;
}

export interface DownloadResult {
  url: string;
  path: string;
  bytes: number;
  md5: string;
  /** The local file already had the expected MD5; nothing was fetched. */
  skipped: boolean;
  attempts: number;
}

let downloadCounter = 0;

function md5OfFile(path: string): string | undefined {
  try {
    return createHash("md5").update(readFileSync(path)).digest("hex");
  } catch {
    return undefined;
  }
}

/** A fetch outcome: a body, a definite "not there", or a failure. */
type Fetched = { kind: "body"; body: Readable } | { kind: "missing" } | { kind: "failed"; diagnosis: Diagnosis };

export class HttpReader {
  /** The base URL, without trailing slash. */
  readonly baseUrl: string;
  private readonly base: URL;

  constructor(baseUrl: string) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw new BbsError("BBS_CONFIG_INVALID", `central.baseUrl ${JSON.stringify(baseUrl)} is not a URL`, {
        hint: "write it as http://host/path, https://host/path or file:///absolute/path",
      });
    }
    if (!["http:", "https:", "file:"].includes(url.protocol)) {
      throw new BbsError("BBS_CONFIG_INVALID", `central.baseUrl ${baseUrl}: unsupported scheme ${url.protocol}`, {
        hint: "use http://, https:// or file://",
      });
    }
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.base = new URL(`${this.baseUrl}/`);
  }

  /** The URL of a path relative to the base (each segment percent-encoded). */
  url(relativePath: string): string {
    const segments = relativePath.split("/").filter((segment) => segment !== "" && segment !== ".");
    if (relativePath.startsWith("/") || segments.includes("..")) {
      throw new BbsError(
        "BBS_INTERNAL",
        `HTTP path ${relativePath} must be relative to ${this.baseUrl} and stay under it`,
      );
    }
    return new URL(segments.map(encodeURIComponent).join("/"), this.base).href;
  }

  async readTextIfExists(relativePath: string, options: CallOptions = {}): Promise<string | undefined> {
    const chunks: Buffer[] = [];
    const found = await this.fetchWithRetries("readText", relativePath, undefined, options, async (body) => {
      chunks.length = 0;
      for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
      return undefined;
    });
    return found ? Buffer.concat(chunks).toString("utf8") : undefined;
  }

  async readText(relativePath: string, options: CallOptions = {}): Promise<string> {
    const text = await this.readTextIfExists(relativePath, options);
    if (text !== undefined) return text;
    throw this.missing("readText", relativePath, undefined);
  }

  async exists(relativePath: string, options: CallOptions = {}): Promise<boolean> {
    return this.fetchWithRetries(
      "exists",
      relativePath,
      undefined,
      options,
      async (body) => {
        body.destroy();
        return undefined;
      },
      "HEAD",
    );
  }

  /** Downloads a file to `localPath` (temporary name, MD5 check, rename). */
  async download(relativePath: string, localPath: string, options: DownloadOptions = {}): Promise<DownloadResult> {
    const url = this.url(relativePath);
    const target = resolve(localPath);
    const expected = options.md5?.toLowerCase();
    if (expected !== undefined && md5OfFile(target) === expected) {
      return { url, path: target, bytes: statSync(target).size, md5: expected, skipped: true, attempts: 0 };
    }
    mkdirSync(dirname(target), { recursive: true });
    let md5 = "";
    let bytes = 0;
    let attempts = 0;
    const found = await this.fetchWithRetries("download", relativePath, target, options, async (body, attempt) => {
      attempts = attempt;
      downloadCounter += 1;
      const temporary = join(dirname(target), `.${basename(target)}.bbs-download-${process.pid}-${downloadCounter}`);
      const hash = createHash("md5");
      let size = 0;
      const tap = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          hash.update(chunk);
          size += chunk.length;
          callback(null, chunk);
        },
      });
      try {
        await pipeline(body, tap, createWriteStream(temporary));
        const sum = hash.digest("hex");
        if (expected !== undefined && sum !== expected) {
          return {
            reason: `MD5 mismatch: expected ${expected}, got ${sum} (${size} bytes)`,
            permanent: false,
            hint: "the file changed on the central node during the download, or the index is stale: re-run the step",
          };
        }
        renameSync(temporary, target);
        md5 = sum;
        bytes = size;
        return undefined;
      } finally {
        rmSync(temporary, { force: true });
      }
    });
    if (!found) throw this.missing("download", relativePath, target);
    return { url, path: target, bytes, md5, skipped: false, attempts };
  }

  private missing(operation: OperationName, relativePath: string, destination: string | undefined): TransportError {
    return new TransportError({
      operation,
      source: this.url(relativePath),
      destination,
      attempts: 1,
      reason: "not found",
      permanent: true,
      hint: `the central node does not serve this file: check central.baseUrl (${this.baseUrl}) and that the step producing it ran`,
    });
  }

  /**
   * Fetches with the download policy. `consume` reads the body; it returns a
   * Diagnosis to fail the attempt (e.g. a bad MD5). Resolves false for "not found".
   */
  private async fetchWithRetries(
    operation: OperationName,
    relativePath: string,
    destination: string | undefined,
    options: CallOptions,
    consume: (body: Readable, attempt: number) => Promise<Diagnosis | undefined>,
    method: "GET" | "HEAD" = "GET",
  ): Promise<boolean> {
    const url = this.url(relativePath);
    const policy = resolvePolicy(RETRY_POLICIES.download, options.retry);
    const { value } = await withRetries(
      { operation, source: url, destination },
      policy,
      options,
      async (attempt): Promise<AttemptOutcome<boolean>> => {
        const timeout = AbortSignal.timeout(policy.timeoutMs);
        const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
        const fetched = await this.open(url, method, signal, policy.timeoutMs);
        if (fetched.kind === "missing") return { ok: true, value: false };
        if (fetched.kind === "failed") return { ok: false, diagnosis: fetched.diagnosis };
        try {
          const problem = await consume(fetched.body, attempt);
          return problem === undefined ? { ok: true, value: true } : { ok: false, diagnosis: problem };
        } catch (error) {
          return { ok: false, diagnosis: this.networkDiagnosis(error, signal, options.signal, policy.timeoutMs) };
        }
      },
    );
    return value;
  }

  private async open(url: string, method: "GET" | "HEAD", signal: AbortSignal, timeoutMs: number): Promise<Fetched> {
    if (url.startsWith("file:")) {
      const path = fileURLToPath(url);
      try {
        if (statSync(path).isDirectory()) {
          return {
            kind: "failed",
            diagnosis: {
              reason: `${path} is a directory`,
              permanent: true,
              hint: "ask for a file under central.baseUrl",
            },
          };
        }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing" };
        return {
          kind: "failed",
          diagnosis: {
            reason: (error as Error).message,
            permanent: true,
            hint: "check the permissions of the central directory",
          },
        };
      }
      return { kind: "body", body: createReadStream(path, { signal }) };
    }
    let response: Response;
    try {
      response = await fetch(url, { method, signal, redirect: "follow" });
    } catch (error) {
      return { kind: "failed", diagnosis: this.networkDiagnosis(error, signal, undefined, timeoutMs) };
    }
    if (response.status === 404 || response.status === 410) {
      await response.body?.cancel();
      return { kind: "missing" };
    }
    if (method === "HEAD" && response.ok) return { kind: "body", body: Readable.from([]) };
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      return {
        kind: "failed",
        diagnosis: {
          reason: `HTTP ${response.status} ${response.statusText}`,
          permanent: response.status < 500,
          hint: `the web server of the central node answered ${response.status}: check central.baseUrl (${this.baseUrl}) and the server's log`,
        },
      };
    }
    return {
      kind: "body",
      body: Readable.fromWeb(response.body as import("node:stream/web").ReadableStream<Uint8Array>),
    };
  }

  private networkDiagnosis(
    error: unknown,
    signal: AbortSignal,
    userSignal: AbortSignal | undefined,
    timeoutMs: number,
  ): Diagnosis {
    if (userSignal?.aborted === true)
      return { reason: "cancelled", permanent: true, hint: "the operation was cancelled before it finished" };
    if (signal.aborted) {
      return {
        reason: `timed out after ${Math.round(timeoutMs / 1000)} s`,
        permanent: false,
        hint: `the central node's web server at ${this.baseUrl} is slow or unreachable`,
      };
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (error as Error).message;
    const permanent = cause?.code === "ENOTFOUND";
    return {
      reason: `${(error as Error).message}${detail === undefined ? "" : ` (${detail})`}`,
      permanent,
      hint: `check central.baseUrl (${this.baseUrl}) and that the central node's web server is up`,
    };
  }
}
