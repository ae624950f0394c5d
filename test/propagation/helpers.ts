// Running `bbs propagate` as an operator does (the compiled CLI, a config
// directory), and the configurations the propagation tests use.

import { execa } from "execa";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, writeTestConfig, type TestConfig, type YamlMap } from "../fixtures/test-config.js";

export interface PropagationConfig {
  config: TestConfig;
  workDir: string;
  central: string;
  staging: string;
  destination: string;
}

/**
 * A config/local-based configuration whose propagation works in `workDir`:
 * central dir `<workDir>/central`, staging `<workDir>/staging-repo` (created),
 * destination `<workDir>/published-repo` unless `destination` is given.
 */
export function propagationConfig(
  workDir: string,
  propagation: YamlMap = {},
  extra: { global?: YamlMap; host?: YamlMap; destination?: string; configDir?: string } = {},
): PropagationConfig {
  const staging = join(workDir, "staging-repo");
  mkdirSync(staging, { recursive: true });
  const destination = extra.destination ?? join(workDir, "published-repo");
  const config = writeTestConfig({
    workDir,
    ...(extra.configDir === undefined ? {} : { dir: extra.configDir }),
    global: { ...extra.global, propagation: { rVersion: "4.2", destination, ...propagation } },
    ...(extra.host === undefined ? {} : { host: extra.host }),
  });
  return { config, workDir, central: join(workDir, "central"), staging, destination };
}

export interface CliRun {
  exitCode: number;
  /** What it printed, each line without the timestamp the append-only reporter starts it with. */
  stdout: string;
  stderr: string;
  /** Exactly what it printed on stdout. */
  rawStdout: string;
}

const LINE_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} /gm;

/**
 * Runs `bbs propagate <args>` to completion. Off a terminal it reports
 * append-only, one timestamped line per event: the assertions are about the
 * words, so the timestamps are taken off.
 */
export async function bbsPropagate(config: TestConfig, args: readonly string[]): Promise<CliRun> {
  const result = await execa("node", [join(repoRoot(), "bin", "bbs.js"), "propagate", ...args], {
    env: config.cliEnv(),
    reject: false,
  });
  const stdout = String(result.stdout);
  return {
    exitCode: result.exitCode ?? -1,
    stdout: stdout.replace(LINE_TIMESTAMP, ""),
    stderr: String(result.stderr).replace(LINE_TIMESTAMP, ""),
    rawStdout: stdout,
  };
}
