// One BBS job's command, the way processJobQueue ran it: the output file
// starts with the "Running command" header, the command runs (runProcess),
// and while a rule asks for it (INSTALL's 00LOCK rule) it is re-run after 5 s
// under a "Re-running command" header, the timeout still counting from the
// first start. What the stage makes of the result (status, summary) is the
// caller's business.

import { appendFileSync } from "node:fs";
import { constants } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { commandHeader, startOutputFile } from "./outfile.js";
import { runProcess, type ProcessResult, type RunProcessOptions } from "./process.js";

export interface CommandJobOptions extends Omit<RunProcessOptions, "outputFile" | "deadline"> {
  /** `<pkg>.<stage>-out.txt`; truncated at the first run. */
  readonly outputFile: string;
  /**
   * Asked after each run that ended in time: true re-runs the command
   * (BBS: the install output names another package's 00LOCK).
   */
  readonly rerunIf?: (run: ProcessResult, runNumber: number) => boolean | Promise<boolean>;
  /** Pause before a re-run (BBS: 5 s). */
  readonly rerunDelayMs?: number;
}

export interface CommandJobResult {
  readonly command: string;
  /** First start. */
  readonly startedAt: Date;
  /** End of the last run. */
  readonly endedAt: Date;
  /** From the first start, re-runs included (BBS's EllapsedTime). */
  readonly elapsedSeconds: number;
  /**
   * Exit code of the last run; minus the signal number when a signal ended it
   * (Python's Popen convention, which BBS printed); null on timeout or
   * cancellation (`RetCode: None`); 127 when the command could not start.
   */
  readonly retCode: number | null;
  readonly timedOut: boolean;
  readonly cancelled: boolean;
  /** 1 + the number of re-runs. */
  readonly runs: number;
  /** Processes left alive by the command's runs (re-runs included) when they ended, all killed then. */
  readonly survivors: number;
  readonly last: ProcessResult;
}

/** The RetCode BBS would print for a run. */
export function retCodeOf(run: ProcessResult): number | null {
  if (run.timedOut || run.cancelled) return null;
  if (run.spawnError !== undefined) return 127;
  if (run.exitCode !== null) return run.exitCode;
  if (run.signal !== null) return -(constants.signals[run.signal] ?? 0);
  return null;
}

export async function runCommandJob(options: CommandJobOptions): Promise<CommandJobResult> {
  const { rerunIf, rerunDelayMs = 5000, timeoutMs, ...processOptions } = options;
  const startedAt = new Date();
  const t0 = performance.now();
  const deadline = timeoutMs === undefined ? undefined : startedAt.getTime() + timeoutMs;
  let runs = 1;
  let last = await runProcess({
    ...processOptions,
    deadline,
    truncateOutput: true,
    outputHeader: commandHeader(options.command, false),
  });
  let survivors = last.survivors;
  if (last.pid === undefined && last.spawnError === undefined) startOutputFile(options.outputFile, options.command); // not started: header only
  if (last.spawnError !== undefined)
    appendFileSync(options.outputFile, `bbs: cannot start the command: ${last.spawnError}\n`);
  while (!last.timedOut && !last.cancelled && last.spawnError === undefined && rerunIf && (await rerunIf(last, runs))) {
    const remaining = deadline === undefined ? Infinity : deadline - Date.now();
    await sleep(Math.max(0, Math.min(rerunDelayMs, remaining)), undefined, { signal: options.signal }).catch(
      () => undefined,
    );
    if (options.signal?.aborted || (deadline !== undefined && Date.now() >= deadline)) {
      last = await runProcess({ ...processOptions, deadline }); // returns at once, timed out or cancelled
      break;
    }
    runs += 1;
    last = await runProcess({ ...processOptions, deadline, outputHeader: commandHeader(options.command, true) });
    survivors += last.survivors;
  }
  return {
    command: options.command,
    startedAt,
    endedAt: last.endedAt,
    elapsedSeconds: (performance.now() - t0) / 1000,
    retCode: retCodeOf(last),
    timedOut: last.timedOut,
    cancelled: last.cancelled,
    runs,
    survivors,
    last,
  };
}
