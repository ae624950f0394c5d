// One prerun per build at a time, and a prerun killed with SIGKILL costs
// nothing but its own run: the next prerun takes over the stale lock, starts
// a new run and publishes complete files. Gated tools (stand-ins in front of
// the real git and tar) hold the first prerun at a known point.

import { existsSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { basename, join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { GitServer } from "../../fixtures/git-server.js";
import { materializeScenario, prerunScenario } from "../../fixtures/scenarios.js";
import type { TestConfig } from "../../fixtures/test-config.js";
import { useTempDirs } from "../../fixtures/tmp.js";
import { abandonGates, gateTool, makeCli, prerunConfig, type Cli } from "./helpers.js";

const dirs = useTempDirs();
let root: string;
let server: GitServer;

beforeAll(async () => {
  root = await dirs.make("prerun-lock");
  ({ server } = await materializeScenario(prerunScenario(), join(root, "fixture")));
});

// A gated command whose prerun was killed runs on in its own process group: end it with its test.
afterEach(abandonGates);

function setup(name: string): { config: TestConfig; cli: Cli; centralDir: string; runsDir: string } {
  const config = prerunConfig(join(root, name), server);
  const values = config.load().values;
  return {
    config,
    cli: makeCli(join(root, name), config),
    centralDir: values["central.dir"],
    runsDir: values["central.runsDir"],
  };
}

/** Files a writer left half-done (writeFileAtomic's temporary names) under `dir`. */
function temporaryFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((path) =>
    path.split("/").some((part) => part.includes(".tmp-")),
  );
}

describe("the prerun lock", () => {
  it("makes a second prerun of the same build exit with BBS_LOCKED naming the holder", async () => {
    const { cli } = setup("concurrent");
    const gate = gateTool(join(root, "concurrent", "gate"), "git", ["clone", "fetch"]);
    const first = cli.run(["prerun"], { env: { BBS_GIT_CMD: gate.command } });
    await gate.reached();
    const second = await cli.run(["prerun"]);
    expect(second.exitCode).toBe(2);
    expect(second.stderr).toMatch(
      new RegExp(
        `^error\\[BBS_LOCKED\\]: the prerun of build bioc 3\\.16 \\(.*\\) is locked by pid ${first.pid} on \\S+, running since \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} [+-]\\d{4} \\(`,
        "m",
      ),
    );
    expect(second.stderr).toContain("hint:");
    gate.open();
    const done = await first;
    expect(done.exitCode, done.all).toBe(0);
  });

  it("is released when a prerun is stopped by SIGTERM, which exits 130 and leaves the run preparing", async () => {
    const { cli, centralDir } = setup("terminated");
    // Held at the clone of one package: the other clones go on, then the step waits for it.
    const gate = gateTool(join(root, "terminated", "gate"), "git", ["*/preBase.git"]);
    const stopped = cli.run(["prerun"], { env: { BBS_GIT_CMD: gate.command } });
    await gate.reached();
    stopped.kill("SIGTERM");
    const result = await stopped;
    expect(result.exitCode, result.all).toBe(130);
    expect(result.stderr).toContain("error[BBS_INTERRUPTED]: prerun interrupted during the sources step");
    expect(JSON.parse(readFileSync(join(centralDir, "run.json"), "utf8"))).toMatchObject({ status: "preparing" });
    const next = await cli.run(["prerun"]);
    expect(next.exitCode, next.all).toBe(0);
    expect(next.all).not.toContain("took over the lock");
  });

  it("is taken over after kill -9, and the new run publishes complete files", async () => {
    const { cli, centralDir, runsDir } = setup("killed");
    const gate = gateTool(join(root, "killed", "gate"), "tar", ["zcf"]);
    // Detached: its own process group, killed whole as an operator's `kill -9` of the job would.
    const killed = cli.run(["prerun"], { env: { BBS_TAR_CMD: gate.command }, detached: true });
    await gate.reached();
    const killedRun = realpathSync(centralDir);
    process.kill(-(killed.pid ?? 0), "SIGKILL");
    const gone = await killed;
    await gate.abandon();
    expect(gone.signal).toBe("SIGKILL");

    // The killed run is incomplete, never half-written: its indexes are whole, PACKAGES never appeared.
    expect(existsSync(join(killedRun, "src", "contrib", "PACKAGES"))).toBe(false);
    expect(JSON.parse(readFileSync(join(killedRun, "run.json"), "utf8"))).toMatchObject({ status: "preparing" });
    const killedIndex = readFileSync(join(killedRun, "meat-index.dcf"), "utf8");

    const next = await cli.run(["prerun"]);
    expect(next.exitCode, next.all).toBe(0);
    expect(next.all).toMatch(new RegExp(`took over the lock of a prerun that is gone \\(pid ${killed.pid},`));
    const newRun = realpathSync(centralDir);
    expect(newRun).not.toBe(killedRun);
    expect(readFileSync(join(newRun, "meat-index.dcf"), "utf8")).toBe(killedIndex);
    expect(existsSync(join(newRun, "src", "contrib", "PACKAGES"))).toBe(true);
    expect(JSON.parse(readFileSync(join(newRun, "run.json"), "utf8"))).toMatchObject({ status: "prepared" });
    expect(temporaryFiles(newRun)).toEqual([]);
    // The killed run was never built (builders wait for `prepared`): the new prerun deleted it.
    expect(next.all).toContain(`deleted runs left unfinished by earlier preruns: ${basename(killedRun)}`);
    expect(readdirSync(runsDir).filter((name) => name !== "prerun.lock")).toEqual([basename(newRun)]);
  });

  it("a prerun killed while cloning leaves nothing behind in MEAT0 once the next one ran", async () => {
    const { cli, config } = setup("killed-clone");
    const meat0 = config.load().values.meat0Dir;
    // With a snapshot date, a fresh clone is checked out in its temporary directory before it is moved in.
    const gate = gateTool(join(root, "killed-clone", "gate"), "git", ["checkout"]);
    const killed = cli.run(["prerun", "--snapshot-date", "2100-01-01"], {
      env: { BBS_GIT_CMD: gate.command },
      detached: true,
    });
    await gate.reached();
    process.kill(-(killed.pid ?? 0), "SIGKILL");
    await killed;
    await gate.abandon();
    expect(readdirSync(meat0).filter((name) => name.includes(".tmp-")).length).toBeGreaterThan(0);
    const next = await cli.run(["prerun"]);
    expect(next.exitCode, next.all).toBe(0);
    expect(readdirSync(meat0).sort()).toEqual(
      prerunScenario()
        .packages.filter((pkg) => pkg.spec !== undefined)
        .map((pkg) => pkg.name)
        .sort(),
    );
  });
});
