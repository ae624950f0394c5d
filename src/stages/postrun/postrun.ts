// `bbs postrun`: what the central node runs once the builders are done
// (postrun.sh: stage6a-d, then publishing the report). Steps, in order:
//
//   status-db       BUILD_STATUS_DB.txt                    (stage6a)
//   outgoing        OUTGOING/ + outgoing.json              (stage6b)
//   propagation-db  PROPAGATION_STATUS_DB.txt              (stage6c)
//   history         this run's results in the central history
//   report          the HTML report, report.json, raw results   (stage6d)
//   publish         the report to report.publishDest
//
// BBS ran them under `set -e`: a builder that had not delivered stopped
// postrun, so there was no report that day. Here a missing or late node is
// data: its cells are NA, OUTGOING and the propagation DB go on for the
// other nodes, postrun.json records the node's state and since when it has
// not finished, and an operator alert is written (and mailed). A step that
// fails is reported (alert, postrun.json) and the steps that do not depend on
// it still run; the command then exits non-zero.

import { existsSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import { checkConfigDir, type ResolvedConfig } from "../../config/load.js";
import { HistoryStore } from "../../history/store.js";
import { generateReport, updatePackageReports } from "../../report/index.js";
import { collectRunResults, resultNodes, type RunResults } from "../../results/collect.js";
import {
  MEAT_INDEX_FILE,
  POSTRUN_LOCK_FILE,
  BUILD_STATUS_DB_FILE,
  PROPAGATION_STATUS_DB_FILE,
  stageProductsDir,
} from "../../layout/central.js";
import {
  readPostrunState,
  writePostrunState,
  type AlertRecord,
  type NodeRecord,
  type PostrunState,
  type StepRecord,
} from "../../results/postrun-state.js";
import { BbsError, errorMessage } from "../../util/errors.js";
import { acquireLock } from "../../util/lock.js";
import { alertSubject, createAlerter, type Alerter } from "./alerts.js";
import { importRunHistory } from "./history.js";
import { PostrunLog, type PostrunListener } from "./log.js";
import { POSTRUN_LOG_FILE } from "../../layout/central.js";
import { makeOutgoing, outgoingElements } from "./outgoing.js";
import { describeMissingNode, nodeRecords } from "./presence.js";
import { makePropagationDb } from "./propagation-db.js";
import { archiveReport, publishReport } from "./publish.js";
import { readRunMeta, resolveRunDir, type RunMeta } from "../../results/run-dir.js";
import { writeBuildStatusDb } from "./status-db.js";
import { assertCentralNode } from "../../config/nodes.js";

export const POSTRUN_STEPS = ["status-db", "outgoing", "propagation-db", "history", "report", "publish"] as const;
export type PostrunStep = (typeof POSTRUN_STEPS)[number];

export interface PostrunOptions {
  /** Run only this step (recovery by hand). */
  only?: PostrunStep;
  /**
   * After `bbs rerun` of these packages: the status DB and the central
   * history again, and of the report only these packages' directories.
   */
  packages?: readonly string[];
  /** Work on this run of central.runsDir instead of the current one. */
  runId?: string;
  /** Publish the report of `runId` even when a newer run is current (it replaces the newer run's published report). */
  publish?: boolean;
  onEvent?: PostrunListener;
  /** Environment for loading the other nodes' configurations (default: process.env). */
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
}

export interface PostrunResult {
  runId: string;
  runDir: string;
  state: PostrunState;
  /** Steps that failed in this invocation. */
  failed: PostrunStep[];
  alerts: AlertRecord[];
}

interface StepContext {
  config: ResolvedConfig;
  hosts: ReadonlyMap<string, ResolvedConfig>;
  runDir: string;
  run: RunMeta;
  results: RunResults;
  log: PostrunLog;
  alerter: Alerter;
  /** Nodes whose absence was already alerted in this invocation. */
  alertedNodes: ReadonlySet<string>;
  /** --publish: an older run's report may replace the newer run's published one. */
  publishOlder: boolean;
  /** The report step rewrites these packages' directories only (after `bbs rerun`). */
  packages: readonly string[] | undefined;
}

/** What a step did: `skipped` says why it had nothing to do. */
interface StepOutcome {
  status: "ok" | "skipped";
  summary: string;
}

/** Steps whose output another step needs: it is skipped when they failed in the same invocation. */
const NEEDS: Partial<Record<PostrunStep, readonly PostrunStep[]>> = {
  "propagation-db": ["outgoing"],
  publish: ["report"],
};

function dependencyFailed(step: PostrunStep, failed: readonly PostrunStep[]): PostrunStep | undefined {
  return NEEDS[step]?.find((needed) => failed.includes(needed));
}

/** The lock file of a build's postrun. */
export function postrunLockPath(config: ResolvedConfig): string {
  return join(config.values["central.runsDir"], POSTRUN_LOCK_FILE);
}

/** report.path of the run: a path under central.dir is taken under the run's own directory (for --run). */
export function reportDirOf(config: ResolvedConfig, runDir: string): string {
  const path = config.values["report.path"];
  const within = relative(config.values["central.dir"], path);
  if (within !== "" && !within.startsWith("..") && !isAbsolute(within)) return join(runDir, within);
  return path;
}

export async function runPostrun(config: ResolvedConfig, options: PostrunOptions = {}): Promise<PostrunResult> {
  assertCentralNode(config, "postrun");
  const v = config.values;
  const lock = acquireLock(postrunLockPath(config), {
    description: `the postrun of build ${v.buildType} ${v.biocVersion} (${v["central.dir"]})`,
  });
  let history: HistoryStore | undefined;
  try {
    const now = options.now ?? (() => new Date());
    const runDir = resolveRunDir(config, options.runId);
    if (!existsSync(join(runDir, MEAT_INDEX_FILE))) {
      throw new BbsError(
        "BBS_PRECONDITION",
        `the run ${runDir} has no ${MEAT_INDEX_FILE}: prerun did not finish its index step`,
        {
          hint: "run `bbs prerun` (or `bbs prerun --only index` on this run) first; postrun reports on the packages of the meat index",
        },
      );
    }
    const run = readRunMeta(runDir);
    const log = new PostrunLog(join(runDir, POSTRUN_LOG_FILE), options.onEvent, now);
    log.runStarted(
      run.runId,
      `postrun of run ${run.runId} (${runDir})${options.only === undefined ? "" : `, step ${options.only} only`}`,
    );
    if (lock.tookOverFrom !== undefined)
      log.warn(`took over the lock of a postrun that is gone (pid ${lock.tookOverFrom.pid})`);
    const hosts = loadHosts(config, log, options.env ?? process.env);
    const results = collectRunResults(runDir, v.buildType, resultNodes(config, hosts));
    history = openHistory(config, log);
    const state: PostrunState = readPostrunState(runDir) ?? {
      runId: run.runId,
      checkedAt: now().toISOString(),
      nodes: [],
      steps: {},
      alerts: [],
    };
    state.checkedAt = now().toISOString();
    state.nodes = nodeRecords(results, run, history);
    const alerter = createAlerter({ config, runDir, run, log, now });
    const earlierAlerts = state.alerts;
    const saveState = (): void =>
      writePostrunState(runDir, { ...state, alerts: [...earlierAlerts, ...alerter.raised] });

    const missing = state.nodes.filter((node) => node.state !== "finished");
    for (const node of missing) log.warn(describeMissingNode(node));
    const alertedNodes = new Set<string>();
    if (options.only === undefined && missing.length > 0) {
      await alertMissingNodes(config, alerter, missing);
      for (const node of missing) alertedNodes.add(node.id);
    }
    saveState();

    const context: StepContext = {
      config,
      hosts,
      runDir,
      run,
      results,
      log,
      alerter,
      alertedNodes,
      publishOlder: options.publish === true,
      packages: options.packages,
    };
    const failed: PostrunStep[] = [];
    const steps: readonly PostrunStep[] =
      options.packages !== undefined
        ? ["status-db", "history", "report"]
        : options.only === undefined
          ? POSTRUN_STEPS
          : [options.only];
    for (const step of steps) {
      const startedAt = now();
      const blocker = dependencyFailed(step, failed);
      let record: StepRecord;
      if (blocker !== undefined) {
        record = {
          status: "skipped",
          startedAt: startedAt.toISOString(),
          endedAt: now().toISOString(),
          summary: `skipped: the ${blocker} step failed`,
        };
        log.stepEnded(step, "skipped", record.summary, "warning");
      } else {
        log.stepStarted(step);
        try {
          const outcome = await STEPS[step](context);
          record = { ...outcome, startedAt: startedAt.toISOString(), endedAt: now().toISOString() };
          log.stepEnded(step, outcome.status, outcome.summary);
        } catch (error) {
          failed.push(step);
          const message = errorMessage(error);
          record = {
            status: "failed",
            startedAt: startedAt.toISOString(),
            endedAt: now().toISOString(),
            summary: `failed: ${message}`,
            error: message,
          };
          log.stepEnded(step, "failed", message, "error");
          const hint = error instanceof BbsError && error.hint !== undefined ? `\n\nHint: ${error.hint}` : "";
          const rerun = `bbs postrun --only ${step}${options.runId === undefined ? "" : ` --run ${run.runId}`}`;
          await alerter.raise(
            alertSubject(config, `step ${step} failed`),
            `The postrun step ${step} failed:\n\n${message}${hint}\n\nRe-run it with: ${rerun}`,
            step,
          );
        }
      }
      state.steps[step] = record;
      saveState();
    }
    log.runEnded(run.runId, failed);
    return {
      runId: run.runId,
      runDir,
      state: { ...state, alerts: [...earlierAlerts, ...alerter.raised] },
      failed,
      alerts: [...alerter.raised],
    };
  } finally {
    history?.close();
    lock.release();
  }
}

/** The id of the current run (central.dir) when it is newer than the run in `runDir`; undefined otherwise. */
function newerCurrentRun(config: ResolvedConfig, runDir: string, runId: string): string | undefined {
  let current: string;
  try {
    current = resolveRunDir(config);
  } catch {
    return undefined;
  }
  if (current === runDir) return undefined;
  const currentId = readRunMeta(current).runId;
  return currentId > runId ? currentId : undefined;
}

/** Every node's configuration that resolves; problems in other host files are logged, never fatal here. */
function loadHosts(config: ResolvedConfig, log: PostrunLog, env: NodeJS.ProcessEnv): Map<string, ResolvedConfig> {
  const checked = checkConfigDir(config.configDir, { env });
  for (const problem of checked.problems) log.warn(`configuration: ${problem}`);
  const hosts = new Map(checked.configs);
  hosts.set(config.nodeId, config);
  return hosts;
}

function openHistory(config: ResolvedConfig, log: PostrunLog): HistoryStore | undefined {
  try {
    return HistoryStore.open(config.values.historyDb);
  } catch (error) {
    log.warn(`cannot open the central history ${config.values.historyDb}: ${errorMessage(error)}`);
    return undefined;
  }
}

async function alertMissingNodes(
  config: ResolvedConfig,
  alerter: Alerter,
  missing: readonly NodeRecord[],
): Promise<void> {
  const outgoingNodes = new Map(outgoingElements(config).map((element) => [element.nodeId, element.pkgType] as const));
  const lines = missing.map((node) => {
    const outgoing = outgoingNodes.get(node.id);
    const consequence =
      outgoing === undefined
        ? ""
        : node.state === "absent"
          ? `\n  OUTGOING/${outgoing} stays empty: no ${outgoing} package propagates from this run.`
          : `\n  Its packages without results are kept out of OUTGOING/${outgoing}.`;
    return `- ${describeMissingNode(node)}.${consequence}`;
  });
  const subject = alertSubject(
    config,
    `${missing.map((node) => `${node.id} ${node.state === "absent" ? "absent" : "unfinished"}`).join(", ")}`,
  );
  const body = [
    "Postrun went on without the results of these nodes (their cells are NA):",
    "",
    ...lines,
    "",
    "When a node finishes later, run `bbs postrun` again on the central node to include its results.",
  ].join("\n");
  await alerter.raise(subject, body);
}

const STEPS: Readonly<Record<PostrunStep, (context: StepContext) => Promise<StepOutcome>>> = {
  "status-db": async ({ runDir, results, log }) => {
    const outcome = writeBuildStatusDb(runDir, results);
    for (const problem of outcome.problems)
      log.warn(`${problem.package} on ${problem.node} (${problem.stage}): ${problem.problem}`, "status-db");
    const na = outcome.lines.filter((line) => line.status === "NA").length;
    return { status: "ok", summary: `${BUILD_STATUS_DB_FILE}: ${outcome.lines.length} line(s), ${na} NA` };
  },

  outgoing: async ({ config, hosts, runDir, results, log, alerter, alertedNodes }) => {
    if (outgoingElements(config).length === 0)
      return { status: "skipped", summary: "the outgoing map is empty: no OUTGOING, no propagation DB" };
    const report = await makeOutgoing({
      runDir,
      config,
      hosts,
      results,
      log: (message) => log.info(message, "outgoing"),
    });
    for (const type of report.types) {
      if (type.nodeState === "present" || alertedNodes.has(type.nodeId)) continue;
      const why =
        type.nodeState === "absent"
          ? `${stageProductsDir(type.nodeId, type.stage)} does not exist: ${type.nodeId} is late or stopped building?`
          : `node ${type.nodeId} of the outgoing map has no host file hosts/${type.nodeId}.yaml`;
      await alerter.raise(
        alertSubject(config, `OUTGOING/${type.pkgType} is empty`),
        `OUTGOING/${type.pkgType} stays empty: ${why}`,
        "outgoing",
      );
    }
    const counts = report.types.map((type) => `${type.pkgType} ${type.files.length}`).join(", ");
    return { status: "ok", summary: `OUTGOING: ${counts}; ${report.manuals.length} manual(s)` };
  },

  "propagation-db": async ({ config, runDir, log }) => {
    if (outgoingElements(config).length === 0)
      return { status: "skipped", summary: "the outgoing map is empty: no propagation DB" };
    const report = await makePropagationDb({ runDir, config, log: (message) => log.info(message, "propagation-db") });
    const totals = report.types
      .map((type) => `${type.pkgType} ${type.yes} YES/${type.no} NO/${type.unneeded} UNNEEDED`)
      .join(", ");
    return {
      status: "ok",
      summary: `${PROPAGATION_STATUS_DB_FILE}: ${report.lines.length} line(s)${totals === "" ? "" : ` (${totals})`}`,
    };
  },

  history: async ({ config, results, run, log }) => {
    const store = HistoryStore.open(config.values.historyDb);
    try {
      const imported = importRunHistory(store, results, run, config, (message) => log.warn(message));
      return {
        status: "ok",
        summary: `central history ${config.values.historyDb}: ${imported.runs} node run(s), ${imported.jobs} result(s), ${imported.packages} package input(s)`,
      };
    } finally {
      store.close();
    }
  },

  report: async ({ config, hosts, runDir, log, packages }) => {
    const historyDb = config.values.historyDb;
    if (packages !== undefined) {
      const update = updatePackageReports(
        {
          central: config,
          hosts,
          runDir,
          reportDir: reportDirOf(config, runDir),
          ...(existsSync(historyDb) ? { historyDb } : {}),
        },
        packages,
      );
      for (const warning of update.warnings) log.warn(warning, "report");
      return {
        status: "ok",
        summary: `report ${update.reportDir}: the pages of ${update.packages.join(", ") || "no package"} (${update.pages} page(s))`,
      };
    }
    const summary = await generateReport({
      central: config,
      hosts,
      runDir,
      reportDir: reportDirOf(config, runDir),
      ...(existsSync(historyDb) ? { historyDb } : {}),
    });
    for (const warning of summary.warnings) log.warn(warning, "report");
    return {
      status: "ok",
      summary: `report ${summary.reportDir}: ${summary.packages} package(s), ${summary.pages} page(s), ${summary.files} file(s)`,
    };
  },

  publish: async ({ config, runDir, run, log, publishOlder }) => {
    const destination = config.values["report.publishDest"];
    if (destination === undefined || destination.trim() === "")
      return { status: "skipped", summary: "report.publishDest is not set: nothing to publish" };
    // `--run <older>` takes in a late builder: its report must not silently replace the newer run's published one.
    const newer = newerCurrentRun(config, runDir, run.runId);
    if (newer !== undefined && !publishOlder) {
      const summary = `not published: run ${run.runId} is older than the current run ${newer}, whose published report stays; \`bbs postrun --run ${run.runId} --only publish --publish\` publishes this one over it`;
      log.warn(summary, "publish");
      return { status: "skipped", summary };
    }
    const reportDir = reportDirOf(config, runDir);
    if (!existsSync(reportDir)) return { status: "skipped", summary: `no report at ${reportDir} to publish` };
    await archiveReport(reportDir);
    const outcome = await publishReport(reportDir, config, destination);
    return {
      status: "ok",
      summary: `report published to ${outcome.destination}: ${outcome.transferred} file(s) written, ${outcome.deleted} deleted`,
    };
  },
};
