// Where `bbs run` keeps things on a builder (docs/formats.md#builder-directory-layout) and on the central
// node (docs/formats.md#central-directory-layout), and the run's stages. BBS's layout, plus a few files of
// bbs's own (the lock, the meat's run marker and delivery journal, the job
// event log).

import { join } from "node:path";
import type { ResolvedConfig } from "../../config/load.js";
import type { Stage } from "../../results/status.js";
import { BbsError } from "../../util/errors.js";

/** STAGE2..STAGE5 and the stage (pool, file suffix) each one runs. */
export const RUN_STAGES = [
  { number: 2, name: "STAGE2", stage: "install" },
  { number: 3, name: "STAGE3", stage: "buildsrc" },
  { number: 4, name: "STAGE4", stage: "checksrc" },
  { number: 5, name: "STAGE5", stage: "buildbin" },
] as const satisfies ReadonlyArray<{ number: number; name: string; stage: Stage }>;

export type StageNumber = (typeof RUN_STAGES)[number]["number"];

export function stageOfNumber(number: StageNumber): Stage {
  return RUN_STAGES.find((entry) => entry.number === number)?.stage as Stage;
}

export function stageName(stage: Stage): string {
  return RUN_STAGES.find((entry) => entry.stage === stage)?.name ?? stage;
}

/**
 * Parses `--stages 2,3,4` / `--stage 3` values (also `STAGE3`); the result is
 * sorted and unique (stages always run in numeric order, as BBS).
 */
export function parseStageList(text: string, option = "--stages"): StageNumber[] {
  const numbers = new Set<StageNumber>();
  for (const raw of text.split(",")) {
    const word = raw.trim();
    if (word === "") continue;
    const match = /^(?:STAGE)?([2-5])$/i.exec(word);
    if (match === null) {
      throw new BbsError("BBS_USAGE", `${option}: "${word}" is not a stage`, {
        hint: "stages are 2 (INSTALL), 3 (BUILD), 4 (CHECK) and 5 (BUILD BIN), e.g. --stages 3,4",
      });
    }
    numbers.add(Number(match[1]) as StageNumber);
  }
  if (numbers.size === 0) throw new BbsError("BBS_USAGE", `${option} names no stage`, { hint: "e.g. --stages 2,3,4" });
  return [...numbers].sort((a, b) => a - b);
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
    nodeInfoDir: join(v.workDir, "NodeInfo"),
    logDir: v.logDir,
    lockFile: join(v.workDir, "bbs-run.lock"),
    meatMarker: join(meatDir, ".bbs-run.json"),
    deliveryJournal: join(meatDir, ".bbs-delivered"),
    endOfRunFile: join(meatDir, "BBS_EndOfRun.txt"),
    jobsLog: (runId) => join(v.logDir, `run-${runId}`, "jobs.ndjson"),
  };
}

/** Paths under the run's central directory (relative to it, as transports take them). */
export const central = {
  targetRepo: "src/contrib",
  packagesFile: "src/contrib/PACKAGES",
  runInfo: "run.json",
  meatIndex: "meat-index.dcf",
  nodeDir: (node: string) => `products-in/${node}`,
  stageDir: (node: string, stage: Stage) => `products-in/${node}/${stage}`,
} as const;

export const DEP_GRAPH_FILE = "pkg_dep_graph.txt";
export const JOBS_LOG_FILE = "jobs.ndjson";
