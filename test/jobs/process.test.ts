// runProcess with real processes: output, exit data, and above all that no
// process of a job survives it. The "family" script starts, besides itself:
//   grandchild        a plain background child (same process group)
//   ignores-term      a child that ignores SIGTERM (needs the SIGKILL after the grace)
//   setsid            a child that called setsid() (own session and group, parent still in the job)
//   daemon            a double fork + setsid (own group, reparented to init: no link to the job left)
//   child             a child with a child of its own (grandgrandchild)
// Group kills reach the first three kinds; the last two are found by the
// job tag in their environment.

import { spawn } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readProcStat } from "../../src/jobs/procfs.js";
import { killOrphanedJobs, runProcess, type ProcessResult } from "../../src/jobs/process.js";
import { ProcessSweeper } from "../../src/jobs/sweeper.js";
import { eventually, isAlive, liveTagged, readLines, tempDir, waitForLines } from "./helpers.js";

const FAMILY_LINES = 7; // the tag line + 6 processes

function writeFamily(dir: string): string {
  const record = join(dir, "record.sh");
  writeFileSync(record, '#!/bin/sh\necho "$1 $$" >> "$PIDFILE"\nshift\nexec "$@"\n');
  const family = join(dir, "family.sh");
  writeFileSync(
    family,
    [
      "#!/bin/sh",
      'R="$(dirname "$0")/record.sh"',
      'echo "tag $BBS_JOB_TAG" >> "$PIDFILE"',
      '"$R" grandchild sleep 1000 &',
      `"$R" ignores-term sh -c 'trap "" TERM; while :; do sleep 1; done' &`,
      'setsid "$R" setsid sleep 1000 &',
      'sh -c "setsid \\"$R\\" daemon sleep 1000 & exit 0"',
      '"$R" child sh -c "\\"$R\\" grandgrandchild sleep 1000 & exec sleep 1000" &',
      `while [ "$(wc -l < "$PIDFILE")" -lt ${FAMILY_LINES} ]; do sleep 0.05; done`,
      'echo "family ready"',
      'if [ "$1" = exit ]; then exit 3; fi',
      "exec sleep 1000",
      "",
    ].join("\n"),
  );
  chmodSync(record, 0o755);
  chmodSync(family, 0o755);
  return family;
}

interface Family {
  tag: string;
  pids: Map<string, number>;
}

function parseFamily(lines: readonly string[]): Family {
  const pids = new Map<string, number>();
  let tag = "";
  for (const line of lines) {
    const [role = "", value = ""] = line.split(" ");
    if (role === "tag") tag = value;
    else pids.set(role, Number(value));
  }
  return { tag, pids };
}

async function expectNoSurvivor(family: Family): Promise<void> {
  expect(family.pids.size).toBe(FAMILY_LINES - 1);
  const survivors = () => [...family.pids.entries()].filter(([, pid]) => isAlive(pid)).map(([role]) => role);
  await eventually(() => survivors().length === 0 && liveTagged(family.tag).length === 0);
  expect(survivors()).toEqual([]);
  expect(liveTagged(family.tag)).toEqual([]);
}

describe("runProcess", () => {
  it("runs through /bin/sh with merged, appended output, env and cwd", async () => {
    const dir = tempDir();
    const out = join(dir, "out.txt");
    writeFileSync(out, "before\n");
    const result = await runProcess({
      command: 'echo "to stdout $GREETING"; echo to stderr >&2; pwd; exit 7',
      outputFile: out,
      cwd: dir,
      env: { GREETING: "hello" },
    });
    expect(result.exitCode).toBe(7);
    expect(result.signal).toBeNull();
    expect(result.timedOut).toBe(false);
    expect(result.cancelled).toBe(false);
    expect(result.endedAt.getTime()).toBeGreaterThanOrEqual(result.startedAt.getTime());
    expect(readFileSync(out, "utf8")).toBe(`before\nto stdout hello\nto stderr\n${dir}\n`);
  });

  it("argv: runs the program without a shell, arguments verbatim; a missing program is a spawn error", async () => {
    const dir = tempDir();
    const out = join(dir, "out.txt");
    const tricky = ["a b", "'; touch pwned #", "$(id)", "..\\x"];
    const result = await runProcess({
      command: "printf",
      argv: ["printf", "[%s]\\n", ...tricky],
      outputFile: out,
      cwd: dir,
    });
    expect(result.exitCode).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(tricky.map((arg) => `[${arg}]\n`).join(""));
    const missing = await runProcess({ command: "no-such-program", argv: [join(dir, "no-such-program")] });
    expect(missing.spawnError).toMatch(/ENOENT/);
    expect(missing.exitCode).toBeNull();
  });

  it("reports a signal death as data", async () => {
    const result = await runProcess({ command: "kill -SEGV $$" });
    expect(result.exitCode).toBeNull();
    expect(result.signal).toBe("SIGSEGV");
  });

  it("leads its own process group and tags its environment", async () => {
    const dir = tempDir();
    const out = join(dir, "out.txt");
    const result = await runProcess({ command: 'echo "$$ $(ps -o pgid= -p $$) $BBS_JOB_TAG"', outputFile: out });
    const [pid, pgid, tag] = readFileSync(out, "utf8").trim().split(/\s+/);
    expect(Number(pid)).toBe(result.pid);
    expect(Number(pgid)).toBe(result.pid);
    expect(tag).toMatch(new RegExp(`^${process.pid}\\.\\d+\\.[0-9a-f]{8}\\.\\d+$`));
  });

  it("does not start, and says why, when the cwd is missing, time is up, or it is cancelled", async () => {
    const missing = await runProcess({ command: "true", cwd: "/nonexistent/dir" });
    expect(missing.spawnError).toMatch(/ENOENT/);
    expect(missing.exitCode).toBeNull();
    const late = await runProcess({ command: "true", deadline: Date.now() - 1 });
    expect(late.timedOut).toBe(true);
    expect(late.pid).toBeUndefined();
    const aborted = await runProcess({ command: "true", signal: AbortSignal.abort() });
    expect(aborted.cancelled).toBe(true);
  });

  it("timeout: SIGTERM then SIGKILL reach the whole tree, escaped processes included", async () => {
    const dir = tempDir();
    const pidFile = join(dir, "pids");
    const family = writeFamily(dir);
    const running = runProcess({
      command: `${family} wait`,
      outputFile: join(dir, "out.txt"),
      env: { PIDFILE: pidFile },
      timeoutMs: 4000,
      killGraceMs: 500,
    });
    const members = parseFamily(await waitForLines(pidFile, FAMILY_LINES));
    // The escapes are real: own process groups.
    const leaderGroup = readProcStat(members.pids.get("grandchild") ?? 0)?.pgid;
    expect(readProcStat(members.pids.get("setsid") ?? 0)?.pgid).not.toBe(leaderGroup);
    expect(readProcStat(members.pids.get("daemon") ?? 0)?.pgid).not.toBe(leaderGroup);
    const result = await running;
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
    expect(result.signal).toBe("SIGTERM");
    await expectNoSurvivor(members);
  });

  it("normal end: processes left behind are killed when the command ends", async () => {
    const dir = tempDir();
    const pidFile = join(dir, "pids");
    const result = await runProcess({
      command: `${writeFamily(dir)} exit`,
      env: { PIDFILE: pidFile },
      outputFile: join(dir, "out.txt"),
    });
    expect(result.exitCode).toBe(3);
    expect(result.escapedKilled).toBe(2); // setsid + daemon, found by their tag
    await expectNoSurvivor(parseFamily(readLines(pidFile)));
  });

  it("cancellation: aborting the signal stops the tree like a timeout", async () => {
    const dir = tempDir();
    const pidFile = join(dir, "pids");
    const controller = new AbortController();
    const running = runProcess({
      command: `${writeFamily(dir)} wait`,
      env: { PIDFILE: pidFile },
      signal: controller.signal,
      killGraceMs: 500,
    });
    const members = parseFamily(await waitForLines(pidFile, FAMILY_LINES));
    controller.abort();
    const result: ProcessResult = await running;
    expect(result.cancelled).toBe(true);
    expect(result.timedOut).toBe(false);
    await expectNoSurvivor(members);
  });

  it("with a sweeper, escaped processes live until the sweep, group members do not", async () => {
    const dir = tempDir();
    const pidFile = join(dir, "pids");
    const sweeper = new ProcessSweeper({ intervalMs: 600_000 });
    const result = await runProcess({ command: `${writeFamily(dir)} exit`, env: { PIDFILE: pidFile }, sweeper });
    expect(result.escapedKilled).toBe(0);
    const members = parseFamily(readLines(pidFile));
    const groupRoles = ["grandchild", "ignores-term", "child", "grandgrandchild"];
    await eventually(() => groupRoles.every((role) => !isAlive(members.pids.get(role) ?? 0)));
    for (const role of groupRoles) expect(isAlive(members.pids.get(role) ?? 0)).toBe(false);
    expect(isAlive(members.pids.get("setsid") ?? 0)).toBe(true);
    expect(isAlive(members.pids.get("daemon") ?? 0)).toBe(true);
    const report = sweeper.flush();
    expect(report.killed.map((hit) => hit.pid).sort()).toEqual(
      [members.pids.get("setsid"), members.pids.get("daemon")].sort(),
    );
    await expectNoSurvivor(members);
  });

  it("killOrphanedJobs kills jobs left by a dead bbs, not those of a live one", async () => {
    const dir = tempDir();
    const deadOwner = spawn(process.execPath, ["-e", "0"]);
    await new Promise((resolve) => deadOwner.on("exit", resolve));
    const orphanTag = `${deadOwner.pid}.1.deadbeef.1`;
    const orphan = spawn("/bin/sh", ["-c", "sleep 1000 & exec sleep 1000"], {
      detached: true,
      stdio: "ignore",
      env: { ...process.env, BBS_JOB_TAG: orphanTag },
    });
    const liveOut = join(dir, "live.txt");
    const controller = new AbortController();
    const live = runProcess({
      command: 'echo "$BBS_JOB_TAG" > live.txt; exec sleep 1000',
      cwd: dir,
      signal: controller.signal,
      killGraceMs: 200,
    });
    await waitForLines(liveOut, 1);
    await eventually(() => liveTagged(orphanTag).length === 2);
    const killed = killOrphanedJobs();
    // (Orphans of other dead bbs processes on this machine may be killed too.)
    expect(killed.filter((hit) => hit.tag === orphanTag)).toHaveLength(2);
    await eventually(() => liveTagged(orphanTag).length === 0);
    expect(liveTagged(orphanTag)).toEqual([]);
    expect(orphan.pid).toBeDefined();
    const liveTag = readLines(liveOut)[0] ?? "";
    expect(liveTagged(liveTag)).toHaveLength(1);
    controller.abort();
    expect((await live).cancelled).toBe(true);
  });

  it("killOrphanedJobs leaves alone jobs whose tag names no owner it can check (another format)", async () => {
    const foreignTag = `${process.pid}-cafe0123-7`; // a tag without pid.starttime: whose is it?
    const foreign = spawn("/bin/sh", ["-c", "exec sleep 1000"], {
      detached: true,
      stdio: "ignore",
      env: { ...process.env, BBS_JOB_TAG: foreignTag },
    });
    await eventually(() => liveTagged(foreignTag).length === 1);
    const killed = killOrphanedJobs();
    expect(killed.filter((hit) => hit.tag === foreignTag)).toEqual([]);
    expect(liveTagged(foreignTag)).toHaveLength(1);
    process.kill(-(foreign.pid as number), "SIGKILL");
    await eventually(() => liveTagged(foreignTag).length === 0);
  });
});
