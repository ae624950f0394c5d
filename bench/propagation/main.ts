// Runs the propagation benchmark on its own until bench/index.ts (the harness
// of `npm run bench`) registers it:
//   npx tsc -p tsconfig.bench.json && node dist-bench/bench/propagation/main.js [options]

import { propagationBenchmark } from "./index.js";

propagationBenchmark.run(process.argv.slice(2)).then(
  () => undefined,
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
