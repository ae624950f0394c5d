import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { beforeAll, describe, expect, it } from "vitest";
import { BbsError } from "../../src/util/errors.js";
import { acquireLock, holderState, isLocked, readLock, type LockHolder } from "../../src/util/lock.js";
import { transpileSourceDirs } from "./helpers/transpile.js";

interface ChildReport {
  acquired: boolean;
  pid: number;
  tookOverFrom?: number | null;
  code?: string;
  message?: string;
}

let childScript: string;

beforeAll(() => {
  const out = transpileSourceDirs(["util"]);
  childScript = join(out, "lock-child.mjs");
  // mode "hold": keep the lock until stdin closes; mode "exit": acquire and exit normally.
  writeFileSync(
    childScript,
    `import { acquireLock } from "./util/lock.js";
const [path, mode] = process.argv.slice(2);
try {
  const lock = acquireLock(path, { command: "lock-child " + mode, description: "the test work" });
  console.log(JSON.stringify({ acquired: true, pid: process.pid, tookOverFrom: lock.tookOverFrom?.pid ?? null }));
  if (mode === "hold") { process.stdin.resume(); process.stdin.on("end", () => process.exit(0)); }
} catch (error) {
  console.log(JSON.stringify({ acquired: false, pid: process.pid, code: error.code, message: error.message }));
  process.exitCode = 2;
}
`,
  );
});

function startChild(lockPath: string, mode: "hold" | "exit"): { child: ChildProcess; report: Promise<ChildReport> } {
  const child = spawn(process.execPath, [childScript, lockPath, mode], { stdio: ["pipe", "pipe", "inherit"] });
  const report = new Promise<ChildReport>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (line) => resolve(JSON.parse(line) as ChildReport));
    child.once("exit", (code) => reject(new Error(`child exited (${code}) before reporting`)));
  });
  return { child, report };
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
}

function deadPid(): number {
  const result = spawnSync("true");
  return result.pid!;
}

function freshLockPath(): string {
  return join(mkdtempSync(join(tmpdir(), "bbs-lock-")), "work", "bbs.lock");
}

function writeLock(path: string, holder: Partial<LockHolder>): void {
  const full: LockHolder = {
    pid: 1,
    hostname: hostname(),
    startedAt: "2024-10-24T19:00:00.000Z",
    command: "bbs prerun",
    token: "t0",
    ...holder,
  };
  writeFileSync(path, JSON.stringify(full));
}

function lockError(action: () => unknown): BbsError {
  try {
    action();
  } catch (error) {
    if (error instanceof BbsError) return error;
    throw error;
  }
  throw new Error("expected a BbsError");
}

describe("acquireLock", () => {
  it("stops a second acquirer while a live holder runs, then takes over after kill -9", async () => {
    const path = freshLockPath();
    const holder = startChild(path, "hold");
    const held = await holder.report;
    expect(held.acquired).toBe(true);
    expect(readLock(path)).toMatchObject({ pid: held.pid, hostname: hostname(), command: "lock-child hold" });

    const error = lockError(() => acquireLock(path, { description: "prerun of build test" }));
    expect(error.code).toBe("BBS_LOCKED");
    expect(error.message).toContain("prerun of build test is locked by pid " + String(held.pid));
    expect(error.message).toContain(`on ${hostname()}`);
    expect(error.message).toMatch(/running since \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4} \(/);
    expect(error.message).toContain("lock-child hold");
    expect(error.hint).toContain(`kill ${held.pid}`);

    // A second child is refused too.
    const second = await startChild(path, "exit").report;
    expect(second).toMatchObject({ acquired: false, code: "BBS_LOCKED" });

    holder.child.kill("SIGKILL");
    await exited(holder.child);
    expect(existsSync(path)).toBe(true); // kill -9 leaves the lock behind...
    const lock = acquireLock(path, { command: "bbs prerun --test" });
    expect(lock.tookOverFrom?.pid).toBe(held.pid); // ...and it is taken over
    expect(readLock(path)).toMatchObject({ pid: process.pid, command: "bbs prerun --test" });
    lock.release();
    expect(existsSync(path)).toBe(false);
    lock.release(); // idempotent
  });

  it("lets exactly one of many concurrent processes take over a stale lock", async () => {
    const path = freshLockPath();
    const dead = deadPid();
    acquireLock(path).release(); // creates the directory
    writeLock(path, { pid: dead, token: "stale" });
    const children = Array.from({ length: 6 }, () => startChild(path, "hold"));
    const reports = await Promise.all(children.map((c) => c.report));
    const winners = reports.filter((r) => r.acquired);
    expect(winners).toHaveLength(1);
    // Whoever removed the stale lock, one process holds the new one (the remover may lose the race to create it).
    expect([dead, null]).toContain(winners[0]!.tookOverFrom);
    for (const loser of reports.filter((r) => !r.acquired)) expect(loser.code).toBe("BBS_LOCKED");
    expect(readLock(path)?.pid).toBe(winners[0]!.pid);

    // The winner releases the lock when it exits normally.
    const winner = children[reports.indexOf(winners[0]!)]!;
    winner.child.stdin!.end();
    await exited(winner.child);
    await Promise.all(children.map((c) => exited(c.child)));
    expect(existsSync(path)).toBe(false);
  });

  it("releases the lock when the holder exits normally", async () => {
    const path = freshLockPath();
    const { child, report } = startChild(path, "exit");
    expect((await report).acquired).toBe(true);
    await exited(child);
    expect(existsSync(path)).toBe(false);
    expect(isLocked(path)).toBe(false);
  });

  it("treats a pid reused by an unrelated process as a dead holder", async () => {
    const path = freshLockPath();
    acquireLock(path).release();
    const unrelated = spawn("sleep", ["600"]);
    try {
      writeLock(path, { pid: unrelated.pid!, processStart: "1", token: "old" });
      expect(holderState(readLock(path)!)).toBe("dead");
      const lock = acquireLock(path);
      expect(lock.tookOverFrom?.pid).toBe(unrelated.pid);
      lock.release();
    } finally {
      unrelated.kill("SIGKILL");
      await exited(unrelated);
    }
  });

  it("never takes over a lock held on another host", () => {
    const path = freshLockPath();
    acquireLock(path).release();
    writeLock(path, { hostname: "builder-elsewhere", pid: deadPid() });
    const error = lockError(() => acquireLock(path));
    expect(error.code).toBe("BBS_LOCKED");
    expect(error.message).toContain("on builder-elsewhere");
    expect(error.hint).toContain(`remove ${path}`);
    expect(isLocked(path)).toBe(true);
  });

  it("refuses an unreadable lock file with a hint", () => {
    const path = freshLockPath();
    acquireLock(path).release();
    writeFileSync(path, "garbage");
    const error = lockError(() => acquireLock(path, { description: "the run" }));
    expect(error.code).toBe("BBS_LOCKED");
    expect(error.message).toContain("unreadable");
    expect(readFileSync(path, "utf8")).toBe("garbage");
  });

  it("keeps a lock that was taken over from being removed by its old owner", () => {
    const path = freshLockPath();
    const first = acquireLock(path, { releaseOnExit: false });
    writeLock(path, { pid: process.pid, token: "someone-else" });
    first.release();
    expect(readLock(path)?.token).toBe("someone-else");
  });
});
