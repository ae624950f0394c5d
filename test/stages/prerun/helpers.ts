// Shared setup of the prerun tests: a scenario's git server, a test config
// pointing at it, and the bbs CLI run from the current sources.

import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import type { GitServer } from "../../fixtures/git-server.js";
import { writeTestConfig, type TestConfig, type YamlMap } from "../../fixtures/test-config.js";
import { transpileCli } from "../../util/helpers/transpile.js";

/** The time zone the CLI runs in: builds run in New York time (spec 12.22). */
export const TEST_TIME_ZONE = "America/New_York";

/** A config for prerun tests: the server's repos, quick retries, a work dir of its own. */
export function prerunConfig(workDir: string, server: GitServer, overrides: { global?: YamlMap; host?: YamlMap } = {}): TestConfig {
  return writeTestConfig({
    workDir,
    gitServer: server,
    ...(overrides.global === undefined ? {} : { global: overrides.global }),
    host: { prerun: { gitAttempts: 2, gitRetryDelay: 0 }, slots: { prerun: 4 }, ...overrides.host },
  });
}

export interface Cli {
  /** Runs `bbs <args>` on the config; never rejects (look at exitCode). */
  run(args: readonly string[], options?: { env?: Record<string, string>; detached?: boolean }): ResultPromise<{ reject: false; all: true }>;
}

/** The CLI transpiled from the sources into `dir`. */
export function makeCli(dir: string, config: TestConfig): Cli {
  const launcher = transpileCli(join(dir, "cli"));
  return {
    run: (args, options = {}) =>
      execa("node", [launcher, ...args], {
        reject: false,
        all: true,
        env: { ...config.cliEnv(), TZ: TEST_TIME_ZONE, ...options.env },
        detached: options.detached ?? false,
      }),
  };
}
