// `bbs schedule --install` against the real crontab (Debian's cron package) on
// a throwaway Unix user the test creates and deletes: installing twice leaves
// one copy of bbs's lines, a foreign line stays, --uninstall takes bbs's lines
// out again, and a schedule written for another clock is refused. Needs root
// (useradd, crontab -u), as CI runs; root's own crontab is never touched.

import { execa } from "execa";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTempDirs } from "../fixtures/tmp.js";

const isRoot = process.getuid?.() === 0;
const dirs = useTempDirs();
const USER = `bbs-cron-${process.pid}`;
const FOREIGN = "30 2 * * * /usr/local/bin/backup --quiet";

const bbs = (args: string[], env: Record<string, string> = {}) =>
  execa("node", ["bin/bbs.js", ...args], { reject: false, env: { BBS_CONFIG: "", BBS_NODE_ID: "", ...env } });
const crontabOf = async (): Promise<string> => (await execa("crontab", ["-u", USER, "-l"])).stdout;

describe.skipIf(!isRoot)("bbs schedule --install with the real crontab (as root)", () => {
  let config = "";
  beforeAll(async () => {
    await execa("useradd", ["--no-create-home", "--shell", "/bin/sh", USER]);
    const root = await dirs.make("schedule-install");
    config = join(root, "config");
    cpSync("config/bioc-3.21-example", config, { recursive: true });
    // The central node's build user becomes the throwaway user (propagate stays biocpush's).
    const host = join(config, "hosts/nebbiolo1.yaml");
    writeFileSync(host, readFileSync(host, "utf8").replace("user: biocbuild", `user: ${USER}`));
    const foreign = join(root, "foreign.crontab");
    writeFileSync(foreign, `${FOREIGN}\n`);
    await execa("crontab", ["-u", USER, foreign]);
  });
  afterAll(async () => {
    await execa("crontab", ["-u", USER, "-r"], { reject: false });
    await execa("userdel", [USER], { reject: false });
  });

  it("merges the node's lines once, keeps the foreign line, and removes them with --uninstall", async () => {
    const args = ["--config", config, "schedule", "--host", "nebbiolo1", "--install", "--user", USER];
    const first = await bbs(args, { TZ: "America/New_York" });
    expect(first.stderr).toBe("");
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toContain(
      `installed 4 task(s) of nebbiolo1 (prerun, run, postrun, notify) in the crontab of ${USER}`,
    );
    expect(first.stdout).toContain(
      "note: propagate runs as biocpush: bbs schedule --host nebbiolo1 --install --user biocpush",
    );
    const once = await crontabOf();
    const second = await bbs(args, { TZ: "America/New_York" });
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toContain("already up to date in the crontab");
    const twice = await crontabOf();
    expect(twice).toBe(once);
    const lines = twice.split("\n");
    expect(lines.filter((l) => l === FOREIGN)).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith("# >>> bbs schedule 3.21-bioc/nebbiolo1 >>>"))).toHaveLength(1);
    expect(lines.filter((l) => /^\d+ \d+ \* \* [0-9-]+ \/bin\/bash --login -c /.test(l))).toHaveLength(4);
    expect(twice).toMatch(
      /^0 17 \* \* 0-5 .*--host nebbiolo1 prerun .*nebbiolo1-"\$\(date \+\\%Y\\%m\\%d\)"-prerun\.log/m,
    );
    expect(twice).not.toContain("propagate");

    const removed = await bbs(["--config", config, "schedule", "--host", "nebbiolo1", "--uninstall", "--user", USER]);
    expect(removed.exitCode).toBe(0);
    expect((await crontabOf()).trim()).toBe(FOREIGN);
  });

  it("refuses a schedule written for another clock than the machine's, and changes nothing", async () => {
    const before = await crontabOf();
    const result = await bbs(["--config", config, "schedule", "--host", "nebbiolo1", "--install", "--user", USER], {
      TZ: "Europe/Paris",
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(
      /error\[BBS_PRECONDITION\]: the schedule of nebbiolo1 is written in America\/New_York, but this machine's clock is Europe\/Paris/,
    );
    expect(result.stderr).toMatch(/hint: set schedule\.timeZone: Europe\/Paris/);
    expect(await crontabOf()).toBe(before);
  });

  it("says whose crontab the tasks belong in when another user is named", async () => {
    const result = await bbs(
      ["--config", config, "schedule", "--host", "nebbiolo1", "--install", "--user", `${USER}-none`],
      { TZ: "America/New_York" },
    );
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/error\[BBS_PRECONDITION\]: no task of nebbiolo1 belongs in the crontab of/);
  });
});
