// Kills what finished jobs left behind outside their process group: a
// process that called setsid() (a daemon, `R -e 'system("setsid ... &")'`)
// escapes group kills but keeps the job's tag in its environment.
//
// Finding them means reading /proc/<pid>/environ of every process (about a
// millisecond per hundred processes), too costly to do after each of
// thousands of jobs. One sweeper serves a whole engine run: jobs hand it
// their tag when they end, and it scans at most once per interval for all of
// them together, plus a final blocking sweep when the run ends.

import { HAS_PROCFS, findJobProcesses, signalProcess } from "./procfs.js";

export interface SweepReport {
  /** Processes SIGKILLed, with the tag of the job they belonged to. */
  readonly killed: ReadonlyArray<{ pid: number; command: string; tag: string }>;
}

/**
 * One /proc scan: signals every live process whose tag is in `tags`; returns
 * them. Members of `groupOf(tag)` are left out: a group kill already reached
 * them (SIGKILL is delivered asynchronously, they may not be dead yet).
 */
export function signalTagged(
  tags: ReadonlySet<string> | ReadonlyMap<string, number>,
  signal: NodeJS.Signals,
): Array<{ pid: number; command: string; tag: string }> {
  if (!HAS_PROCFS || tags.size === 0) return [];
  const hits: Array<{ pid: number; command: string; tag: string }> = [];
  const groupOf = (tag: string): number | undefined => (tags instanceof Map ? tags.get(tag) : undefined);
  for (const process of findJobProcesses({ hasTag: (tag) => tags.has(tag) })) {
    if (process.tag === undefined || process.pgid === groupOf(process.tag)) continue;
    if (signalProcess(process.pid, signal)) {
      hits.push({ pid: process.pid, command: process.command, tag: process.tag });
    }
  }
  return hits;
}

/**
 * SIGKILLs the tagged processes of `tags` until a scan finds none (a process
 * may fork between a scan and the kill; a few rounds settle it).
 */
export function killTaggedNow(tags: ReadonlySet<string> | ReadonlyMap<string, number>, maxRounds = 5): SweepReport {
  const killed = new Map<number, { pid: number; command: string; tag: string }>();
  for (let round = 0; round < maxRounds; round += 1) {
    const hits = signalTagged(tags, "SIGKILL");
    if (hits.length === 0) break;
    for (const hit of hits) killed.set(hit.pid, hit);
  }
  return { killed: [...killed.values()] };
}

export class ProcessSweeper {
  /** Tag -> process group of its job. */
  private readonly pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private readonly killedLog: Array<{ pid: number; command: string; tag: string }> = [];
  private readonly killedKeys = new Set<string>();
  private readonly intervalMs: number;
  private readonly onKill: ((hit: { pid: number; command: string; tag: string }) => void) | undefined;

  constructor(
    options: { intervalMs?: number; onKill?: (hit: { pid: number; command: string; tag: string }) => void } = {},
  ) {
    this.intervalMs = options.intervalMs ?? 2000;
    this.onKill = options.onKill;
  }

  /**
   * The job with this tag (leader of process group `pgid`, already
   * SIGKILLed) has ended: anything else still carrying the tag is rogue.
   */
  release(tag: string, pgid: number): void {
    if (!HAS_PROCFS) return;
    this.pending.set(tag, pgid);
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.sweep();
      }, this.intervalMs);
      this.timer.unref();
    }
  }

  /**
   * One scan now. A tag stays pending while processes carrying it are found
   * (to confirm they died and catch late forks), and is dropped once a scan
   * finds none.
   */
  sweep(): number {
    if (this.pending.size === 0) return 0;
    const hits = signalTagged(this.pending, "SIGKILL");
    const stillSeen = new Set(hits.map((hit) => hit.tag));
    for (const tag of [...this.pending.keys()]) if (!stillSeen.has(tag)) this.pending.delete(tag);
    for (const hit of hits) {
      // A process killed in one scan may still show in the next one before it dies.
      const key = `${hit.pid}:${hit.tag}`;
      if (this.killedKeys.has(key)) continue;
      this.killedKeys.add(key);
      this.killedLog.push(hit);
      this.onKill?.(hit);
    }
    if (this.pending.size > 0 && this.timer === undefined) {
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          this.sweep();
        },
        Math.min(this.intervalMs, 200),
      );
      this.timer.unref();
    }
    return hits.length;
  }

  /** Sweeps until nothing tagged by an ended job is alive (bounded). */
  flush(maxRounds = 10): SweepReport {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const before = this.killedLog.length;
    for (let round = 0; round < maxRounds && this.pending.size > 0; round += 1) this.sweep();
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    return { killed: this.killedLog.slice(before) };
  }

  /** Every process this sweeper killed. */
  get killed(): ReadonlyArray<{ pid: number; command: string; tag: string }> {
    return this.killedLog;
  }
}
