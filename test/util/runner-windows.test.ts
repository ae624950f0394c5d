// The Windows code path of the process runner, unit-tested on Linux: no
// Windows machine runs this suite. A spawner double records every spawn the
// runner makes (the job's own and taskkill's) and plays the child's part, so
// the test asserts the exact argv handed to cmd.exe, the exact kill commands
// and their order, and that the job leaves nothing Linux-only in its spawn
// (no /bin/sh, no process group, no cgroup, no marker descriptor).
// What this cannot show: that cmd.exe and taskkill behave on Windows as
// documented. See README ("Where it has run").

import { EventEmitter } from "node:events";
import type { ChildProcess, SpawnOptions } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { posixPlatform, taskkillArgs, windowsPlatform, type Spawner } from "../../src/util/process-platform.js";
import { runCommand } from "../../src/util/runner.js";
import { runProcess } from "../../src/jobs/process.js";
import { readLastLines } from "../../src/jobs/tail.js";
import { parseSummary } from "../../src/results/summary.js";

/** A pid no Linux process can have (above pid_max): the platform's liveness probe finds nothing. */
let nextFakePid = 4_194_304 + 1000;

/** Records spawns; a spawned "program" exits when the test (or a forced taskkill of it) says so. */
class SpawnerDouble {
  readonly calls: Array<{ file: string; args: readonly string[]; options: SpawnOptions; pid: number }> = [];
  private readonly children = new Map<number, EventEmitter>();
  /** taskkill without /F asks the tree to close: a console program ignores it (as R does). */
  readonly spawn: Spawner = (file, args, options) => {
    const pid = nextFakePid++;
    this.calls.push({ file, args, options, pid });
    const child = Object.assign(new EventEmitter(), {
      pid,
      stdout: null,
      stderr: null,
      unref: () => undefined,
    });
    this.children.set(pid, child);
    if (file === "taskkill" && args.includes("/F")) {
      const target = Number(args[args.indexOf("/PID") + 1]);
      setImmediate(() => this.exit(target, 1));
    }
    if (file === "taskkill") setImmediate(() => this.exit(pid, 0));
    return child as unknown as ChildProcess;
  };
  exit(pid: number, code: number): void {
    const child = this.children.get(pid);
    if (!child) return;
    this.children.delete(pid);
    child.emit("exit", code, null);
  }
  get jobs() {
    return this.calls.filter((call) => call.file !== "taskkill");
  }
  get kills() {
    return this.calls.filter((call) => call.file === "taskkill").map((call) => call.args.join(" "));
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "bbs-runner-win-"));
  dirs.push(dir);
  return dir;
}

const CMD = "C:\\Windows\\system32\\cmd.exe";

describe("windowsPlatform", () => {
  it("runs a configured command line by cmd.exe /d /s /c, verbatim, and an argv without any shell", () => {
    const windows = windowsPlatform(CMD);
    expect(windows.plan({ shellLine: 'R CMD check --no-manual "my pkg_1.0.tar.gz"' })).toEqual({
      file: CMD,
      args: ["/d", "/s", "/c", '"R CMD check --no-manual "my pkg_1.0.tar.gz""'],
      windowsVerbatimArguments: true,
      detached: false,
    });
    expect(windows.plan({ argv: ["git", "-C", "C:\\src\\pkg", "pull"] })).toEqual({
      file: "git",
      args: ["-C", "C:\\src\\pkg", "pull"],
      windowsVerbatimArguments: false,
      detached: false,
    });
    // posix, for contrast: /bin/sh -c, a process group of its own.
    expect(posixPlatform.plan({ shellLine: "R CMD check x" })).toMatchObject({
      file: "/bin/sh",
      args: ["-c", "R CMD check x"],
      detached: true,
    });
    expect(taskkillArgs(42, "SIGTERM")).toEqual(["/T", "/PID", "42"]);
    expect(taskkillArgs(42, "SIGKILL")).toEqual(["/T", "/F", "/PID", "42"]);
  });

  it("a job: cmd.exe, its header and tag, no Linux-only descriptor; the tree killed by taskkill /T /F at its end", async () => {
    const spawner = new SpawnerDouble();
    const dir = tempDir();
    const out = join(dir, "pkg.checksrc-out.txt");
    const running = runProcess({
      command: "R CMD check pkg_1.0.tar.gz",
      outputFile: out,
      truncateOutput: true,
      outputHeader: "header\r\n",
      platform: windowsPlatform(CMD),
      spawner: spawner.spawn,
    });
    const job = spawner.jobs[0];
    expect(job?.file).toBe(CMD);
    expect(job?.args).toEqual(["/d", "/s", "/c", '"R CMD check pkg_1.0.tar.gz"']);
    expect(job?.options).toMatchObject({ detached: false, windowsHide: true, windowsVerbatimArguments: true });
    expect(job?.options.stdio).toHaveLength(3); // no JOB_TAG_FD
    expect((job?.options.env ?? {})["BBS_JOB_TAG"]).toMatch(/^\d+\.\d+\.[0-9a-f]{8}\.\d+$/);
    spawner.exit(job?.pid ?? 0, 0);
    const result = await running;
    expect(result.exitCode).toBe(0);
    expect(result.containment).toBe("tree");
    expect(spawner.kills).toEqual([`/T /F /PID ${job?.pid}`]);
    expect(readFileSync(out, "utf8")).toBe("header\r\n");
  });

  it("a timeout: taskkill /T first, taskkill /T /F after the grace period; the result says TIMEOUT", async () => {
    const spawner = new SpawnerDouble();
    const result = await runCommand({
      command: { shellLine: 'Rscript -e "Sys.sleep(1e6)"' },
      timeoutMs: 50,
      killGraceMs: 300,
      platform: windowsPlatform(CMD),
      spawner: spawner.spawn,
    });
    const pid = spawner.jobs[0]?.pid;
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBe(1); // what a tree killed by taskkill /F exits with
    expect(spawner.kills.slice(0, 2)).toEqual([`/T /PID ${pid}`, `/T /F /PID ${pid}`]);
  });

  it("cancellation: the same kill sequence, the result says cancelled", async () => {
    const spawner = new SpawnerDouble();
    const controller = new AbortController();
    const running = runCommand({
      command: { argv: ["git", "clone", "https://example.org/pkg"] },
      signal: controller.signal,
      killGraceMs: 100,
      platform: windowsPlatform(CMD),
      spawner: spawner.spawn,
    });
    expect(spawner.jobs[0]?.file).toBe("git");
    controller.abort();
    const result = await running;
    expect(result.cancelled).toBe(true);
    const pid = spawner.jobs[0]?.pid;
    expect(spawner.kills.slice(0, 2)).toEqual([`/T /PID ${pid}`, `/T /F /PID ${pid}`]);
  });
});

describe("CRLF from a Windows node", () => {
  it("out files and summaries written with CRLF read like LF ones", async () => {
    const dir = tempDir();
    const out = join(dir, "pkg.install-out.txt");
    writeFileSync(
      out,
      "* installing *source* package 'pkg' ...\r\n** testing if installed package can be loaded\r\n* DONE (pkg)\r\n",
    );
    expect(await readLastLines(out, 2)).toEqual(["** testing if installed package can be loaded", "* DONE (pkg)"]);
    const summary = parseSummary(
      "Hostname: palomino3\r\nPackage: pkg\r\nVersion: 1.0\r\nCommand: R CMD INSTALL pkg\r\nStartedAt: 2022-10-12 19:01:02 -0400 (Wed, 12 Oct 2022)\r\nEndedAt: 2022-10-12 19:01:30 -0400 (Wed, 12 Oct 2022)\r\nEllapsedTime: 28.0 seconds\r\nRetCode: 0\r\nStatus: OK\r\n",
      "pkg.install-summary.dcf",
    );
    expect(summary).toMatchObject({ package: "pkg", version: "1.0", status: "OK" });
  });
});
