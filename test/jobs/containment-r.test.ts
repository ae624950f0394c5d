// Defect 14 with real R: a package whose example double-forks, calls setsid
// and clears its environment (`setsid env -i sh -c '... &'`), then never
// returns, checked by real `R CMD check` under a timeout. No process of it may
// survive the TIMEOUT, found by a marker in its command line through /proc:
// with the job's cgroup (where this machine allows one) and with the /proc
// sweep forced.

import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cgroupSupport } from "../../src/jobs/cgroup.js";
import { runCommandJob } from "../../src/jobs/command-job.js";
import { runTool } from "../../src/util/tool.js";
import { eventually, processesWith, tempDir } from "./helpers.js";

const PKG = "escapeExample";

function writeEscapePackage(parent: string): string {
  const dir = join(parent, PKG);
  mkdirSync(join(dir, "R"), { recursive: true });
  mkdirSync(join(dir, "man"));
  writeFileSync(
    join(dir, "DESCRIPTION"),
    [
      `Package: ${PKG}`,
      "Version: 1.0.0",
      "Title: An Example That Escapes Its Job",
      "Description: Its example starts a process that leaves its session and environment, then never returns.",
      "Authors@R: person('Bbs', 'Tests', email = 'bbs-tests@example.org', role = c('aut', 'cre'))",
      "License: Artistic-2.0",
      "",
    ].join("\n"),
  );
  writeFileSync(join(dir, "NAMESPACE"), "export(escape_and_wait)\n");
  // The subshell carries the marker in its command line; `env -i` drops BBS_JOB_TAG.
  writeFileSync(
    join(dir, "R", "escape.R"),
    [
      "escape_and_wait <- function() {",
      "  line <- sprintf(\"setsid env -i sh -c '(sleep 3600 & echo escaped > %s; wait; : %s) &'\",",
      '    Sys.getenv("BBS_ESCAPE_READY"), Sys.getenv("BBS_ESCAPE_MARKER"))',
      "  system(line)",
      "  repeat Sys.sleep(1)",
      "}",
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(dir, "man", "escape_and_wait.Rd"),
    [
      "\\name{escape_and_wait}",
      "\\alias{escape_and_wait}",
      "\\title{Escape, Then Wait Forever}",
      "\\description{Starts a process outside its session and environment, then never returns.}",
      "\\usage{escape_and_wait()}",
      "\\value{None: it does not return.}",
      "\\examples{",
      "escape_and_wait()",
      "}",
      "",
    ].join("\n"),
  );
  return dir;
}

let tarball = "";
let packageDir = "";
beforeAll(async () => {
  // Not tempDir(): that one is emptied after each test.
  const dir = (packageDir = mkdtempSync(join(tmpdir(), "bbs-escape-r-")));
  writeEscapePackage(dir);
  const build = await runTool("R", ["CMD", "build", "--no-build-vignettes", "--no-manual", PKG], { cwd: dir });
  expect(build.exitCode, build.stdout + build.stderr).toBe(0);
  tarball = join(dir, `${PKG}_1.0.0.tar.gz`);
  expect(existsSync(tarball)).toBe(true);
}, 600_000);
afterAll(() => rmSync(packageDir, { recursive: true, force: true }));

const modes = cgroupSupport().available ? (["auto", "sweep"] as const) : (["sweep"] as const);

describe.each(modes)("R CMD check of a package whose example escapes (containment %s)", (mode) => {
  it("TIMEOUT leaves no process of the example alive", async () => {
    // The example never ends by itself; the timeout must fall after it escaped
    // to test anything, so a machine too slow for that gets a longer one next
    // (25 s is enough for R to reach the examples on an idle 2-core machine).
    for (const timeoutMs of [25_000, 90_000, 600_000]) {
      const dir = tempDir("bbs-escape-check-");
      const marker = `bbs-escape-r-${mode}-${process.pid}-${timeoutMs}`;
      const ready = join(dir, "ready");
      const result = await runCommandJob({
        command: `R CMD check --no-manual --no-build-vignettes ${tarball}`,
        outputFile: join(dir, `${PKG}.checksrc-out.txt`),
        cwd: dir,
        env: { BBS_ESCAPE_READY: ready, BBS_ESCAPE_MARKER: marker },
        timeoutMs,
        killGraceMs: 2_000,
        containment: mode,
      });
      expect(result.timedOut).toBe(true);
      expect(result.retCode).toBeNull();
      expect(result.last.containment).toBe(mode === "auto" ? "cgroup" : "sweep");
      await eventually(() => processesWith(marker).length === 0);
      expect(processesWith(marker)).toEqual([]);
      if (existsSync(ready)) return;
    }
    throw new Error("the example never escaped before the timeout");
  }, 1_000_000);
});
