// Publishing the report: to a local directory (copied beside it, switched in
// whole) and to an rsync target over a real sshd (files first, index pages
// last, pages of the previous report deleted), and as the publish step of
// `bbs postrun` for an older run (--run).

import { execa } from "execa";
import { mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPostrunState } from "../../../src/results/postrun-state.js";
import { reportDirOf, runPostrun } from "../../../src/stages/postrun/postrun.js";
import { publishReport, REPORT_ARCHIVE } from "../../../src/stages/postrun/publish.js";
import { useTempDirs } from "../../fixtures/tmp.js";
import { writeTestConfig } from "../../fixtures/test-config.js";
import { startSshd, type SshdFixture } from "../../transport/sshd.js";
import { MEAT, startRun, threeNodeConfig } from "./fixture.js";

const temp = useTempDirs();

/** The first report is dated a day back, as last night's would be: rsync tells changed files by size and mtime. */
const LAST_NIGHT = new Date(Date.now() - 86_400_000);

function writeTree(dir: string, files: Record<string, string>, mtime?: Date): void {
  rmSync(dir, { recursive: true, force: true });
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
    // Same-size pages rewritten within the same second would look unchanged to rsync.
    if (mtime !== undefined) utimesSync(join(dir, path), mtime, mtime);
  }
}

function readTree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else files[relative(dir, full)] = readFileSync(full, "latin1");
    }
  };
  walk(dir);
  return files;
}

const FIRST = {
  "index.html": "v1 index",
  "long-report.html": "v1 long",
  "linux1-index.html": "v1 node",
  "report.json": "{}",
  "pkgA/index.html": "A",
  "pkgA/linux1-checksrc.html": "A check",
  "pkgB/index.html": "B",
};
const SECOND = {
  "index.html": "v2 index",
  "long-report.html": "v2 long",
  "linux1-index.html": "v2 node",
  "report.json": '{"v":2}',
  "pkgA/index.html": "A2",
  "pkgA/linux1-checksrc.html": "A check 2",
  "pkgC/index.html": "C",
};

describe("publishing to a local directory", () => {
  it("replaces the published directory whole, leaving no staging directory nor, once deleted in the background, the old copy", async () => {
    const root = await temp.make("publish-local");
    const config = writeTestConfig({ workDir: join(root, "work") }).load();
    const report = join(root, "report");
    const dest = join(root, "www", "report");
    writeTree(report, FIRST, LAST_NIGHT);
    await publishReport(report, config, dest);
    expect(readTree(dest)).toEqual(FIRST);
    writeTree(report, SECOND);
    const outcome = await publishReport(report, config, dest);
    expect(readTree(dest)).toEqual(SECOND);
    expect(outcome).toMatchObject({ kind: "local", destination: dest });
    // Yesterday's copy is set aside and deleted in the background: the command does not wait for it.
    await expect.poll(() => readdirSync(join(root, "www")), { timeout: 60_000, interval: 100 }).toEqual(["report"]);
  });
});

describe("publishing to an rsync target over ssh", () => {
  let sshd: SshdFixture;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.dispose();
  });

  it("sends the files first and the index pages last, and deletes pages that are gone", async () => {
    const root = await temp.make("publish-ssh");
    const config = writeTestConfig({ workDir: join(root, "work"), host: { tools: { ssh: sshd.sshCommand } } }).load();
    const report = join(root, "report");
    const remote = join(root, "remote", "checkResults", "report");
    const destination = `${sshd.user}@${sshd.host}:${remote}`;
    writeTree(report, FIRST, LAST_NIGHT);
    const first = await publishReport(report, config, destination);
    expect(readTree(remote)).toEqual(FIRST);
    expect(first.kind).toBe("remote");
    const pages = [
      "index.html",
      "long-report.html",
      "linux1-index.html",
      "report.json",
      "pkgA/index.html",
      "pkgB/index.html",
    ];
    expect(first.passes[0]?.filter((file) => pages.includes(file))).toEqual([]);
    expect(first.passes[1]?.sort()).toEqual([...pages].sort());

    writeTree(report, SECOND);
    const second = await publishReport(report, config, destination);
    expect(readTree(remote)).toEqual(SECOND);
    expect(second.deleted).toBeGreaterThan(0); // pkgB went away
    expect(second.passes[0]).toEqual(expect.arrayContaining(["pkgA/linux1-checksrc.html"]));
    expect(second.passes[0]).not.toContain("index.html");
  });
});

describe("the publish step of bbs postrun", () => {
  it("publishes the report of the run named by --run, and skips when there is no report", async () => {
    const root = await temp.make("publish-step");
    const published = join(root, "published");
    const testConfig = threeNodeConfig(join(root, "work"), { report: { publishDest: published } });
    const config = testConfig.load();
    const runDir = startRun(testConfig, MEAT);
    const runId = runDir.split("/").pop() ?? "";
    const skipped = await runPostrun(config, { env: {}, only: "publish", runId });
    expect(skipped.state.steps.publish).toMatchObject({
      status: "skipped",
      summary: `no report at ${join(runDir, "report")} to publish`,
    });
    expect(reportDirOf(config, runDir)).toBe(join(runDir, "report"));
    writeTree(join(runDir, "report"), FIRST, LAST_NIGHT);
    const done = await runPostrun(config, { env: {}, only: "publish", runId });
    expect(done.failed).toEqual([]);
    const { [REPORT_ARCHIVE]: archive, ...pages } = readTree(published);
    expect(pages).toEqual(FIRST);
    expect(archive).toBeDefined();
    // The archive holds the report under its directory name, as BBS's `tar zcf report.tgz report`.
    const listing = (await execa("tar", ["tzf", join(published, REPORT_ARCHIVE)])).stdout.split("\n").sort();
    expect(listing).toEqual(expect.arrayContaining(["report/index.html", "report/pkgA/linux1-checksrc.html"]));
    expect(listing.some((entry) => entry.endsWith(REPORT_ARCHIVE))).toBe(false);
    expect(readPostrunState(runDir)?.steps.publish?.summary).toMatch(
      /^report published to .*published: 8 file\(s\) written, 0 deleted$/,
    );
    // Publishing again archives the report anew, without the previous archive inside.
    await runPostrun(config, { env: {}, only: "publish", runId });
    expect((await execa("tar", ["tzf", join(published, REPORT_ARCHIVE)])).stdout).not.toContain(REPORT_ARCHIVE);
  });

  it("never publishes an older run (--run) over the newer current run's report unless --publish says so", async () => {
    const root = await temp.make("publish-older");
    const published = join(root, "published");
    const testConfig = threeNodeConfig(join(root, "work"), { report: { publishDest: published } });
    const config = testConfig.load();
    const olderDir = startRun(testConfig, MEAT, [], "20261120-135500");
    writeTree(join(olderDir, "report"), FIRST, LAST_NIGHT);
    const newerDir = startRun(testConfig, MEAT, [], "20261121-135500");
    writeTree(join(newerDir, "report"), SECOND);
    expect((await runPostrun(config, { env: {}, only: "publish" })).failed).toEqual([]);
    expect(readTree(published)["index.html"]).toBe("v2 index");

    const lines: string[] = [];
    const kept = await runPostrun(config, {
      env: {},
      only: "publish",
      runId: "20261120-135500",
      onEvent: (event) => {
        if (event.kind === "note") lines.push(event.message);
      },
    });
    const summary =
      "not published: run 20261120-135500 is older than the current run 20261121-135500, whose published report stays; `bbs postrun --run 20261120-135500 --only publish --publish` publishes this one over it";
    expect(kept.failed).toEqual([]);
    expect(kept.state.steps.publish).toMatchObject({ status: "skipped", summary });
    expect(lines).toContain(summary);
    expect(readTree(published)["index.html"]).toBe("v2 index");

    await runPostrun(config, { env: {}, only: "publish", runId: "20261120-135500", publish: true });
    expect(readTree(published)["index.html"]).toBe("v1 index");
  });
});
