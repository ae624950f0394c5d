// `bbs run` with real R on the run scenario (test/fixtures/README.md): every
// status a builder produces (OK, WARNINGS, ERROR at INSTALL/BUILD/CHECK,
// TIMEOUT, skipped CHECK after a BUILD ERROR), under both schedules, with the
// delivered files checked field by field against the spec; then a run killed
// with kill -9 during STAGE4 and resumed. One setup runs the CLI twice
// (pipeline, barrier); the assertions share it.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { HistoryStore, UNFINISHED_STATUSES } from "../../../src/history/store.js";
import { commandHeader } from "../../../src/jobs/outfile.js";
import { formatBbsDate, tryParseBbsDate } from "../../../src/util/bbs-date.js";
import {
  materializeScenario,
  runScenario,
  type DesignedStatuses,
  type MaterializedScenario,
} from "../../fixtures/scenarios.js";
import { writeTestConfig, type TestConfig } from "../../fixtures/test-config.js";
import { useTempDirs } from "../../fixtures/tmp.js";
import {
  jobLines,
  makeCli,
  prerun,
  processesUnder,
  readJobSummary,
  summaryFieldOrder,
  TEST_TIME_ZONE,
  type CentralRunFixture,
  type JobLine,
} from "./helpers.js";

const dirs = useTempDirs();
const scenario = runScenario();
const PACKAGES = scenario.packages.map((pkg) => pkg.name);
// A CHECK of a fixture takes 10-20 s here; the margin keeps a loaded machine from timing out the others.
const CHECK_TIMEOUT = 45;
const R = "/usr/lib/R/bin/R";
const STAGE_OF: Record<keyof DesignedStatuses, string> = { install: "install", build: "buildsrc", check: "checksrc" };

interface Run {
  config: TestConfig;
  central: CentralRunFixture;
  exitCode: number | undefined;
  output: string;
  products: string;
  workDir: string;
  meat: string;
}

let fixture: MaterializedScenario;

async function setUp(label: string): Promise<Omit<Run, "exitCode" | "output">> {
  const root = await dirs.make(`run-${label}`);
  const config = writeTestConfig({
    workDir: join(root, "work"),
    gitServer: fixture.server,
    global: { timeouts: { check: CHECK_TIMEOUT } },
    host: {
      slots: { install: 2, build: 2, check: 2 },
      timeouts: { killGrace: 3 },
      run: { targetRepoPoll: 1, targetRepoTimeout: 10 },
    },
  });
  const central = await prerun(config);
  return {
    config,
    central,
    products: join(central.runDir, "products-in", "local"),
    workDir: config.workDir,
    meat: join(config.workDir, "meat"),
  };
}

async function runWith(label: string, args: readonly string[]): Promise<Run> {
  const setup = await setUp(label);
  const result = await makeCli(setup.config).run(["run", ...args]);
  return { ...setup, exitCode: result.exitCode, output: result.all ?? "" };
}

/** Status per `<stage>:<pkg>` from the delivered summaries (no summary: absent). */
function deliveredStatuses(run: Run, packages: readonly string[] = PACKAGES): Record<string, string> {
  const statuses: Record<string, string> = {};
  for (const pkg of packages) {
    for (const stage of ["install", "buildsrc", "checksrc"]) {
      const summary = readJobSummary(join(run.products, stage), pkg, stage);
      if (summary !== undefined) statuses[`${stage}:${pkg}`] = summary.status;
    }
  }
  return statuses;
}

function designedStatuses(packages: readonly string[] = PACKAGES): Record<string, string> {
  const statuses: Record<string, string> = {};
  for (const pkg of packages) {
    const designed = scenario.designed[pkg] as DesignedStatuses;
    for (const key of ["install", "build", "check"] as const) {
      // `skipped` is derived by readers: no CHECK summary at all.
      if (designed[key] !== "skipped") statuses[`${STAGE_OF[key]}:${pkg}`] = designed[key];
    }
  }
  return statuses;
}

const runs: Partial<Record<"pipeline" | "barrier", Run>> = {};

beforeAll(async () => {
  fixture = await materializeScenario(scenario, await dirs.make("run-fixture"));
  runs.pipeline = await runWith("pipeline", []);
  runs.barrier = await runWith("barrier", ["--schedule", "barrier"]);
});

const bothSchedules = ["pipeline", "barrier"] as const;

describe.each(bothSchedules)("bbs run --schedule %s on the run scenario", (schedule) => {
  const run = (): Run => runs[schedule] as Run;

  it("completes with exit 0, and every package gets its designed status", () => {
    expect(run().exitCode, run().output).toBe(0);
    expect(deliveredStatuses(run())).toEqual(designedStatuses());
    expect(run().output).toMatch(/CHECK\s+.*TIMEOUT 1/);
  });

  it("skips CHECK after a BUILD ERROR: no job, no files, a skipped line in jobs.ndjson", () => {
    const lines = jobLines(join(run().products, "jobs.ndjson"));
    const check = lines.filter((line) => line.job === "checksrc:runBuildError");
    expect(check).toHaveLength(1);
    expect(check[0]).toMatchObject({ event: "job-finished", state: "skipped", status: "skipped", slot: null });
    expect(readdirSync(join(run().products, "checksrc")).filter((name) => name.startsWith("runBuildError"))).toEqual(
      [],
    );
    expect(existsSync(join(run().meat, "runBuildError.checksrc-out.txt"))).toBe(false);
  });

  it("writes summaries field by field as BBS, with a correct UTC offset", () => {
    const extras: Record<string, string[]> = {
      install: [],
      buildsrc: ["PackageFile", "PackageFileSize"],
      checksrc: ["CheckDir", "Warnings"],
    };
    for (const [key, status] of Object.entries(designedStatuses())) {
      const [stage, pkg] = key.split(":") as [string, string];
      const path = join(run().products, stage, `${pkg}.${stage}-summary.dcf`);
      expect(summaryFieldOrder(path), path).toEqual([
        "Package",
        "Version",
        "Command",
        "StartedAt",
        "EndedAt",
        "EllapsedTime",
        "RetCode",
        "Status",
        ...(extras[stage] ?? []),
      ]);
      const summary = readJobSummary(join(run().products, stage), pkg, stage);
      const fields = summary?.fields as ReadonlyMap<string, string>;
      expect(fields.get("Package")).toBe(pkg);
      expect(fields.get("Version")).toBe("1.0.0");
      for (const field of ["StartedAt", "EndedAt"]) {
        const text = fields.get(field) as string;
        expect(text).toMatch(
          /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4} \((Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} \w{3} \d{4}\)$/,
        );
        const parsed = tryParseBbsDate(text);
        expect(parsed, text).toBeDefined();
        expect(formatBbsDate(parsed?.date as Date, { timeZone: TEST_TIME_ZONE })).toBe(text);
      }
      expect(fields.get("EllapsedTime")).toMatch(/^\d+\.\d seconds$/);
      expect(fields.get("Status")).toBe(status);
      if (status === "TIMEOUT") expect(fields.get("RetCode")).toBe("None");
      else if (status === "ERROR") expect(fields.get("RetCode")).toMatch(/^[1-9]\d*$/);
      else expect(fields.get("RetCode")).toBe("0");
    }
  });

  it("runs BBS's command lines, with the config's extra options and the STAGE2 installation reused by CHECK", () => {
    const lib = join(run().workDir, "R-library");
    const command = (stage: string, pkg: string) => readJobSummary(join(run().products, stage), pkg, stage)?.command;
    expect(command("install", "runOk")).toBe(`${R} CMD INSTALL runOk`);
    expect(command("buildsrc", "runOk")).toBe(
      `${R} CMD build --keep-empty-dirs --no-resave-data --no-build-vignettes runOk`,
    );
    expect(command("checksrc", "runOk")).toBe(
      `${R} CMD check --install=check:runOk.install-out.txt --library=${lib} --no-manual --timings runOk_1.0.0.tar.gz`,
    );
  });

  it("starts each out file with BBS's command header, naming the summary's command", () => {
    for (const stage of ["install", "buildsrc", "checksrc"]) {
      for (const name of readdirSync(join(run().products, stage)).filter((file) => file.endsWith("-out.txt"))) {
        const pkg = name.slice(0, name.indexOf("."));
        const command = readJobSummary(join(run().products, stage), pkg, stage)?.command as string;
        expect(
          readFileSync(join(run().products, stage, name), "utf8").startsWith(commandHeader(command, false)),
          name,
        ).toBe(true);
      }
    }
    const install = readFileSync(join(run().products, "install", "runInstallError.install-out.txt"), "utf8");
    expect(install).toMatch(/^\* removing/m);
  });

  it("delivers products or -MISSING markers, PackageFile/PackageFileSize, and pruned .Rcheck directories", () => {
    const build = join(run().products, "buildsrc");
    expect(existsSync(join(build, "runOk_1.0.0.tar.gz"))).toBe(true);
    const ok = readJobSummary(build, "runOk", "buildsrc")?.fields;
    expect(ok?.get("PackageFile")).toBe("runOk_1.0.0.tar.gz");
    // BBS's human_readable_size: bytes below 1 KiB, else KiB/MiB with the unit as a link.
    expect(ok?.get("PackageFileSize")).toMatch(
      /^(\d+ bytes|\d+(\.\d+)? <A href="http:\/\/en\.wikipedia\.org\/wiki\/KiB" target="_blank">KiB<\/A>)$/,
    );
    const runMid = readJobSummary(build, "runMid", "buildsrc")?.fields.get("PackageFileSize");
    expect(runMid).toMatch(/^\d+(\.\d+)? <A href="http:\/\/en\.wikipedia\.org\/wiki\/KiB" target="_blank">KiB<\/A>$/);
    expect(statSync(join(build, "runBuildError.buildsrc-MISSING")).size).toBe(0);
    expect(existsSync(join(build, "runBuildError_1.0.0.tar.gz"))).toBe(false);
    const failed = readJobSummary(build, "runBuildError", "buildsrc")?.fields;
    expect([failed?.get("PackageFile"), failed?.get("PackageFileSize")]).toEqual(["None", "NA"]);

    const check = join(run().products, "checksrc");
    expect(readJobSummary(check, "runWarning", "checksrc")?.fields.get("Warnings")).toBe("1");
    expect(readJobSummary(check, "runOk", "checksrc")?.fields.get("Warnings")).toBe("0");
    expect(readJobSummary(check, "runCheckError", "checksrc")?.fields.get("Warnings")).toBe("NA");
    expect(readJobSummary(check, "runTimeout", "checksrc")?.fields.get("CheckDir")).toBe("runTimeout.Rcheck");
    const allowed = (pkg: string) =>
      new Set(["00check.log", "00install.out", `${pkg}-Ex.Rout`, `${pkg}-Ex.timings`, `${pkg}-manual.pdf`, "tests"]);
    for (const pkg of ["runOk", "runWarning", "runCheckError", "runMid"]) {
      const entries = readdirSync(join(check, `${pkg}.Rcheck`));
      expect(entries).toContain("00check.log");
      for (const entry of entries) expect(allowed(pkg).has(entry), `${pkg}.Rcheck/${entry}`).toBe(true);
    }
    expect(readFileSync(join(check, "runWarning.Rcheck", "00check.log"), "utf8")).toMatch(/Status: 1 WARNING/);
  });

  it("kills the timed-out CHECK's whole process tree: nothing of any job survives", () => {
    const summary = readJobSummary(join(run().products, "checksrc"), "runTimeout", "checksrc");
    expect(summary?.status).toBe("TIMEOUT");
    expect(summary?.elapsedSeconds).toBeGreaterThanOrEqual(CHECK_TIMEOUT - 0.1);
    // Every process of a job works under the work directory (meat, the .Rcheck): none may be left.
    expect(processesUnder(run().workDir)).toEqual([]);
    // The CHECK was in its examples, which fork `(sleep 3600; : <marker>)` and loop.
    const out = readFileSync(join(run().products, "checksrc", "runTimeout.checksrc-out.txt"), "utf8");
    expect(out).toMatch(/checking examples \.\.\.\s*$/);
  });

  it("delivers pkg_dep_graph.txt, NodeInfo and BBS_EndOfRun.txt", () => {
    const graph = readFileSync(join(run().products, "pkg_dep_graph.txt"), "utf8");
    expect(
      graph
        .split("\n")
        .filter((line) => line !== "")
        .sort(),
    ).toEqual(
      [
        "runBase: ",
        "runBuildError: ",
        "runCheckError: ",
        "runInstallError: ",
        "runMid: runBase",
        "runOk: ",
        "runTimeout: ",
        "runTop: runMid",
        "runWarning: ",
      ].sort(),
    );
    const nodeInfo = join(run().products, "NodeInfo");
    expect(readFileSync(join(nodeInfo, "R-version.txt"), "utf8")).toMatch(/^R version 4\.2\.2/);
    expect(readFileSync(join(nodeInfo, "R-config.txt"), "utf8")).toMatch(/^MAKE: make\nCC: /);
    expect(readFileSync(join(nodeInfo, "CC-version.txt"), "utf8")).toMatch(/gcc|clang/);
    expect(readFileSync(join(nodeInfo, "R-sessionInfo.txt"), "utf8")).toMatch(/R version 4\.2\.2/);
    const instpkgs = readFileSync(join(nodeInfo, "R-instpkgs.txt"), "utf8");
    expect(instpkgs).toMatch(/LibPath\s+Version\s+Built/);
    expect(instpkgs).toMatch(/^runOk\s/m);
    for (const file of [
      "CXX-version.txt",
      "CXX11-version.txt",
      "CXX14-version.txt",
      "CXX17-version.txt",
      "JAVA-version.txt",
      "pandoc-version.txt",
    ])
      expect(existsSync(join(nodeInfo, file)), file).toBe(true);
    const endOfRun = readFileSync(join(run().products, "BBS_EndOfRun.txt"), "utf8")
      .split("\n")
      .filter((line) => line !== "");
    const date = String.raw`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4} \(\w{3}, \d{2} \w{3} \d{4}\)`;
    expect(endOfRun.map((line) => line.slice(0, 6))).toEqual(["STAGE2", "STAGE3", "STAGE4"]);
    for (const line of endOfRun)
      expect(line).toMatch(
        new RegExp(
          `^STAGE\\d \\| nb_cpu=2 \\| StartedAt: ${date} \\| EndedAt: ${date} \\| EllapsedTime: \\d+\\.\\d seconds$`,
        ),
      );
  });

  it("logs every job start and end in jobs.ndjson with package, stage, node, slot, version and times", () => {
    const lines = jobLines(join(run().products, "jobs.ndjson"));
    const run_ = run();
    const ran = lines.filter((line) => line.state !== "skipped");
    expect(ran.filter((line) => line.event === "job-started")).toHaveLength(26); // 9 installs, 9 builds, 8 checks
    for (const line of ran) {
      expect(line).toMatchObject({ runId: run_.central.runId, node: "local", version: "1.0.0" });
      expect(line.job).toBe(`${line.stage}:${line.package}`);
      expect([1, 2]).toContain(line.slot);
      if (line.event === "job-finished") {
        expect(Date.parse(line.startedAt as string)).toBeLessThanOrEqual(Date.parse(line.endedAt as string));
      }
    }
    // Two jobs of a pool never share a slot at the same time.
    const busy = new Map<string, string>();
    for (const line of ran) {
      const key = `${line.stage}#${line.slot}`;
      if (line.event === "job-started") {
        expect(busy.get(key), `${line.job} in a busy slot`).toBeUndefined();
        busy.set(key, line.job);
      } else busy.delete(key);
    }
  });

  it("respects dependencies: a BUILD after its package's and its Suggests' installs, a CHECK after its BUILD", () => {
    const lines = jobLines(join(run().products, "jobs.ndjson"));
    const at = (event: string, job: string) =>
      lines.find((line) => line.event === event && line.job === job)?.at as string;
    const before = (first: string, then: string) =>
      expect(Date.parse(at("job-finished", first)), `${first} before ${then}`).toBeLessThanOrEqual(
        Date.parse(at("job-started", then)),
      );
    before("install:runBase", "install:runMid");
    before("install:runMid", "install:runTop");
    before("install:runTop", "buildsrc:runTop");
    before("install:runOk", "buildsrc:runTop");
    before("buildsrc:runTop", "checksrc:runTop");
    before("install:runOk", "checksrc:runTop");
  });

  it("records every job in the node's history, once", () => {
    const store = HistoryStore.open(run().config.load().values.historyDb, { readonly: true });
    try {
      const rows = store.jobs(run().central.runId, "local");
      const statuses = Object.fromEntries(rows.map((row) => [`${row.stage}:${row.package}`, row.status]));
      expect(statuses).toEqual(designedStatuses());
      expect(rows.every((row) => row.attempt === 1 && row.endedAt !== undefined)).toBe(true);
      const installBase = rows.find((row) => row.stage === "install" && row.package === "runBase");
      expect(installBase).toMatchObject({ version: "1.0.0", retCode: 0 });
      // git_last_commit, injected by prerun: the snapshot commit, abbreviated.
      expect(installBase?.commit).toMatch(/^[0-9a-f]{7,}$/);
      expect(fixture.commits.get("runBase")?.startsWith(installBase?.commit as string)).toBe(true);
      expect(store.run(run().central.runId)).toMatchObject({ state: "finished", schedule });
    } finally {
      store.close();
    }
  });
});

it("the barrier schedule keeps BBS's stage order; both schedules give the same statuses", () => {
  const barrier = jobLines(join((runs.barrier as Run).products, "jobs.ndjson")).filter(
    (line) => line.state !== "skipped",
  );
  const times = (stage: string, event: string) =>
    barrier.filter((line) => line.stage === stage && line.event === event).map((line) => Date.parse(line.at));
  expect(Math.max(...times("install", "job-finished"))).toBeLessThanOrEqual(
    Math.min(...times("buildsrc", "job-started")),
  );
  expect(Math.max(...times("buildsrc", "job-finished"))).toBeLessThanOrEqual(
    Math.min(...times("checksrc", "job-started")),
  );
  expect(deliveredStatuses(runs.barrier as Run)).toEqual(deliveredStatuses(runs.pipeline as Run));
});

describe("kill -9 during STAGE4, then bbs run --resume", () => {
  const subset = ["runOk", "runWarning", "runCheckError", "runTimeout", "runTop"];
  const args = ["run", "--packages", subset.join(",")];

  it("ends with the statuses of an uninterrupted run, and no finished job ran twice", async () => {
    const setup = await setUp("resume");
    const cli = makeCli(setup.config);
    const first = cli.run(args);
    // Hold on until STAGE4 is under way: a CHECK finished, and runTimeout's CHECK (30 s at least) runs.
    const checkSummaries = () =>
      existsSync(setup.meat) ? readdirSync(setup.meat).filter((name) => name.endsWith(".checksrc-summary.dcf")) : [];
    const timeoutCheckRunning = () =>
      existsSync(join(setup.meat, "runTimeout.checksrc-out.txt")) &&
      !existsSync(join(setup.meat, "runTimeout.checksrc-summary.dcf"));
    for (let attempt = 0; attempt < 1200 && !(checkSummaries().length > 0 && timeoutCheckRunning()); attempt += 1)
      await sleep(250);
    expect(checkSummaries().length).toBeGreaterThan(0);
    expect(timeoutCheckRunning()).toBe(true);

    // A second bbs run on the same work directory is refused, naming the holder.
    const second = await cli.run(args);
    expect(second.exitCode).toBe(2);
    expect(second.all).toMatch(/error\[BBS_LOCKED\]/);
    expect(second.all).toContain(String(first.pid));

    first.kill("SIGKILL");
    const killed = await first;
    expect(killed.signal).toBe("SIGKILL");
    // The jobs' process groups outlive bbs: the resumed run must stop them.
    expect(processesUnder(setup.workDir).length).toBeGreaterThan(0);

    const resumed = await cli.run([...args, "--resume"]);
    expect(resumed.exitCode, resumed.all).toBe(0);
    expect(resumed.all).toMatch(/took over the lock of a bbs run that is gone/);
    expect(resumed.all).toMatch(/stopped \d+ process\(es\) left running by a bbs that is gone/);
    expect(processesUnder(setup.workDir)).toEqual([]);

    // Complete or absent: a run of some packages on a node with no complete delivery of this
    // run leaves its products in products-in/.local.incoming/ (postrun sees the node running).
    expect(existsSync(setup.products)).toBe(false);
    expect(resumed.all).toMatch(/the delivery stays in products-in\/\.local\.incoming\//);
    const resumedRun: Run = {
      ...setup,
      products: join(dirname(setup.products), ".local.incoming"),
      exitCode: resumed.exitCode,
      output: resumed.all ?? "",
    };
    const installs = ["runBase", "runMid"];
    const expected = Object.fromEntries(
      Object.entries(deliveredStatuses(runs.pipeline as Run, [...subset, ...installs])).filter(
        ([key]) => subset.includes(key.split(":")[1] as string) || key.startsWith("install:"),
      ),
    );
    expect(deliveredStatuses(resumedRun, [...subset, ...installs])).toEqual(expected);

    const store = HistoryStore.open(setup.config.load().values.historyDb, { readonly: true });
    try {
      const rows = store.jobs(setup.central.runId, "local");
      const finished = new Map<string, number>();
      for (const row of rows.filter((candidate) => !UNFINISHED_STATUSES.includes(candidate.status))) {
        const key = `${row.stage}:${row.package}`;
        finished.set(key, (finished.get(key) ?? 0) + 1);
      }
      expect([...finished.entries()].filter(([, count]) => count !== 1)).toEqual([]);
      expect(
        Object.fromEntries(
          rows
            .filter((row) => !UNFINISHED_STATUSES.includes(row.status))
            .map((row) => [`${row.stage}:${row.package}`, row.status]),
        ),
      ).toEqual(expected);
      const interrupted = rows
        .filter((row) => row.status === "interrupted")
        .map((row) => `${row.stage}:${row.package}`);
      expect(interrupted).toContain("checksrc:runTimeout");
      const retried = rows
        .filter((row) => row.stage === "checksrc" && row.package === "runTimeout")
        .map((row) => [row.attempt, row.status]);
      expect(retried).toEqual([
        [1, "interrupted"],
        [2, "TIMEOUT"],
      ]);
    } finally {
      store.close();
    }
    // Both invocations are in the timeline; the resumed one starts only what had no summary.
    const lines: JobLine[] = jobLines(join(resumedRun.products, "jobs.ndjson"));
    const starts = lines.filter((line) => line.event === "job-started").map((line) => line.job);
    expect(starts.filter((job) => job === "checksrc:runTimeout")).toHaveLength(2);
    expect(starts.filter((job) => job === "install:runBase")).toHaveLength(1);
  }, 600_000);
});
