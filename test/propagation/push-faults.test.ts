// The push killed at several points, to a local destination and over ssh to
// the real sshd fixture: mid-rsync (the upload throttled with
// propagation.bandwidthLimit, killed while rsync writes the new tarball), and
// right after each later step begins. The whole process tree of bbs (node,
// rsync, ssh) is SIGKILLed, as when the machine or the operator stops it.
// After every kill the destination serves entirely the old state or entirely
// the new one, R's available.packages() on it lists no missing file, and
// the three index formats agree; the next push completes and cleans up.

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../fixtures/test-config.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { runRscript } from "../rpkg/helpers/r.js";
import { startSshd, type SshdFixture } from "../transport/sshd.js";
import { buildDocPackage, CORPUS_VERSIONS, corpusTarball, rAvailable, writeCentralDir } from "./fixtures.js";
import { bbsPropagate, propagationConfig, type PropagationConfig } from "./helpers.js";

const dirs = useTempDirs();
let sshd: SshdFixture;
let big: { v100: string; v110: string };

beforeAll(async () => {
  sshd = await startSshd();
  const work = await dirs.make("faults-build");
  // 3 MB of incompressible bytes: at 200 KiB/s the upload of the new version takes about 15 s.
  big = {
    v100: await buildDocPackage(join(work, "src"), join(work, "v100"), {
      name: "propBig",
      version: "1.0.0",
      padBytes: 3_000_000,
    }),
    v110: await buildDocPackage(join(work, "src"), join(work, "v110"), {
      name: "propBig",
      version: "1.1.0",
      padBytes: 3_000_000,
    }),
  };
});

afterAll(async () => {
  await sshd.dispose();
});

/** Parent pid of a process, from /proc (undefined once it is gone). */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/** Every live descendant of `root` (children, grandchildren...). */
function descendants(root: number): number[] {
  const all = readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
  const found = new Set<number>();
  let added = true;
  while (added) {
    added = false;
    for (const pid of all) {
      const parent = parentOf(pid);
      if (!found.has(pid) && parent !== undefined && (parent === root || found.has(parent))) {
        found.add(pid);
        added = true;
      }
    }
  }
  return [...found];
}

/** SIGKILLs the bbs process and everything it started: frozen first, so it cannot start more. */
async function killTree(child: ChildProcess): Promise<void> {
  const pid = child.pid!;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  process.kill(pid, "SIGSTOP");
  for (let round = 0; round < 2; round += 1) {
    for (const descendant of descendants(pid)) {
      try {
        process.kill(descendant, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  process.kill(pid, "SIGKILL");
  await exited;
}

interface Running {
  child: ChildProcess;
  output: () => string;
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
}

function startPush(setup: PropagationConfig): Running {
  const child = spawn("node", [join(repoRoot(), "bin", "bbs.js"), "propagate", "push"], {
    env: { ...process.env, ...setup.config.cliEnv() },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  child.stdout!.on("data", (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (text += chunk.toString()));
  return {
    child,
    output: () => text,
    async waitFor(pattern) {
      for (;;) {
        const match = pattern.exec(text);
        if (match !== null) return match;
        if (child.exitCode !== null) throw new Error(`push ended (${child.exitCode}) before ${pattern}:\n${text}`);
        await sleep(20);
      }
    },
  };
}

/** Waits until rsync is writing `file` under its temporary name somewhere below `dir` (some bytes there). */
async function waitForPartialFile(dir: string, file: string, running: Running): Promise<void> {
  const find = (path: string): boolean => {
    if (!existsSync(path)) return false;
    for (const name of readdirSync(path)) {
      const child = join(path, name);
      const stat = statSync(child, { throwIfNoEntry: false });
      if (stat === undefined) continue;
      if (stat.isDirectory() ? find(child) : name.startsWith(`.${file}.`) && stat.size > 0) return true;
    }
    return false;
  };
  while (!find(dir)) {
    if (running.child.exitCode !== null)
      throw new Error(`push ended before the upload of ${file} began:\n${running.output()}`);
    await sleep(20);
  }
}

/** The destination's src/contrib as clients see it: R's view (no missing file), the same in all three index formats. */
function publishedState(destination: string): Map<string, string> {
  const contrib = join(destination, "src", "contrib");
  const available = rAvailable(contrib);
  const formats = runRscript(
    `d <- commandArgs(TRUE)[1]
show <- function(m) paste(paste(m[, "Package"], m[, "Version"]), collapse = ",")
con <- gzfile(file.path(d, "PACKAGES.gz"))
cat(show(readRDS(file.path(d, "PACKAGES.rds"))), show(read.dcf(con)), show(read.dcf(file.path(d, "PACKAGES"))), sep = "\\n")`,
    [contrib],
  )
    .trim()
    .split("\n")
    .map((line) => line.split(",").sort().join(","));
  expect(new Set(formats).size).toBe(1);
  expect(formats[0]).toBe(
    [...available]
      .map(([pkg, version]) => `${pkg} ${version}`)
      .sort()
      .join(","),
  );
  return available;
}

const OLD = new Map([
  ["BiocGenerics", CORPUS_VERSIONS.BiocGenerics!],
  ["zlibbioc", CORPUS_VERSIONS.zlibbioc!],
  ["propBig", "1.0.0"],
]);
const NEW = new Map([...OLD, ["propBig", "1.1.0"], ["XVector", CORPUS_VERSIONS.XVector!]]);

function sorted(map: ReadonlyMap<string, string>): string {
  return [...map]
    .map(([pkg, version]) => `${pkg} ${version}`)
    .sort()
    .join(", ");
}

describe.each([
  { name: "local destination", remote: false },
  { name: "rsync over ssh", remote: true },
])("push killed at several points ($name)", ({ remote }) => {
  let setup: PropagationConfig;
  let throttled: PropagationConfig;

  beforeAll(async () => {
    const workDir = join(await dirs.make(remote ? "faults-ssh" : "faults-local"), "work");
    const destinationPath = join(workDir, "published-repo");
    const destination = remote ? `${sshd.user}@${sshd.host}:${destinationPath}` : destinationPath;
    const host = remote ? { tools: { ssh: sshd.sshCommand } } : undefined;
    setup = propagationConfig(workDir, { archive: false }, { destination, ...(host === undefined ? {} : { host }) });
    setup = { ...setup, destination: destinationPath };
    throttled = propagationConfig(
      workDir,
      { archive: false, bandwidthLimit: 200 },
      { destination, configDir: join(workDir, "config-throttled"), ...(host === undefined ? {} : { host }) },
    );

    // The old state, published; then the new one, prepared in staging.
    writeCentralDir(setup.central, [
      { path: corpusTarball("BiocGenerics") },
      { path: corpusTarball("zlibbioc") },
      { path: big.v100 },
    ]);
    const first = await bbsPropagate(setup.config, ["all"]);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(sorted(publishedState(setup.destination))).toBe(sorted(OLD));
    writeCentralDir(setup.central, [{ path: big.v110 }, { path: corpusTarball("XVector") }]);
    for (const step of ["update", "prepare"]) expect((await bbsPropagate(setup.config, [step])).exitCode).toBe(0);
  });

  it("killed mid-rsync: the destination is entirely the old state", async () => {
    const running = startPush(throttled);
    const [, id] = await running.waitFor(/==> push: upload release (\S+)/);
    await waitForPartialFile(join(setup.destination, ".bbs", "releases", id!), "propBig_1.1.0.tar.gz", running);
    await killTree(running.child);
    expect(sorted(publishedState(setup.destination))).toBe(sorted(OLD));
  });

  for (const step of [
    "verify release",
    "switch to release",
    "verify the published repository",
    "remove superseded releases",
  ]) {
    it(`killed once "${step}" begins: entirely old or entirely new`, async () => {
      const running = startPush(setup);
      await running.waitFor(new RegExp(`==> push: ${step}`));
      await killTree(running.child);
      const state = sorted(publishedState(setup.destination));
      expect([sorted(OLD), sorted(NEW)]).toContain(state);
    });
  }

  it("the next push completes, verifies, and removes the partial releases of the killed ones", async () => {
    const run = await bbsPropagate(setup.config, ["push"]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(sorted(publishedState(setup.destination))).toBe(sorted(NEW));
    expect(readdirSync(join(setup.destination, ".bbs", "releases")).length).toBeLessThanOrEqual(2);
  });
});
