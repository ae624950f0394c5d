// An HTTP client of the coordinator's API, signing each request with this
// host's credential (HMAC, see auth.ts). Used by `bbs spb submit/rerun/
// status/jobs` and by workers. `retry` keeps trying through a coordinator
// restart (connection refused, 5xx) with backoff up to 10 s between tries,
// until the signal aborts; 4xx answers are never retried.

import { setTimeout as sleep } from "node:timers/promises";
import { BbsError, errorMessage } from "../util/errors.js";
import { authorizationHeader, type Credential } from "./auth.js";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly hint: string | undefined,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  readonly body?: unknown;
  /** Raw body (a tarball) instead of JSON. */
  readonly raw?: Uint8Array;
  readonly signal?: AbortSignal;
  /** Retry connection errors and 5xx until `signal` aborts. */
  readonly retry?: boolean;
  readonly timeoutMs?: number;
}

export class SpbClient {
  constructor(
    readonly baseUrl: string,
    private readonly credential: Credential | undefined,
  ) {}

  async request<T>(method: "GET" | "POST", path: string, options: RequestOptions = {}): Promise<T> {
    return this.retrying(
      options,
      async () => JSON.parse((await this.once(method, path, options)).toString("utf8")) as T,
    );
  }

  /** A GET whose answer is bytes (a tarball), not JSON. */
  bytes(path: string, options: RequestOptions = {}): Promise<Buffer> {
    return this.retrying(options, () => this.once("GET", path, options));
  }

  private async retrying<T>(options: RequestOptions, body: () => Promise<T>): Promise<T> {
    let delay = 200;
    for (;;) {
      try {
        return await body();
      } catch (error) {
        const retriable = !(error instanceof ApiError) || error.status >= 500;
        if (options.retry !== true || !retriable || options.signal?.aborted) throw error;
        await sleep(delay, undefined, { signal: options.signal }).catch(() => undefined);
        if (options.signal?.aborted) throw error;
        delay = Math.min(10_000, delay * 2);
      }
    }
  }

  private async once(method: "GET" | "POST", path: string, options: RequestOptions): Promise<Buffer> {
    const body = options.raw ?? (options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body)));
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = options.raw ? "application/gzip" : "application/json";
    if (this.credential !== undefined)
      headers.authorization = authorizationHeader(this.credential, { method, path, body: body ?? "" });
    const signals = [
      options.signal,
      options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs),
    ].filter((signal): signal is AbortSignal => signal !== undefined);
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    if (!response.ok) {
      const text = bytes.toString("utf8");
      let message = text;
      let hint: string | undefined;
      try {
        const parsed = JSON.parse(text) as { error?: { message?: string; hint?: string } };
        message = parsed.error?.message ?? text;
        hint = parsed.error?.hint;
      } catch {
        // not JSON: the text is the message
      }
      throw new ApiError(response.status, message, hint);
    }
    return bytes;
  }
}

/** A client error as a user error of the CLI. */
export function clientError(error: unknown, url: string): BbsError {
  if (error instanceof ApiError) {
    return new BbsError(
      error.status === 401 || error.status === 403 ? "BBS_USAGE" : "BBS_INPUT_INVALID",
      `the SPB coordinator refused: ${error.message} (HTTP ${error.status})`,
      {
        hint:
          error.hint ??
          (error.status === 401 ? "set spb.tokenFile to a file with this host's credential" : "see docs/spb.md"),
      },
    );
  }
  return new BbsError("BBS_TRANSPORT_FAILED", `cannot reach the SPB coordinator at ${url}: ${errorMessage(error)}`, {
    hint: "is `bbs spb serve` running there? check spb.url",
    cause: error,
  });
}
