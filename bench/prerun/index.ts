// The prerun benchmark: `bbs prerun` of generated packages (syntheticScenario)
// from local bare git repos, with `slots.prerun` parallel slots and with one
// slot (BBS cloned one repo after the other), side by side in one run: a
// first night (every repo cloned into an empty MEAT0) and a next night
// (every clone updated, one package changed upstream).
//
// Options: --packages N   generated packages (default 300)
//          --slots N      parallel slots (default 4)
//          --rounds N     measurements of each configuration, alternating (default 1)

import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { runPrerun } from "../../src/stages/prerun/prerun.js";
import type { PrerunEvent, PrerunStep } from "../../src/stages/prerun/progress.js";
import { materializeScenario, syntheticScenario } from "../../test/fixtures/scenarios.js";
import { writeTestConfig, type TestConfig } from "../../test/fixtures/test-config.js";
import type { GitServer } from "../../test/fixtures/git-server.js";
import { numberOption, type Benchmark } from "../types.js";

interface Timing {
  total: number;
  steps: Map<PrerunStep, number>;
}

async function timedPrerun(config: TestConfig, label: string): Promise<Timing> {
  process.stdout.write(
    `  ${label} (load average ${loadavg()
      .map((value) => value.toFixed(2))
      .join(" ")}, ${availableParallelism()} CPUs)\n`,
  );
  const steps = new Map<PrerunStep, number>();
  const started = performance.now();
  await runPrerun(config.load(), {
    onEvent: (event: PrerunEvent) => {
      if (event.type === "step-finished") steps.set(event.step, event.seconds);
    },
  });
  return { total: (performance.now() - started) / 1000, steps };
}

function seconds(value: number | undefined): string {
  return value === undefined ? "-" : `${value.toFixed(2)} s`;
}

function printComparison(title: string, sequential: Timing[], parallel: Timing[], slots: number): void {
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? NaN;
  };
  const row = (label: string, pick: (timing: Timing) => number | undefined): void => {
    const one = median(sequential.map((t) => pick(t) ?? NaN));
    const many = median(parallel.map((t) => pick(t) ?? NaN));
    process.stdout.write(
      `  ${label.padEnd(14)} ${seconds(one).padStart(12)} ${seconds(many).padStart(14)} ${`${(one / many).toFixed(2)}x`.padStart(8)}\n`,
    );
  };
  process.stdout.write(
    `\n${title}\n  ${"".padEnd(14)} ${"1 slot".padStart(12)} ${`${slots} slots`.padStart(14)} ${"ratio".padStart(8)}\n`,
  );
  row("prerun", (t) => t.total);
  for (const step of ["sources", "index", "inject", "target-repo"] as const) row(`  ${step}`, (t) => t.steps.get(step));
}

export const prerunBenchmark: Benchmark = {
  name: "prerun",
  description: "bbs prerun of generated packages from local bare repos: parallel slots vs one at a time",
  async run(args: readonly string[]): Promise<void> {
    const count = Math.round(numberOption(args, "packages", 300));
    const slots = Math.round(numberOption(args, "slots", 4));
    const rounds = Math.round(numberOption(args, "rounds", 1));
    const root = mkdtempSync(join(tmpdir(), "bbs-bench-prerun-"));
    try {
      process.stdout.write(`generating ${count} packages and their git repos in ${root} ...\n`);
      const t0 = performance.now();
      const { server } = await materializeScenario(syntheticScenario({ count, cEvery: 10 }), join(root, "fixture"));
      process.stdout.write(`  done in ${seconds((performance.now() - t0) / 1000)}\n`);
      const first = { sequential: [] as Timing[], parallel: [] as Timing[] };
      const next = { sequential: [] as Timing[], parallel: [] as Timing[] };
      for (let round = 0; round < rounds; round += 1) {
        // Alternate which configuration goes first, so neither always gets the warmer caches.
        const order = round % 2 === 0 ? (["sequential", "parallel"] as const) : (["parallel", "sequential"] as const);
        for (const kind of order) {
          const config = benchConfig(join(root, `${kind}-${round}`), server, kind === "parallel" ? slots : 1);
          first[kind].push(
            await timedPrerun(config, `first night, ${kind === "parallel" ? `${slots} slots` : "1 slot"}`),
          );
        }
        await server.commitChange("synth0001", { touch: "NEWS" });
        for (const kind of order) {
          const config = benchConfig(join(root, `${kind}-${round}`), server, kind === "parallel" ? slots : 1);
          next[kind].push(
            await timedPrerun(config, `next night, ${kind === "parallel" ? `${slots} slots` : "1 slot"}`),
          );
        }
      }
      printComparison(
        `first night: ${count} packages cloned into an empty MEAT0 (median of ${rounds})`,
        first.sequential,
        first.parallel,
        slots,
      );
      printComparison(
        `next night: ${count} clones updated, one changed upstream (median of ${rounds})`,
        next.sequential,
        next.parallel,
        slots,
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
};

function benchConfig(workDir: string, server: GitServer, slots: number): TestConfig {
  return writeTestConfig({ workDir, gitServer: server, host: { slots: { prerun: slots } } });
}
