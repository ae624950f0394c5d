// cloneOrUpdate against real git repos: clone, unchanged, updated; retries
// with growing delays and a failure as data with git's reason; an existing
// clone survives a failing server; the last commit before a cutoff through
// a shallow history; a hanging git is stopped by the timeout.

import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  cloneOrUpdate,
  createGitRunner,
  gitFailureReason,
  retryDelay,
  type SyncOptions,
} from "../../../src/stages/prerun/git.js";
import { GitServer } from "../../fixtures/git-server.js";
import { git } from "../../fixtures/git.js";
import { writePackage } from "../../fixtures/rpkg-generator.js";
import { useTempDirs } from "../../fixtures/tmp.js";

const dirs = useTempDirs();
let root: string;
let server: GitServer;
const runner = createGitRunner({ timeoutMs: 60_000 });

function options(name: string, dir: string, extra: Partial<SyncOptions> = {}): SyncOptions {
  return {
    url: server.url(name),
    branch: server.branch,
    dir,
    attempts: 3,
    retryDelayMs: 0,
    logFile: `${dir}.log`,
    ...extra,
  };
}

beforeAll(async () => {
  root = await dirs.make("prerun-git");
  server = new GitServer(join(root, "server"));
  for (const name of ["pkgA", "pkgB", "pkgC"]) {
    await server.importDirectory(name, await writePackage(join(root, "src"), { name, version: "1.0.0" }));
  }
});

describe("cloneOrUpdate", () => {
  it("clones shallow, then reports unchanged, then updated after an upstream commit", async () => {
    const dir = join(root, "meat0", "pkgA");
    const first = await cloneOrUpdate(runner, options("pkgA", dir));
    const head = await server.headCommit("pkgA");
    expect(first).toMatchObject({ status: "cloned", attempts: 1, commit: { sha: head.sha, shortSha: head.shortSha } });
    expect(await git(["rev-parse", "--is-shallow-repository"], { cwd: dir })).toBe("true");
    expect(await cloneOrUpdate(runner, options("pkgA", dir))).toMatchObject({
      status: "unchanged",
      commit: { sha: head.sha },
    });
    writeFileSync(join(dir, "stray-file"), "left by someone\n");
    const changed = await server.commitChange("pkgA", { version: "bump" });
    const updated = await cloneOrUpdate(runner, options("pkgA", dir));
    expect(updated).toMatchObject({ status: "updated", commit: { sha: changed } });
    if (updated.status !== "failed")
      expect(new Date(updated.commit.authorDate).getTime()).toBe((await server.headCommit("pkgA")).timestamp * 1000);
    expect(existsSync(join(dir, "stray-file"))).toBe(false);
  });

  it("retries with doubling delays, then reports the failure with git's reason", async () => {
    const dir = join(root, "meat0", "nothere");
    const retries: Array<[number, number]> = [];
    const result = await cloneOrUpdate(
      runner,
      options("nothere", dir, {
        retryDelayMs: 20,
        onRetry: (attempt, _reason, delay) => retries.push([attempt, delay]),
      }),
    );
    expect(retries).toEqual([
      [2, 20],
      [3, 40],
    ]);
    expect(result.status).toBe("failed");
    if (result.status === "failed") {
      expect(result.attempts).toBe(3);
      expect(result.reason).toMatch(/^fatal: .*nothere\.git.* does not appear to be a git repository/);
    }
    expect(existsSync(dir)).toBe(false);
  });

  it("keeps an existing clone when the server fails", async () => {
    const copy = new GitServer(join(root, "server-copy"));
    await copy.importDirectory("pkgB", await writePackage(join(root, "src-copy"), { name: "pkgB", version: "2.0.0" }));
    const dir = join(root, "meat0", "pkgB");
    const cloned = await cloneOrUpdate(runner, { ...options("pkgB", dir), url: copy.url("pkgB") });
    await copy.deleteRepo("pkgB");
    const failed = await cloneOrUpdate(runner, { ...options("pkgB", dir), url: copy.url("pkgB") });
    expect(failed.status).toBe("failed");
    expect(cloned.status).toBe("cloned");
    if (cloned.status !== "failed") expect(await git(["rev-parse", "HEAD"], { cwd: dir })).toBe(cloned.commit.sha);
  });

  it("checks out the last commit before a cutoff, deepening the shallow history", async () => {
    const base = (await server.headCommit("pkgC")).timestamp;
    const shas: string[] = [];
    for (let hour = 1; hour <= 20; hour += 1)
      shas.push(await server.commitChange("pkgC", { touch: "NEWS" }, { date: new Date((base + hour * 3600) * 1000) }));
    const dir = join(root, "meat0", "pkgC");
    const cutoff = new Date((base + 2.5 * 3600) * 1000);
    const cloned = await cloneOrUpdate(runner, options("pkgC", join(root, "meat0-cut", "pkgC"), { cutoff }));
    expect(cloned).toMatchObject({ status: "cloned", commit: { sha: shas[1] } });
    // An existing clone at the head goes back too.
    await cloneOrUpdate(runner, options("pkgC", dir));
    const updated = await cloneOrUpdate(runner, options("pkgC", dir, { cutoff }));
    expect(updated).toMatchObject({ status: "updated", commit: { sha: shas[1] } });
  });

  it("fails at once, without retrying, when the branch has no commit before the cutoff", async () => {
    const result = await cloneOrUpdate(
      runner,
      options("pkgA", join(root, "meat0-early", "pkgA"), { cutoff: new Date("2000-01-01T00:00:00Z") }),
    );
    expect(result).toMatchObject({ status: "failed", attempts: 1 });
    if (result.status === "failed")
      expect(result.reason).toBe("branch devel has no commit before 2000-01-01T00:00:00.000Z");
  });

  it("stops a git that hangs at the timeout and says so", async () => {
    const hanging = join(root, "hanging-git");
    writeFileSync(hanging, '#!/bin/sh\ncase "$1" in clone) exec sleep 60;; esac\nexec git "$@"\n', { mode: 0o755 });
    const slow = createGitRunner({ command: hanging, timeoutMs: 300, killGraceMs: 100 });
    const result = await cloneOrUpdate(slow, options("pkgA", join(root, "meat0-hang", "pkgA"), { attempts: 1 }));
    expect(result).toMatchObject({ status: "failed", reason: "git clone timed out after 0.3 s" });
  });
});

describe("helpers", () => {
  it("double the retry delay up to five minutes", () => {
    expect([2, 3, 4, 5].map((attempt) => retryDelay(attempt, 5000))).toEqual([5000, 10000, 20000, 40000]);
    expect(retryDelay(20, 5000)).toBe(300_000);
  });

  it("take git's first fatal line as the reason", () => {
    expect(
      gitFailureReason(
        "Cloning into 'x'...\nfatal: repository 'y' not found\nfatal: Could not read from remote repository.\n",
      ),
    ).toBe("fatal: repository 'y' not found");
    expect(gitFailureReason("$ git fetch\nsomething odd\n")).toBe("something odd");
  });
});
