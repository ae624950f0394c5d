// vitest globalSetup: no process started by the suite may outlive it.
//
// Setup puts a tag unique to this run of the suite into the environment
// (SUITE_RUN_TAG) before vitest starts its workers; every process the tests
// start inherits it, whatever its process group or session, also after its
// parent died (PPID 1). Teardown, after the last test file, looks for live
// processes carrying the tag in /proc/<pid>/environ, gives them a short
// grace period to finish exiting, then fails the run listing each survivor
// with its command line, and kills it so that it does not linger on the
// machine. Other suites running at the same time (other checkouts, other
// engineers) carry other tags and are never counted. A process that clears
// its environment (`env -i`) is not found this way.
//
// The name does not start with BBS_: the CLI fixtures blank every BBS_*
// variable, and bbs reads its configuration from them.

import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { isLive, listPids, readProcStat, type ProcStat } from "../../src/jobs/procfs.js";

export const SUITE_TAG_VARIABLE = "SUITE_RUN_TAG";

/** How long survivors get to finish exiting (a test's kill may still be in flight). */
const GRACE_MS = 10_000;

/** Whether the environment a process started with holds `entry` (`NAME=value`). */
function environHas(pid: number, entry: Buffer): boolean {
  let environ: Buffer;
  try {
    environ = readFileSync(`/proc/${pid}/environ`);
  } catch {
    return false; // gone, or not ours to read
  }
  for (let start = 0; start < environ.length;) {
    let end = environ.indexOf(0, start);
    if (end === -1) end = environ.length;
    if (end - start === entry.length && environ.compare(entry, 0, entry.length, start, end) === 0) return true;
    start = end + 1;
  }
  return false;
}

function commandLine(pid: number): string {
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0+$/, "").replaceAll("\0", " ");
    return text === "" ? "?" : text;
  } catch {
    return "?";
  }
}

/** Live processes of this suite run, except vitest's own (this process and its workers while they close). */
function survivors(entry: Buffer): ProcStat[] {
  const found: ProcStat[] = [];
  for (const pid of listPids()) {
    if (pid === process.pid || !environHas(pid, entry)) continue;
    const stat = readProcStat(pid);
    if (isLive(stat) && !(stat.ppid === process.pid && /vitest/.test(commandLine(pid)))) found.push(stat);
  }
  return found;
}

function describe(stat: ProcStat): string {
  return `  pid ${stat.pid} (ppid ${stat.ppid}, pgid ${stat.pgid}, sid ${stat.sid}): ${commandLine(stat.pid).slice(0, 400)}`;
}

export default function setup(): () => Promise<void> {
  const tag = `${process.pid}-${randomUUID()}`;
  process.env[SUITE_TAG_VARIABLE] = tag;
  const entry = Buffer.from(`${SUITE_TAG_VARIABLE}=${tag}`);
  return async function teardown(): Promise<void> {
    const deadline = Date.now() + GRACE_MS;
    let left = survivors(entry);
    while (left.length > 0 && Date.now() < deadline) {
      await sleep(250);
      left = survivors(entry);
    }
    if (left.length === 0) return;
    const listing = left.map(describe).join("\n");
    for (const stat of left) {
      try {
        process.kill(stat.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    // vitest reports an error thrown here but exits 0: the exit status must say it too.
    process.exitCode = 1;
    throw new Error(
      `${left.length} process(es) started by the test suite were still alive ${GRACE_MS / 1000} s after the last ` +
        `test (now killed). Every test must end the processes it starts:\n${listing}`,
    );
  };
}
