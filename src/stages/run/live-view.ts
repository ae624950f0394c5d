// `bbs run`'s `default` reporter on a terminal: a live block redrawn every
// second (counts per stage and status, the running jobs with their elapsed
// time, an ETA from recorded durations), with the other events and the
// finished failures scrolling above it as their append-only lines.

import type { JobEngine } from "../../jobs/engine.js";
import type { Reporter } from "../../util/events.js";
import { formatDuration, logTimestamp } from "../../util/log-format.js";
import type { Write } from "../../util/reporters.js";
import { describeRunEvent, isFailure, type RunReportEvent, type RunStartEvent } from "./events.js";
import type { JobInfo } from "./plan.js";
import { estimateRemaining, stageLabel, stageLines } from "./progress.js";
import type { StageOutcome } from "./stage-jobs.js";

export class LiveRunReporter implements Reporter<RunReportEvent> {
  private engine: JobEngine<StageOutcome> | undefined;
  private info: ReadonlyMap<string, JobInfo> = new Map();
  private planned: RunStartEvent | undefined;
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly started = new Date();

  constructor(
    private readonly write: Write,
    private readonly columns: () => number,
    private readonly rows: () => number,
  ) {}

  /** The engine the block is drawn from (RunEventStream's EngineWatch). */
  watch(engine: JobEngine<StageOutcome>, info: ReadonlyMap<string, JobInfo>): void {
    this.engine = engine;
    this.info = info;
    this.timer = setInterval(() => {
      this.clear();
      this.draw();
    }, 1000);
    this.timer.unref();
  }

  emit(event: RunReportEvent): void {
    if (event.kind === "run-start") this.planned = event;
    if (event.level === "debug") return;
    // The block shows the counts; of the finished jobs only failures scroll by.
    if (event.kind === "job-end" && !isFailure(event.status)) return;
    if (event.kind === "run-end") this.stop();
    this.scroll(describeRunEvent(event), event.at);
  }

  close(): void {
    this.stop();
  }

  private stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
    this.engine = undefined;
  }

  private clear(): void {
    if (this.drawn > 0) this.write(`\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }

  /** Prints the lines of an event above the live block. */
  private scroll(text: string, at: Date): void {
    this.clear();
    const stamp = logTimestamp(at);
    this.write(
      text
        .split("\n")
        .map((line) => `${stamp} ${line}\n`)
        .join(""),
    );
    this.draw();
  }

  private draw(): void {
    const engine = this.engine;
    if (engine === undefined) return;
    const now = new Date();
    const progress = engine.progress();
    const width = Math.max(40, this.columns());
    const lines = [
      `bbs run: ${formatDuration((now.getTime() - this.started.getTime()) / 1000)} elapsed, ETA ${this.planned?.recordedDurations === 0 ? "unknown (first run on this node)" : formatDuration(estimateRemaining(progress, this.planned?.schedule ?? "pipeline", now))}`,
      ...stageLines(progress),
    ];
    const running = [...progress.running].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
    const room = Math.max(0, this.rows() - lines.length - 2);
    for (const job of running.slice(0, room)) {
      const info = this.info.get(job.id);
      const elapsed = (now.getTime() - job.startedAt.getTime()) / 1000;
      lines.push(
        `  ${stageLabel(job.pool).padEnd(9)} #${job.slot} ${(info?.pkg ?? job.id).padEnd(24)} ${formatDuration(elapsed).padStart(7)} / ~${formatDuration(job.estimate)}`,
      );
    }
    if (running.length > room) lines.push(`  ... and ${running.length - room} more running`);
    const text = lines.map((line) => (line.length > width ? `${line.slice(0, width - 1)}…` : line));
    this.write(`${text.join("\n")}\n`);
    this.drawn = text.length;
  }
}
