// The timeline of a node's run (beyond BBS, which has none): every job as a
// bar on the row of the slot that ran it, stage by stage, on one time axis,
// with the utilisation of each stage's slots.
//
// Source: `products-in/<node>/jobs.ndjson` (job-started / job-finished events
// of the job engine, src/jobs/recording.ts). Fields used: `at` (ISO time),
// `event`, `job` (id pairing start and end), `pool` or `stage` (the stage),
// `label` or `package` (the package), optional `slot` (0- or 1-based) and
// `status`. Without the file (a BBS builder, or a lost file), jobs come from
// the summaries' StartedAt/EndedAt. Jobs without a recorded slot are placed
// greedily: each on the lowest-numbered slot free at its start, which uses no
// more rows than jobs ever ran at once.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { readNdjson } from "../history/ndjson.js";
import { type Status } from "../results/status.js";
import { isStage, STAGES, type Stage, stageOfConfigKey, stageOfName } from "../layout/stages.js";
import { nodeProductsPath, JOBS_LOG_FILE } from "../layout/central.js";

export interface TimelineJob {
  pkg: string;
  stage: Stage;
  start: number;
  end: number;
  /** Slot as recorded (any base), when known. */
  slot?: number;
  status: string;
  /** Job started and never finished (node still running, or crashed). */
  unfinished?: boolean;
}

/** A stage by its id, its config-key short name (`build`, `check`) or its BBS name (`STAGE3`). */
function stageOf(value: unknown): Stage | undefined {
  if (typeof value !== "string") return undefined;
  if (isStage(value)) return value;
  return stageOfConfigKey(value) ?? stageOfName(value);
}

function timeOf(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Jobs of a node from its jobs.ndjson; undefined when the file is absent. `now` ends unfinished jobs. */
export function jobsFromNdjson(
  runDir: string,
  nodeId: string,
  now: number,
): { jobs: TimelineJob[]; problems: number } | undefined {
  const path = join(runDir, nodeProductsPath(nodeId, JOBS_LOG_FILE));
  if (!existsSync(path)) return undefined;
  const { records, problems } = readNdjson(path);
  const started = new Map<string, { at: number; stage: Stage; pkg: string; slot?: number }>();
  const jobs: TimelineJob[] = [];
  for (const value of records) {
    const record = value as Record<string, unknown>;
    const event = record.event;
    if (event !== "job-started" && event !== "job-finished") continue;
    const at = timeOf(record.at);
    const stage = stageOf(record.stage) ?? stageOf(record.pool);
    const id = str(record.job);
    if (at === undefined || stage === undefined || id === undefined) continue;
    const pkg = str(record.package) ?? str(record.label) ?? id.slice(id.indexOf(":") + 1);
    const slot = typeof record.slot === "number" && Number.isInteger(record.slot) ? record.slot : undefined;
    if (event === "job-started") {
      started.set(id, { at, stage, pkg, ...(slot === undefined ? {} : { slot }) });
      continue;
    }
    const start = started.get(id);
    started.delete(id);
    const elapsed = typeof record.elapsed === "number" ? record.elapsed * 1000 : 0;
    const status = str(record.status) ?? "NA";
    if (status === "skipped" && start === undefined) continue; // never ran, took no slot
    const job: TimelineJob = { pkg, stage, start: start?.at ?? at - elapsed, end: at, status };
    const jobSlot = slot ?? start?.slot;
    if (jobSlot !== undefined) job.slot = jobSlot;
    jobs.push(job);
  }
  for (const start of started.values()) {
    const job: TimelineJob = {
      pkg: start.pkg,
      stage: start.stage,
      start: start.at,
      end: Math.max(now, start.at),
      status: "running",
      unfinished: true,
    };
    if (start.slot !== undefined) job.slot = start.slot;
    jobs.push(job);
  }
  return { jobs, problems: problems.length };
}

export interface TimelineBar {
  job: TimelineJob;
  leftPct: number;
  widthPct: number;
}

export interface TimelineStage {
  stage: Stage;
  /** Rows, one per slot. */
  rows: TimelineBar[][];
  slots: number;
  jobs: number;
  busySeconds: number;
  spanSeconds: number;
  start?: number;
  end?: number;
  /** busy / (slots x span), 0..1. */
  utilisation: number;
}

export interface Timeline {
  start: number;
  end: number;
  stages: TimelineStage[];
}

/** Rows of one stage: recorded slots as given, the others placed greedily. */
export function assignSlots(jobs: readonly TimelineJob[]): TimelineJob[][] {
  const sorted = [...jobs].sort((a, b) => a.start - b.start || a.end - b.end || a.pkg.localeCompare(b.pkg));
  if (sorted.length > 0 && sorted.every((job) => job.slot !== undefined)) {
    const slots = [...new Set(sorted.map((job) => job.slot as number))].sort((a, b) => a - b);
    const rowOf = new Map(slots.map((slot, index) => [slot, index] as const));
    const rows: TimelineJob[][] = slots.map(() => []);
    for (const job of sorted) rows[rowOf.get(job.slot as number) as number]?.push(job);
    return rows;
  }
  const rows: TimelineJob[][] = [];
  const freeAt: number[] = [];
  for (const job of sorted) {
    let row = freeAt.findIndex((end) => end <= job.start);
    if (row === -1) {
      row = rows.length;
      rows.push([]);
      freeAt.push(0);
    }
    rows[row]?.push(job);
    freeAt[row] = job.end;
  }
  return rows;
}

/** Builds the timeline; `configuredSlots` gives each stage's slot count when known. */
export function buildTimeline(
  jobs: readonly TimelineJob[],
  configuredSlots: ReadonlyMap<Stage, number>,
): Timeline | undefined {
  if (jobs.length === 0) return undefined;
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const job of jobs) {
    start = Math.min(start, job.start);
    end = Math.max(end, job.end);
  }
  const total = Math.max(end - start, 1);
  const stages: TimelineStage[] = [];
  for (const stage of STAGES) {
    const stageJobs = jobs.filter((job) => job.stage === stage);
    if (stageJobs.length === 0) continue;
    const rows = assignSlots(stageJobs);
    let stageStart = Number.POSITIVE_INFINITY;
    let stageEnd = Number.NEGATIVE_INFINITY;
    let busy = 0;
    for (const job of stageJobs) {
      stageStart = Math.min(stageStart, job.start);
      stageEnd = Math.max(stageEnd, job.end);
      busy += Math.max(0, job.end - job.start);
    }
    const slots = Math.max(rows.length, configuredSlots.get(stage) ?? 0);
    const span = Math.max(stageEnd - stageStart, 0);
    stages.push({
      stage,
      rows: rows.map((row) =>
        row.map((job) => ({
          job,
          leftPct: ((job.start - start) / total) * 100,
          widthPct: Math.max(((job.end - job.start) / total) * 100, 0.05),
        })),
      ),
      slots,
      jobs: stageJobs.length,
      busySeconds: busy / 1000,
      spanSeconds: span / 1000,
      start: stageStart,
      end: stageEnd,
      utilisation: span > 0 ? busy / (slots * span) : 0,
    });
  }
  return { start, end, stages };
}

/** Axis ticks: a round interval giving at most ~12 marks. */
export function axisTicks(totalMs: number): Array<{ pct: number; label: string }> {
  const minute = 60_000;
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440].map((m) => m * minute);
  const step = steps.find((candidate) => totalMs / candidate <= 12) ?? steps[steps.length - 1] ?? 60 * minute;
  const ticks: Array<{ pct: number; label: string }> = [];
  for (let at = 0; at <= totalMs; at += step) {
    const minutes = Math.round(at / minute);
    ticks.push({
      pct: totalMs > 0 ? (at / totalMs) * 100 : 0,
      label: `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}`,
    });
  }
  return ticks;
}

/** The shown status of a bar: the report's cell status when the job is a known cell. */
export function barStatus(job: TimelineJob, shown: Status | undefined): string {
  if (job.unfinished) return "running";
  return shown ?? job.status;
}
