// `npm run bench [-- <name>... [options]]`: the registry of benchmarks.
// With no name every benchmark runs; `--list` lists them. Options after the
// names go to the selected benchmarks (each documents its own).
// Benchmarks print ratios measured side by side in one run; figures worth
// keeping go to docs/benchmarks.md with the date and the command.

import { corpusBenchmark } from "./corpus/index.js";
import { incrementalBenchmark } from "./incremental/index.js";
import { prerunBenchmark } from "./prerun/index.js";
import { propagationBenchmark } from "./propagation/index.js";
import { reportBenchmark } from "./report/index.js";
import { schedulerBenchmark } from "./scheduler/index.js";
import { spbBenchmark } from "./spb/index.js";
import type { Benchmark } from "./types.js";

const BENCHMARKS: readonly Benchmark[] = [
  schedulerBenchmark,
  corpusBenchmark,
  prerunBenchmark,
  propagationBenchmark,
  reportBenchmark,
  incrementalBenchmark,
  spbBenchmark,
];

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes("--list") || argv.includes("--help")) {
    process.stdout.write("usage: npm run bench [-- <name>... [options]]\n\nbenchmarks:\n");
    for (const benchmark of BENCHMARKS)
      process.stdout.write(`  ${benchmark.name.padEnd(12)} ${benchmark.description}\n`);
    return 0;
  }
  const names: string[] = [];
  let rest = 0;
  while (rest < argv.length && !(argv[rest] ?? "").startsWith("--")) names.push(argv[rest++] ?? "");
  const unknown = names.filter((name) => !BENCHMARKS.some((benchmark) => benchmark.name === name));
  if (unknown.length > 0) {
    process.stderr.write(
      `error: unknown benchmark ${unknown.join(", ")}; known: ${BENCHMARKS.map((benchmark) => benchmark.name).join(", ")}\n`,
    );
    return 2;
  }
  const selected = names.length === 0 ? BENCHMARKS : BENCHMARKS.filter((benchmark) => names.includes(benchmark.name));
  for (const benchmark of selected) {
    process.stdout.write(`\n=== ${benchmark.name}: ${benchmark.description}\n`);
    await benchmark.run(argv.slice(rest));
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
