// Reading many package files' index records on every core. Reading a record
// decompresses the whole tarball (R CMD build writes DESCRIPTION last) and
// hashes every byte (MD5sum): MD5, tar parsing and the garbage of 100+ MB of
// decompressed buffers all run on the JavaScript thread that reads, while only
// inflating runs on libuv's pool. Worker threads give each core its own
// JavaScript thread. Used when there are enough files to pay for starting them;
// without the compiled worker script (tests on the TypeScript sources) every
// file is read on this thread, with the same results.

import { availableParallelism } from "node:os";
import pLimit from "p-limit";
import { WorkerPool } from "../util/worker-pool.js";
import { compiledWorkerScript } from "../util/worker-script.js";
import {
  defaultReadConcurrency,
  readPackageFileRecord,
  type PackageFileRecord,
  type RepositoryIndexType,
} from "./packages-index.js";

export interface RecordRequest {
  path: string;
  type: RepositoryIndexType;
  fields: readonly string[];
}

/** A record as it crosses threads (a Map's entries). */
export interface RecordReply {
  file: string;
  values: [string, string | undefined][];
}

/** Below this many files, starting threads costs more than it saves. */
const MIN_FILES_FOR_WORKERS = 24;
/** Files in flight per worker: one hashed while the next is inflated on libuv's pool. */
const REQUESTS_PER_WORKER = 2;

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
  const pool = new WorkerPool<RecordRequest, RecordReply>(script, {
    threads,
    tasksPerThread: REQUESTS_PER_WORKER,
    name: "package file reader thread",
  });
  return {
    threads: pool.size,
    read: async (path, type, fields) => {
      const reply = await pool.run({ path, type, fields }, "reading a package file in a worker thread");
      return { file: reply.file, values: new Map(reply.values) };
    },
    close: () => pool.close(),
  };
}
