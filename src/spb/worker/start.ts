// A worker from the node's configuration: its credential (a `node:<id>`
// principal), the queue back end, the sandbox (probed: a node that cannot
// make it says so at start, not in a build), the build environment, whether
// BiocCheck is installed, what the node is (R version, OS) and the pipeline's
// settings.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { ResolvedConfig } from "../../config/load.js";
import { commandSettings } from "../../rpkg/command-settings.js";
import { configWords } from "../../rpkg/r-commands.js";
import { environUserFile, jobEnvironment, rLibsOf } from "../../rpkg/r-env.js";
import { nodeIdentityOf } from "../../results/collect.js";
import { BbsError } from "../../util/errors.js";
import { runCommand } from "../../util/runner.js";
import { SpbClient } from "../client.js";
import { isNodeId } from "../ids.js";
import { backendFactories } from "../queue/registry.js";
import { clientCredential } from "../settings.js";
import { hasBiocCheckArgv } from "./r-scripts.js";
import { buildEnvironment, namespaceSandbox, NO_SANDBOX, probeNamespaceSandbox, type Sandbox } from "./sandbox.js";
import { SpbWorker } from "./worker.js";

function bbsVersion(): string {
  const text = readFileSync(new URL("../../../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}

async function rVersion(rCmd: string): Promise<string> {
  const result = await runCommand({
    command: { argv: [...configWords(rCmd), "--version"] },
    output: { capture: true },
    timeoutMs: 60_000,
  });
  if (result.exitCode !== 0)
    throw new BbsError(
      "BBS_CONFIG_INVALID",
      `r.cmd (${rCmd}) does not run: ${result.spawnError ?? `exit ${result.exitCode}`}`,
      {
        hint: "set r.cmd to this node's R",
      },
    );
  return result.stdout.split("\n")[0]?.trim() ?? "";
}

async function sandboxOf(config: ResolvedConfig, dir: string): Promise<Sandbox> {
  const v = config.values;
  if (v["spb.sandbox"] === "none") return NO_SANDBOX;
  // The broker password of the RabbitMQ back end is a credential of this node like its token.
  const hidden = [
    v["spb.tokenFile"],
    v["spb.tokensFile"],
    v["spb.rabbitmq.passwordFile"],
    ...v["spb.hidePaths"],
  ].filter((path): path is string => typeof path === "string" && path !== "");
  const probe = join(dir, "sandbox-probe.txt");
  writeFileSync(probe, "visible\n");
  const problem = await probeNamespaceSandbox(probe);
  if (problem !== undefined)
    throw new BbsError("BBS_CONFIG_INVALID", `spb.sandbox is namespace, but this node cannot make one: ${problem}`, {
      hint: "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1), or set spb.sandbox: none and isolate builds otherwise",
    });
  return namespaceSandbox(hidden);
}

async function biocCheckOf(config: ResolvedConfig, rscriptCmd: string): Promise<true | string> {
  if (!config.values["spb.biocCheck"]) return "spb.biocCheck is false on this node";
  const probe = await runCommand({ command: { argv: hasBiocCheckArgv(rscriptCmd) }, timeoutMs: 120_000 });
  return probe.exitCode === 0 ? true : "BiocCheck is not installed on this node";
}

export interface StartedWorker {
  readonly worker: SpbWorker;
  readonly url: string;
  readonly backend: string;
  readonly sandbox: Sandbox["kind"];
  readonly biocCheck: true | string;
  run(signal: AbortSignal): Promise<void>;
}

export async function startWorker(config: ResolvedConfig, log?: (line: string) => void): Promise<StartedWorker> {
  const v = config.values;
  const node = config.nodeId;
  if (!isNodeId(node))
    throw new BbsError("BBS_CONFIG_INVALID", `node id ${JSON.stringify(node)} cannot be an SPB node`);
  const credential = clientCredential(config);
  if (credential === undefined || credential.principal !== `node:${node}`)
    throw new BbsError(
      "BBS_CONFIG_INVALID",
      `spb.tokenFile of node ${node} must hold the credential of principal node:${node}`,
      {
        hint: `a line \`node:${node} <secret>\` that the coordinator's spb.tokensFile also has`,
      },
    );
  const dir = v["spb.dir"];
  mkdirSync(dir, { recursive: true });
  const commands = commandSettings(config);
  const [sandbox, biocCheck, r] = await Promise.all([
    sandboxOf(config, dir),
    biocCheckOf(config, commands.rscriptCmd),
    rVersion(commands.rCmd),
  ]);
  const client = new SpbClient(v["spb.url"], credential);
  const identity = nodeIdentityOf(config);
  const rEnv = jobEnvironment(config, environUserFile(config));
  delete rEnv.R_LIBS; // the pipeline puts the submission's library first
  const env = buildEnvironment(process.env, v["spb.envAllow"], v["spb.secretEnv"], rEnv);
  const seconds = (key: "clone" | "deps" | "install" | "build" | "check" | "bioccheck" | "buildbin"): number =>
    v[`spb.timeouts.${key}`] * 1000;
  const workerSettings = {
    node,
    jobsDir: join(dir, "jobs"),
    heartbeatIntervalMs: v["spb.heartbeatInterval"] * 1000,
    killGraceMs: v["timeouts.killGrace"] * 1000,
    biocVersion: v.biocVersion,
    sandbox,
    info: {
      hostname: v.hostname ?? hostname(),
      os: v.os ?? "",
      arch: v.arch,
      platform: v.rPlatform ?? "",
      rVersion: r,
      bbsVersion: bbsVersion(),
    },
    pipeline: {
      commands,
      identity,
      gitCmd: "git",
      gitBranch: v.gitBranch,
      timeoutsMs: {
        clone: seconds("clone"),
        deps: seconds("deps"),
        install: seconds("install"),
        build: seconds("build"),
        check: seconds("check"),
        bioccheck: seconds("bioccheck"),
        buildbin: seconds("buildbin"),
      },
      retries: v["spb.retries"],
      retryDelayMs: v["spb.retryDelay"] * 1000,
      checkWarningMinutes: v["spb.checkWarningMinutes"],
      biocCheck,
      biocCheckArgs: v["spb.biocCheckArgs"],
      readLibraries: rLibsOf(config),
      env,
    },
    fetchTarball: (jobId: string, signal: AbortSignal) =>
      client.bytes(`/api/v1/jobs/${encodeURIComponent(jobId)}/source`, { retry: true, signal }),
    ...(log === undefined ? {} : { log }),
  };
  const factories = backendFactories(v["spb.queue"]);
  const started = new SpbWorker((workerId) => factories.worker(config, client, node, workerId), workerSettings);
  return {
    worker: started,
    url: v["spb.url"],
    backend: v["spb.queue"],
    sandbox: sandbox.kind,
    biocCheck,
    run: (signal) => started.run(signal),
  };
}
