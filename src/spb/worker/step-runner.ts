// How one step of the SPB pipeline runs its commands: through the one process
// runner (jobs/process.ts: its own process tree, killed whole on timeout,
// survivors killed when it ends), with an argument vector and no shell, inside
// the node's sandbox, with the build's scrubbed environment, its output in
// `<pkg>.<step>-out.txt` of the job directory (BBS's header first), streamed
// to the coordinator while it runs. The result is data.

import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { retCodeOf } from "../../jobs/command-job.js";
import { commandHeader } from "../../jobs/outfile.js";
import { runProcess, type ProcessResult } from "../../jobs/process.js";
import { readLastLines } from "../../jobs/tail.js";
import { outFileName } from "../../layout/central.js";
import type { Step, StepStatus } from "../model.js";
import { LogStreamer, type EventStream } from "./events.js";
import type { Sandbox } from "./sandbox.js";

export interface StepContext {
  readonly pkg: string;
  /** The job directory: cwd of every command, home of the out files. */
  readonly dir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly sandbox: Sandbox;
  readonly killGraceMs: number;
  readonly events: EventStream;
  /** Aborted when the worker stops: the running command is killed. */
  readonly signal: AbortSignal;
  /** Told which step runs (heartbeats name it). */
  readonly onStep: (step: Step | undefined) => void;
}

export interface CommandRun {
  readonly retCode: number | null;
  readonly timedOut: boolean;
  readonly cancelled: boolean;
  /** The program could not start (a missing tool). */
  readonly spawnError: string | undefined;
  readonly elapsedSeconds: number;
  readonly process: ProcessResult;
}

/** A step that is running: its commands append to its out file. */
export class RunningStep {
  private readonly streamer: LogStreamer;
  private readonly started = performance.now();
  private commands = 0;
  readonly outFile: string;
  private deadline: number;

  constructor(
    readonly step: Step,
    private readonly context: StepContext,
    /** The step's time limit, shared by all its commands and attempts. */
    timeoutMs: number,
    command: readonly string[],
  ) {
    this.outFile = join(context.dir, outFileName(context.pkg, step));
    this.deadline = Date.now() + timeoutMs;
    context.onStep(step);
    context.events.emit({ type: "step-started", step, command });
    this.streamer = new LogStreamer(context.events, step, this.outFile);
    this.streamer.start();
  }

  /** A fresh time limit (a retry of an infrastructure failure gets the whole limit again). */
  restartClock(timeoutMs: number): void {
    this.deadline = Date.now() + timeoutMs;
  }

  async run(argv: readonly string[], options: { capture?: boolean; sandboxed?: boolean } = {}): Promise<CommandRun> {
    const first = this.commands === 0;
    this.commands += 1;
    const shown = argv.join(" ");
    const process = await runProcess({
      command: shown,
      argv: options.sandboxed === false ? argv : this.context.sandbox.wrap(argv),
      outputFile: this.outFile,
      truncateOutput: first,
      outputHeader: commandHeader(shown, false),
      cwd: this.context.dir,
      env: this.context.env,
      extendEnv: false,
      deadline: this.deadline,
      killGraceMs: this.context.killGraceMs,
      signal: this.context.signal,
    });
    return {
      retCode: retCodeOf(process),
      timedOut: process.timedOut,
      cancelled: process.cancelled,
      spawnError: process.spawnError,
      elapsedSeconds: process.elapsedMs / 1000,
      process,
    };
  }

  /** A line of bbs's own in the log (why a retry, why a status). */
  note(text: string): void {
    appendFileSync(this.outFile, `\nbbs: ${text}\n`);
  }

  async lastLines(count: number): Promise<string[]> {
    try {
      return await readLastLines(this.outFile, count);
    } catch {
      return [];
    }
  }

  text(): string {
    try {
      return readFileSync(this.outFile, "utf8");
    } catch {
      return "";
    }
  }

  /** Sends the rest of the log and the step's end. */
  finish(status: StepStatus, retCode: number | null, detail?: string, attempts?: number): StepStatus {
    this.streamer.finish();
    this.context.onStep(undefined);
    this.context.events.emit({
      type: "step-finished",
      step: this.step,
      status,
      retCode,
      elapsedSeconds: Math.round((performance.now() - this.started) / 10) / 100,
      ...(detail === undefined ? {} : { detail: detail.slice(0, 4000) }),
      ...(attempts === undefined || attempts === 1 ? {} : { attempts }),
    });
    return status;
  }
}

/** A step that did not run, and why. */
export function skipStep(events: EventStream, step: Step, detail: string): void {
  events.emit({ type: "step-finished", step, status: "skipped", retCode: null, elapsedSeconds: 0, detail });
}
