// The SPB acceptance on a node, over every queue back end (backends.ts): a
// coordinator (`bbs spb serve`) and two worker processes (`bbs spb worker`)
// acting as nodes spb1 and spb2 build generated packages from a real git
// server with real R; spb3 is expected but never runs. One shared night:
//
// 1. spbTiny at commit C1 (its tests are a canary that prints the
//    environment and tries to read every credential file), while the
//    coordinator is killed -9 and restarted mid-build: statuses per node, C1
//    built, spb3 ABNORMAL, every event recorded once, logs complete, no secret
//    anywhere in what the package could write.
// 2. a push of C2 builds C2 only; a repository whose DESCRIPTION names another
//    package is refused by the workers (ERROR), submitted alongside.
// 3. faults: spbFaults hangs in INSTALL on spb2 (spb.timeouts.install: TIMEOUT,
//    nothing of it survives) and in CHECK on spb1, whose worker is killed -9
//    there (ABNORMAL by heartbeat deadline; a restarted worker kills what the
//    dead one left).

import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listPids, readProcStat } from "../../src/jobs/procfs.js";
import { SpbClient } from "../../src/spb/client.js";
import type { JobView, NodeView } from "../../src/spb/store/views.js";
import { SpbStore } from "../../src/spb/store/store.js";
import { GitServer } from "../fixtures/git-server.js";
import { writePackage, timeoutMarker } from "../fixtures/rpkg-generator.js";
import { repoRoot } from "../fixtures/test-config.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { BACKENDS, type RunningBackend } from "./backends.js";
import { writeSpbSite, type SpbSite } from "./fixtures.js";

const dirs = useTempDirs();
const BBS = join(repoRoot(), "bin", "bbs.js");
const BIOC_PASSWORD = `bioc-devel-password-${process.pid}-canary`;
const HANG_MARKER = "bbs-spb-install-hang-marker";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

function filesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(path));
    else if (entry.isFile()) found.push(path);
  }
  return found;
}

/** Live processes whose command line holds `marker`. */
function processesWith(marker: string): number[] {
  return listPids().filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker) && readProcStat(pid)?.state !== "Z";
    } catch {
      return false;
    }
  });
}

describe.each(BACKENDS)("spb worker and pipeline over the $name back end", (factory) => {
  let root: string;
  let backend: RunningBackend;
  let site: SpbSite;
  let git: GitServer;
  let api: SpbClient;
  let port: number;
  let coordinator: ChildProcess | undefined;
  const workers = new Map<string, ChildProcess>();
  const children = new Set<ChildProcess>();
  let c1: string;
  let c2: string;
  let job1: JobView;
  let job2: JobView;
  let mismatch: JobView;
  let faults: JobView;
  let eventsBeforeRestart = 0;
  let spb1WorkerKilledInCheck = false;
  let spb1OrphansAfterKill = 0;

  function start(name: string, node: string, args: readonly string[], env: Record<string, string> = {}): ChildProcess {
    const log = createWriteStream(join(root, `${name}.log`), { flags: "a" });
    const child = spawn(process.execPath, [BBS, ...args], {
      env: { ...process.env, ...site.envOf(node), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    children.add(child);
    child.once("exit", () => children.delete(child));
    return child;
  }

  async function stop(child: ChildProcess | undefined, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await exited;
  }

  async function startCoordinator(): Promise<void> {
    coordinator = start("coordinator", "local", ["spb", "serve"]);
    await until("the coordinator", async () =>
      (await fetch(`http://127.0.0.1:${port}/api/v1/health`)
        .then((r) => r.ok)
        .catch(() => false))
        ? true
        : undefined,
    );
  }

  /** `name`: the node and a letter (spb1a, spb1b: two workers of spb1). */
  function startWorker(name: string): void {
    const node = name.slice(0, -1);
    workers.set(name, start(`worker-${name}`, node, ["spb", "worker"], { BIOC_DEVEL_PASSWORD: BIOC_PASSWORD }));
  }

  const job = (id: string): Promise<JobView> => api.request<JobView>("GET", `/api/v1/jobs/${id}`, { retry: true });
  const complete = (id: string, ms = 240_000): Promise<JobView> =>
    until(
      `job ${id} to complete`,
      async () => {
        const view = await job(id);
        return view.state === "complete" ? view : undefined;
      },
      ms,
    );
  const nodeOf = (view: JobView, node: string): NodeView => view.nodes.find((entry) => entry.node === node) as NodeView;
  const submit = async (args: readonly string[]): Promise<JobView> => {
    const result = await execa(process.execPath, [BBS, "spb", "submit", "--json", ...args], {
      env: { ...process.env, ...site.envOf("local") },
    });
    return JSON.parse(result.stdout) as JobView;
  };
  const jobDir = (node: string, jobId: string): string => {
    const jobs = join(root, node, "spb", "jobs");
    const name = readdirSync(jobs).find((entry) => entry.startsWith(`${jobId}-`));
    if (name === undefined) throw new Error(`no job directory of ${jobId} on ${node}`);
    return join(jobs, name);
  };

  beforeAll(async () => {
    root = await dirs.make(`spb-worker-${factory.name}`);
    backend = await factory.start(join(root, "backend"));
    git = new GitServer(join(root, "git"));
    port = await freePort();
    site = writeSpbSite({
      root,
      nodes: ["spb1", "spb2", "spb3"],
      spb: {
        ...backend.spb,
        url: `http://127.0.0.1:${port}`,
        listen: `127.0.0.1:${port}`,
        claimTimeout: 20,
        heartbeatTimeout: 8,
        heartbeatInterval: 1,
        lease: 5,
      },
      builderHost: {
        ...backend.host,
        timeouts: { killGrace: 2 },
        spb: {
          ...((backend.host?.spb as Record<string, never> | undefined) ?? {}),
          retries: 0,
          biocCheckArgs: ["--no-check-deprecated", "--no-check-CRAN", "--no-check-bioc-help"],
          envAllow: ["SUITE_RUN_TAG", "BIOC_DEVEL_PASSWORD"],
          secretEnv: ["BIOC_DEVEL_PASSWORD"],
          // The coordinator shares this machine: its credentials are not the package's to read.
          hidePaths: [join(root, "secrets")],
        },
      },
      // spb2 has no BiocCheck (spb.biocCheck: false), and a short INSTALL limit.
      nodeHost: { spb2: { spb: { biocCheck: false, timeouts: { install: 20 } } } },
    });
    api = new SpbClient(`http://127.0.0.1:${port}`, site.credentials.get("operator:ops"));

    const sources = join(root, "sources");
    const secretsRead = [site.tokensFile, ...readdirSync(join(root, "secrets")).map((f) => join(root, "secrets", f))];
    await git.importDirectory("spbTiny", await writePackage(sources, { name: "spbTiny", version: "0.99.0" }));
    c1 = await git.commitChange("spbTiny", {
      files: {
        "tests/canary.R": [
          'cat("CANARY-START\\n")',
          "env <- Sys.getenv()",
          'for (n in names(env)) cat(n, "=", env[[n]], "\\n", sep = "")',
          `for (f in c(${secretsRead.map((f) => JSON.stringify(f)).join(", ")})) {`,
          '  txt <- tryCatch(readLines(f, warn = FALSE), error = function(e) paste("unreadable:", conditionMessage(e)))',
          '  cat("read ", f, ": ", length(txt), " lines: ", paste(txt, collapse = " | "), "\\n", sep = "")',
          "}",
          'cat("CANARY-END\\n")',
        ].join("\n"),
      },
    });
    c2 = await git.commitChange("spbTiny", { version: "bump" });
    await git.importDirectory(
      "spbOther",
      await writePackage(sources, { name: "spbOther", version: "1.0.0", behaviour: "name-mismatch" }),
    );
    await git.importDirectory(
      "spbFaults",
      await writePackage(sources, {
        name: "spbFaults",
        version: "1.0.0",
        behaviour: "timeout",
        installTimeCode: [
          'if (grepl("/spb2/spb/jobs/", Sys.getenv("R_LIBS"), fixed = TRUE)) {',
          `  system2("sh", c("-c", shQuote("sleep 3600; echo ${HANG_MARKER}")), wait = FALSE)`,
          "  Sys.sleep(3600)",
          "}",
        ].join("\n"),
      }),
    );

    await startCoordinator();
    // Two workers per node (two build slots): the faults job runs beside the others.
    for (const name of ["spb1a", "spb1b", "spb2a", "spb2b"]) startWorker(name);
    // Submitted once they all listen (claim deadlines run from the submission).
    await until("the workers", () =>
      ["spb1a", "spb1b", "spb2a", "spb2b"].every((name) => {
        try {
          return readFileSync(join(root, `worker-${name}.log`), "utf8").includes("bbs spb: worker ");
        } catch {
          return false;
        }
      })
        ? true
        : undefined,
    );

    // 1. spbTiny at C1 and the faults job side by side; the coordinator is killed -9 and restarted mid-build.
    job1 = await submit(["--git", git.url("spbTiny"), "--commit", c1]);
    faults = await submit(["--git", git.url("spbFaults")]);
    await until("both nodes to be building spbTiny", async () => {
      const view = await job(job1.id);
      const building = ["spb1", "spb2"].every((node) =>
        nodeOf(view, node).steps.some((step) => step.step === "install" && step.status !== null),
      );
      return building ? true : undefined;
    });
    {
      const store = SpbStore.open(join(root, "central", "spb", "spb.db"), { readonly: true });
      eventsBeforeRestart = store.eventCount(job1.id, "spb1") + store.eventCount(job1.id, "spb2");
      store.close();
    }
    await stop(coordinator, "SIGKILL");
    await sleep(2000);
    await startCoordinator();

    // The worker of spb1 that checks spbFaults is killed -9 in its never-ending check.
    const checking = await until("spb1 to check spbFaults", async () => {
      const entry = nodeOf(await job(faults.id), "spb1");
      return entry.runningStep === "checksrc" ? entry : undefined;
    });
    await until("the hanging example", () => (processesWith(timeoutMarker("spbFaults")).length > 0 ? true : undefined));
    const [killedName, killed] = [...workers].find(([, child]) => checking.workerId?.includes(`-${child.pid}-`)) ?? [];
    spb1WorkerKilledInCheck = killed !== undefined && nodeOf(await job(faults.id), "spb1").runningStep === "checksrc";
    await stop(killed, "SIGKILL");
    spb1OrphansAfterKill = processesWith(timeoutMarker("spbFaults")).length;
    if (killedName !== undefined) startWorker(killedName); // kills what the dead worker left
    // 2. the push of C2, and a repository that names another package, once spb2's faults slot is free.
    await until("spb2 to end spbFaults", async () =>
      nodeOf(await job(faults.id), "spb2").state === "done" ? true : undefined,
    );
    mismatch = await submit(["--git", git.url("spbOther")]);
    job2 = await submit(["--git", git.url("spbTiny"), "--commit", c2]);
    await until("the orphans of the killed worker to go", () =>
      processesWith(timeoutMarker("spbFaults")).length === 0 ? true : undefined,
    );
    faults = await complete(faults.id);
    job1 = await complete(job1.id);
    mismatch = await complete(mismatch.id);
    job2 = await complete(job2.id);
  }, 600_000);

  afterAll(async () => {
    for (const worker of workers.values()) await stop(worker);
    await stop(coordinator);
    for (const child of children) await stop(child, "SIGKILL");
    // What a killed worker's steps left, should the restarted worker not have come up.
    for (const pid of [...processesWith(timeoutMarker("spbFaults")), ...processesWith(HANG_MARKER)]) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    await backend?.dispose();
  });

  it("builds the submitted commit on both nodes; the node that never runs is ABNORMAL and the job completes", async () => {
    expect(job1.state).toBe("complete");
    for (const node of ["spb1", "spb2"]) {
      const entry = nodeOf(job1, node);
      expect(entry.state).toBe("done");
      expect(entry.commit).toBe(c1);
      expect(entry.cells).toMatchObject({ install: "OK", build: "OK", check: "OK", buildbin: "skipped" });
    }
    // BiocCheck is its own column: the generated package has Author/Maintainer, no vignettes...
    const spb1 = nodeOf(job1, "spb1");
    expect(spb1.cells.bioccheck).toBe("ERROR");
    expect(spb1.steps.find((step) => step.step === "bioccheck")?.command).toContain("--quit-with-status");
    expect(spb1.steps.find((step) => step.step === "bioccheck")?.command).not.toContain("--new-package");
    expect(spb1.steps.find((step) => step.step === "bioccheck")?.detail).toMatch(/\d+ ERRORS \| \d+ WARNINGS/);
    // ... and where it is not run, it says why.
    const spb2 = nodeOf(job1, "spb2");
    expect(spb2.cells.bioccheck).toBe("skipped");
    expect(spb2.steps.find((step) => step.step === "bioccheck")?.detail).toMatch(/spb.biocCheck is false/);
    const spb3 = nodeOf(job1, "spb3");
    expect(spb3.state).toBe("lost");
    expect(spb3.reason).toMatch(/did not claim/);
    expect(Object.values(spb3.cells).every((cell) => cell === "ABNORMAL")).toBe(true);
    expect(job1.result).toBe("ABNORMAL, ERROR");
    const status = await execa(process.execPath, [BBS, "spb", "status", job1.id, "--json"], {
      env: { ...process.env, ...site.envOf("local") },
    });
    const printed = JSON.parse(status.stdout) as JobView;
    expect(printed.nodes.map((node) => [node.node, node.commit])).toEqual([
      ["spb1", c1],
      ["spb2", c1],
      ["spb3", null],
    ]);
  });

  it("loses and duplicates no event across a coordinator killed -9 mid-build", async () => {
    expect(eventsBeforeRestart).toBeGreaterThan(0);
    const store = SpbStore.open(join(root, "central", "spb", "spb.db"), { readonly: true });
    try {
      for (const node of ["spb1", "spb2"]) {
        const entry = nodeOf(job1, node);
        // Every step reported once, in order, and ended.
        expect(entry.steps.map((step) => step.step)).toEqual([
          "source",
          "deps",
          "install",
          "buildsrc",
          "checksrc",
          "biocgitclone",
          "bioccheck",
          "buildbin",
        ]);
        expect(entry.steps.every((step) => step.status !== null)).toBe(true);
        // The log the coordinator holds is the node's out file, byte for byte.
        const dir = jobDir(node, job1.id);
        for (const step of ["install", "checksrc", ...(node === "spb1" ? ["bioccheck"] : [])]) {
          expect(store.log(job1.id, node, step)).toBe(readFileSync(join(dir, `spbTiny.${step}-out.txt`), "utf8"));
        }
      }
      // The seqs are 1..n with no gap (a lost event would leave one) and recorded once each.
      const events = (jobId: string, node: string): number => store.eventCount(jobId, node);
      expect(events(job1.id, "spb1")).toBeGreaterThan(10);
      expect(events(job1.id, "spb3")).toBe(0);
    } finally {
      store.close();
    }
  });

  it("package code sees no credential: no token, no secret variable, no readable credential file", () => {
    const secrets = [...site.credentials.values()].map((credential) => credential.secret);
    for (const node of ["spb1", "spb2"]) {
      const dir = jobDir(node, job1.id);
      const canary = readFileSync(join(dir, "spbTiny.Rcheck", "tests", "canary.Rout"), "utf8");
      expect(canary).toMatch(/CANARY-END/);
      expect(canary).toMatch(/^R_LIBS=/m); // it did print the environment
      expect(canary).toMatch(/coordinator-tokens\.txt: (0 lines|1 lines: unreadable)/);
      expect(canary).not.toMatch(/node-spb\d\.txt: 1 lines: node:/);
      expect(canary).not.toMatch(/BIOC_DEVEL_PASSWORD|BBS_(?!JOB_TAG=)/); // the job's process tag is no secret
      for (const file of filesUnder(dir)) {
        if (statSync(file).size > 5_000_000) continue;
        const text = readFileSync(file, "latin1");
        for (const secret of [...secrets, BIOC_PASSWORD])
          expect(text.includes(secret), `${file} holds a secret`).toBe(false);
      }
    }
  });

  it("a second push builds the new commit only; a DESCRIPTION naming another package is refused", () => {
    for (const node of ["spb1", "spb2"]) {
      expect(nodeOf(job2, node).commit).toBe(c2);
      expect(nodeOf(job2, node).version).toBe("0.99.1");
      expect(nodeOf(job1, node).commit).toBe(c1);
      const refused = nodeOf(mismatch, node);
      expect(refused.state).toBe("done");
      expect(refused.steps.find((step) => step.step === "source")).toMatchObject({
        status: "ERROR",
        detail: expect.stringMatching(/Package is "spbOtherRenamed", not the submitted spbOther/),
      });
      expect(refused.cells.install).toBe("skipped");
    }
    expect(mismatch.result).toMatch(/ERROR/);
  });

  it("a step over its timeout is TIMEOUT and leaves no process; a worker killed -9 mid-check is ABNORMAL by its deadline", () => {
    const spb2 = nodeOf(faults, "spb2");
    expect(spb2.state).toBe("done");
    expect(spb2.cells.install).toBe("TIMEOUT");
    expect(spb2.cells.build).toBe("skipped");
    expect(processesWith(HANG_MARKER)).toEqual([]);
    expect(spb1WorkerKilledInCheck).toBe(true);
    expect(spb1OrphansAfterKill).toBeGreaterThan(0); // the kill left the check running...
    const spb1 = nodeOf(faults, "spb1");
    expect(spb1.state).toBe("lost");
    expect(spb1.reason).toMatch(/no heartbeat from node spb1/);
    expect(spb1.cells.install).toBe("OK");
    expect(spb1.cells.check).toBe("ABNORMAL");
    expect(faults.state).toBe("complete");
    expect(faults.result).toMatch(/ABNORMAL/);
    expect(faults.result).toMatch(/TIMEOUT/);
  });
});
