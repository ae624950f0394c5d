// The build report (BBS-report.py, postrun's stage6d), public entry point.
//
//   generateReport({ central, hosts, runDir, reportDir, historyDb?, generatedAt?, threads? }): Promise<ReportSummary>
//
// reads a run directory (BBS's central layout: meat-index.dcf,
// skipped-index.dcf, BUILD_STATUS_DB.txt, PROPAGATION_STATUS_DB.txt, run.json,
// gitlog/, products-in/<node>/...) and writes the whole report into
// `reportDir`, atomically (assembled beside it, then switched in). `central`
// is the central node's configuration (report.*, reportNodes, outgoing,
// buildType, timeouts), `hosts` every node's (OS, arch, slots, log encoding,
// report notes), as loadAllHosts() returns them. `historyDb` is the SQLite
// history to read past runs from (optional). A missing node, file, propagation
// DB or history never fails the report: they are said on the pages and listed
// in the summary's warnings. Pages and URLs: docs/report.md; JSON schema:
// docs/report-json.md.

import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { compiledWorkerScript } from "../util/worker-script.js";
import { WorkerPool } from "../util/worker-pool.js";
import { readRunFacts } from "../results/run-info.js";
import { BbsError } from "../util/errors.js";
import { ReportTree } from "./output.js";
import { renderShard, type ShardJob, type ShardResult } from "./shard.js";
import { writeRootFiles } from "./write.js";

export { updatePackageReports, type PackageReportUpdate } from "./package-update.js";

export type { ReportInput } from "./input.js";
import type { ReportInput } from "./input.js";

export interface ReportSummary {
  reportDir: string;
  runId?: string;
  packages: number;
  nodes: Array<{ id: string; state: string }>;
  pages: number;
  files: number;
  bytes: number;
  /** Threads that rendered package pages. */
  threads: number;
  /** Problems met and worked around (missing files, unreadable inputs...). */
  warnings: string[];
  elapsedMs: number;
  /** Milliseconds per phase (the slowest thread's): reading the run (model), package pages, node pages, main pages, switching the report in. */
  timings: { model: number; packages: number; nodes: number; main: number; commit: number };
}

/** Threads by default: one per core, at most 4. */
export function defaultReportThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/**
 * Heap bounds of a worker: its model (statuses, summaries, history) stays well
 * under the old generation's; the bound makes V8 collect early instead of
 * letting every thread's heap grow to its default size. A young generation
 * larger than the default lets most of a page's temporary strings die young
 * (less garbage-collection time, a little more memory).
 */
const WORKER_HEAP = { maxOldGenerationSizeMb: 512, maxYoungGenerationSizeMb: 48 };

/** Renders the shards in a pool of one thread per shard (a shard takes packages until none is left). */
async function renderShardsInWorkers(
  script: URL,
  jobs: readonly ShardJob[],
): Promise<PromiseSettledResult<ShardResult>[]> {
  const pool = new WorkerPool<ShardJob, ShardResult>(script, {
    threads: jobs.length,
    resourceLimits: WORKER_HEAP,
    name: "report shard thread",
  });
  try {
    return await Promise.allSettled(jobs.map((job) => pool.run(job, `report shard ${job.shard}`)));
  } finally {
    await pool.close();
  }
}

/** Generates the report of the run in `input.runDir` into `input.reportDir`. */
export async function generateReport(input: ReportInput): Promise<ReportSummary> {
  const started = Date.now();
  if (!existsSync(input.runDir)) {
    throw new BbsError("BBS_PRECONDITION", `run directory ${input.runDir} does not exist`, {
      hint: "the report is generated from a run's central directory, made by `bbs prerun`",
    });
  }
  const generatedAt = input.generatedAt ?? new Date();
  const run = readRunFacts(input.runDir);
  const tree = ReportTree.create(input.reportDir);
  try {
    const present = writeRootFiles(tree, input.central, input.hosts, input.runDir);
    const script = compiledWorkerScript("./worker.js", import.meta.url);
    const shards = script === undefined ? 1 : Math.max(1, Math.floor(input.threads ?? defaultReportThreads()));
    // The threads take packages one by one from a shared counter: uneven packages and threads even out.
    const next = new Int32Array(new SharedArrayBuffer(4));
    const job = (shard: number): ShardJob => {
      const value: ShardJob = {
        central: input.central,
        hosts: new Map(input.hosts),
        runDir: input.runDir,
        run,
        generatedAt: generatedAt.toISOString(),
        root: tree.root,
        shard,
        next,
        present: [...present],
      };
      if (input.historyDb !== undefined) value.historyDb = input.historyDb;
      return value;
    };
    // Shards run in workers (with bounded heaps and a young generation sized for
    // page rendering), even a single one; this thread only waits. Without the
    // compiled worker script (tests on the TypeScript sources) it runs here.
    const outcomes =
      script === undefined
        ? [{ status: "fulfilled" as const, value: renderShard(job(0)) }]
        : await renderShardsInWorkers(
            script,
            Array.from({ length: shards }, (_, shard) => job(shard)),
          );
    const results: ShardResult[] = [];
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") throw outcome.reason;
      results.push(outcome.value);
    }
    const about = results[0]?.about;
    if (about === undefined) throw new BbsError("BBS_INTERNAL", "report shard 0 did not report what it read");
    const warnings = [
      ...(run.problem === undefined ? [] : [`${run.problem}: the report does not say which run and snapshot it shows`]),
      ...about.warnings,
    ];
    const commitStarted = Date.now();
    tree.commit();
    const sum = (pick: (result: ShardResult) => number): number =>
      results.reduce((total, result) => total + pick(result), 0);
    const summary: ReportSummary = {
      reportDir: input.reportDir,
      packages: about.packages,
      nodes: about.nodes,
      pages: sum((r) => r.pages),
      files: tree.files + sum((r) => r.files),
      bytes: tree.bytes + sum((r) => r.bytes),
      threads: shards,
      warnings,
      elapsedMs: Date.now() - started,
      timings: {
        model: Math.max(...results.map((r) => r.timings.model)),
        packages: Math.max(...results.map((r) => r.timings.packages)),
        nodes: results[0]?.timings.nodes ?? 0,
        main: results[0]?.timings.main ?? 0,
        commit: Date.now() - commitStarted,
      },
    };
    if (run.runId !== undefined) summary.runId = run.runId;
    return summary;
  } catch (error) {
    tree.discard();
    throw error;
  }
}
