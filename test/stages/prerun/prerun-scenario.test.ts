// `bbs prerun` on the prerun scenario (every meat-index rule of spec 3.3),
// with real git and real R, through the CLI: the BBS files equal golden files
// derived from the specification, the snapshot, injection, the target repo
// read by R's available.packages(), runs kept side by side, a second run
// after an upstream change, --snapshot-date, and --only steps.

import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import type { GitServer } from "../../fixtures/git-server.js";
import type { PackageSpec } from "../../fixtures/rpkg-generator.js";
import { materializeScenario, prerunScenario } from "../../fixtures/scenarios.js";
import type { TestConfig } from "../../fixtures/test-config.js";
import { useTempDirs } from "../../fixtures/tmp.js";
import { runIdFor } from "../../../src/stages/prerun/run-dir.js";
import { goldenFiles, newYorkWinterDate, type GoldenFiles, type RepoFacts } from "./golden.js";
import { makeCli, prerunConfig, type Cli } from "./helpers.js";

const dirs = useTempDirs();
const scenario = prerunScenario();
/** New York winter time, after every fixture commit. */
const FIRST_SNAPSHOT = "2024-02-01 09:30";
const FIRST_SNAPSHOT_TIME = new Date("2024-02-01T14:30:00Z");

let server: GitServer;
let config: TestConfig;
let cli: Cli;
let centralDir: string;
let runsDir: string;
let golden: GoldenFiles;
let firstRun: { exitCode: number | undefined; output: string; runDir: string };

async function repoFacts(): Promise<Map<string, RepoFacts>> {
  const facts = new Map<string, RepoFacts>();
  for (const pkg of scenario.packages) {
    if (!(await server.exists(pkg.name))) continue;
    const head = await server.headCommit(pkg.name);
    facts.set(pkg.name, { url: server.url(pkg.name), shortSha: head.shortSha, date: new Date(head.timestamp * 1000) });
  }
  return facts;
}

/** The maintainer R derives from each Authors@R spec, in one R process. */
async function authorsRMaintainers(): Promise<Map<string, string>> {
  const specs = scenario.packages.flatMap((pkg) => (pkg.spec?.authorsR === undefined ? [] : [pkg.spec]));
  const script = specs
    .map(
      (spec) =>
        `p <- ${spec.authorsR}; cat(${JSON.stringify(spec.name)}, format(p[vapply(p, function(x) "cre" %in% x$role, NA)], include = c("given", "family", "email")), sep = "\\t"); cat("\\n")`,
    )
    .join("\n");
  const { stdout } = await execa("Rscript", ["--vanilla", "-e", script], { env: { LC_ALL: "C.UTF-8" } });
  return new Map(
    stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split("\t") as [string, string]),
  );
}

function centralFile(...path: string[]): string {
  return readFileSync(join(centralDir, ...path), "utf8");
}

beforeAll(async () => {
  const root = await dirs.make("prerun-scenario");
  ({ server } = await materializeScenario(scenario, join(root, "fixture")));
  config = prerunConfig(join(root, "work"), server);
  cli = makeCli(root, config);
  const values = config.load().values;
  centralDir = values["central.dir"];
  runsDir = values["central.runsDir"];
  const maintainers = await authorsRMaintainers();
  golden = goldenFiles(scenario, await repoFacts(), {
    branch: server.branch,
    snapshot: FIRST_SNAPSHOT_TIME,
    authorsRMaintainer: (spec: PackageSpec) => maintainers.get(spec.name) ?? "",
  });
  const result = await cli.run(["prerun", "--snapshot-date", FIRST_SNAPSHOT]);
  firstRun = { exitCode: result.exitCode, output: result.all, runDir: realpathSync(centralDir) };
});

describe("a first prerun of the scenario", () => {
  it("exits 0 with skipped packages as data, and logs each package with its commit", () => {
    expect(firstRun.exitCode, firstRun.output).toBe(0);
    const lines = firstRun.output.split("\n");
    for (const line of lines.filter(Boolean)) expect(line).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \[/);
    expect(lines.some((line) => /\[sources\] \(\s*\d+\/15\) preBase: cloned [0-9a-f]{7}/.test(line))).toBe(true);
    expect(
      lines.some((line) =>
        /\[sources\] \(\s*\d+\/15\) preMissingRepo: failed \(fatal: .*preMissingRepo\.git/.test(line),
      ),
    ).toBe(true);
  });

  it("writes meat-index.dcf and skipped-index.dcf byte for byte as the spec's rules give", () => {
    expect(golden.indexed).toHaveLength(9);
    expect(centralFile("meat-index.dcf")).toBe(golden.meatIndex);
    expect(centralFile("skipped-index.dcf")).toBe(golden.skippedIndex);
  });

  it("writes the gitlog files byte for byte, one per package with a commit", () => {
    const files = readdirSync(join(centralDir, "gitlog")).sort();
    expect(files).toEqual([...golden.gitlog.keys()].sort());
    for (const [file, content] of golden.gitlog) expect(centralFile("gitlog", file), file).toBe(content);
  });

  it("says why each package was skipped, machine-readably", () => {
    const reasons = JSON.parse(centralFile("skipped-reasons.json")) as {
      packages: { package: string; reason: string; message: string }[];
    };
    expect(Object.fromEntries(reasons.packages.map((entry) => [entry.package, entry.reason]))).toEqual({
      preBadDescription: "bad-description",
      preDirMismatch: "package-mismatch",
      preBadVersion: "invalid-version",
      preNoMaintainer: "no-maintainer",
      preNoEmail: "no-maintainer-email",
      preMissingRepo: "git-failed",
    });
    expect(reasons.packages.map((entry) => entry.package)).toEqual(golden.skipped);
    const missing = reasons.packages.find((entry) => entry.package === "preMissingRepo");
    expect(missing?.message).toMatch(/preMissingRepo\.git/);
  });

  it("records the snapshot: date, cutoff, and each package's full and short commit", async () => {
    const snapshot = JSON.parse(centralFile("snapshot.json")) as {
      snapshotDate: string;
      cutoff: string;
      packages: { package: string; status: string; commit?: string; shortCommit?: string }[];
    };
    expect(snapshot.snapshotDate).toBe(newYorkWinterDate(FIRST_SNAPSHOT_TIME, false));
    expect(snapshot.cutoff).toBe(FIRST_SNAPSHOT_TIME.toISOString());
    for (const entry of snapshot.packages) {
      if (entry.package === "preMissingRepo") {
        expect(entry.status).toBe("failed");
        continue;
      }
      const head = await server.headCommit(entry.package);
      expect(entry).toMatchObject({ status: "cloned", commit: head.sha, shortCommit: head.shortSha });
    }
    expect(snapshot.packages.map((entry) => entry.package)).toEqual(scenario.packages.map((pkg) => pkg.name));
  });

  it("makes central.dir a symlink to the run directory named after the snapshot, with run.json", () => {
    expect(lstatSync(centralDir).isSymbolicLink()).toBe(true);
    expect(firstRun.runDir).toBe(realpathSync(join(runsDir, "20240201-093000")));
    const info = JSON.parse(centralFile("run.json")) as Record<string, unknown>;
    expect(info).toMatchObject({
      runId: "20240201-093000",
      snapshotDate: "2024-02-01 09:30 -0500 (Thu, 01 Feb 2024)",
      snapshotTime: FIRST_SNAPSHOT_TIME.toISOString(),
      biocVersion: "3.16",
      buildType: "bioc",
      packages: 9,
      skipped: 6,
      status: "prepared",
    });
  });

  it("injects the whole git fields and Repository at the end of each DESCRIPTION in prerun's meat", () => {
    const meat = config.load().values.prerunMeatDir;
    expect(readdirSync(meat).sort()).toEqual([...golden.indexed].sort());
    for (const name of golden.indexed) {
      const description = readFileSync(join(meat, name, "DESCRIPTION"), "utf8");
      const gitlog = golden.gitlog.get(`git-log-${name}.dcf`) ?? "";
      expect(description.endsWith(`${gitlog}Repository: Bioconductor 3.16\n`), name).toBe(true);
      expect(description).not.toMatch(/\n\s*\n/);
      expect(existsSync(join(meat, name, ".git"))).toBe(false);
    }
  });

  it("publishes a target repo that real R's available.packages() reads, versions and git fields included", async () => {
    const fields = ["git_url", "git_branch", "git_last_commit", "git_last_commit_date"];
    const script = `
      ap <- available.packages(repos = "file://${centralDir}", type = "source", fields = c(${fields.map((f) => JSON.stringify(f)).join(", ")}))
      write.table(ap[, c("Package", "Version", ${fields.map((f) => JSON.stringify(f)).join(", ")})], sep = "\\t", quote = FALSE, row.names = FALSE, col.names = FALSE)`;
    const { stdout } = await execa("Rscript", ["--vanilla", "-e", script], { env: { LC_ALL: "C.UTF-8" } });
    const listed = new Map(
      stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => {
          const [pkg = "", ...rest] = line.split("\t");
          return [pkg, rest] as const;
        }),
    );
    expect([...listed.keys()].sort()).toEqual([...golden.indexed].sort());
    const versions = new Map(
      [...golden.meatIndex.matchAll(/^Package: (\S+)\nVersion: (\S+)$/gm)].map((match) => [match[1], match[2]]),
    );
    for (const [pkg, [version, url, branch, commit, date]] of listed) {
      const gitlog = golden.gitlog.get(`git-log-${pkg}.dcf`) ?? "";
      expect(version).toBe(versions.get(pkg));
      expect(
        `git_url: ${url}\ngit_branch: ${branch}\ngit_last_commit: ${commit}\ngit_last_commit_date: ${date}\n`,
      ).toBe(gitlog);
    }
    const contrib = readdirSync(join(centralDir, "src", "contrib"));
    for (const pkg of golden.indexed) {
      expect(contrib).toContain(`${pkg}.buildnovig-summary.dcf`);
      expect(centralFile("src", "contrib", `${pkg}.buildnovig-summary.dcf`)).toMatch(/^Status: OK$/m);
    }
  });
});

describe("the next runs", () => {
  it("update exactly the package changed upstream, in a new run, the previous one kept", async () => {
    const before = new Map(
      readdirSync(join(firstRun.runDir, "gitlog")).map((file) => [
        file,
        readFileSync(join(firstRun.runDir, "gitlog", file), "utf8"),
      ]),
    );
    const changed = await server.commitChange("preChainMid", { touch: "NEWS" });
    const result = await cli.run(["prerun"]);
    expect(result.exitCode, result.all).toBe(0);
    const runDir = realpathSync(centralDir);
    expect(runDir).not.toBe(firstRun.runDir);
    expect(result.all).toMatch(/\[sources\] \(\s*\d+\/15\) preChainMid: updated [0-9a-f]{7}/);
    expect(result.all.match(/: updated /g)).toHaveLength(1);
    expect(result.all.match(/: unchanged /g)).toHaveLength(13);

    const snapshot = JSON.parse(readFileSync(join(runDir, "snapshot.json"), "utf8")) as {
      packages: { package: string; commit?: string }[];
    };
    const first = JSON.parse(readFileSync(join(firstRun.runDir, "snapshot.json"), "utf8")) as {
      packages: { package: string; commit?: string }[];
    };
    const differing = snapshot.packages
      .filter((entry, index) => entry.commit !== first.packages[index]?.commit)
      .map((entry) => entry.package);
    expect(differing).toEqual(["preChainMid"]);
    expect(snapshot.packages.find((entry) => entry.package === "preChainMid")?.commit).toBe(changed);

    const after = readdirSync(join(runDir, "gitlog")).filter((file) => file !== "git-log.dcf");
    const changedFiles = after.filter(
      (file) => readFileSync(join(runDir, "gitlog", file), "utf8") !== before.get(file),
    );
    expect(changedFiles).toEqual(["git-log-preChainMid.dcf"]);
    expect(readFileSync(join(runDir, "meat-index.dcf"), "utf8")).toBe(golden.meatIndex);
    // The first run is untouched.
    expect(readFileSync(join(firstRun.runDir, "meat-index.dcf"), "utf8")).toBe(golden.meatIndex);
    expect(readFileSync(join(firstRun.runDir, "gitlog", "git-log-preChainMid.dcf"), "utf8")).toBe(
      before.get("git-log-preChainMid.dcf"),
    );
    expect(readlinkSync(centralDir)).not.toMatch(/^\//);
  });

  it("with --snapshot-date, check out the last commit before that date", async () => {
    const history = await server.log("preChainMid");
    expect(history.length).toBe(2);
    const [newest, older] = history;
    // Between the two commits: the older one is the snapshot.
    const between = new Date(((older?.timestamp ?? 0) + 60) * 1000).toISOString();
    const result = await cli.run(["prerun", "--snapshot-date", between]);
    expect(result.exitCode, result.all).toBe(0);
    const snapshot = JSON.parse(centralFile("snapshot.json")) as {
      packages: { package: string; commit?: string; status: string }[];
    };
    const entry = snapshot.packages.find((p) => p.package === "preChainMid");
    expect(entry?.commit).toBe(older?.sha);
    expect(entry?.commit).not.toBe(newest?.sha);
    expect(centralFile("gitlog", "git-log-preChainMid.dcf")).toBe(golden.gitlog.get("git-log-preChainMid.dcf"));
  });

  it("re-run one step with --only on the current run, leaving the same files", async () => {
    const runDir = realpathSync(centralDir);
    const index = centralFile("meat-index.dcf");
    for (const step of ["index", "inject", "target-repo"]) {
      const result = await cli.run(["prerun", "--only", step]);
      expect(result.exitCode, result.all).toBe(0);
      expect(result.all).toContain(`[${step}] done`);
    }
    expect(realpathSync(centralDir)).toBe(runDir);
    expect(centralFile("meat-index.dcf")).toBe(index);
    expect(existsSync(join(centralDir, "src", "contrib", "PACKAGES"))).toBe(true);
    expect(readdirSync(runDir).filter((name) => name.includes(".tmp-"))).toEqual([]);
  });

  it("keep central.keepRuns previous runs and delete older ones", async () => {
    const keep = config.load().values["central.keepRuns"];
    for (let i = 0; i < keep; i++) {
      const result = await cli.run(["prerun"]);
      expect(result.exitCode, result.all).toBe(0);
    }
    const runs = readdirSync(runsDir).filter((name) => /^\d{8}-\d{6}/.test(name));
    expect(runs).toHaveLength(keep + 1);
    expect(runs).not.toContain("20240201-093000");
    expect(runs).toContain(realpathSync(centralDir).split("/").pop());
  });

  it("delete runs left unfinished by interrupted preruns, however recent, without counting them in keepRuns", async () => {
    const keep = config.load().values["central.keepRuns"];
    const prepared = (): string[] =>
      readdirSync(runsDir)
        .filter((name) => /^\d{8}-\d{6}/.test(name))
        .sort();
    const before = prepared();
    // What an interrupted prerun leaves: a run still `preparing`, and one killed before run.json existed.
    const current = JSON.parse(centralFile("run.json")) as Record<string, unknown>;
    const interrupted = runIdFor(new Date(Date.now() - 60_000));
    mkdirSync(join(runsDir, interrupted));
    writeFileSync(
      join(runsDir, interrupted, "run.json"),
      JSON.stringify({ ...current, runId: interrupted, status: "preparing" }),
    );
    const killed = runIdFor(new Date(Date.now() - 30_000));
    mkdirSync(join(runsDir, killed));
    const result = await cli.run(["prerun"]);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain(`deleted runs left unfinished by earlier preruns: ${interrupted}, ${killed}`);
    const after = prepared();
    expect(after).toHaveLength(keep + 1);
    expect(after).not.toContain(interrupted);
    expect(after).not.toContain(killed);
    // Only the oldest prepared run made room for the new one.
    expect(after.slice(0, -1)).toEqual(before.slice(1));
  });
});
