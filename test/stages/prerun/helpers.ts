// Shared setup of the prerun tests: a scenario's git server, a test config
// pointing at it, and the bbs CLI run from the current sources.

import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa, type ResultPromise } from "execa";
import { expect } from "vitest";
import type { GitServer } from "../../fixtures/git-server.js";
import { writeTestConfig, type TestConfig, type YamlMap } from "../../fixtures/test-config.js";
import { transpileCli } from "../../util/helpers/transpile.js";

/** The time zone the CLI runs in: builds run in New York time (spec 12.22). */
export const TEST_TIME_ZONE = "America/New_York";

/** A config for prerun tests: the server's repos, quick retries, a work dir of its own. */
export function prerunConfig(
  workDir: string,
  server: GitServer,
  overrides: { global?: YamlMap; host?: YamlMap } = {},
): TestConfig {
  return writeTestConfig({
    workDir,
    gitServer: server,
    ...(overrides.global === undefined ? {} : { global: overrides.global }),
    host: { prerun: { gitAttempts: 2, gitRetryDelay: 0 }, slots: { prerun: 4 }, ...overrides.host },
  });
}

export interface Cli {
  /** Runs `bbs <args>` on the config; never rejects (look at exitCode). */
  run(
    args: readonly string[],
    options?: { env?: Record<string, string>; detached?: boolean },
  ): ResultPromise<{ reject: false; all: true }>;
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

/** What one `bbs prerun` of a test's git server left: its output, the run's central directory, the CLI. */
export interface PrerunDone {
  cli: Cli;
  output: string;
  runDir: string;
}

/** Runs `bbs prerun` once on `server`'s packages under `root` (work dir `root/work`) and expects it to succeed. */
export async function prerunOnce(root: string, server: GitServer): Promise<PrerunDone> {
  const config = prerunConfig(join(root, "work"), server);
  const cli = makeCli(root, config);
  const result = await cli.run(["prerun"]);
  const output = result.all ?? "";
  expect(result.exitCode, output).toBe(0);
  return { cli, output, runDir: realpathSync(config.load().values["central.dir"]) };
}

export interface Gate {
  /** The command to configure instead of the tool (tools.git, tools.tar). */
  command: string;
  /** Resolves once a gated command is waiting at the gate. */
  reached(): Promise<void>;
  /** Lets the waiting commands (and later ones) through. */
  open(): void;
  /**
   * Makes waiting (and later) commands exit without running the tool, and
   * resolves once none is left: a command whose caller was killed would
   * otherwise wait at the gate for ever (it runs in its own process group).
   */
  abandon(): Promise<void>;
}

const gates: Gate[] = [];

/** Abandons every gate made so far (for afterEach): no gated command outlives its test. */
export async function abandonGates(): Promise<void> {
  for (const gate of gates.splice(0)) await gate.abandon();
}

/** Live processes whose command line contains `text`. */
function processesRunning(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "latin1");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (state !== "Z" && readFileSync(`/proc/${entry}/cmdline`, "latin1").includes(text)) found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/**
 * A stand-in in front of a real tool (`gate-<tool>`): when one of its
 * arguments is one of `words` it waits for the gate to open, then runs the
 * tool. It holds a prerun at a known point without any timing.
 */
export function gateTool(dir: string, tool: string, words: readonly string[]): Gate {
  mkdirSync(dir, { recursive: true });
  const gate = join(dir, `gate-${tool}.open`);
  const waiting = join(dir, `gate-${tool}.waiting`);
  const command = join(dir, `gate-${tool}`);
  const abandoned = join(dir, `gate-${tool}.abandoned`);
  writeFileSync(
    command,
    [
      "#!/bin/sh",
      'for argument in "$@"; do',
      `  case "$argument" in ${words.join("|")})`,
      `    : > '${waiting}'`,
      `    while [ ! -e '${gate}' ]; do [ -e '${abandoned}' ] && exit 97; sleep 0.05; done`,
      "    break;;",
      "  esac",
      "done",
      `exec ${tool} "$@"`,
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  const made: Gate = {
    command,
    reached: async () => {
      while (!existsSync(waiting)) await sleep(50);
    },
    open: () => writeFileSync(gate, ""),
    abandon: async () => {
      writeFileSync(abandoned, "");
      while (processesRunning(command).length > 0) await sleep(50);
    },
  };
  gates.push(made);
  return made;
}
