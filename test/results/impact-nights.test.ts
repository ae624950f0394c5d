// Acceptance of "impact of a change" (issue 13) with real git, R, SQLite and
// SMTP: two nights of three generated packages on the one-node config,
// impDep <- impUser (Imports; its example calls impDep::impDep_shared()) <-
// impTop (Depends impUser). Between the nights a commit to impDep removes the
// exported impDep_shared (and bumps its version): impUser's CHECK fails. The
// package page, report.json and the maintainer's email of impUser name impDep
// and its commit range; `bbs impact impDep` lists impUser and impTop in build
// order with their last statuses. Both nights are shared by every assertion.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GitServer } from "../fixtures/git-server.js";
import { materializeScenario, type Scenario } from "../fixtures/scenarios.js";
import { renderPackage, type PackageSpec } from "../fixtures/rpkg-generator.js";
import { writeTestConfig, type TestConfig } from "../fixtures/test-config.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { startSmtpd, type ReceivedMail, type SmtpdFixture } from "../notify/smtpd.js";
import { makeCli, prerun, type CentralRunFixture } from "../stages/run/helpers.js";

const dirs = useTempDirs();

const SHARED_RD = [
  "\\name{impDep_shared}",
  "\\alias{impDep_shared}",
  "\\title{A function other packages use}",
  "\\description{Returns 42.}",
  "\\usage{impDep_shared()}",
  "\\value{The number 42.}",
  "\\examples{impDep_shared()}",
  "",
].join("\n");

const DEP: PackageSpec = { name: "impDep", version: "1.0.0" };
const SCENARIO: Scenario = {
  name: "impact",
  packages: [
    { name: "impDep", purpose: "the dependency a commit breaks", spec: DEP },
    {
      name: "impUser",
      purpose: "imports impDep and calls impDep_shared in an example: its CHECK breaks",
      spec: { name: "impUser", version: "1.0.0", imports: ["impDep"], extraExamples: ["impDep::impDep_shared()"] },
    },
    {
      name: "impTop",
      purpose: "depends on impUser: impDep is in its closure, its CHECK stays OK",
      spec: { name: "impTop", version: "1.0.0", depends: ["impUser"] },
    },
  ],
  manifest: ["impDep", "impUser", "impTop"],
};

interface Night {
  central: CentralRunFixture;
  postrun: string;
  /** impDep's commit built that night (abbreviated as gitlog has it). */
  depCommit: string;
}

describe("impact of a change across two real nights", () => {
  let config: TestConfig;
  let server: GitServer;
  let smtp: SmtpdFixture;
  const nights: Night[] = [];
  let mails: ReceivedMail[];
  let impactText: string;
  let impactUser: string;

  const readGitCommit = (runDir: string, pkg: string): string =>
    /git_last_commit: (\w+)/.exec(readFileSync(join(runDir, "gitlog", `git-log-${pkg}.dcf`), "utf8"))?.[1] ?? "?";

  async function night(): Promise<Night> {
    const cli = makeCli(config);
    const central = await prerun(config);
    const run = await cli.run(["run"]);
    if (run.exitCode !== 0) throw new Error(`bbs run failed:\n${run.all}`);
    const postrun = await cli.run(["postrun"]);
    if (postrun.exitCode !== 0) throw new Error(`bbs postrun failed:\n${postrun.all}`);
    return { central, postrun: postrun.all ?? "", depCommit: readGitCommit(central.runDir, "impDep") };
  }

  beforeAll(async () => {
    const root = await dirs.make("impact-nights");
    smtp = await startSmtpd();
    ({ server } = await materializeScenario(SCENARIO, join(root, "fixture")));
    // impDep exports impDep_shared, which impUser's example calls.
    const namespace = renderPackage(DEP).find((file) => file.path === "NAMESPACE")!.content;
    await server.commitChange("impDep", {
      files: {
        NAMESPACE: `${namespace}export(impDep_shared)\n`,
        "R/shared.R": "impDep_shared <- function() 42\n",
        "man/impDep_shared.Rd": SHARED_RD,
      },
    });
    config = writeTestConfig({
      workDir: join(root, "work"),
      gitServer: server,
      global: { notify: { smtp: { host: smtp.host, port: smtp.port } } },
      host: { slots: { install: 2, build: 2, check: 2 }, run: { targetRepoPoll: 1, targetRepoTimeout: 10 } },
    });
    nights.push(await night());
    // The breaking commit: impDep_shared is no longer exported (nor defined), and the version is bumped.
    await server.commitChange("impDep", {
      version: "bump",
      files: { NAMESPACE: namespace, "R/shared.R": null, "man/impDep_shared.Rd": null },
    });
    nights.push(await night());
    const cli = makeCli(config);
    const notify = await cli.run(["notify", "--send"]);
    if (notify.exitCode !== 0) throw new Error(`bbs notify failed:\n${notify.all}`);
    mails = smtp.messages();
    impactText = (await cli.run(["impact", "impDep"])).all ?? "";
    impactUser = (await cli.run(["impact", `impDep@${nights[1]!.depCommit}`])).all ?? "";
  }, 600_000);

  afterAll(async () => {
    await smtp?.stop();
  });

  const statusDb = (n: number): string => readFileSync(join(nights[n]!.central.runDir, "BUILD_STATUS_DB.txt"), "utf8");
  const report = (n: number): string => join(nights[n]!.central.runDir, "report");

  it("night 1 passes, night 2 breaks impUser's CHECK and only it", () => {
    expect(statusDb(0)).not.toMatch(/ERROR|WARNINGS/);
    expect(statusDb(1)).toContain("impUser#local#checksrc: ERROR");
    expect(statusDb(1)).toContain("impDep#local#checksrc: OK");
    expect(statusDb(1)).toContain("impTop#local#checksrc: OK");
    expect(nights[0]!.depCommit).not.toBe(nights[1]!.depCommit);
    expect(nights[1]!.postrun).toMatch(/package input\(s\)/);
  });

  it("impUser's package page names impDep and its commit range as the change since the last good run", () => {
    const html = readFileSync(join(report(1), "impUser", "index.html"), "utf8");
    const text = html.replace(/<[^>]+>/g, "");
    const [before, after] = [nights[0]!.depCommit, nights[1]!.depCommit];
    expect(text).toContain("Impact of a change");
    expect(text).toContain(
      `first failing tonight (ERROR; OK in run ${nights[0]!.central.runId}); changed since the last good run: impDep ${before}..${after}, 1.0.0 -&gt; 1.0.1; its own code: none`,
    );
    expect(html).toContain('<a href="../impDep/"><b>impDep</b></a>');
    // Packages that did not get worse say nothing of the kind.
    expect(readFileSync(join(report(1), "impTop", "index.html"), "utf8")).not.toContain("Impact of a change");
    expect(readFileSync(join(report(0), "impUser", "index.html"), "utf8")).not.toContain("Impact of a change");
  });

  it("report.json carries the impact as data", () => {
    const doc = JSON.parse(readFileSync(join(report(1), "report.json"), "utf8")) as {
      packages: Array<{ package: string; impact: Array<Record<string, unknown>> }>;
    };
    const byName = new Map(doc.packages.map((pkg) => [pkg.package, pkg]));
    expect(byName.get("impTop")?.impact).toEqual([]);
    expect(byName.get("impDep")?.impact).toEqual([]);
    expect(byName.get("impUser")?.impact).toEqual([
      expect.objectContaining({
        node: "local",
        status: "ERROR",
        firstBad: { runId: nights[1]!.central.runId, tonight: true, status: "ERROR" },
        lastGood: expect.objectContaining({ runId: nights[0]!.central.runId, status: "OK" }),
        known: true,
        own: null,
        dependencies: [
          {
            package: "impDep",
            source: "build",
            kind: "changed",
            fromCommit: nights[0]!.depCommit,
            toCommit: nights[1]!.depCommit,
            commitRange: `${nights[0]!.depCommit}..${nights[1]!.depCommit}`,
            fromVersion: "1.0.0",
            toVersion: "1.0.1",
          },
        ],
      }),
    ]);
  });

  it("the maintainer's email names impDep, its commit range and where to see it", () => {
    expect(mails.map((mail) => mail.subject)).toEqual([expect.stringMatching(/^impUser problems reported in the /)]);
    const body = mails[0]!.body;
    expect(body).toContain("  o ERROR for 'R CMD check' on local. See the details here:");
    expect(body).toContain(
      [
        "Changed since the last good run:",
        "",
        `  o On local, first failing tonight (ERROR; OK in run ${nights[0]!.central.runId}):`,
        `      impDep ${nights[0]!.depCommit}..${nights[1]!.depCommit}, 1.0.0 -> 1.0.1, see ${config.load().values["report.publishedUrl"]}impDep/`,
        "      its own code: none",
      ].join("\n"),
    );
  });

  it("bbs impact impDep: the packages whose closure contains it, in build order, with their last statuses", () => {
    const lines = impactText.trim().split("\n");
    expect(lines[0]).toBe(
      `impDep 1.0.1 (commit ${nights[1]!.depCommit}): last statuses from run ${nights[1]!.central.runId} on local`,
    );
    expect(lines.slice(1)).toEqual([
      "2 package(s) of the build have it in their dependency closure, in build order:",
      "   1. impUser (direct)  local: INSTALL OK, BUILD OK, CHECK ERROR",
      "   2. impTop            local: INSTALL OK, BUILD OK, CHECK OK",
    ]);
  });

  it("bbs impact impDep@<commit>: the dependents' statuses before and with the first run that built it", () => {
    const lines = impactUser.trim().split("\n");
    expect(lines[0]).toBe(
      `impDep@${nights[1]!.depCommit}: first built in run ${nights[1]!.central.runId} on local; statuses before it (run ${nights[0]!.central.runId} on local) -> with it`,
    );
    expect(lines[2]).toBe("   1. impUser (direct)  local: INSTALL OK, BUILD OK, CHECK OK -> ERROR");
  });
});
