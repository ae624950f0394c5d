import { execa } from "execa";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderConfigDoc } from "../../src/config/doc.js";
import { KEY_NAMES } from "../../src/config/schema.js";

const bbs = (args: string[], env: Record<string, string> = {}) =>
  execa("node", ["bin/bbs.js", ...args], { reject: false, env: { BBS_CONFIG: "", BBS_NODE_ID: "", ...env } });

describe("bbs config show on the bioc-3.21 example", () => {
  it("prints every resolved key with its source layer as JSON", async () => {
    const result = await bbs([
      "config",
      "show",
      "--config",
      "config/bioc-3.21-example",
      "--host",
      "nebbiolo1",
      "--json",
    ]);
    expect(result.exitCode).toBe(0);
    const shown = JSON.parse(result.stdout) as {
      nodeId: string;
      platform: string;
      values: Record<string, { value: unknown; source: string }>;
    };
    expect(shown.nodeId).toBe("nebbiolo1");
    expect(shown.platform).toBe("linux-x86_64");
    expect(Object.keys(shown.values).sort()).toEqual([...KEY_NAMES].sort());
    expect(shown.values["slots.install"]).toMatchObject({ value: 18, source: "hosts/nebbiolo1.yaml" });
    expect(shown.values["pkgType"]).toMatchObject({ value: "source", source: "platforms/linux-x86_64.yaml" });
    expect(shown.values["central.dir"]).toMatchObject({
      value: "/home/biocbuild/public_html/BBS/3.21/bioc",
      source: "global.yaml",
    });
    expect(shown.values["meatDir"]).toMatchObject({
      value: "/home/biocbuild/bbs-3.21-bioc/meat",
      source: "default (workDir: hosts/nebbiolo1.yaml)",
    });
    expect(shown.values["report.motd"]).toMatchObject({ value: null, source: "default" });
    for (const [key, described] of Object.entries(shown.values))
      expect(described.source, key).toMatch(/^(default|global\.yaml|platforms\/|hosts\/|env:)/);
  });

  it("labels an environment override with its variable", async () => {
    const result = await bbs(
      ["config", "show", "--config", "config/bioc-3.21-example", "--host", "palomino7", "--json"],
      { BBS_CHECK_NB_CPU: "7" },
    );
    const shown = JSON.parse(result.stdout) as { values: Record<string, { value: unknown; source: string }> };
    expect(shown.values["slots.check"]).toEqual({ value: 7, source: "env:BBS_CHECK_NB_CPU", bbs: "BBS_CHECK_NB_CPU" });
  });

  it("uses BBS_CONFIG and BBS_NODE_ID when no option is given, and prints a table", async () => {
    const result = await bbs(["config", "show"], { BBS_CONFIG: "config/bioc-3.21-example", BBS_NODE_ID: "kjohnson1" });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^pkgType\s+mac\.binary\.big-sur-arm64\s+\[platforms\/macos-arm64\.yaml\]$/m);
    expect(result.stdout).toMatch(/^slots\.buildbin\s+12\s+\[default \(slots\.default: hosts\/kjohnson1\.yaml\)\]$/m);
  });

  it("masks secrets", async () => {
    const result = await bbs(["config", "show", "--config", "config/bioc-3.21-example", "--host", "nebbiolo1"], {
      BBS_SMTP_PASSWORD: "hunter2",
    });
    expect(result.stdout).not.toContain("hunter2");
    expect(result.stdout).toMatch(/^notify\.smtp\.password\s+\*+\s+\[env:BBS_SMTP_PASSWORD\]$/m);
  });
});

describe("bbs config check", () => {
  it.each(["config/local", "config/bioc-3.21-example"])("accepts the example %s", async (dir) => {
    const result = await bbs(["config", "check", "--config", dir]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
  });

  it("explains a missing directory", async () => {
    const result = await bbs(["config", "check", "--config", "/nonexistent/bbs"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      "error[BBS_CONFIG_NOT_FOUND]: configuration directory /nonexistent/bbs does not exist",
    );
    expect(result.stderr).toContain("hint:");
  });

  it("rejects an unknown option as a usage error", async () => {
    const result = await bbs(["config", "check", "--frobnicate"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("unknown option '--frobnicate'");
  });
});

describe("docs/config.md", () => {
  it("is the generated reference of the current schema (npm run docs:config)", () => {
    expect(readFileSync("docs/config.md", "utf8")).toBe(renderConfigDoc());
  });
});
