// Reading many package files' index records on every core. Reading a record
// decompresses the whole tarball (R CMD build writes DESCRIPTION last) and
// hashes every byte (MD5sum): MD5, tar parsing and the garbage of 100+ MB of
// decompressed buffers all run on the JavaScript thread that reads, while only
// inflating runs on libuv's pool. Worker threads give each core its own
// JavaScript thread. Used when there are enough files to pay for starting them;
// without the compiled worker script (tests on the TypeScript sources) every
// file is read on this thread, with the same results.

import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import pLimit from "p-limit";
import { BbsError, errorMessage, type ErrorCode } from "../util/errors.js";
import { compiledWorkerScript } from "../util/worker-script.js";
import {
  defaultReadConcurrency,
  readPackageFileRecord,
  type PackageFileRecord,
  type RepositoryIndexType,
} from "./packages-index.js";

export interface RecordRequest {
  id: number;
  path: string;
  type: RepositoryIndexType;
  fields: readonly string[];
}

export type RecordReply =
  | { id: number; ok: true; file: string; values: [string, string | undefined][] }
  | { id: number; ok: false; code?: ErrorCode; message: string; hint?: string };

/** Below this many files, starting threads costs more than it saves. */
const MIN_FILES_FOR_WORKERS = 24;
/** Files in flight per worker: one hashed while the next is inflated on libuv's pool. */
const REQUESTS_PER_WORKER = 2;

interface Pending {
  resolve: (record: PackageFileRecord) => void;
  reject: (error: unknown) => void;
}

class RecordWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  constructor(script: URL) {
    this.worker = new Worker(script);
    this.worker.on("message", (reply: RecordReply) => {
      const waiting = this.pending.get(reply.id);
      if (waiting === undefined) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiting.resolve({ file: reply.file, values: new Map(reply.values) });
      else if (reply.code !== undefined)
        waiting.reject(new BbsError(reply.code, reply.message, reply.hint === undefined ? {} : { hint: reply.hint }));
      else waiting.reject(new BbsError("BBS_INTERNAL", `reading a package file in a worker thread: ${reply.message}`));
    });
    this.worker.on("error", (error) =>
      this.fail(new BbsError("BBS_INTERNAL", `package file reader thread: ${errorMessage(error)}`, { cause: error })),
    );
    this.worker.on("exit", (code) =>
      this.fail(new BbsError("BBS_INTERNAL", `package file reader thread exited with code ${code}`)),
    );
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }

  read(path: string, type: RepositoryIndexType, fields: readonly string[]): Promise<PackageFileRecord> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, path, type, fields } satisfies RecordRequest);
    });
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners("exit");
    await this.worker.terminate();
  }
}

export interface RecordReader {
  /** Worker threads reading (0: this thread reads). */
  readonly threads: number;
  /** Reads one package file's record; rejects with readPackageFileRecord's errors. */
  read(path: string, type: RepositoryIndexType, fields: readonly string[]): Promise<PackageFileRecord>;
  close(): Promise<void>;
}

/**
 * A reader for `files` package files: worker threads (one per core) when there
 * are enough of them and the compiled worker exists, else this thread with
 * `concurrency` files at once. Close it when done.
 */
export function recordReader(files: number, concurrency: number = defaultReadConcurrency()): RecordReader {
  const script = compiledWorkerScript("./record-worker.js", import.meta.url);
  const threads = availableParallelism();
  if (script === undefined || files < MIN_FILES_FOR_WORKERS || threads < 2) {
    const limit = pLimit(concurrency);
    return {
      threads: 0,
      read: (path, type, fields) => limit(() => readPackageFileRecord(path, type, fields)),
      close: async () => undefined,
    };
  }
  const workers = Array.from({ length: threads }, () => new RecordWorker(script));
  // A request goes, as a slot frees up, to the least busy worker: a slow file delays no other.
  const limit = pLimit(threads * REQUESTS_PER_WORKER);
  const leastBusy = (): RecordWorker =>
    workers.reduce((best, worker) => (worker.inFlight < best.inFlight ? worker : best));
  return {
    threads: workers.length,
    read: (path, type, fields) => limit(() => leastBusy().read(path, type, fields)),
    close: async () => {
      await Promise.all(workers.map((worker) => worker.close()));
    },
  };
}
