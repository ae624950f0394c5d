// The report's work in shards, each run by a worker thread (worker.ts) with a
// bounded heap. A worker reads the run itself (the model holds functions and
// caches that do not cross threads; reading again costs less than rendering
// the pages) and writes package directories into the report being assembled,
// taking packages one at a time from a counter shared by all shards. Shard 0
// first writes the node pages, the main pages and report.json, and reports
// what it read.

import type { ResolvedConfig } from "../config/load.js";
import type { RunFacts } from "../results/run-info.js";
import {
  DEP_GRAPH_FILE,
  nodeProductsDir,
  END_OF_RUN_FILE,
  MEAT_INDEX_FILE,
  SKIPPED_INDEX_FILE,
} from "../layout/central.js";
import { reportJson } from "./json.js";
import { buildModel } from "./model.js";
import { ReportTree } from "./output.js";
import { mainPages, nodePages, REPORT_JSON } from "./pages.js";
import { reportRenderer } from "./render.js";
import { SharedParts } from "./chrome.js";
import { nodeStateText } from "./notices.js";
import { writePackage, writePages } from "./write.js";

/** What a shard gets (structured-cloned to a worker). */
export interface ShardJob {
  central: ResolvedConfig;
  hosts: Map<string, ResolvedConfig>;
  runDir: string;
  run: RunFacts;
  historyDb?: string;
  /** ISO 8601. */
  generatedAt: string;
  /** The report being assembled. */
  root: string;
  shard: number;
  /** Index of the next package to render, shared by the shards (a SharedArrayBuffer). */
  next: Int32Array;
  present: string[];
}

export interface ShardResult {
  pages: number;
  files: number;
  bytes: number;
  /** Milliseconds reading the run, rendering packages, node pages, main pages. */
  timings: { model: number; packages: number; nodes: number; main: number };
  /** Shard 0 only: what the report is about, and the problems met reading the run. */
  about?: { packages: number; nodes: Array<{ id: string; state: string }>; warnings: string[] };
}

export function renderShard(job: ShardJob): ShardResult {
  const warnings: string[] = [];
  const timings = { model: 0, packages: 0, nodes: 0, main: 0 };
  let phase = Date.now();
  const lap = (name: keyof typeof timings): void => {
    const now = Date.now();
    timings[name] = now - phase;
    phase = now;
  };
  const model = buildModel({
    central: job.central,
    hosts: job.hosts,
    runDir: job.runDir,
    run: job.run,
    ...(job.historyDb === undefined ? {} : { historyDb: job.historyDb }),
    generatedAt: new Date(job.generatedAt),
    warn: (message) => warnings.push(message),
  });
  lap("model");
  const renderer = reportRenderer();
  const parts = new SharedParts(model, renderer);
  const tree = ReportTree.attach(job.root);
  const present = new Set(job.present);
  const first = job.shard === 0;
  if (first && model.depGraphText !== undefined) {
    tree.write(DEP_GRAPH_FILE, model.depGraphText);
    present.add(DEP_GRAPH_FILE);
  }
  const result: ShardResult = { pages: 0, files: 0, bytes: 0, timings };
  if (first) {
    result.pages += writePages(tree, renderer, nodePages(parts, present));
    lap("nodes");
    result.pages += writePages(tree, renderer, mainPages(parts, present));
    tree.write(REPORT_JSON, reportJson(model));
    lap("main");
    for (const node of model.nodes) {
      if (node.presence?.state === "absent")
        warnings.push(`node ${node.id}: no results in this run (${nodeProductsDir(node.id)} is missing)`);
      else if (node.presence?.state === "running")
        warnings.push(`node ${node.id}: has not finished this run (no ${END_OF_RUN_FILE})`);
    }
    if (model.packages.length === 0)
      warnings.push(`${job.runDir} lists no packages (${MEAT_INDEX_FILE} and ${SKIPPED_INDEX_FILE} missing or empty)`);
    result.about = {
      packages: model.packages.length,
      nodes: model.nodes.map((node) => ({ id: node.id, state: nodeStateText(node) })),
      warnings,
    };
  }
  for (let index = Atomics.add(job.next, 0, 1); index < model.packages.length; index = Atomics.add(job.next, 0, 1)) {
    const pkg = model.packages[index];
    if (pkg?.hasDir) result.pages += writePackage(tree, parts, renderer, pkg, present);
  }
  lap("packages");
  result.files = tree.files;
  result.bytes = tree.bytes;
  return result;
}
