// `bbs spb ...`: the Single Package Builder's commands (docs/spb.md). Each
// parses its options and calls src/spb.

import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join, resolve } from "node:path";
import { BbsError } from "../util/errors.js";
import { clientError, SpbClient } from "../spb/client.js";
import { formatJob, formatJobs } from "../spb/cli-output.js";
import { assertJobId, isNodeId } from "../spb/ids.js";
import { isBranchName, isCommitId, isGitUrl } from "../spb/messages.js";
import { startCoordinator } from "../spb/serve.js";
import { clientCredential } from "../spb/settings.js";
import type { JobSummaryView, JobView } from "../spb/store/views.js";
import { serviceText, SERVICE_KINDS, type ServiceKind } from "../spb/worker/service.js";
import { startWorker } from "../spb/worker/start.js";
import { globalOptions, nodeConfig } from "./context.js";
import { withInterruptSignal } from "./interrupt.js";

function client(command: Command): SpbClient {
  const config = nodeConfig(command);
  return new SpbClient(config.values["spb.url"], clientCredential(config));
}

async function call<T>(command: Command, body: (client: SpbClient) => Promise<T>): Promise<T> {
  const api = client(command);
  try {
    return await body(api);
  } catch (error) {
    throw clientError(error, api.baseUrl);
  }
}

function print(value: unknown, json: boolean | undefined, human: () => string): void {
  process.stdout.write(json === true ? `${JSON.stringify(value, null, 2)}\n` : human());
}

interface SubmitOptions {
  git?: string;
  commit?: string;
  branch?: string;
  tarball?: string;
  package?: string;
  issue?: string;
  newPackage?: boolean;
  json?: boolean;
}

export function registerSpb(program: Command): void {
  const spb = program
    .command("spb")
    .description("the Single Package Builder: build one submitted package on every SPB node");

  spb
    .command("serve")
    .description("run the SPB coordinator: job store, HTTP API, embedded queue (binds spb.listen, loopback by default)")
    .option("--listen <address:port>", "override spb.listen")
    .action(async (options: { listen?: string }, command: Command) => {
      const running = await startCoordinator(
        nodeConfig(command),
        options.listen === undefined ? {} : { listen: options.listen },
      );
      process.stdout.write(
        `bbs spb: coordinator at ${running.server.url} (queue ${running.coordinator.queue.backend}, nodes ${running.coordinator.settings.nodes.join(", ")})\n`,
      );
      await withInterruptSignal(
        (signal) => new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true })),
      );
      await running.stop();
    });

  spb
    .command("worker")
    .description("run this node's SPB worker: claim jobs, build them, stream their events (until SIGINT/SIGTERM)")
    .option(
      "--print-service [kind]",
      `print how to start the worker at boot (${SERVICE_KINDS.join(", ")}; default: all) and exit`,
    )
    .action(async (options: { printService?: string | boolean }, command: Command) => {
      const config = nodeConfig(command);
      if (options.printService !== undefined) {
        const kinds = options.printService === true ? SERVICE_KINDS : [options.printService as ServiceKind];
        for (const kind of kinds)
          if (!SERVICE_KINDS.includes(kind))
            throw new BbsError("BBS_USAGE", `--print-service ${String(kind)}: not one of ${SERVICE_KINDS.join(", ")}`);
        const { configDir, nodeId } = globalOptions(command);
        const input = {
          node: process.execPath,
          bbs: resolve(process.argv[1] ?? "bbs"),
          configDir: resolve(configDir),
          nodeId,
          user: userInfo().username,
          logFile: join(config.values["spb.dir"], "worker.log"),
        };
        process.stdout.write(kinds.map((kind) => serviceText(kind, input)).join("\n"));
        return;
      }
      const worker = await startWorker(config, (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`));
      process.stdout.write(
        `bbs spb: worker ${worker.worker.workerId} of node ${config.nodeId} (coordinator ${worker.url}, queue ${worker.backend}, sandbox ${worker.sandbox}, BiocCheck ${worker.biocCheck === true ? "yes" : `no: ${worker.biocCheck}`})\n`,
      );
      await withInterruptSignal((signal) => worker.run(signal));
    });

  spb
    .command("submit")
    .description("submit a package: --git <url> [--commit <sha>] or --tarball <file>")
    .option("--git <url>", "git repository of the package")
    .option("--commit <sha>", "the commit to build (default: the branch tip)")
    .option("--branch <name>", "branch to clone when no commit is given")
    .option("--tarball <file>", "a source tarball instead of git")
    .option("--package <name>", "package name (default: from the URL or the tarball)")
    .option("--issue <n>", "tracker issue to post the result to")
    .option("--new-package", "a new submission (BiocCheck --new-package)")
    .option("--json", "print the job as JSON")
    .action(async (options: SubmitOptions, command: Command) => {
      if ((options.git === undefined) === (options.tarball === undefined))
        throw new BbsError("BBS_USAGE", "give exactly one of --git <url> and --tarball <file>", {
          hint: "bbs spb submit --git https://host/pkg.git --commit <sha>",
        });
      if (options.git !== undefined && !isGitUrl(options.git))
        throw new BbsError("BBS_USAGE", `--git ${options.git} is not a git URL`, {
          hint: "https://, ssh://, file:// or user@host:path",
        });
      if (options.commit !== undefined && !isCommitId(options.commit))
        throw new BbsError("BBS_USAGE", `--commit ${options.commit} is not a commit SHA`, {
          hint: "7 to 40 hexadecimal digits",
        });
      if (options.branch !== undefined && !isBranchName(options.branch))
        throw new BbsError("BBS_USAGE", `--branch ${options.branch} is not a branch name`);
      const issue = options.issue === undefined ? undefined : Number(options.issue);
      if (issue !== undefined && (!Number.isInteger(issue) || issue < 1))
        throw new BbsError("BBS_USAGE", `--issue ${options.issue} is not an issue number`);
      const job = await call(command, (api) => {
        if (options.tarball !== undefined) {
          const params = new URLSearchParams();
          if (options.package) params.set("package", options.package);
          if (issue !== undefined) params.set("issue", String(issue));
          if (options.newPackage) params.set("newPackage", "true");
          return api.request<JobView>("POST", `/api/v1/jobs/tarball?${params.toString()}`, {
            raw: readFileSync(options.tarball),
          });
        }
        return api.request<JobView>("POST", "/api/v1/jobs", {
          body: {
            ...(options.package ? { package: options.package } : {}),
            git: {
              url: options.git,
              ...(options.commit ? { commit: options.commit } : {}),
              ...(options.branch ? { branch: options.branch } : {}),
            },
            ...(issue === undefined ? {} : { issue }),
            newPackage: options.newPackage === true,
          },
        });
      });
      print(
        job,
        options.json,
        () =>
          `submitted job ${job.id} (package ${job.package}, nodes ${job.nodes.map((node) => node.node).join(", ")})\n`,
      );
    });

  spb
    .command("rerun <job>")
    .description("build a job's package again (the commit it built), on every node or one")
    .option("--node <id>", "rerun on this node only")
    .option("--json", "print the new job as JSON")
    .action(async (id: string, options: { node?: string; json?: boolean }, command: Command) => {
      assertJobId(id);
      if (options.node !== undefined && !isNodeId(options.node))
        throw new BbsError("BBS_USAGE", `--node ${options.node} is not a node id`);
      const job = await call(command, (api) =>
        api.request<JobView>("POST", `/api/v1/jobs/${id}/rerun`, { body: options.node ? { node: options.node } : {} }),
      );
      print(job, options.json, () => `submitted job ${job.id}, a rerun of ${id}\n`);
    });

  spb
    .command("status <job>")
    .description("a job's state and each node's statuses")
    .option("--json", "print the job as JSON")
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      assertJobId(id);
      const job = await call(command, (api) => api.request<JobView>("GET", `/api/v1/jobs/${id}`));
      print(job, options.json, () => formatJob(job));
    });

  spb
    .command("jobs")
    .description("recent jobs, newest first")
    .option("--package <name>", "jobs of this package only")
    .option("--json", "print JSON")
    .action(async (options: { package?: string; json?: boolean }, command: Command) => {
      const query = options.package === undefined ? "" : `?package=${encodeURIComponent(options.package)}`;
      const answer = await call(command, (api) =>
        api.request<{ jobs: JobSummaryView[] }>("GET", `/api/v1/jobs${query}`),
      );
      print(answer, options.json, () => formatJobs(answer.jobs));
    });
}
