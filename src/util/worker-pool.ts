// The one pool of worker threads of bbs, for CPU-bound work that must run on
// every core: the report's shards (report/shard.ts) and the package-file record
// readers (rpkg/record-pool.ts). A task goes, as a slot frees up, to the least
// busy thread: a slow task delays no other. Errors cross the thread boundary in
// an envelope that keeps what the main thread needs to say them as it would
// its own: a BbsError keeps its code and hint, a file-system error its errno
// code, syscall and path (so the CLI classifies it as BBS_FILE_ACCESS,
// BBS_DISK_FULL... exactly like one raised on the main thread); anything else
// is a bug of bbs, BBS_INTERNAL naming the task.
//
// Not piscina (which runs on Node 20): its structured-cloned errors lose the
// errno fields just the same, so the envelope would be needed anyway, and bbs's
// two uses need only this much.

import { parentPort, Worker, type ResourceLimits } from "node:worker_threads";
import { BbsError, errorMessage, isBbsError, type ErrorCode } from "./errors.js";

/** A thrown value, as it crosses from a worker thread to the main thread. */
export type WireError =
  | { kind: "bbs"; code: ErrorCode; message: string; hint?: string; details: string[] }
  | { kind: "errno"; message: string; code: string; errno?: number; syscall?: string; path?: string; dest?: string }
  | { kind: "other"; message: string };

type Request<T> = { id: number; task: T };
type Reply<R> = { id: number; ok: true; value: R } | { id: number; ok: false; error: WireError };

export function toWireError(error: unknown): WireError {
  if (isBbsError(error)) {
    return {
      kind: "bbs",
      code: error.code,
      message: error.message,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
      details: [...error.details],
    };
  }
  const errno = error as Partial<NodeJS.ErrnoException> & { dest?: unknown } & object;
  if (error instanceof Error && typeof errno.code === "string") {
    return {
      kind: "errno",
      message: error.message,
      code: errno.code,
      ...(typeof errno.errno === "number" ? { errno: errno.errno } : {}),
      ...(typeof errno.syscall === "string" ? { syscall: errno.syscall } : {}),
      ...(typeof errno.path === "string" ? { path: errno.path } : {}),
      ...(typeof errno.dest === "string" ? { dest: errno.dest } : {}),
    };
  }
  return { kind: "other", message: errorMessage(error) };
}

/** The error to throw on the main thread for `wire`; `label` names the task (for bugs only). */
export function fromWireError(wire: WireError, label: string): Error {
  switch (wire.kind) {
    case "bbs":
      return new BbsError(wire.code, wire.message, {
        ...(wire.hint === undefined ? {} : { hint: wire.hint }),
        details: wire.details,
      });
    case "errno": {
      const { kind: _kind, message, ...fields } = wire;
      return Object.assign(new Error(message), fields);
    }
    case "other":
      return new BbsError("BBS_INTERNAL", `${label}: ${wire.message}`);
  }
}

/** In a worker thread's script: answers the pool's tasks with `handler`. */
export function serveTasks<T, R>(handler: (task: T) => R | Promise<R>): void {
  const port = parentPort;
  if (port === null) throw new Error("a worker script runs as a worker thread only");
  port.on("message", ({ id, task }: Request<T>) => {
    new Promise<R>((resolve) => resolve(handler(task))).then(
      (value) => port.postMessage({ id, ok: true, value } satisfies Reply<R>),
      (error: unknown) => port.postMessage({ id, ok: false, error: toWireError(error) } satisfies Reply<R>),
    );
  });
}

export interface WorkerPoolOptions {
  threads: number;
  /** Tasks in flight per thread (default 1). */
  tasksPerThread?: number;
  resourceLimits?: ResourceLimits;
  /** Names a thread in messages about its failure, e.g. "package file reader thread". */
  name: string;
}

interface Pending {
  label: string;
  resolve: (value: never) => void;
  reject: (error: unknown) => void;
}

class PoolThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private failure: Error | undefined;
  private readonly name: string;

  get inFlight(): number {
    return this.pending.size;
  }

  constructor(script: URL, options: WorkerPoolOptions) {
    this.name = options.name;
    this.worker = new Worker(
      script,
      options.resourceLimits === undefined ? {} : { resourceLimits: options.resourceLimits },
    );
    this.worker.on("message", (reply: Reply<never>) => {
      const waiting = this.pending.get(reply.id);
      if (waiting === undefined) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiting.resolve(reply.value);
      else waiting.reject(fromWireError(reply.error, waiting.label));
    });
    this.worker.on("error", (error) =>
      this.fail((label) => new BbsError("BBS_INTERNAL", `${label}: ${errorMessage(error)}`, { cause: error })),
    );
    this.worker.on("exit", (code) =>
      this.fail(
        (label) =>
          new BbsError("BBS_INTERNAL", `${label}: the ${options.name} exited with code ${code} before finishing`),
      ),
    );
  }

  private fail(errorFor: (label: string) => Error): void {
    // Tasks sent later fail at once with the thread's failure.
    this.failure ??= errorFor(this.name);
    for (const waiting of this.pending.values()) waiting.reject(errorFor(waiting.label));
    this.pending.clear();
  }

  run<R>(id: number, task: unknown, label: string): Promise<R> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise<R>((resolve, reject) => {
      this.pending.set(id, { label, resolve: resolve as (value: never) => void, reject });
      this.worker.postMessage({ id, task } satisfies Request<unknown>);
    });
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners("exit");
    await this.worker.terminate();
  }
}

/** Worker threads running `script` (which calls serveTasks); close it when done. */
export class WorkerPool<T, R> {
  private readonly threads: PoolThread[];
  private readonly capacity: number;
  private readonly queue: Array<() => void> = [];
  private running = 0;
  private nextId = 0;

  constructor(script: URL, options: WorkerPoolOptions) {
    this.threads = Array.from({ length: Math.max(1, options.threads) }, () => new PoolThread(script, options));
    this.capacity = this.threads.length * Math.max(1, options.tasksPerThread ?? 1);
  }

  get size(): number {
    return this.threads.length;
  }

  /** Runs `task` on the least busy thread as soon as a slot is free; `label` names it in a bug's message. */
  run(task: T, label: string): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const start = (): void => {
        this.running += 1;
        const thread = this.threads.reduce((best, candidate) =>
          candidate.inFlight < best.inFlight ? candidate : best,
        );
        void thread
          .run<R>(this.nextId++, task, label)
          .then(resolve, reject)
          .finally(() => {
            this.running -= 1;
            this.queue.shift()?.();
          });
      };
      if (this.running < this.capacity) start();
      else this.queue.push(start);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.close()));
  }
}
