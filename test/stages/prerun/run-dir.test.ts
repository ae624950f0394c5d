// Run directories: ids from the snapshot time, a suffix when taken, the
// central.dir symlink switched atomically (a BBS-era directory moved aside,
// never deleted), the current run found, old runs pruned, run.json checked.

import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  compareRunIds,
  createRunDir,
  currentRunDir,
  isRunId,
  pruneRuns,
  readRunInfo,
  runIdFor,
  switchCurrentRun,
  writeRunInfo,
  type RunInfo,
} from "../../../src/stages/prerun/run-dir.js";
import { BbsError } from "../../../src/util/errors.js";
import { useTempDirs } from "../../fixtures/tmp.js";

const dirs = useTempDirs();

const INFO: RunInfo = {
  runId: "20241024-135500",
  snapshotDate: "2024-10-24 13:55 -0400 (Thu, 24 Oct 2024)",
  snapshotTime: "2024-10-24T17:55:00.000Z",
  cutoff: null,
  biocVersion: "3.21",
  buildType: "bioc",
  packages: 0,
  skipped: 0,
  status: "preparing",
  prerun: { startedAt: "2024-10-24T17:55:00.000Z", endedAt: null, steps: {} },
};

describe("run ids", () => {
  it("are the local time YYYYMMDD-HHMMSS, ordered by time then suffix", () => {
    expect(runIdFor(new Date(2024, 9, 4, 7, 5, 9))).toBe("20241004-070509");
    expect(isRunId("20241004-070509")).toBe(true);
    expect(isRunId("20241004-070509-2")).toBe(true);
    expect(isRunId("legacy-20241004-070509")).toBe(false);
    expect(
      ["20241004-070509-10", "20241004-070509-2", "20241003-235959", "20241004-070509"].sort(compareRunIds),
    ).toEqual(["20241003-235959", "20241004-070509", "20241004-070509-2", "20241004-070509-10"]);
  });

  it("get a suffix when a run of the same second exists", async () => {
    const runs = join(await dirs.make("runs"), "runs");
    const time = new Date(2024, 9, 24, 13, 55, 0);
    expect(createRunDir(runs, time).runId).toBe("20241024-135500");
    expect(createRunDir(runs, time).runId).toBe("20241024-135500-2");
    expect(createRunDir(runs, time).runId).toBe("20241024-135500-3");
  });
});

describe("the current run", () => {
  it("is what central.dir points to, through a relative symlink switched by rename", async () => {
    const root = await dirs.make("central");
    const central = join(root, "public_html", "bioc");
    const runs = join(root, "public_html", "bioc-runs");
    const a = createRunDir(runs, new Date(2024, 0, 1));
    const b = createRunDir(runs, new Date(2024, 0, 2));
    switchCurrentRun(central, a.runDir, runs);
    expect(readlinkSync(central)).toBe("bioc-runs/20240101-000000");
    expect(currentRunDir(central)).toBe(realpathSync(a.runDir));
    switchCurrentRun(central, b.runDir, runs);
    expect(currentRunDir(central)).toBe(realpathSync(b.runDir));
    expect(readdirSync(join(root, "public_html")).sort()).toEqual(["bioc", "bioc-runs"]);
  });

  it("moves a real central directory (BBS's) into the runs directory instead of deleting it", async () => {
    const root = await dirs.make("legacy");
    const central = join(root, "bioc");
    mkdirSync(join(central, "products-in"), { recursive: true });
    writeFileSync(join(central, "BUILD_STATUS_DB.txt"), "a4#nebbiolo1#install: OK\n");
    const runs = join(root, "runs");
    const run = createRunDir(runs, new Date(2024, 0, 1));
    const { movedLegacyDir } = switchCurrentRun(central, run.runDir, runs);
    expect(movedLegacyDir).toMatch(/\/runs\/legacy-\d{8}-\d{6}$/);
    expect(readFileSync(join(movedLegacyDir ?? "", "BUILD_STATUS_DB.txt"), "utf8")).toBe("a4#nebbiolo1#install: OK\n");
    expect(lstatSync(central).isSymbolicLink()).toBe(true);
  });

  it("is a precondition error when there is none, or the link is dangling", async () => {
    const root = await dirs.make("none");
    const expectPrecondition = (path: string, pattern: RegExp): void => {
      try {
        currentRunDir(path);
        throw new Error("expected an error");
      } catch (error) {
        expect(error).toBeInstanceOf(BbsError);
        expect((error as BbsError).code).toBe("BBS_PRECONDITION");
        expect((error as BbsError).message).toMatch(pattern);
        expect((error as BbsError).hint).toContain("bbs prerun");
      }
    };
    expectPrecondition(join(root, "central"), /there is no current run: central\.dir .* does not exist/);
    mkdirSync(join(root, "plain"));
    expectPrecondition(join(root, "plain"), /is not a run/);
    symlinkSync("runs/gone", join(root, "dangling"));
    expectPrecondition(join(root, "dangling"), /points to .*runs\/gone, which does not exist/);
  });
});

/** The run.json of a prepared run. */
function prepared(runId: string): RunInfo {
  return { ...INFO, runId, status: "prepared" };
}

describe("pruneRuns", () => {
  it("keeps the newest `keep` runs besides the current one and leaves other entries alone", async () => {
    const runs = join(await dirs.make("prune"), "runs");
    const ids = ["20240101-000000", "20240102-000000", "20240103-000000", "20240103-000000-2", "20240104-000000"];
    for (const id of ids) {
      mkdirSync(join(runs, id), { recursive: true });
      writeRunInfo(join(runs, id), prepared(id));
    }
    mkdirSync(join(runs, "legacy-20231231-000000"));
    writeFileSync(join(runs, "prerun.lock"), "{}");
    // The current run is the oldest here (a --snapshot-date run): it stays too.
    expect(pruneRuns(runs, 2, { currentRunId: "20240101-000000" })).toEqual(["20240102-000000", "20240103-000000"]);
    expect(readdirSync(runs).sort()).toEqual([
      "20240101-000000",
      "20240103-000000-2",
      "20240104-000000",
      "legacy-20231231-000000",
      "prerun.lock",
    ]);
  });

  it("deletes runs left preparing by preruns that did not finish, whatever their age, and never a run in use", async () => {
    const runs = join(await dirs.make("prune-unfinished"), "runs");
    const make = (id: string, status: "preparing" | "prepared" | "no run.json"): void => {
      mkdirSync(join(runs, id), { recursive: true });
      if (status !== "no run.json") writeRunInfo(join(runs, id), { ...prepared(id), status });
    };
    make("20240101-000000", "prepared");
    make("20240102-000000", "prepared"); // a builder still builds it
    make("20240103-000000", "preparing"); // interrupted
    make("20240104-000000", "no run.json"); // killed before its first write
    make("20240105-000000", "prepared");
    make("20240106-000000", "preparing"); // the current one
    const current = { currentRunId: "20240106-000000", inUse: new Set(["20240102-000000"]) };
    expect(pruneRuns(runs, 3, { ...current, unfinishedOnly: true })).toEqual(["20240103-000000", "20240104-000000"]);
    expect(pruneRuns(runs, 1, current)).toEqual(["20240101-000000"]);
    expect(readdirSync(runs).sort()).toEqual(["20240102-000000", "20240105-000000", "20240106-000000"]);
  });
});

describe("run.json", () => {
  it("round-trips, and a damaged one is named", async () => {
    const dir = await dirs.make("info");
    writeRunInfo(dir, INFO);
    expect(readRunInfo(dir)).toEqual(INFO);
    writeFileSync(join(dir, "run.json"), JSON.stringify({ ...INFO, packages: "many" }));
    expect(() => readRunInfo(dir)).toThrow(/run\.json does not have the expected content: packages:/);
  });
});
