// `bbs notify` on the postrun fixture run: who gets mail (notify nodes only,
// ERROR/TIMEOUT of INSTALL/BUILD/CHECK, deprecated packages none, the R-help
// list redirected), BBS's exact message text, the dry run, --send, --digest
// and --redirect against a real SMTP server (aiosmtpd), and delivery
// failures that do not stop the other messages.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeMeatIndex } from "../../src/rpkg/meat-index.js";
import { runPostrun } from "../../src/stages/postrun/postrun.js";
import { collectProblems, digestEmails } from "../../src/notify/messages.js";
import { bbsInProcess, type CliResult } from "../stages/postrun/cli.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { deliverCells, MEAT, SKIPPED, startRun, threeNodeConfig } from "../stages/postrun/fixture.js";
import { startSmtpd, type SmtpdFixture } from "./smtpd.js";

const temp = useTempDirs();
const URL_BASE = "https://bioc.example.org/checkResults/3.16/bioc-LATEST/";
const TITLE = "Multiple platform build/check report for BioC 3.16";

describe("bbs notify", () => {
  let smtp: SmtpdFixture;
  let configDir: string;
  let runDir: string;
  const notify = (...args: string[]): Promise<CliResult> =>
    bbsInProcess(["--config", configDir, "--host", "linux1", "notify", ...args]);

  beforeAll(async () => {
    smtp = await startSmtpd();
    const root = await temp.make("notify");
    const config = threeNodeConfig(join(root, "work"), {
      report: { publishedUrl: URL_BASE.slice(0, -1) }, // no trailing slash: one is added
      notify: {
        nodes: ["linux1", "win1"],
        smtp: { host: smtp.host, port: smtp.port },
        opsEmail: "ops@bbs-fixtures.example.org",
      },
    });
    configDir = config.dir;
    runDir = startRun(config, MEAT, SKIPPED);
    deliverCells(runDir);
    expect((await runPostrun(config.load(), { env: {}, only: "status-db" })).failed).toEqual([]);
  });

  afterAll(async () => {
    await smtp?.stop();
  });

  it("prints every email in a dry run and sends nothing", async () => {
    const result = await notify();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`run 20261121-135500: 3 package(s) with problems on linux1, win1, 3 email(s)`);
    expect(result.stdout).toContain("deprecated, not notified: deprecatedPkg");
    expect(result.stdout).toContain(
      `###########################################################\nFrom: BBS-noreply@bioconductor.org\nTo: ada@bbs-fixtures.example.org\nSubject: checkErr problems reported in the ${TITLE}\n\n${readFileSync(new URL("./golden/checkErr.txt", import.meta.url), "utf8")}`,
    );
    expect(result.stdout).toContain("dry run: nothing sent");
    expect(smtp.messages()).toEqual([]);
  });

  it("--send delivers one email per package to its maintainer, the mailing list redirected", async () => {
    smtp.clear();
    const result = await notify("--send");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const mails = smtp.messages();
    expect(mails.map((mail) => [mail.rcptTos, mail.subject])).toEqual([
      [["ada@bbs-fixtures.example.org"], `buildErr problems reported in the ${TITLE}`],
      [["ada@bbs-fixtures.example.org"], `checkErr problems reported in the ${TITLE}`],
      [["ops@bbs-fixtures.example.org"], `installErr problems reported in the ${TITLE}`],
    ]);
    expect(mails[1]?.body).toBe(readFileSync(new URL("./golden/checkErr.txt", import.meta.url), "utf8"));
    expect(mails[0]?.from).toBe("BBS-noreply@bioconductor.org");
    // win1 is a notify node too: checkErr's CHECK TIMEOUT there is a second bullet (golden file); its BUILD BIN ERROR is not.
    expect(mails.some((mail) => mail.subject.startsWith("checkWarn"))).toBe(false);
    const buildErr = mails[0]?.body.split("\n") ?? [];
    expect(buildErr).toContain("  o ERROR for 'R CMD build' on linux1. See the details here:");
    expect(buildErr).toContain(`      ${URL_BASE}buildErr/linux1-buildsrc.html`);
    expect(buildErr.some((line) => line.includes("checksrc"))).toBe(false); // skipped CHECK does not notify
    expect(mails[2]?.body).toContain("  o ERROR for 'R CMD INSTALL' on linux1. See the details here:");
    expect(result.stdout).toContain("3 of 3 email(s) sent through 127.0.0.1:");
  });

  it("--digest groups the packages of one address", async () => {
    smtp.clear();
    expect((await notify("--send", "--digest")).code).toBe(0);
    const mails = smtp.messages();
    expect(mails.map((mail) => [mail.rcptTos, mail.subject])).toEqual([
      [["ada@bbs-fixtures.example.org"], `buildErr and checkErr problems reported in the ${TITLE}`],
      [["ops@bbs-fixtures.example.org"], `installErr problems reported in the ${TITLE}`],
    ]);
    const lines = mails[0]?.body.split("\n") ?? [];
    expect(lines.slice(0, 7)).toEqual([
      "[This is an automatically generated email. Please don't reply.]",
      "",
      "Hi Ada Alpha,",
      "",
      `According to the ${TITLE},`,
      "2 packages you maintain have the following problem(s):",
      "",
    ]);
    expect(lines).toContain("the buildErr package:");
    expect(lines).toContain("the checkErr package:");
    expect(lines).toContain(`      ${URL_BASE}checkErr/linux1-checksrc.html`);
  });

  it("--redirect sends everything to one address, naming the intended recipient", async () => {
    smtp.clear();
    expect((await notify("--redirect", "tester@bbs-fixtures.example.org")).code).toBe(0);
    const mails = smtp.messages();
    expect(mails).toHaveLength(3);
    expect(mails.every((mail) => mail.rcptTos.join() === "tester@bbs-fixtures.example.org")).toBe(true);
    expect(mails.map((mail) => mail.headers["x-bbs-original-to"])).toEqual([
      "ada@bbs-fixtures.example.org",
      "ada@bbs-fixtures.example.org",
      "ops@bbs-fixtures.example.org",
    ]);
    expect((await notify("--send", "--redirect", "x@y.org")).code).toBe(2); // conflicting options
  });

  it("reports an undeliverable message, sends the others and exits 1", async () => {
    smtp.clear();
    writeMeatIndex(
      join(runDir, "meat-index.dcf"),
      MEAT.map((record) =>
        record.package === "buildErr" ? { ...record, maintainerEmail: "gone@reject.example.org" } : record,
      ),
    );
    const result = await notify("--send");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("error[BBS_MAIL_FAILED]: 1 of 3 email(s) could not be sent");
    expect(result.stderr).toContain(`gone@reject.example.org: buildErr problems reported in the ${TITLE}:`);
    expect(result.stdout).toMatch(/FAILED to gone@reject\.example\.org: buildErr problems .*550/);
    expect(smtp.messages().map((mail) => mail.subject)).toEqual([
      `checkErr problems reported in the ${TITLE}`,
      `installErr problems reported in the ${TITLE}`,
    ]);
    writeMeatIndex(join(runDir, "meat-index.dcf"), MEAT);
  });
});

describe("who gets mail", () => {
  it("only ERROR and TIMEOUT of the displayed INSTALL/BUILD/CHECK stages on notify nodes", () => {
    const statuses = new Map([
      ["p#n1#install", "TIMEOUT"],
      ["p#n1#checksrc", "WARNINGS"],
      ["p#n1#buildbin", "ERROR"],
      ["p#n2#buildsrc", "ERROR"],
      ["q#n1#checksrc", "ERROR"],
    ]);
    const records = [
      { package: "q", version: "1", maintainer: "Q", maintainerEmail: "q@example.org" },
      { package: "p", version: "1", maintainer: "P", maintainerEmail: "p@example.org" },
      { package: "noEmail", version: "1" },
    ];
    statuses.set("noEmail#n1#install", "ERROR");
    const scan = collectProblems({
      records,
      statuses,
      notifyNodes: ["n1"],
      buildType: "workflows",
      publishedUrl: "https://r/",
      listRedirect: "ops@example.org",
    });
    // workflows display no CHECK: q's CHECK ERROR is not notified; n2 is not a notify node.
    expect(scan.packages.map((pkg) => [pkg.package, pkg.problems.map((p) => `${p.stage}:${p.status}`)])).toEqual([
      ["p", ["install:TIMEOUT"]],
    ]);
    expect(scan.withoutEmail).toEqual(["noEmail"]);
    const many = ["a", "b", "c", "d", "e"].map((name) => ({
      package: name,
      to: "m@example.org",
      problems: scan.packages[0]!.problems,
    }));
    expect(digestEmails(many, "T", "f@example.org", "bioc")[0]?.subject).toBe(
      "a, b, c and 2 other packages: problems reported in the T",
    );
  });
});
