// writeTestConfig: config/local plus per-layer overrides passes loadConfig,
// each override lands in its layer, and the developer's BBS_* variables stay out.

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { GitServer } from "../fixtures/git-server.js";
import { deepMerge, repoRoot, writeTestConfig } from "../fixtures/test-config.js";
import { TempDirs, useTempDirs } from "../fixtures/tmp.js";

const dirs = useTempDirs();

describe("writeTestConfig", () => {
  it("writes config/local with the given workDir, and loadConfig accepts it", async () => {
    const workDir = await dirs.make("config-work");
    const config = writeTestConfig({ workDir });
    expect(config.dir).toBe(join(workDir, "config"));
    const resolved = config.load();
    expect(resolved.nodeId).toBe("local");
    expect(resolved.values.workDir).toBe(workDir);
    expect(resolved.sources.workDir).toBe("hosts/local.yaml");
    expect(resolved.values.meatDir).toBe(join(workDir, "meat"));
    expect(resolved.values["central.dir"]).toBe(join(workDir, "central"));
    expect(resolved.values["r.checkOptions"]).toBe("--no-manual");
    expect(resolved.values["r.buildOptions"]).toBe("--no-build-vignettes");
    expect(resolved.values.biocVersion).toBe("3.16");
  });

  it("deep-merges overrides into their own layer; null deletes a key", async () => {
    const workDir = await dirs.make("config-overrides");
    const config = writeTestConfig({
      workDir,
      dir: join(workDir, "elsewhere"),
      global: { timeouts: { check: 20 }, central: { keepRuns: 5 }, report: null },
      platform: { r: { checkOptions: "--no-manual --no-vignettes" } },
      host: { slots: { install: 1, check: 3 } },
    });
    const resolved = config.load();
    expect(resolved.configDir).toBe(join(workDir, "elsewhere"));
    expect(resolved.values["timeouts.check"]).toBe(20);
    expect(resolved.sources["timeouts.check"]).toBe("global.yaml");
    expect(resolved.values["central.keepRuns"]).toBe(5);
    expect(resolved.values["central.dir"]).toBe(join(workDir, "central")); // sibling keys of the section survive
    expect(resolved.values["report.publishDest"]).not.toBe(join(workDir, "published-report"));
    expect(resolved.values["r.checkOptions"]).toBe("--no-manual --no-vignettes");
    expect(resolved.sources["r.checkOptions"]).toBe("platforms/linux.yaml");
    expect(resolved.values["r.buildOptions"]).toBe("--no-build-vignettes");
    expect(resolved.values["slots.install"]).toBe(1);
    expect(resolved.values["slots.check"]).toBe(3);
    expect(resolved.sources["slots.check"]).toBe("hosts/local.yaml");
    const written = parse(await readFile(join(config.dir, "global.yaml"), "utf8")) as Record<string, unknown>;
    expect(written.report).toBeUndefined();
  });

  it("points the package and manifest URLs and branches at a fixture git server", async () => {
    const workDir = await dirs.make("config-git");
    const server = new GitServer(join(workDir, "srv"), { branch: "RELEASE_3_16" });
    const resolved = writeTestConfig({ workDir, gitServer: server }).load();
    expect(resolved.values.packageGitUrl).toBe(server.urlTemplate);
    expect(resolved.values["manifest.gitUrl"]).toBe(server.manifestUrl);
    expect(resolved.values.gitBranch).toBe("RELEASE_3_16");
    expect(resolved.values["manifest.gitBranch"]).toBe("RELEASE_3_16");
  });

  it("renames the host file after the node id, and keeps BBS_* variables of the shell out unless passed", async () => {
    const workDir = await dirs.make("config-node");
    const config = writeTestConfig({ workDir, nodeId: "builder1" });
    expect(config.load().nodeId).toBe("builder1");
    expect(config.load({ BBS_CHECK_NB_CPU: "7" }).values["slots.check"]).toBe(7);
    const saved = process.env.BBS_CHECK_NB_CPU;
    process.env.BBS_CHECK_NB_CPU = "9";
    try {
      expect(config.load().values["slots.check"]).not.toBe(9);
      expect(config.cliEnv()).toMatchObject({ BBS_CONFIG: config.dir, BBS_NODE_ID: "builder1", BBS_CHECK_NB_CPU: "" });
      expect(config.cliEnv({ BBS_DEBUG: "1" }).BBS_DEBUG).toBe("1");
    } finally {
      if (saved === undefined) delete process.env.BBS_CHECK_NB_CPU;
      else process.env.BBS_CHECK_NB_CPU = saved;
    }
  });
});

describe("deepMerge and repoRoot", () => {
  it("merges maps, replaces lists and scalars, ignores undefined, deletes on null", () => {
    expect(
      deepMerge({ a: { b: 1, c: [1, 2] }, d: "x", e: true }, { a: { c: [3] }, d: undefined, e: null, f: { g: "h" } }),
    ).toEqual({
      a: { b: 1, c: [3] },
      d: "x",
      f: { g: "h" },
    });
  });

  it("finds the repository holding config/local", async () => {
    expect(await readFile(join(repoRoot(), "config", "local", "global.yaml"), "utf8")).toContain("biocVersion");
  });
});

describe("TempDirs", () => {
  it("makes distinct directories and removes them all on cleanup", async () => {
    const temp = new TempDirs();
    const a = await temp.make("x y/z");
    const b = await temp.make("x y/z");
    expect(a).not.toBe(b);
    expect(a).toMatch(/\/bbs-x-y-z-[^/]+$/);
    await temp.cleanup();
    expect(existsSync(a) || existsSync(b)).toBe(false);
  });
});
