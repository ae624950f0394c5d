// Which run a builder builds, and how it reaches that run's central directory
// (docs/architecture.md). `central.dir` is a symlink to the current run; its
// `run.json` names the run, and the builder then works on
// `<central.runsDir>/<run-id>/` itself, so a builder that is still running
// when the next prerun switches the symlink keeps writing into its own run.
//
// Like BBS, a builder waits for the target repo's `src/contrib/PACKAGES` (the
// "prerun done" signal), polling with a bounded wait. Nodes that push products
// reach the central node through a Transport (filesystem or rsync over ssh);
// nodes with transmissionMode `none` read it over HTTP (central.baseUrl).

import { setTimeout as sleep } from "node:timers/promises";
import { join } from "node:path";
import { z } from "zod";
import type { ResolvedConfig } from "../../config/load.js";
import {
  centralReader,
  centralTransport,
  isTransportError,
  type HttpReader,
  type Transport,
  type TransportError,
} from "../../transport/index.js";
import { BbsError, errorMessage } from "../../util/errors.js";
import { TARGET_REPO_PACKAGES_FILE, RUN_INFO_FILE } from "../../layout/central.js";

const runInfoSchema = z.looseObject({
  runId: z.string().min(1),
  snapshotDate: z.string(),
  biocVersion: z.string(),
  buildType: z.string(),
  /** prerun: `preparing` until the target repo is published. */
  status: z.string().optional(),
});

/** What a builder reads from run.json (prerun writes more). */
export type RunInfo = z.infer<typeof runInfoSchema>;

export function parseRunInfo(text: string, source: string): RunInfo {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BbsError("BBS_INPUT_INVALID", `${source} is not JSON: ${errorMessage(error)}`, {
      hint: `${RUN_INFO_FILE} is written by \`bbs prerun\`; re-run prerun`,
    });
  }
  const parsed = runInfoSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
    throw new BbsError("BBS_INPUT_INVALID", `${source} is not a run description`, {
      details: problems,
      hint: `${RUN_INFO_FILE} is written by \`bbs prerun\`; re-run prerun`,
    });
  }
  return parsed.data;
}

/** Read access to a central directory: the same calls over a Transport or HTTP. */
export interface CentralReader {
  readonly where: string;
  readTextIfExists(path: string, signal?: AbortSignal): Promise<string | undefined>;
}

function transportReader(transport: Transport): CentralReader {
  return {
    where: transport.describe(),
    readTextIfExists: (path, signal) => transport.readTextIfExists(path, signal === undefined ? {} : { signal }),
  };
}

function httpReader(reader: HttpReader): CentralReader {
  return {
    where: reader.baseUrl,
    readTextIfExists: (path, signal) => reader.readTextIfExists(path, signal === undefined ? {} : { signal }),
  };
}

/** A builder's view of its run on the central node. */
export interface CentralRun {
  readonly info: RunInfo;
  /** Reads the run's directory (meat-index.dcf, src/contrib/PACKAGES...). */
  readonly reader: CentralReader;
  /** The run's directory as a Transport (products go there); undefined for transmission mode none. */
  readonly transport: Transport | undefined;
  /** HTTP access at central.baseUrl (mode none): what the target repo is downloaded through. */
  readonly http: HttpReader | undefined;
  /** The run directory was not found under central.runsDir: central.dir itself is used. */
  readonly legacyLayout: boolean;
}

export interface WaitEvents {
  /** The run the builder means to build: a current run that replaced it is refused, an older one waited for. */
  expectedRunId?: string;
  /** The target repo is not there yet; the next look is in `nextInSeconds`. */
  onWait?(reason: string, waitedSeconds: number, nextInSeconds: number): void;
}

/**
 * Waits (bounded by run.targetRepoTimeout, looking every run.targetRepoPoll)
 * until the current run has published its target repo, then returns the run.
 */
export async function locateRun(
  config: ResolvedConfig,
  options: WaitEvents & { signal?: AbortSignal } = {},
): Promise<CentralRun> {
  const v = config.values;
  const none = v.transmissionMode === "none";
  const current: CentralReader = none ? httpReader(centralReader(config)) : transportReader(centralTransport(config));
  const timeoutMs = v["run.targetRepoTimeout"] * 1000;
  const pollMs = v["run.targetRepoPoll"] * 1000;
  const started = Date.now();
  for (;;) {
    const ready = await currentRunIfReady(current, options.signal);
    if (ready.info !== undefined && options.expectedRunId !== undefined && ready.info.runId !== options.expectedRunId) {
      if (ready.info.runId > options.expectedRunId)
        throw new BbsError(
          "BBS_PRECONDITION",
          `run ${options.expectedRunId} was replaced by run ${ready.info.runId} on the central node (${current.where}): this builder refuses to build a run that is not the current one`,
          {
            hint: `run \`bbs run\` without --run to build run ${ready.info.runId}; what was delivered for run ${options.expectedRunId} stays in ${v["central.runsDir"]}/${options.expectedRunId}`,
          },
        );
      ready.reason = `the current run is ${ready.info.runId}, not yet ${options.expectedRunId} (prerun is still working)`;
    } else if (ready.info !== undefined) {
      checkRunMatchesConfig(config, ready.info, current.where);
      return openRun(config, ready.info, current);
    }
    // The central node cannot be reached: that is the transport's failure, with
    // its own hint (host, port, how to test ssh by hand), not a prerun that is late.
    // A permanent one (refused key, unknown host) cannot get better by waiting.
    if (ready.unreachable?.permanent === true) throw ready.unreachable;
    const waited = Date.now() - started;
    if (waited >= timeoutMs) {
      if (ready.unreachable !== undefined) throw ready.unreachable;
      throw new BbsError(
        "BBS_PRECONDITION",
        `the target repo of the current run was not ready after ${Math.round(waited / 1000)} s: ${ready.reason}`,
        {
          hint: `check that \`bbs prerun\` ran on ${v["central.nodeId"]} and finished (it publishes ${current.where}/${TARGET_REPO_PACKAGES_FILE} last); run.targetRepoTimeout sets how long builders wait`,
        },
      );
    }
    const next = Math.min(pollMs, timeoutMs - waited);
    options.onWait?.(ready.reason, waited / 1000, next / 1000);
    try {
      await sleep(next, undefined, options.signal === undefined ? {} : { signal: options.signal });
    } catch {
      throw new BbsError("BBS_INTERRUPTED", "interrupted while waiting for the target repo", {
        hint: "nothing was built; run `bbs run` again",
      });
    }
  }
}

async function currentRunIfReady(
  current: CentralReader,
  signal: AbortSignal | undefined,
): Promise<{ info?: RunInfo; reason: string; unreachable?: TransportError }> {
  let runText: string | undefined;
  let packages: string | undefined;
  try {
    runText = await current.readTextIfExists(RUN_INFO_FILE, signal);
    packages = runText === undefined ? undefined : await current.readTextIfExists(TARGET_REPO_PACKAGES_FILE, signal);
  } catch (error) {
    const reason = `cannot read ${current.where}: ${errorMessage(error)}`;
    return isTransportError(error) ? { reason, unreachable: error } : { reason };
  }
  if (runText === undefined)
    return {
      reason: `${current.where}/${RUN_INFO_FILE} does not exist (no run started yet, or not a bbs central directory)`,
    };
  const info = parseRunInfo(runText, `${current.where}/${RUN_INFO_FILE}`);
  if (packages === undefined)
    return {
      reason: `run ${info.runId}: ${current.where}/${TARGET_REPO_PACKAGES_FILE} does not exist yet (prerun is still working)`,
    };
  if (info.status !== undefined && info.status !== "prepared")
    return { reason: `run ${info.runId} is ${info.status} (prerun is still working)` };
  return { info, reason: "" };
}

function checkRunMatchesConfig(config: ResolvedConfig, info: RunInfo, where: string): void {
  const v = config.values;
  if (info.biocVersion !== v.biocVersion || info.buildType !== v.buildType) {
    throw new BbsError(
      "BBS_PRECONDITION",
      `the current run ${info.runId} in ${where} builds Bioconductor ${info.biocVersion} (${info.buildType}), but this node is configured for ${v.biocVersion} (${v.buildType})`,
      { hint: "check biocVersion, buildType and central.dir in the configuration of this node" },
    );
  }
}

async function openRun(config: ResolvedConfig, info: RunInfo, current: CentralReader): Promise<CentralRun> {
  const v = config.values;
  if (v.transmissionMode === "none") {
    // HTTP sees only the current run: what it reads is checked against run.json again after the downloads.
    const http = centralReader(config);
    return { info, reader: current, transport: undefined, http, legacyLayout: false };
  }
  const runTransport = centralTransport(config, join(v["central.runsDir"], info.runId));
  const own = await runTransport.readTextIfExists(RUN_INFO_FILE).catch(() => undefined);
  if (own !== undefined && parseRunInfo(own, runTransport.location(RUN_INFO_FILE)).runId === info.runId) {
    return {
      info,
      reader: transportReader(runTransport),
      transport: runTransport,
      http: undefined,
      legacyLayout: false,
    };
  }
  // central.dir is a plain directory (not a symlink into central.runsDir): use it as it is.
  const legacy = centralTransport(config);
  return { info, reader: transportReader(legacy), transport: legacy, http: undefined, legacyLayout: true };
}
