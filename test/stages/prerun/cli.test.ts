// `bbs prerun`'s contract on the command line: a plain-file manifest, user
// errors as clear messages with their exit codes (and no run started), and
// recovery of one step with --only on the current run.

import { existsSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runPrerun } from "../../../src/stages/prerun/prerun.js";
import type { GitServer } from "../../fixtures/git-server.js";
import { materializeScenario, syntheticScenario } from "../../fixtures/scenarios.js";
import type { TestConfig } from "../../fixtures/test-config.js";
import { useTempDirs } from "../../fixtures/tmp.js";
import { makeCli, prerunConfig, type Cli } from "./helpers.js";

const dirs = useTempDirs();
let root: string;
let server: GitServer;
let config: TestConfig;
let cli: Cli;
let centralDir: string;

beforeAll(async () => {
  root = await dirs.make("prerun-cli");
  ({ server } = await materializeScenario(syntheticScenario({ count: 3 }), join(root, "fixture")));
  // A plain manifest file next to the config (relative paths are relative to the config directory).
  config = prerunConfig(join(root, "work"), server, { global: { manifest: { gitUrl: null, file: "packages.txt" } } });
  cli = makeCli(root, config);
  centralDir = config.load().values["central.dir"];
});

describe("bbs prerun, user errors", () => {
  it("names the manifest file and line of a bad entry, exits 2 and starts no run", async () => {
    writeFileSync(join(config.dir, "packages.txt"), "Package: synth0001\nsynth0002\nVersion: 1.0\n");
    const result = await cli.run(["prerun"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      `error[BBS_INPUT_INVALID]: ${join(config.dir, "packages.txt")}:3: "Version: 1.0" is not a package line`,
    );
    expect(result.stderr).toContain("hint:");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(centralDir)).toBe(false);
  });

  it("refuses --only before any run, an unknown step, and a bad --snapshot-date", async () => {
    const noRun = await cli.run(["prerun", "--only", "index"]);
    expect(noRun.exitCode).toBe(2);
    expect(noRun.stderr).toMatch(
      /^error\[BBS_PRECONDITION\]: there is no current run: central\.dir .* does not exist/m,
    );
    const unknown = await cli.run(["prerun", "--only", "everything"]);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/Allowed choices are manifest, sources, index, inject, target-repo/);
    const badDate = await cli.run(["prerun", "--snapshot-date", "last tuesday"]);
    expect(badDate.exitCode).toBe(2);
    expect(badDate.stderr).toContain('error[BBS_USAGE]: --snapshot-date: "last tuesday" is not a date');
    const misplaced = await cli.run(["prerun", "--only", "inject", "--snapshot-date", "2024-01-01"]);
    expect(misplaced.exitCode).toBe(2);
    expect(misplaced.stderr).toContain("error[BBS_USAGE]: --snapshot-date applies to the sources step");
  });

  it("runs on the central node only, with the runs beside central.dir", async () => {
    const resolved = config.load();
    await expect(runPrerun({ ...resolved, nodeId: "builder1" })).rejects.toMatchObject({
      code: "BBS_PRECONDITION",
      message: "prerun runs on the central node local, not on builder1",
    });
    const inside = { ...resolved, values: { ...resolved.values, "central.runsDir": join(centralDir, "runs") } };
    await expect(runPrerun(inside)).rejects.toMatchObject({
      code: "BBS_CONFIG_INVALID",
      message: expect.stringContaining("is inside central.dir"),
    });
  });
});

describe("bbs prerun with a plain manifest file, then --only sources", () => {
  it("prepares the run, and re-takes the sources of the current run after an upstream change", async () => {
    writeFileSync(join(config.dir, "packages.txt"), "# three packages\nsynth0001\nPackage: synth0002\n\nsynth0003\n");
    const first = await cli.run(["prerun"]);
    expect(first.exitCode, first.all).toBe(0);
    const runDir = realpathSync(centralDir);
    const manifest = JSON.parse(readFileSync(join(runDir, "manifest.json"), "utf8")) as {
      source: { kind: string; path: string };
      packages: string[];
    };
    expect(manifest.source).toEqual({ kind: "file", path: join(config.dir, "packages.txt") });
    expect(manifest.packages).toEqual(["synth0001", "synth0002", "synth0003"]);
    const firstInfo = JSON.parse(readFileSync(join(runDir, "run.json"), "utf8")) as { snapshotTime: string };

    const changed = await server.commitChange("synth0002", { version: "bump" });
    const sources = await cli.run(["prerun", "--only", "sources"]);
    expect(sources.exitCode, sources.all).toBe(0);
    expect(sources.all).toContain(`re-running the sources step of run ${runDir.split("/").pop()}`);
    expect(sources.all).toMatch(/synth0002: updated [0-9a-f]{7}/);
    expect(realpathSync(centralDir)).toBe(runDir);
    const info = JSON.parse(readFileSync(join(runDir, "run.json"), "utf8")) as { status: string; snapshotTime: string };
    expect(info.status).toBe("preparing");
    expect(new Date(info.snapshotTime).getTime()).toBeGreaterThan(new Date(firstInfo.snapshotTime).getTime());
    const snapshot = JSON.parse(readFileSync(join(runDir, "snapshot.json"), "utf8")) as {
      snapshotTime: string;
      packages: { package: string; commit: string }[];
    };
    expect(snapshot.snapshotTime).toBe(info.snapshotTime);
    expect(snapshot.packages.find((p) => p.package === "synth0002")?.commit).toBe(changed);

    for (const step of ["index", "inject", "target-repo"])
      expect((await cli.run(["prerun", "--only", step])).exitCode).toBe(0);
    expect(readFileSync(join(runDir, "meat-index.dcf"), "utf8")).toContain("Package: synth0002\nVersion: 1.0.1\n");
    expect(readFileSync(join(runDir, "src", "contrib", "PACKAGES"), "utf8")).toContain(
      "Package: synth0002\nVersion: 1.0.1\n",
    );
    expect(existsSync(join(runDir, "src", "contrib", "synth0002_1.0.1.tar.gz"))).toBe(true);
    expect(existsSync(join(runDir, "src", "contrib", "synth0002_1.0.0.tar.gz"))).toBe(false);
    expect(JSON.parse(readFileSync(join(runDir, "run.json"), "utf8"))).toMatchObject({ status: "prepared" });
  });
});
