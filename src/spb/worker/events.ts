// The events of one node's build, in order: each gets the next seq of
// (job, node), so the coordinator records each once however often it is sent
// (a retry after a coordinator restart resends a batch it may have
// committed). One sender at a time publishes the queue's head in batches and
// retries through restarts until the build's signal aborts; `drain()` waits
// until everything emitted is durable. Logs are streamed from the step's out
// file while it runs (LogStreamer), so the job page shows the tail live.

import { closeSync, openSync, readSync } from "node:fs";
import type { NodeEvent, Step } from "../model.js";
import type { WorkerQueue } from "../queue/types.js";

/** A NodeEvent before the stream numbers it. */
export type EventBody = NodeEvent extends infer E
  ? E extends NodeEvent
    ? Omit<E, "jobId" | "node" | "seq" | "at" | "claimId">
    : never
  : never;

const MAX_BATCH = 50;

export class EventStream {
  private seq = 0;
  private readonly pending: NodeEvent[] = [];
  private sending: Promise<void> | undefined;
  private failure: unknown;

  constructor(
    private readonly queue: WorkerQueue,
    private readonly ids: { readonly jobId: string; readonly node: string; readonly claimId: string },
    private readonly signal: AbortSignal,
  ) {}

  /** The number the last emitted event got. */
  get lastSeq(): number {
    return this.seq;
  }

  emit(body: EventBody): void {
    this.seq += 1;
    this.pending.push({ ...this.ids, seq: this.seq, at: new Date().toISOString(), ...body } as NodeEvent);
    this.kick();
  }

  private kick(): void {
    if (this.sending !== undefined || this.pending.length === 0) return;
    this.sending = (async () => {
      try {
        while (this.pending.length > 0 && !this.signal.aborted) {
          const batch = this.pending.slice(0, MAX_BATCH);
          await this.queue.publish(batch, this.signal);
          this.pending.splice(0, batch.length);
        }
      } catch (error) {
        if (!this.signal.aborted) this.failure = error;
      } finally {
        this.sending = undefined;
      }
      if (this.pending.length > 0 && !this.signal.aborted && this.failure === undefined) this.kick();
    })();
  }

  /** Resolves when every emitted event is durable; throws when the back end refused them (a 4xx). */
  async drain(): Promise<void> {
    while (this.sending !== undefined || (this.pending.length > 0 && !this.signal.aborted)) {
      this.kick();
      await this.sending;
      if (this.failure !== undefined) throw this.failure;
    }
  }
}

/** Bytes of log per event at most (the coordinator accepts up to 1 MiB). */
const LOG_CHUNK = 64 * 1024;

/** The length of the longest prefix of `bytes` that ends on a UTF-8 character boundary. */
export function utf8Prefix(bytes: Buffer): number {
  let end = bytes.length;
  // Walk back over continuation bytes to the lead byte of the last character.
  let lead = end - 1;
  while (lead >= 0 && lead > end - 4 && ((bytes[lead] as number) & 0xc0) === 0x80) lead -= 1;
  if (lead < 0) return end;
  const byte = bytes[lead] as number;
  const size = byte < 0x80 ? 1 : byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
  if (lead + size > end) end = lead;
  return end;
}

/** Sends a step's out file as `log` events while it grows, then its rest. */
export class LogStreamer {
  private offset = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly events: EventStream,
    private readonly step: Step,
    private readonly file: string,
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.pump(false), this.intervalMs);
  }

  /** Sends what is left (the step ended) and stops. */
  finish(): void {
    clearInterval(this.timer);
    this.pump(true);
  }

  private pump(final: boolean): void {
    let fd: number;
    try {
      fd = openSync(this.file, "r");
    } catch {
      return; // not created yet
    }
    try {
      for (;;) {
        const buffer = Buffer.alloc(LOG_CHUNK);
        const read = readSync(fd, buffer, 0, LOG_CHUNK, this.offset);
        if (read === 0) return;
        // A character cut by the end of what was written so far waits for its last bytes.
        const usable = read === LOG_CHUNK || !final ? utf8Prefix(buffer.subarray(0, read)) : read;
        if (usable === 0) return;
        this.events.emit({
          type: "log",
          step: this.step,
          offset: this.offset,
          text: buffer.subarray(0, usable).toString("utf8"),
        });
        this.offset += usable;
        if (read < LOG_CHUNK && usable === read) return;
      }
    } finally {
      closeSync(fd);
    }
  }
}
