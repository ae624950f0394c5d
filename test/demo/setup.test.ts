import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import {
  corpusPackages,
  DEMO_NODE_ID,
  demoLayout,
  packageRoot,
  serveCorpus,
  writeDemoConfig,
} from "../../src/demo/setup.js";
import { importDirectory } from "../../src/demo/git-import.js";
import { runPrerun } from "../../src/stages/prerun/prerun.js";
import { useTempDirs } from "../fixtures/tmp.js";

const temp = useTempDirs();
const corpus = join(packageRoot(), "examples", "corpus");

describe("importDirectory", () => {
  it("commits a directory onto a bare repo's branch, and again only when it changed", async () => {
    const root = await temp.make("import");
    const source = join(root, "src");
    mkdirSync(source);
    writeFileSync(join(source, "a.txt"), "one\n");
    const identity = { name: "T", email: "t@example.org" };
    const repo = join(root, "r.git");
    const first = await importDirectory(repo, source, { branch: "devel", message: "first", identity });
    expect(first.changed).toBe(true);
    expect((await importDirectory(repo, source, { branch: "devel", message: "same", identity })).changed).toBe(false);
    writeFileSync(join(source, "a.txt"), "two\n");
    const third = await importDirectory(repo, source, { branch: "devel", message: "edit", identity });
    expect(third.changed).toBe(true);
    const log = await execa("git", ["--git-dir", repo, "log", "--format=%s", "devel"]);
    expect(log.stdout.split("\n")).toEqual(["edit", "first"]);
    const clone = join(root, "clone");
    await execa("git", ["clone", "--quiet", "--branch", "devel", `file://${repo}`, clone]);
    expect(readFileSync(join(clone, "a.txt"), "utf8")).toBe("two\n");
  });
});

describe("the demo site", () => {
  let workDir = "";
  beforeAll(async () => {
    workDir = await temp.make("demo");
    const layout = demoLayout(workDir);
    await serveCorpus(corpus, layout.gitRoot, "devel");
    writeDemoConfig(layout.configDir, { workDir, checkTimeout: 120, slots: 2 });
  });

  it("serves every example package and a manifest, idempotently", async () => {
    const layout = demoLayout(workDir);
    const names = corpusPackages(corpus);
    expect(names).toHaveLength(13);
    for (const name of names) expect(existsSync(join(layout.gitRoot, `${name}.git`, "HEAD"))).toBe(true);
    const again = await serveCorpus(corpus, layout.gitRoot, "devel");
    expect(again.filter((p) => p.changed)).toEqual([]);
  });

  it("writes a config that loads and points inside the work directory", () => {
    const config = loadConfig(demoLayout(workDir).configDir, DEMO_NODE_ID, { env: {} });
    expect(config.values.workDir).toBe(workDir);
    expect(config.values["central.dir"]).toBe(join(workDir, "central"));
    expect(config.values["timeouts.check"]).toBe(120);
    expect(config.values.packageGitUrl).toBe(`file://${workDir}/git/{package}.git`);
  });

  it("goes through a real prerun: twelve packages indexed, tinyLegacy skipped", async () => {
    const config = loadConfig(demoLayout(workDir).configDir, DEMO_NODE_ID, { env: {} });
    const result = await runPrerun(config, {});
    const meatIndex = readFileSync(join(result.runDir, "meat-index.dcf"), "utf8");
    expect(meatIndex.match(/^Package: /gm)).toHaveLength(12);
    expect(meatIndex).toContain(
      "Package: tinyWinOnly\nVersion: 1.0.0\nMaintainer: Katherine Johnson\nMaintainerEmail: katherine@example.org\nUnsupportedPlatforms: local\n",
    );
    expect(meatIndex).toContain(
      "Package: tinyStats\nVersion: 3.1.0\nMaintainer: Florence Nightingale\nMaintainerEmail: florence@example.org\nPackageStatus: Deprecated\n",
    );
    expect(readFileSync(join(result.runDir, "skipped-index.dcf"), "utf8")).toBe("Package: tinyLegacy\n\n");
  });
});
