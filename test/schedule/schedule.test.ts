// bbs schedule on the bioc-3.21 example: crontab lines for its Linux and macOS
// nodes, Task Scheduler XML for its Windows node (checked with xmllint), the
// config rules of the schedule section, the crontab merge, and --next with
// warnings computed from prerun durations in a real history database.

import { execa } from "execa";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkConfigDir } from "../../src/config/load.js";
import { parseSchedule } from "../../src/config/schedule-rules.js";
import { HistoryStore, PRERUN_RUN_KIND, prerunHistoryId } from "../../src/history/store.js";
import { mergeCrontab } from "../../src/schedule/crontab.js";
import { sameClock } from "../../src/schedule/zones.js";
import { useTempDirs } from "../fixtures/tmp.js";

const EXAMPLE = "config/bioc-3.21-example";
const bbs = (args: string[], env: Record<string, string> = {}) =>
  execa("node", ["bin/bbs.js", ...args], { reject: false, env: { BBS_CONFIG: "", BBS_NODE_ID: "", ...env } });

const dirs = useTempDirs();

/** The documents of `bbs schedule` output for a Windows node: `# <file>` line, XML, `# register:` line. */
function xmlDocuments(stdout: string): { file: string; xml: string; register: string }[] {
  const docs: { file: string; xml: string; register: string }[] = [];
  const pattern = /^# (\S+\.xml)\n([\s\S]*?)^# register: (.*)$/gm;
  for (const match of stdout.matchAll(pattern)) {
    docs.push({ file: match[1] ?? "", xml: match[2] ?? "", register: match[3] ?? "" });
  }
  return docs;
}

const TASK_NS = "http://schemas.microsoft.com/windows/2004/02/mit/task";
/** Elements Task Scheduler requires of a time-triggered Exec task (Task Scheduler schema 1.2). */
const REQUIRED = [
  "/t:Task[@version='1.2']",
  "/t:Task/t:Actions/t:Exec/t:Command",
  "/t:Task/t:Triggers/t:CalendarTrigger/t:StartBoundary",
  "/t:Task/t:Principals/t:Principal[@id=/t:Task/t:Actions/@Context]",
  "/t:Task/t:Settings/t:ExecutionTimeLimit",
];

async function xmllintValid(file: string): Promise<void> {
  const wellFormed = await execa("xmllint", ["--noout", file], { reject: false });
  expect(wellFormed.stderr).toBe("");
  expect(wellFormed.exitCode).toBe(0);
  // One xmllint shell run with the namespace bound answers every required element.
  const script = [`setns t=${TASK_NS}`, ...REQUIRED.map((path) => `xpath count(${path})`)].join("\n");
  const shell = await execa("xmllint", ["--shell", file], { input: `${script}\nbye\n`, reject: false });
  const counts = [...shell.stdout.matchAll(/is a number : (\d+)/g)].map((m) => Number(m[1]));
  expect(counts).toEqual(REQUIRED.map(() => 1));
}

describe("bbs schedule on the bioc-3.21 example", () => {
  let stdout = "";
  beforeAll(async () => {
    const result = await bbs(["--config", EXAMPLE, "schedule"]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    stdout = result.stdout;
  });

  it("prints crontab lines for the Linux and macOS nodes, with BBS's dated log names", () => {
    const line = (minute: string, hour: string, days: string, node: string, command: string): RegExp =>
      new RegExp(
        `^${minute} ${hour} \\* \\* ${days} /bin/bash --login -c '.*--host ${node} ${command}.* >>[^ ]*/${node}-"\\$\\(date \\+\\\\%Y\\\\%m\\\\%d\\)"-${command.split(" ")[0]}\\.log 2>&1'$`,
        "m",
      );
    expect(stdout).toMatch(line("0", "17", "0-5", "nebbiolo1", "prerun"));
    expect(stdout).toMatch(line("55", "17", "0-5", "nebbiolo1", "run"));
    expect(stdout).toMatch(line("0", "18", "0-5", "nebbiolo1", "postrun --wait --max-wait 20h"));
    expect(stdout).toMatch(line("0", "14", "1-6", "nebbiolo1", "notify --send"));
    expect(stdout).toMatch(line("35", "14", "1-6", "nebbiolo1", "propagate"));
    expect(stdout).toMatch(line("55", "17", "0-5", "kjohnson1", "run"));
    expect(stdout).toMatch(/^# crontab of biocpush on nebbiolo1/m);
    // The Windows node gets no crontab line.
    expect(stdout).not.toMatch(/^[0-9].*--host palomino7/m);
  });

  it("runs each crontab line's command as a shell would, dated log included", async () => {
    const root = await dirs.make("schedule-shell");
    const cron = stdout.split("\n").find((l) => /--host kjohnson1 run/.test(l)) ?? "";
    // What cron hands to /bin/sh: the line after its five fields, with \% turned back into %.
    const command = cron.split(" ").slice(5).join(" ").replaceAll("\\%", "%");
    const fakeBbs = join(root, "bin");
    await execa("mkdir", ["-p", fakeBbs]);
    // A stand-in for bbs that prints its arguments: what is checked here is the shell plumbing of the line.
    writeFileSync(join(fakeBbs, "bbs"), '#!/bin/sh\necho "fake-bbs $*"\necho "on stderr" >&2\n', { mode: 0o755 });
    // The line runs a login shell, whose PATH is the profile's: point at the stand-in by path.
    const rewritten = command
      .replaceAll("/Users/biocbuild/bbs-3.21-bioc/log", join(root, "log"))
      .replace("&& bbs ", `&& ${join(fakeBbs, "bbs")} `);
    await execa("/bin/sh", ["-c", rewritten], { env: { PATH: `${fakeBbs}:${process.env.PATH ?? ""}`, HOME: root } });
    const today = (await execa("date", ["+%Y%m%d"])).stdout;
    const log = readFileSync(join(root, "log", `kjohnson1-${today}-run.log`), "utf8");
    expect(log).toBe("fake-bbs --config /Users/biocbuild/bbs-config/3.21-bioc --host kjohnson1 run\non stderr\n");
  });

  it("prints a valid Task Scheduler definition and its schtasks line for the Windows node", async () => {
    const docs = xmlDocuments(stdout);
    expect(docs.map((d) => d.file)).toEqual(["palomino7-3.21-bioc-run.xml"]);
    const root = await dirs.make("schedule-xml");
    const doc = docs[0];
    if (doc === undefined) throw new Error("no XML document");
    const file = join(root, doc.file);
    writeFileSync(file, doc.xml);
    await xmllintValid(file);
    expect(doc.xml).toContain("<StartBoundary>2025-01-01T17:55:00</StartBoundary>");
    expect(doc.xml).toMatch(/<DaysOfWeek>\s*<Sunday \/>\s*<Monday \/>[\s\S]*<Friday \/>\s*<\/DaysOfWeek>/);
    expect(doc.xml).not.toContain("<Saturday");
    expect(doc.register).toBe(
      'schtasks /Create /F /TN "\\bbs\\3.21-bioc\\run" /XML "palomino7-3.21-bioc-run.xml" /RU biocbuild /RP *',
    );
    // The encoded command is the script the description shows.
    const encoded = /-EncodedCommand (\S+)<\/Arguments>/.exec(doc.xml)?.[1] ?? "";
    const script = Buffer.from(encoded, "base64").toString("utf16le");
    expect(script).toContain("& 'bbs' '--config' 'F:/biocbuild/bbs-config/3.21-bioc' '--host' 'palomino7' 'run' 2>&1");
    expect(script).toContain("(Get-Date -Format 'yyyyMMdd') + '-run.log'");
  });

  it("writes UTF-16 task files with --out that xmllint accepts", async () => {
    const out = await dirs.make("schedule-out");
    const result = await bbs(["--config", EXAMPLE, "schedule", "--host", "palomino7", "--out", out]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toMatch(/^schtasks \/Create .*palomino7-3\.21-bioc-run\.xml/);
    const file = join(out, "palomino7-3.21-bioc-run.xml");
    expect([...readFileSync(file).subarray(0, 2)]).toEqual([0xff, 0xfe]);
    await xmllintValid(file);
  });

  it("explains a node without tasks and a wrong format choice", async () => {
    const result = await bbs(["--config", "config/local", "schedule"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/error\[BBS_PRECONDITION\]: the configuration schedules no task/);
    const windows = await bbs(["--config", EXAMPLE, "schedule", "--host", "palomino7", "--install"]);
    expect(windows.exitCode).toBe(2);
    expect(windows.stderr).toMatch(/palomino7 is a Windows node: it has no crontab/);
  });
});

describe("schedule rules", () => {
  async function configWith(global: string, host = ""): Promise<string> {
    const dir = join(await dirs.make("schedule-rules"), "config");
    cpSync(EXAMPLE, dir, { recursive: true });
    const globalFile = join(dir, "global.yaml");
    writeFileSync(globalFile, readFileSync(globalFile, "utf8").replace(/\nschedule:[\s\S]*$/, `\n${global}`));
    if (host !== "")
      writeFileSync(
        join(dir, "hosts/kjohnson1.yaml"),
        `${readFileSync(join(dir, "hosts/kjohnson1.yaml"), "utf8").replace(/\nschedule:[\s\S]*$/, "")}\n${host}`,
      );
    return dir;
  }

  it("names the key of a time, days or zone the cron parser or the zone database rejects", async () => {
    const dir = await configWith(
      'schedule:\n  timeZone: America/New_Yrok\n  prerun:\n    time: "25:00"\n  run:\n    time: "17:55"\n    days: mon-fry\n',
      'schedule:\n  postrun:\n    time: "18:70"\n',
    );
    const problems = checkConfigDir(dir).problems.join("\n");
    expect(problems).toMatch(/global\.yaml:\d+:\d+: schedule\.timeZone: "America\/New_Yrok" is not a time zone/);
    expect(problems).toMatch(/global\.yaml:\d+:\d+: schedule\.prerun\.time: .*25/);
    expect(problems).toMatch(/global\.yaml:\d+:\d+: schedule\.run\.days: .*fry/);
    expect(problems).toMatch(/hosts\/kjohnson1\.yaml:\d+:\d+: schedule\.postrun\.time: .*70/);
  });

  it("takes a time with or without quotes, and a per-host override", async () => {
    // YAML 1.2 reads 17:55 as a string (1.1 read it as sexagesimal 1075).
    const unquoted = await configWith("schedule:\n  run:\n    time: 17:55\n    days: 1-5\n");
    expect(checkConfigDir(unquoted).problems).toEqual([]);
    const number = await configWith("schedule:\n  run:\n    time: 1755\n");
    expect(checkConfigDir(number).problems.join("\n")).toMatch(/schedule\.run\.time: must be a string/);
    const dir = await configWith('schedule:\n  run:\n    time: "17:55"\n', 'schedule:\n  run:\n    time: "19:10"\n');
    const result = await bbs(["--config", dir, "schedule", "--host", "kjohnson1"]);
    expect(result.stdout).toMatch(/^10 19 \* \* \* \/bin\/bash/m);
  });

  it("reads days through the cron parser", () => {
    expect(parseSchedule("17:55", "sun-fri")).toMatchObject({
      ok: true,
      value: { expression: "55 17 * * 0-5", hour: 17, minute: 55, daysOfWeek: [0, 1, 2, 3, 4, 5] },
    });
    expect(parseSchedule("7:05", "7")).toMatchObject({ ok: true, value: { daysOfWeek: [0] } });
    expect(parseSchedule("17:55", "mon fri")).toMatchObject({ ok: false });
  });
});

describe("crontab merge", () => {
  const block = (n: number): string =>
    ["# >>> bbs schedule 3.21-bioc/n1 >>> (x)", `${n} 17 * * * bbs run`, "# <<< bbs schedule 3.21-bioc/n1 <<<"].join(
      "\n",
    );
  it("replaces its own block in place, keeps other lines and other builds' blocks", () => {
    const foreign = "MAILTO=ops@example.org\n30 2 * * * /usr/local/bin/backup\n";
    const once = mergeCrontab(foreign, "3.21-bioc/n1", block(1));
    expect(mergeCrontab(once, "3.21-bioc/n1", block(1))).toBe(once);
    const other = mergeCrontab(
      once,
      "3.21-data-experiment/n1",
      block(9).replaceAll("3.21-bioc", "3.21-data-experiment"),
    );
    const updated = mergeCrontab(other, "3.21-bioc/n1", block(2));
    expect(updated).toContain("30 2 * * * /usr/local/bin/backup");
    expect(updated).toContain("9 17 * * * bbs run");
    expect(updated).not.toContain("1 17 * * * bbs run");
    expect(updated.indexOf("2 17 * * * bbs run")).toBeLessThan(updated.indexOf("9 17"));
    expect(mergeCrontab(updated, "3.21-bioc/n1", undefined)).not.toContain("3.21-bioc/n1");
  });
  it("refuses a crontab whose block has lost its end marker", () => {
    expect(() =>
      mergeCrontab(`${block(1).split("\n").slice(0, 2).join("\n")}\n0 1 * * * mine\n`, "3.21-bioc/n1", block(2)),
    ).toThrow(/no "# <<< bbs schedule 3\.21-bioc\/n1 <<<"/);
  });
  it("compares time zones by their clocks, DST included", () => {
    expect(sameClock("UTC", "Etc/UTC")).toBe(true);
    expect(sameClock("US/Eastern", "America/New_York")).toBe(true);
    expect(sameClock("America/New_York", "America/Toronto")).toBe(true);
    // Same offset in winter, not in summer.
    expect(sameClock("Europe/London", "UTC")).toBe(false);
  });
});

describe("bbs schedule --next", () => {
  it("prints every task's next start on the node's clock and in UTC, and warns of builders starting before prerun ends", async () => {
    const root = await dirs.make("schedule-next");
    const dir = join(root, "config");
    cpSync(EXAMPLE, dir, { recursive: true });
    const historyDb = join(root, "history.sqlite");
    const hostFile = join(dir, "hosts/nebbiolo1.yaml");
    writeFileSync(hostFile, `${readFileSync(hostFile, "utf8")}historyDb: ${historyDb}\n`);
    // Without history: a note, no warning.
    const before = await bbs(["--config", dir, "schedule", "--next"]);
    expect(before.exitCode).toBe(0);
    expect(before.stderr).toMatch(/^note: no finished prerun in the history/m);
    const store = HistoryStore.open(historyDb);
    // Three preruns of 50, 60 and 70 minutes: 60 on average, more than the 55 between prerun and run.
    [50, 60, 70].forEach((minutes, i) => {
      const startedAt = new Date(Date.UTC(2026, 10, 2 + i, 22, 0));
      store.recordRun(
        {
          runId: prerunHistoryId(`2026110${2 + i}-170000`),
          node: "nebbiolo1",
          kind: PRERUN_RUN_KIND,
          startedAt,
          endedAt: new Date(startedAt.getTime() + minutes * 60_000),
          state: "finished",
        },
        [],
      );
    });
    store.close();
    const result = await bbs(["--config", dir, "schedule", "--next"]);
    expect(result.exitCode).toBe(0);
    const rows = result.stdout.split("\n").slice(1).filter(Boolean);
    expect(rows.map((r) => r.split(/\s+/).slice(0, 2).join(" "))).toEqual([
      "nebbiolo1 prerun",
      "nebbiolo1 run",
      "palomino7 run",
      "kjohnson1 run",
      "nebbiolo1 postrun",
      "nebbiolo1 notify",
      "nebbiolo1 propagate",
    ]);
    // 17:00 New York is 22:00 UTC in winter and 21:00 in summer.
    const prerun = rows[0] ?? "";
    expect(prerun).toMatch(/ 17:00 \w{3} America\/New_York +\d{4}-\d\d-\d\d (22|21):00 \w{3} UTC$/);
    const warnings = result.stderr.split("\n").filter((l) => l.startsWith("warning:"));
    expect(warnings).toHaveLength(3);
    expect(warnings.join("\n")).toMatch(
      /bbs run on kjohnson1 starts .* 17:55 \w{3} America\/New_York, 55 min after prerun starts; prerun takes 1 h 00 min on average \(last 3 in .*history\.sqlite\): it would wait about 5 min/,
    );
  });
});
