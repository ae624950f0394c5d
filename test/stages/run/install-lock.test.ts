// The 00LOCK re-run of STAGE2 (spec 4.1): an install stopped by another
// package's lock runs again after a pause, appending to its out file under a
// "Re-running command" header, the timeout counting from the first start.
// R cannot be made to hit another package's lock on demand, so the command
// is a stand-in (fake-r-lock) on the real install job and job engine.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { JobEngine } from "../../../src/jobs/engine.js";
import { commandHeader } from "../../../src/jobs/outfile.js";
import { parseBbsOptions } from "../../../src/rpkg/bbsoptions.js";
import { Delivery } from "../../../src/stages/run/delivery.js";
import { installTargetJob, type StageJobSettings, type StageOutcome } from "../../../src/stages/run/stage-jobs.js";
import { useTempDirs } from "../../fixtures/tmp.js";
import { linuxCommandSettings, readJobSummary } from "./helpers.js";

const dirs = useTempDirs();
const FAKE_R = fileURLToPath(new URL("./fake-r-lock", import.meta.url));

async function install(
  locks: number,
  timeoutMs: number,
): Promise<{ meat: string; outbox: string; outcome: StageOutcome | undefined }> {
  const root = await dirs.make("run-lock");
  const meat = join(root, "meat");
  const outbox = join(root, "products-out");
  mkdirSync(join(meat, "pkgA"), { recursive: true });
  const counter = join(root, "locks");
  writeFileSync(counter, String(locks));
  const delivery = new Delivery({
    mode: "none",
    transport: undefined,
    node: "n1",
    outbox,
    journal: join(meat, ".bbs-delivered"),
  });
  await delivery.begin(["install"], "full");
  const settings: StageJobSettings = {
    meatDir: meat,
    commands: linuxCommandSettings({ rCmd: FAKE_R, checkLibrary: join(root, "lib"), nonTargetRepos: [] }),
    env: { FAKE_R_LOCKS: counter },
    timeoutsMs: { install: timeoutMs, buildsrc: 60_000, checksrc: 60_000, buildbin: 60_000 },
    killGraceMs: 500,
    rerunDelayMs: 300,
    dontPushSrcPkgs: false,
    dates: { timeZone: "America/New_York" },
    delivery,
  };
  const target = { name: "pkgA", version: "1.0.0", commit: "abc1234", options: parseBbsOptions("") };
  const engine = new JobEngine<StageOutcome>(
    [{ id: "install:pkgA", pool: "install", run: installTargetJob(target, settings) }],
    { pools: [{ name: "install", slots: 1 }] },
  );
  const report = await engine.run();
  await delivery.close();
  return { meat, outbox, outcome: report.records.get("install:pkgA")?.outcome };
}

describe("the 00LOCK re-run", () => {
  it("re-runs while another package holds the lock, appending under a Re-running header", async () => {
    const { meat, outbox, outcome } = await install(2, 60_000);
    const command = `${FAKE_R} CMD INSTALL pkgA`;
    const out = readFileSync(join(meat, "pkgA.install-out.txt"), "utf8");
    expect(out.startsWith(commandHeader(command, false))).toBe(true);
    expect(out.split(commandHeader(command, true))).toHaveLength(3); // two re-runs
    expect(out.trimEnd().endsWith("* DONE (pkgA)")).toBe(true);
    expect(outcome).toMatchObject({ status: "OK", retCode: 0, command, version: "1.0.0", commit: "abc1234" });
    const summary = readJobSummary(meat, "pkgA", "install");
    expect(summary).toMatchObject({ status: "OK", retCode: 0 });
    // EllapsedTime counts from the first start: both pauses are in it.
    expect(summary?.elapsedSeconds).toBeGreaterThanOrEqual(0.6);
    // mode none: the files wait in the outbox.
    expect(existsSync(join(outbox, "install", "pkgA.install-summary.dcf"))).toBe(true);
    expect(readFileSync(join(meat, ".bbs-delivered"), "utf8")).toBe("install/pkgA\n");
  });

  it("times out counting from the first start, with RetCode None", async () => {
    const { meat, outcome } = await install(1000, 1500);
    const summary = readJobSummary(meat, "pkgA", "install");
    expect(outcome?.status).toBe("TIMEOUT");
    expect(summary).toMatchObject({ status: "TIMEOUT", retCode: null });
    expect(summary?.fields.get("RetCode")).toBe("None");
    expect(summary?.elapsedSeconds).toBeGreaterThanOrEqual(1.5);
    expect(readFileSync(join(meat, "pkgA.install-out.txt"), "utf8")).toContain("### Re-running command:");
  });
});
