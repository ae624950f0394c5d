// PROPAGATION_STATUS_DB.txt computed in TypeScript: the worked example of
// bbs-propagation 2.6 reproduced exactly (a golden file), and every
// explanation string of section 2.3 from files on disk (OUTGOING PACKAGES
// indexes, a file:// final repository and non-target repository).

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pathToFileURL } from "node:url";
import { PROPAGATION_STATUS_DB_FILE } from "../../../src/layout/central.js";
import { makePropagationDb } from "../../../src/stages/postrun/propagation-db.js";
import { computePropagationStatuses, extractDependencies } from "../../../src/stages/postrun/propagation-status.js";
import { golden } from "./cli.js";
import { useTempDirs } from "../../fixtures/tmp.js";
import { writeTestConfig, type YamlMap } from "../../fixtures/test-config.js";

const temp = useTempDirs();

type Fields = Record<string, string>;

function writeIndex(dir: string, records: readonly Fields[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "PACKAGES"),
    records
      .map((fields) =>
        Object.entries(fields)
          .map(([k, v]) => `${k}: ${v}\n`)
          .join(""),
      )
      .join("\n"),
  );
}

async function runDb(root: string, global: YamlMap): Promise<string> {
  const runDir = join(root, "run");
  const config = writeTestConfig({ workDir: join(root, "work"), global }).load();
  await makePropagationDb({ runDir, config });
  return readFileSync(join(runDir, PROPAGATION_STATUS_DB_FILE), "utf8");
}

describe("the worked example of bbs-propagation 2.6", () => {
  it("is reproduced exactly", async () => {
    const root = await temp.make("worked-example");
    const outgoing: Fields[] = [
      { Package: "a", Version: "1" },
      { Package: "b", Version: "2", NeedsCompilation: "no" },
      { Package: "c", Version: "3", Depends: "b, i", NeedsCompilation: "no" },
      { Package: "d", Version: "1", Depends: "c", NeedsCompilation: "yes" },
      { Package: "e", Version: "1", Depends: "z" },
      { Package: "f", Version: "1", Depends: "b (>= 3)" },
    ];
    const binary = outgoing.map(({ NeedsCompilation: _dropped, ...fields }) => fields);
    writeIndex(join(root, "run/OUTGOING/source"), outgoing);
    for (const type of ["win.binary", "mac.binary.big-sur-x86_64", "mac.binary.big-sur-arm64"])
      writeIndex(join(root, "run/OUTGOING", type), binary);
    mkdirSync(join(root, "run/OUTGOING/manuals"));
    const repo = join(root, "staging");
    writeIndex(join(repo, "src/contrib"), [
      { Package: "g", Version: "1.0" },
      { Package: "h", Version: "1.0" },
      { Package: "i", Version: "1.0" },
    ]);
    writeIndex(join(repo, "bin/macosx/big-sur-x86_64/contrib/4.2"), [{ Package: "b", Version: "3" }]);
    writeIndex(join(repo, "bin/macosx/big-sur-arm64/contrib/4.2"), [{ Package: "b", Version: "2" }]);
    // No bin/windows index: an empty repository, as for R.
    const db = await runDb(root, {
      propagation: { finalRepo: pathToFileURL(repo).href, rVersion: "4.2" },
      nonTargetRepos: [],
    });
    expect(db).toBe(golden("propagation-worked-example.txt"));
  });
});

describe("explanation strings", () => {
  it("covers lower, equal, missing, compilation-needing, too-low and will-become, with non-target repositories", async () => {
    const root = await temp.make("explanations");
    writeIndex(join(root, "run/OUTGOING/source"), [
      { Package: "lower", Version: "1.0-1" },
      { Package: "same", Version: "2.0" },
      { Package: "same0", Version: "2.0.0" },
      { Package: "newer", Version: "1.10", Imports: "cranPkg (>= 1.0), methods, R (>= 4.0)" },
      { Package: "missing", Version: "1.0", Imports: "\n    stats,\n    nowhere," },
      { Package: "tooLow", Version: "1.0", LinkingTo: "cranPkg (> 2.0)" },
      { Package: "otherOps", Version: "1.0", Depends: "cranPkg (== 9.9), newer (< 0.1)" },
      { Package: "chain", Version: "1.0", Depends: "newer (>= 1.10)" },
      { Package: "ahead", Version: "1.0", Depends: "newer (>= 2.0)" },
    ]);
    const repo = join(root, "final");
    writeIndex(join(repo, "src/contrib"), [
      { Package: "lower", Version: "1.0.2" },
      { Package: "same", Version: "2.0" },
      { Package: "same0", Version: "2.0" },
      { Package: "newer", Version: "1.9" },
      { Package: "onlyWindows", Version: "1.0", OS_type: "windows" },
    ]);
    const cran = join(root, "cran");
    writeIndex(join(cran, "src/contrib"), [
      { Package: "cranPkg", Version: "1.5" },
      { Package: "cranPkg", Version: "2.0" },
    ]);
    const db = await runDb(root, {
      propagation: { finalRepo: pathToFileURL(repo).href },
      nonTargetRepos: [pathToFileURL(cran).href],
    });
    expect(db.split("\n")).toEqual([
      "lower#source#propagate: NO, version to propagate (1.0.1) is lower than published version (1.0.2)",
      "same#source#propagate: UNNEEDED, same version is already published",
      "same0#source#propagate: UNNEEDED, same version is already published",
      "newer#source#propagate: YES",
      "missing#source#propagate: NO, package depends on 'nowhere' which is not available",
      "tooLow#source#propagate: NO, package requires version > 2.0 of 'cranPkg' but only version 2.0 is available",
      "otherOps#source#propagate: YES",
      "chain#source#propagate: YES",
      "ahead#source#propagate: NO, package requires version >= 2.0 of 'newer' but only version 1.10 will become available",
      "",
    ]);
  });

  it("an empty OUTGOING subdirectory gives no lines, a missing final repository is an error naming it", async () => {
    const root = await temp.make("empty");
    mkdirSync(join(root, "run/OUTGOING/source"), { recursive: true });
    writeFileSync(join(root, "run/OUTGOING/source/PACKAGES"), "");
    expect(await runDb(root, { propagation: { finalRepo: pathToFileURL(join(root, "nothing")).href } })).toBe("");
    await expect(runDb(root, { propagation: { finalRepo: null } })).rejects.toThrow(/propagation.finalRepo is not set/);
    mkdirSync(join(root, "run/OUTGOING/win.binary"));
    writeFileSync(join(root, "run/OUTGOING/win.binary/PACKAGES"), "Package: x\nVersion: 1\n");
    await expect(runDb(root, { propagation: { finalRepo: pathToFileURL(root).href } })).rejects.toThrow(
      /propagation.rVersion is not set/,
    );
  });
});

describe("the decision rules", () => {
  it("parses dependencies as BBS does and evaluates the first failing one", () => {
    expect(
      extractDependencies({ depends: "R (>= 4.1),\n  b (>= 3) ,", imports: "x,,y", linkingTo: "z(>=1.0-2)" }),
    ).toEqual([
      { name: "R", constraint: ">=4.1" },
      { name: "b", constraint: ">=3" },
      { name: "x" },
      { name: "y" },
      { name: "z", constraint: ">=1.0-2" },
    ]);
    const statuses = computePropagationStatuses(
      [{ package: "p", version: "1.0", depends: "q (>= 1.0-2), r" }],
      [{ package: "q", version: "1.0.1" }],
    );
    expect(statuses[0]?.explanation).toBe(
      "NO, package requires version >= 1.0.2 of 'q' but only version 1.0.1 is available",
    );
  });

  it("approves by fixed point: a chain approves one link per pass", () => {
    const statuses = computePropagationStatuses(
      [
        { package: "top", version: "1", depends: "mid" },
        { package: "mid", version: "1", depends: "base1" },
        { package: "base1", version: "1" },
        { package: "loop1", version: "1", depends: "loop2" },
        { package: "loop2", version: "1", depends: "loop1" },
      ],
      [],
    );
    expect(statuses.map((s) => s.explanation)).toEqual([
      "YES",
      "YES",
      "YES",
      "NO, package depends on 'loop2' which is not available",
      "NO, package depends on 'loop1' which is not available",
    ]);
  });
});
