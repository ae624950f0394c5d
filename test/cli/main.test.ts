// src/cli/main.ts loads only the module of the command being run: `bbs
// --help` must not import the report generator, the job engine or the SPB
// (they cost startup time on every cron line and every `config check`). A
// resolve hook in the child process (module.register) records every module
// it loads.

import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { transpileCli } from "../util/helpers/transpile.js";

const launcher = transpileCli();
const root = dirname(launcher);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const HOOKS = `export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (resolved.url.startsWith("file:")) process.env.BBS_TEST_LOADED_LOG && (await import("node:fs")).appendFileSync(process.env.BBS_TEST_LOADED_LOG, resolved.url + "\\n");
  return resolved;
}
`;
const REGISTER = `import { register } from "node:module";\nregister("./hooks.mjs", import.meta.url);\n`;
writeFileSync(join(root, "hooks.mjs"), HOOKS);
writeFileSync(join(root, "register.mjs"), REGISTER);

let logs = 0;

/** The dist/ modules (relative to dist/) that `bbs <args>` loads. */
async function loadedModules(args: readonly string[]): Promise<string[]> {
  logs += 1;
  const log = join(root, `loaded-${logs}.txt`);
  writeFileSync(log, "");
  await execa("node", ["--import", join(root, "register.mjs"), launcher, ...args], {
    env: { BBS_TEST_LOADED_LOG: log },
    reject: false,
  });
  const distUrl = `file://${join(root, "dist")}/`;
  return readFileSync(log, "utf8")
    .split("\n")
    .filter((url) => url.startsWith(distUrl))
    .map((url) => url.slice(distUrl.length));
}

describe("bbs loads only the command it runs", () => {
  it("bbs --help lists every command without loading their modules", async () => {
    const loaded = await loadedModules(["--help"]);
    expect(loaded).toContain("cli/main.js");
    expect(loaded.filter((path) => !path.startsWith("cli/main.js") && !path.startsWith("util/"))).toEqual([]);
    const help = await execa("node", [launcher, "--help"]);
    for (const command of ["config", "prerun", "run", "postrun", "report", "propagate", "spb"])
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
  });

  it("bbs config check loads the config layer, not the report, the job engine or the SPB", async () => {
    const loaded = await loadedModules(["--config", join(root, "no-such-config"), "config", "check"]);
    expect(loaded).toContain("cli/config.js");
    expect(loaded.filter((path) => /^(report|jobs|spb|stages)\//.test(path))).toEqual([]);
  });

  it("bbs help run and bbs run --help show run's own options", async () => {
    for (const args of [
      ["help", "run"],
      ["run", "--help"],
    ]) {
      const { stdout } = await execa("node", [launcher, ...args]);
      expect(stdout).toContain("Usage: bbs run");
      expect(stdout).toContain("--resume");
    }
  });
});
