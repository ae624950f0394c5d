import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Fails the run when a process the suite started outlives it (test/setup/processes.ts).
    globalSetup: ["test/setup/processes.ts"],
    // Real R, git and rsync run inside many tests: generous per-test budgets, and
    // no timing assertions anywhere (the machines are shared and noisy).
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: "forks",
    // 2 cores: R-heavy files would starve each other if run all at once.
    maxWorkers: 2,
  },
});
