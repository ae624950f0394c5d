// Where `bbs run` keeps things on a builder (docs/formats.md#builder-directory-layout)
// and what it reads and writes on the central node
// (docs/formats.md#central-directory-layout; the names are src/layout/central.ts's),
// and the `--stages` option. BBS's layout, plus a few files of bbs's own (the
// lock, the meat's run marker and delivery journal, the job event log).

import { join } from "node:path";
import type { ResolvedConfig } from "../../config/load.js";
import { END_OF_RUN_FILE, JOBS_LOG_FILE, NODE_INFO_DIR } from "../../layout/central.js";
import { STAGE_TABLE, type StageNumber } from "../../layout/stages.js";
import { BbsError } from "../../util/errors.js";

/**
 * Parses `--stages 2,3,4` / `--stage 3` values (also `STAGE3`); the result is
 * sorted and unique (stages always run in numeric order, as BBS).
 */
export function parseStageList(text: string, option = "--stages"): StageNumber[] {
  const numbers = new Set<StageNumber>();
  for (const raw of text.split(",")) {
    const word = raw.trim();
    if (word === "") continue;
    const match = /^(?:STAGE)?(\d)$/i.exec(word);
    const entry = STAGE_TABLE.find((candidate) => String(candidate.number) === match?.[1]);
    if (entry === undefined) {
      throw new BbsError("BBS_USAGE", `${option}: "${word}" is not a stage`, {
        hint: `stages are ${stageListText()}, e.g. --stages 3,4`,
      });
    }
    numbers.add(entry.number);
  }
  if (numbers.size === 0) throw new BbsError("BBS_USAGE", `${option} names no stage`, { hint: "e.g. --stages 2,3,4" });
  return [...numbers].sort((a, b) => a - b);
}

/** `2 (INSTALL), 3 (BUILD), 4 (CHECK) and 5 (BUILD BIN)` */
function stageListText(): string {
  const items = STAGE_TABLE.map((entry) => `${entry.number} (${entry.label})`);
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1] as string}`;
}

/** Paths of one builder. */
export interface BuilderLayout {
  readonly workDir: string;
  /** Source trees and every per-job file (cwd of the jobs). */
  readonly meatDir: string;
  /** target_pkgs.txt, pkg_dep_graph.txt, installed_pkgs.txt */
  readonly stage2TmpDir: string;
  /** Local outbox per stage (asynchronous and none modes). */
  readonly productsOutDir: string;
  /** Local mirror of the run's target repo (src/contrib). */
  readonly targetRepoDir: string;
  readonly nodeInfoDir: string;
  readonly logDir: string;
  /** One `bbs run` per work directory. */
  readonly lockFile: string;
  /** Which run the meat holds (and the job-tag prefix of the last bbs that ran jobs there). */
  readonly meatMarker: string;
  /** `<stage>/<pkg>` lines: jobs whose files were delivered (or put in the outbox). */
  readonly deliveryJournal: string;
  readonly endOfRunFile: string;
  /** Incremental runs: the last result of each job, to reuse (reuse-store.ts). */
  readonly reuseDir: string;
  /** The job event log of a run (delivered as products-in/<node>/jobs.ndjson). */
  jobsLog(runId: string): string;
}

export function builderLayout(config: ResolvedConfig): BuilderLayout {
  const v = config.values;
  const meatDir = v.meatDir;
  return {
    workDir: v.workDir,
    meatDir,
    stage2TmpDir: join(v.workDir, "STAGE2_tmp"),
    productsOutDir: join(v.workDir, "products-out"),
    targetRepoDir: join(v.workDir, "target-repo"),
    nodeInfoDir: join(v.workDir, NODE_INFO_DIR),
    logDir: v.logDir,
    lockFile: join(v.workDir, "bbs-run.lock"),
    meatMarker: join(meatDir, ".bbs-run.json"),
    deliveryJournal: join(meatDir, ".bbs-delivered"),
    endOfRunFile: join(meatDir, END_OF_RUN_FILE),
    reuseDir: join(v.workDir, "reuse"),
    jobsLog: (runId) => join(v.logDir, `run-${runId}`, JOBS_LOG_FILE),
  };
}
