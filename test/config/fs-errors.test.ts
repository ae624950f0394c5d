// A config file bbs cannot read is the operator's to fix (issue 15, item 5):
// a host file that is a directory, a global.yaml that is a symlink loop, a
// platform file bbs may not read, a link to nothing. Each gives a BbsError
// naming the file and what to do, never BBS_INTERNAL "this is a bug in bbs".

import { execa } from "execa";
import { chmodSync, mkdirSync, rmSync, symlinkSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { repoRoot } from "../fixtures/test-config.js";
import { validFiles, writeConfigDir } from "./config-dir.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function configDir(): string {
  const { dir, cleanup } = writeConfigDir(validFiles());
  cleanups.push(cleanup);
  return dir;
}

const NOBODY = 65534;

async function configShow(dir: string, options: { uid?: number } = {}) {
  const result = await execa(
    "node",
    [join(repoRoot(), "bin", "bbs.js"), "config", "show", "--config", dir, "--host", "linux1"],
    {
      reject: false,
      env: { BBS_CONFIG: "", BBS_NODE_ID: "" },
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
    },
  );
  return { exitCode: result.exitCode, stderr: String(result.stderr) };
}

function expectNotABug(stderr: string): void {
  expect(stderr).not.toMatch(/BBS_INTERNAL|a bug in bbs/);
  expect(stderr).not.toMatch(/^\s+at /m); // no stack trace
}

describe("config files bbs cannot read", () => {
  it("a host file that is a directory: BBS_FILE_ACCESS naming it (Node's EISDIR names no path)", async () => {
    const dir = configDir();
    const host = join(dir, "hosts", "linux1.yaml");
    unlinkSync(host);
    mkdirSync(host);
    const { exitCode, stderr } = await configShow(dir);
    expectNotABug(stderr);
    expect(exitCode).toBe(2);
    expect(stderr).toContain(`error[BBS_FILE_ACCESS]: ${host} is a directory where a file is expected`);
    expect(stderr).toContain("while reading the configuration");
    expect(stderr).toMatch(/hint: replace .*linux1\.yaml by a file/);
  });

  it("a global.yaml that is a symlink loop: BBS_FILE_ACCESS, not 'has no global.yaml'", async () => {
    const dir = configDir();
    const global = join(dir, "global.yaml");
    unlinkSync(global);
    symlinkSync("global2.yaml", global);
    symlinkSync("global.yaml", join(dir, "global2.yaml"));
    const { exitCode, stderr } = await configShow(dir);
    expectNotABug(stderr);
    expect(exitCode).toBe(2);
    expect(stderr).toContain(`error[BBS_FILE_ACCESS]: ${global} is a symbolic link loop`);
    expect(stderr).toContain("(ELOOP [open])");
    expect(stderr).toContain(`ls -l ${global}`);
  });

  it("a platform file that is a symlink loop is reported as such, not as a missing platform", async () => {
    const dir = configDir();
    const platform = join(dir, "platforms", "linux.yaml");
    unlinkSync(platform);
    symlinkSync("linux.yaml", platform);
    const { exitCode, stderr } = await configShow(dir);
    expectNotABug(stderr);
    expect(exitCode).toBe(2);
    expect(stderr).toContain(`error[BBS_FILE_ACCESS]: ${platform} is a symbolic link loop`);
  });

  it("a host file that links to nothing: BBS_CONFIG_NOT_FOUND saying so", async () => {
    const dir = configDir();
    const host = join(dir, "hosts", "linux1.yaml");
    unlinkSync(host);
    symlinkSync(join(dir, "elsewhere", "linux1.yaml"), host);
    const { exitCode, stderr } = await configShow(dir);
    expectNotABug(stderr);
    expect(exitCode).toBe(2);
    expect(stderr).toContain(`error[BBS_CONFIG_NOT_FOUND]: ${host} is a symbolic link to a file that does not exist`);
  });

  // Root reads any file, so the unreadable file is read by bbs running as nobody (CI runs as root).
  it.skipIf(process.getuid?.() !== 0)(
    "an unreadable host file (bbs running as nobody): BBS_FILE_ACCESS, permission denied",
    async () => {
      const dir = configDir();
      chmodSync(dir, 0o755); // mkdtemp made it 0700
      const host = join(dir, "hosts", "linux1.yaml");
      chmodSync(host, 0o000);
      const { exitCode, stderr } = await configShow(dir, { uid: NOBODY });
      expectNotABug(stderr);
      expect(exitCode).toBe(2);
      expect(stderr).toContain(
        `error[BBS_FILE_ACCESS]: ${host} cannot be used: permission denied while reading the configuration`,
      );
      expect(stderr).toContain("(EACCES [open])");
      expect(stderr).toMatch(/hint: check the owner and mode of .*linux1\.yaml .*bbs runs as user nobody/);
      rmSync(host, { force: true });
    },
  );
});
