// A file-system failure inside a report worker thread reaches the CLI as the
// main thread would say it (issue 14, shape: one worker pool): a command
// output that is a directory where the report hard-links or copies a file
// (EISDIR) is BBS_FILE_ACCESS naming that path, never BBS_INTERNAL
// "report shard N: ...". Worker threads need compiled JavaScript, so the CLI
// runs from the sources transpiled into a temporary directory.

import { execa } from "execa";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../src/util/errors.js";
import { transpileCli } from "../util/helpers/transpile.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { oneNodeReportArgs, oneNodeRun } from "./fixture.js";

const temp = useTempDirs();

describe("a report worker thread", () => {
  it("passes a file-system error to the CLI classified, like the main thread", async () => {
    const fixture = oneNodeRun(await temp.make("report-worker-errors"));
    const launcher = transpileCli(await temp.make("report-worker-errors-cli"));
    const checkDir = join(fixture.runDir, "products-in", "solo1", "checksrc");
    const outFile = readdirSync(checkDir).find((name) => name.endsWith(".checksrc-out.txt"));
    expect(outFile).toBeDefined();
    const bad = join(checkDir, outFile as string);
    rmSync(bad);
    mkdirSync(bad);
    const reportDir = join(fixture.root, "report");
    const result = await execa("node", [launcher, ...oneNodeReportArgs(fixture, reportDir)], { reject: false });
    expect(result.stderr).not.toMatch(/BBS_INTERNAL|report shard|a bug in bbs/);
    expect(result.stderr).toMatch(/^error\[BBS_FILE_ACCESS\]: .* is a directory where a file is expected/m);
    expect(result.stderr).toContain(bad);
    expect(result.stderr).toMatch(/^ {2}hint: /m);
    expect(result.exitCode).toBe(ERROR_CODES.BBS_FILE_ACCESS.exit);
  });
});
