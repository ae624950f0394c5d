// Which run a run directory holds, with and without bbs's run.json (issue 14,
// defect 7): a BBS central directory is told by its own files.

import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readRunMeta } from "../../src/results/run-dir.js";
import { readRunFacts } from "../../src/results/run-info.js";
import { useTempDirs } from "../fixtures/tmp.js";

const temp = useTempDirs();

describe("readRunFacts", () => {
  it("prefers run.json", async () => {
    const dir = await temp.make("with-run-json");
    writeFileSync(join(dir, "run.json"), JSON.stringify({ runId: "20261121-135500", snapshotDate: "x" }));
    mkdirSync(join(dir, "gitlog"));
    writeFileSync(join(dir, "gitlog", "git-log.dcf"), "Snapshot Date: 2024-10-24 13:55 -0400 (Thu, 24 Oct 2024)\n");
    expect(readRunFacts(dir)).toMatchObject({ runId: "20261121-135500", snapshotDate: "x", source: "run.json" });
  });

  it("reads gitlog/git-log.dcf of a BBS central directory: snapshot date, time and a run id per night", async () => {
    const dir = await temp.make("bioc");
    mkdirSync(join(dir, "gitlog"));
    writeFileSync(join(dir, "gitlog", "git-log.dcf"), "Snapshot Date: 2024-10-24 13:55 -0400 (Thu, 24 Oct 2024)\r\n");
    expect(readRunFacts(dir)).toEqual({
      runId: "20241024-135500",
      snapshotDate: "2024-10-24 13:55 -0400 (Thu, 24 Oct 2024)",
      snapshotTime: new Date("2024-10-24T17:55:00Z"),
      source: "gitlog",
    });
    expect(readRunMeta(dir).runId).toBe("20241024-135500");
  });

  it("falls back on when prerun wrote meat-index.dcf, and says nothing is known without it", async () => {
    const dir = await temp.make("no-gitlog");
    writeFileSync(join(dir, "meat-index.dcf"), "Package: a\nVersion: 1.0\n\n");
    const written = new Date("2024-10-24T17:55:07Z");
    utimesSync(join(dir, "meat-index.dcf"), written, written);
    const facts = readRunFacts(dir);
    expect(facts.source).toBe("meat-index");
    expect(facts.snapshotTime).toEqual(written);
    expect(facts.runId).toMatch(/^20241024-\d{4}07$/);
    const empty = await temp.make("empty");
    expect(readRunFacts(empty).problem).toMatch(/run\.json does not exist/);
  });
});
