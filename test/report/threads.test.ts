// Worker threads need compiled JavaScript (worker.js), which the TypeScript
// sources under vitest do not have: the sources are transpiled into a
// temporary directory and a child process generates the same report with 1
// and with 3 threads. The two reports must be identical, file for file.

import { execa } from "execa";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { transpileCli } from "../util/helpers/transpile.js";
import { repoRoot } from "../fixtures/test-config.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { threeNodeRun, type Fixture } from "./fixture.js";

const temp = useTempDirs();
let fixture: Fixture;
let compiled: string;
let script: string;

function listFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.push(relative(dir, full));
    }
  };
  walk(dir);
  return files.sort();
}

beforeAll(async () => {
  fixture = threeNodeRun(await temp.make("report-threads"));
  const outRoot = await temp.make("report-threads-js");
  transpileCli(outRoot);
  compiled = join(outRoot, "dist");
  script = join(outRoot, "generate.mjs");
  writeFileSync(script, SCRIPT);
});

const SCRIPT = `
const [compiled, configDir, runDir, historyDb, out, threads] = process.argv.slice(2);
const { loadAllHosts } = await import(compiled + "/config/load.js");
const { generateReport } = await import(compiled + "/report/index.js");
const hosts = loadAllHosts(configDir, { env: {} });
const central = hosts.get("nebbiolo1");
const summary = await generateReport({ central, hosts, runDir, reportDir: out, historyDb, threads: Number(threads), generatedAt: new Date("2026-11-21T12:00:00Z") });
process.stdout.write(JSON.stringify(summary));
`;

describe("worker threads", () => {
  it("write the same report as one thread", async () => {
    const run = async (
      threads: number,
    ): Promise<{ dir: string; summary: { threads: number; pages: number; files: number; warnings: string[] } }> => {
      const dir = join(fixture.root, `report-${threads}`);
      const result = await execa("node", [
        script,
        compiled,
        fixture.config.dir,
        fixture.runDir,
        fixture.historyDb ?? "",
        dir,
        String(threads),
      ]);
      return {
        dir,
        summary: JSON.parse(result.stdout) as { threads: number; pages: number; files: number; warnings: string[] },
      };
    };
    const one = await run(1);
    const three = await run(3);
    expect(one.summary.threads).toBe(1);
    expect(three.summary.threads).toBe(3);
    expect(three.summary).toMatchObject({
      pages: one.summary.pages,
      files: one.summary.files,
      warnings: one.summary.warnings,
    });
    const files = listFiles(one.dir);
    expect(listFiles(three.dir)).toEqual(files);
    expect(files.length).toBeGreaterThan(300);
    for (const file of files) {
      expect(readFileSync(join(three.dir, file)).equals(readFileSync(join(one.dir, file))), file).toBe(true);
    }
    expect(resolve(compiled)).not.toBe(resolve(repoRoot()));
  });
});
