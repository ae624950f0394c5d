// BBS's asynchronous product transmission (docs/bbs-rules.md#delivery): each finished job
// leaves its files in a local outbox (products-out/<stage>/); a background push
// of the whole outbox to the central node starts whenever at least `batchSize`
// jobs (BBS: 10) have finished since the last push began and no push is running;
// `finish()` waits for a running push, then makes a final blocking push.
//
// Unlike BBS, which ignores the pushes' exit codes, every push is recorded: the
// push log says DONE or FAILED with the reason and hint, `onPush` sees each
// outcome, and `finish()` returns them, so the caller can tell whether the
// central node holds everything. A failed background push needs no retry of its
// own: the next push sends the whole outbox again (rsync skips what arrived).

import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { BbsError, errorMessage, isBbsError } from "../util/errors.js";
import type { RetryPolicy, TransferResult, Transport } from "./transport.js";

export interface BatchedPusherOptions {
  /** Only put and location are used. */
  transport: Pick<Transport, "put" | "location">;
  /** The local outbox, e.g. `<workDir>/products-out/<stage>` (created if missing). */
  localDir: string;
  /** Destination under the transport root, e.g. `products-in/<node>/<stage>`. */
  remoteDir: string;
  /** Push log, e.g. `<workDir>/products-out/<stage>-push.log`; none when undefined. */
  logFile?: string;
  /** Finished jobs that trigger a background push (BBS: 10). */
  batchSize?: number;
  /** Policy of background pushes (default: one attempt; the next push resends). */
  backgroundRetry?: Partial<RetryPolicy>;
  /** Policy of the final push (default: put's, 5 attempts 30 s apart). */
  finalRetry?: Partial<RetryPolicy>;
  bandwidthLimit?: number;
  /** Called after every push, successful or not. */
  onPush?: (record: PushRecord) => void;
}

export interface PushRecord {
  /** 1-based, in start order. */
  number: number;
  final: boolean;
  /** Jobs finished between the start of the previous push and the start of this one. */
  jobs: number;
  startedAt: Date;
  endedAt: Date;
  ok: boolean;
  result?: TransferResult;
  error?: BbsError;
}

export interface PushReport {
  pushes: readonly PushRecord[];
  failures: readonly PushRecord[];
  /** The final push succeeded: everything in the outbox at finish() is on the central node. */
  complete: boolean;
}

const DEFAULT_BATCH_SIZE = 10;
const SEPARATOR = "-".repeat(78);

export class BatchedPusher {
  private readonly options: BatchedPusherOptions;
  private readonly localDir: string;
  private readonly batchSize: number;
  private finishedSinceLastPush = 0;
  private running: Promise<void> | undefined;
  private finishing = false;
  private readonly records: PushRecord[] = [];
  private callbackError: unknown;

  constructor(options: BatchedPusherOptions) {
    this.options = options;
    this.localDir = resolve(options.localDir);
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1)
      throw new TypeError(`batchSize must be a positive integer, got ${this.batchSize}`);
    mkdirSync(this.localDir, { recursive: true });
  }

  /** A push is in progress. */
  get pushing(): boolean {
    return this.running !== undefined;
  }

  /** Pushes started so far (the running one has no record until it ends). */
  get pushes(): readonly PushRecord[] {
    return this.records;
  }

  /** Jobs finished since the last push started. */
  get pending(): number {
    return this.finishedSinceLastPush;
  }

  /** Call once per finished job, after its files are in the outbox. */
  jobFinished(count = 1): void {
    if (this.finishing) throw new BbsError("BBS_INTERNAL", "BatchedPusher.jobFinished() called after finish()");
    this.finishedSinceLastPush += count;
    this.startIfDue();
  }

  /** Waits for a running push, then pushes the whole outbox once more (blocking). */
  async finish(): Promise<PushReport> {
    this.finishing = true;
    while (this.running !== undefined) await this.running;
    const jobs = this.finishedSinceLastPush;
    this.finishedSinceLastPush = 0;
    const last = await this.push(true, jobs);
    if (this.callbackError !== undefined) throw this.callbackError;
    return { pushes: [...this.records], failures: this.records.filter((record) => !record.ok), complete: last.ok };
  }

  private startIfDue(): void {
    if (this.running !== undefined || this.finishing || this.finishedSinceLastPush < this.batchSize) return;
    const jobs = this.finishedSinceLastPush;
    this.finishedSinceLastPush = 0;
    this.running = this.push(false, jobs)
      .then(
        () => undefined,
        (error: unknown) => {
          // Only onPush can throw here; keep it for finish() rather than crash the run.
          this.callbackError ??= error;
        },
      )
      .then(() => {
        this.running = undefined;
        // Jobs that finished during this push may already make the next one due.
        this.startIfDue();
      });
  }

  private async push(final: boolean, jobs: number): Promise<PushRecord> {
    // Pushes never overlap (finish waits for the running one), so records count them.
    const number = this.records.length + 1;
    const startedAt = new Date();
    const destination = this.options.transport.location(this.options.remoteDir);
    this.log([
      SEPARATOR,
      final ? `PUSH #${number}: LAST PUSH!` : `PUSH #${number}`,
      `Date: ${startedAt.toISOString()}`,
      `Jobs finished since the previous push: ${jobs}`,
      `Sending ${this.localDir}/ -> ${destination}/`,
    ]);
    let record: PushRecord;
    try {
      const result = await this.options.transport.put(this.localDir, this.options.remoteDir, {
        retry: final ? this.options.finalRetry : { attempts: 1, ...this.options.backgroundRetry },
        bandwidthLimit: this.options.bandwidthLimit,
      });
      record = { number, final, jobs, startedAt, endedAt: new Date(), ok: true, result };
      this.log([
        `Command: ${result.command}`,
        ...result.transferred,
        `DONE. ${result.transferred.length} file(s) sent in ${(result.durationMs / 1000).toFixed(1)} s (attempts: ${result.attempts})`,
      ]);
    } catch (error) {
      const bbsError = isBbsError(error)
        ? error
        : new BbsError("BBS_TRANSPORT_FAILED", errorMessage(error), { cause: error });
      record = { number, final, jobs, startedAt, endedAt: new Date(), ok: false, error: bbsError };
      this.log([`FAILED: ${bbsError.message}`, ...(bbsError.hint === undefined ? [] : [`Hint: ${bbsError.hint}`])]);
    }
    this.records.push(record);
    this.options.onPush?.(record);
    return record;
  }

  private log(lines: readonly string[]): void {
    const file = this.options.logFile;
    if (file === undefined) return;
    try {
      mkdirSync(dirname(file), { recursive: true });
      appendFileSync(file, `${lines.join("\n")}\n`);
    } catch {
      // A log that cannot be written must not stop the products from moving;
      // the outcome is still in the records returned by finish().
    }
  }
}
