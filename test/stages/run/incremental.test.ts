// Incremental nights with real R, git and SQLite (issue 13): four generated
// packages, incBase <- incMid <- incTop and tinyError (imports incBase; its
// example stops unless the builder sets TINY_ERROR_FIXED: CHECK ERROR), built
// on four nights by `bbs prerun`, `bbs run` (run.incremental) and `bbs
// postrun`, shared by every assertion:
//   night 1: nothing to reuse, every job runs;
//   night 2: one commit to the leaf tinyError: only its jobs run, every
//            other job is reused (summary `ReusedFrom: <night 1>`, report cell
//            marked), BUILD_STATUS_DB.txt equal to night 1's;
//   night 3: a commit to incMid: it and exactly its dependent incTop run;
//   night 4: another R CMD check option: every CHECK runs, nothing else;
// then the builder is fixed (r.environment sets TINY_ERROR_FIXED) and `bbs
// rerun tinyError` runs only its jobs and changes only its report pages.

import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { HistoryStore } from "../../../src/history/store.js";
import { reportDirOf } from "../../../src/stages/postrun/postrun.js";
import { materializeScenario, type MaterializedScenario, type Scenario } from "../../fixtures/scenarios.js";
import { writeTestConfig, type TestConfig } from "../../fixtures/test-config.js";
import { useTempDirs } from "../../fixtures/tmp.js";
import { makeCli, prerun, processesUnder, readJobSummary } from "./helpers.js";

const dirs = useTempDirs();
const PACKAGES = ["incBase", "incMid", "incTop", "tinyError"];
const STAGES = ["install", "buildsrc", "checksrc"];

const scenario: Scenario = {
  name: "incremental",
  packages: [
    { name: "incBase", purpose: "root of the chain", spec: { name: "incBase", version: "1.0.0" } },
    { name: "incMid", purpose: "chain, 2nd", spec: { name: "incMid", version: "1.0.0", imports: ["incBase"] } },
    { name: "incTop", purpose: "chain, 3rd", spec: { name: "incTop", version: "1.0.0", imports: ["incMid"] } },
    {
      name: "tinyError",
      purpose: "a leaf whose example fails",
      spec: {
        name: "tinyError",
        version: "1.0.0",
        imports: ["incBase"],
        extraExamples: [
          'if (!nzchar(Sys.getenv("TINY_ERROR_FIXED"))) stop("TINY_ERROR_FIXED is not set on this builder")',
        ],
      },
    },
  ],
  manifest: PACKAGES,
};

interface Night {
  readonly runId: string;
  readonly runDir: string;
  readonly products: string;
  readonly output: string;
  readonly exitCode: number | undefined;
  /** Job id -> the run its result was reused from (null: it ran tonight). */
  readonly jobs: ReadonlyMap<string, string | null>;
}

let fixture: MaterializedScenario;
let reportDir: string;
let reportBefore: Map<string, string>;
let rerunOutput: { exitCode: number | undefined; output: string };
let workDir: string;
let config: TestConfig;
const nights: Night[] = [];

function configure(checkOptions: string, environment: Record<string, string> = {}): TestConfig {
  return writeTestConfig({
    workDir,
    gitServer: fixture.server,
    platform: { r: { checkOptions } },
    host: {
      slots: { install: 2, build: 2, check: 2 },
      run: { targetRepoPoll: 1, targetRepoTimeout: 10, incremental: true },
      r: { environment },
    },
  });
}

function historyJobs(runId: string): Map<string, string | null> {
  const store = HistoryStore.open(config.load().values.historyDb, { readonly: true });
  try {
    return new Map(store.jobs(runId).map((row) => [`${row.stage}:${row.package}`, row.reusedFrom] as const));
  } finally {
    store.close();
  }
}

/** One night; `postrun`: none, the status DB only, or the whole postrun (the report). */
async function night(postrunArgs: readonly string[] | undefined): Promise<Night> {
  const central = await prerun(config);
  const cli = makeCli(config);
  const run = await cli.run(["run"]);
  let output = run.all ?? "";
  let exitCode = run.exitCode;
  if (postrunArgs !== undefined && exitCode === 0) {
    const postrun = await cli.run(["postrun", ...postrunArgs]);
    output += postrun.all ?? "";
    exitCode = postrun.exitCode;
  }
  const result: Night = {
    runId: central.runId,
    runDir: central.runDir,
    products: join(central.runDir, "products-in", config.nodeId),
    output,
    exitCode,
    jobs: historyJobs(central.runId),
  };
  nights.push(result);
  return result;
}

function ran(tonight: Night): string[] {
  return [...tonight.jobs]
    .filter(([, from]) => from === null)
    .map(([id]) => id)
    .sort();
}

function jobsOf(packages: readonly string[], stages: readonly string[] = STAGES): string[] {
  return packages.flatMap((pkg) => stages.map((stage) => `${stage}:${pkg}`)).sort();
}

/** Every file under a directory with the hash of its contents. */
function tree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (path: string): void => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(full);
      else files.set(relative(dir, full), createHash("sha256").update(readFileSync(full)).digest("hex"));
    }
  };
  walk(dir);
  return files;
}

beforeAll(async () => {
  const root = await dirs.make("incremental");
  workDir = join(root, "work");
  fixture = await materializeScenario(scenario, join(root, "fixture"));
  config = configure("--no-manual");
  await night(["--only", "status-db"]);
  await fixture.server.commitChange("tinyError", { touch: "inst/NEWS" });
  await night(["--only", "status-db"]);
  await fixture.server.commitChange("incMid", { touch: "inst/NEWS" });
  await night(undefined);
  config = configure("--no-manual --no-codoc");
  const fourth = await night([]);
  reportDir = reportDirOf(config.load(), fourth.runDir);
  reportBefore = tree(reportDir);
  config = configure("--no-manual --no-codoc", { TINY_ERROR_FIXED: "yes" });
  const rerun = await makeCli(config).run(["rerun", "tinyError"]);
  rerunOutput = { exitCode: rerun.exitCode, output: rerun.all ?? "" };
}, 600_000);

describe("incremental nights (real R)", () => {
  it("night 1: nothing to reuse, every job runs", () => {
    const [first] = nights as [Night];
    expect(first.exitCode, first.output).toBe(0);
    expect(ran(first)).toEqual(jobsOf(PACKAGES));
    expect(readJobSummary(join(first.products, "checksrc"), "tinyError", "checksrc")?.status).toBe("ERROR");
    expect(readJobSummary(join(first.products, "checksrc"), "incTop", "checksrc")?.fields.has("ReusedFrom")).toBe(
      false,
    );
  });

  it("night 2, a commit to the leaf tinyError: only its jobs run, the others are reused and say from which run", () => {
    const [first, second] = nights as [Night, Night];
    expect(second.exitCode, second.output).toBe(0);
    expect(ran(second)).toEqual(jobsOf(["tinyError"]));
    for (const id of jobsOf(["incBase", "incMid", "incTop"])) expect(second.jobs.get(id), id).toBe(first.runId);
    expect(second.output).toContain("incremental run: 9 job(s) reused from earlier runs, 3 run");
    for (const pkg of ["incBase", "incMid", "incTop"]) {
      for (const stage of STAGES) {
        const summary = readJobSummary(join(second.products, stage), pkg, stage);
        expect(summary?.fields.get("ReusedFrom"), `${pkg} ${stage}`).toBe(first.runId);
        expect(summary?.status).toBe(readJobSummary(join(first.products, stage), pkg, stage)?.status);
        expect(readFileSync(join(second.products, stage, `${pkg}.${stage}-out.txt`), "utf8")).toBe(
          readFileSync(join(first.products, stage, `${pkg}.${stage}-out.txt`), "utf8"),
        );
      }
      // The products a reused BUILD and CHECK made are tonight's products too.
      expect(statSync(join(second.products, "buildsrc", `${pkg}_1.0.0.tar.gz`)).isFile()).toBe(true);
      expect(statSync(join(second.products, "checksrc", `${pkg}.Rcheck`)).isDirectory()).toBe(true);
    }
    expect(readJobSummary(join(second.products, "checksrc"), "tinyError", "checksrc")?.fields.has("ReusedFrom")).toBe(
      false,
    );
    expect(readFileSync(join(second.runDir, "BUILD_STATUS_DB.txt"), "utf8")).toBe(
      readFileSync(join(first.runDir, "BUILD_STATUS_DB.txt"), "utf8"),
    );
  });

  it("night 3, a commit to incMid deep in the chain: it and exactly its dependents run", () => {
    const [first, second, third] = nights as [Night, Night, Night];
    expect(third.exitCode, third.output).toBe(0);
    expect(ran(third)).toEqual(jobsOf(["incMid", "incTop"]));
    for (const id of jobsOf(["incBase"])) expect(third.jobs.get(id), id).toBe(first.runId);
    for (const id of jobsOf(["tinyError"])) expect(third.jobs.get(id), id).toBe(second.runId);
  });

  it("night 4, another CHECK option: every CHECK runs, INSTALL and BUILD are reused", () => {
    const fourth = nights[3] as Night;
    expect(fourth.exitCode, fourth.output).toBe(0);
    expect(ran(fourth)).toEqual(jobsOf(PACKAGES, ["checksrc"]));
    expect(processesUnder(workDir)).toEqual([]);
  });

  it("the history keeps each job's inputs once per distinct hash, with what it ran against", () => {
    const store = HistoryStore.open(config.load().values.historyDb, { readonly: true });
    try {
      const history = store.inputHistory("incTop", config.nodeId, "checksrc");
      expect(history.map((entry) => entry.runId)).toEqual(nights.map((entry) => entry.runId).reverse());
      const [fourth, third, second] = history;
      expect(fourth?.inputs?.config.command).toContain("--no-codoc");
      expect(second?.inputHash).toBe(history[3]?.inputHash);
      expect(second?.reusedFrom).toBe(nights[0]?.runId);
      expect(third?.inputs?.closure.incMid?.commit).not.toBe(second?.inputs?.closure.incMid?.commit);
      expect(third?.inputs?.closure.incBase).toEqual(second?.inputs?.closure.incBase);
    } finally {
      store.close();
    }
  });
});

describe("bbs rerun (real R)", () => {
  it("after the builder's fix, `bbs rerun tinyError` runs only its jobs and its CHECK is OK now", () => {
    const fourth = nights[3] as Night;
    expect(rerunOutput.exitCode, rerunOutput.output).toBe(0);
    const store = HistoryStore.open(config.load().values.historyDb, { readonly: true });
    try {
      const again = store
        .jobs(fourth.runId)
        .filter((row) => row.attempt > 1)
        .map((row) => `${row.stage}:${row.package}`)
        .sort();
      expect(again).toEqual(jobsOf(["tinyError"]));
    } finally {
      store.close();
    }
    expect(readJobSummary(join(fourth.products, "checksrc"), "tinyError", "checksrc")?.status).toBe("OK");
    expect(readFileSync(join(fourth.runDir, "BUILD_STATUS_DB.txt"), "utf8")).toMatch(/^tinyError#local#checksrc: OK$/m);
  });

  it("only tinyError's report pages change", () => {
    const after = tree(reportDir);
    const changed = [...new Set([...reportBefore.keys(), ...after.keys()])]
      .filter((file) => reportBefore.get(file) !== after.get(file))
      .sort();
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.filter((file) => !file.startsWith("tinyError/"))).toEqual([]);
    expect(readFileSync(join(reportDir, "tinyError", "local-checksrc.html"), "utf8")).toContain("OK");
    // The reused cells of the other packages are marked on their pages.
    expect(readFileSync(join(reportDir, "incBase", "index.html"), "utf8")).toContain("reused from");
  });
});
