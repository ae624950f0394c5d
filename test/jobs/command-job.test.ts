// A job's command as processJobQueue ran it: header, re-runs under the
// "Re-running" header, the timeout counted from the first start.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCommandJob } from "../../src/jobs/command-job.js";
import { readLastLines } from "../../src/jobs/tail.js";
import { tempDir } from "./helpers.js";

describe("runCommandJob", () => {
  it("re-runs while the rule asks, appending under a Re-running header", async () => {
    const dir = tempDir();
    const out = join(dir, "a.install-out.txt");
    const counter = join(dir, "counter");
    writeFileSync(counter, "");
    // Mimics R's message when another package's 00LOCK is in the way, twice.
    const command = `echo x >> ${counter}; n=$(wc -l < ${counter}); if [ $n -lt 3 ]; then echo "Try removing '/lib/00LOCK-other'"; fi; echo "run $n"`;
    const result = await runCommandJob({
      command,
      outputFile: out,
      rerunDelayMs: 10,
      rerunIf: async () => (await readLastLines(out, 12)).some((line) => /^Try removing .*\/00LOCK-(?!a')/.test(line)),
    });
    expect(result.runs).toBe(3);
    expect(result.retCode).toBe(0);
    const text = readFileSync(out, "utf8");
    expect(text.match(/^### Running command:$/gm)).toHaveLength(1);
    expect(text.match(/^### Re-running command:$/gm)).toHaveLength(2);
    expect(text.match(/^run \d$/gm)).toEqual(["run 1", "run 2", "run 3"]);
    expect(result.elapsedSeconds).toBeGreaterThanOrEqual(
      (result.endedAt.getTime() - result.startedAt.getTime()) / 1000 - 0.01,
    );
  });

  it("counts the timeout from the first start: endless re-runs still time out", async () => {
    const dir = tempDir();
    const result = await runCommandJob({
      command: "sleep 0.3",
      outputFile: join(dir, "out.txt"),
      timeoutMs: 1500,
      killGraceMs: 200,
      rerunDelayMs: 10,
      rerunIf: () => true,
    });
    expect(result.timedOut).toBe(true);
    expect(result.retCode).toBeNull();
  });

  it("gives RetCode as BBS printed it: minus the signal number, 127 when it cannot start", async () => {
    const dir = tempDir();
    const killed = await runCommandJob({ command: "kill -SEGV $$", outputFile: join(dir, "a.txt") });
    expect(killed.retCode).toBe(-11);
    const missing = await runCommandJob({ command: "true", cwd: join(dir, "nowhere"), outputFile: join(dir, "b.txt") });
    expect(missing.retCode).toBe(127);
    expect(readFileSync(join(dir, "b.txt"), "utf8")).toMatch(/bbs: cannot start the command: .*ENOENT/);
  });
});
