// BUILD_STATUS_DB.txt as BBS's own readers read it (issue 14, defect 2): every
// meat-index package has its lines on every node where BBS's support rule
// calls it supported, whatever its UnsupportedPlatforms says, so BBS-report.py
// and BBS-notify.py find every key they look up.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { collectRunResults, type ResultNode } from "../../../src/results/collect.js";
import { stagesFor } from "../../../src/results/status.js";
import { writeMeatIndex } from "../../../src/rpkg/meat-index.js";
import { writeBuildStatusDb } from "../../../src/stages/postrun/status-db.js";
import { checkBbsReaders, type BbsReaderNode } from "../../fixtures/bbs-readers.js";
import { useTempDirs } from "../../fixtures/tmp.js";

const temp = useTempDirs();

const NODES: ReadonlyArray<BbsReaderNode & { bin: boolean; rPlatform: string }> = [
  {
    id: "nebbiolo1",
    hostname: "nebbiolo1",
    arch: "x86_64",
    pkgType: "source",
    bin: false,
    rPlatform: "x86_64-pc-linux-gnu",
    stages: [],
  },
  {
    id: "palomino3",
    hostname: "palomino3",
    arch: "x64",
    pkgType: "win.binary",
    bin: true,
    rPlatform: "x86_64-w64-mingw32",
    stages: [],
  },
  {
    id: "kjohnson3",
    hostname: "kjohnson3",
    arch: "arm64",
    pkgType: "mac.binary.big-sur-arm64",
    bin: true,
    rPlatform: "aarch64-apple-darwin20",
    stages: [],
  },
].map((node) => ({ ...node, stages: stagesFor("bioc", node.bin) }));

const UNSUPPORTED: ReadonlyArray<string | undefined> = [
  undefined,
  "linux",
  "win32",
  "win64",
  "win32, win64, linux",
  "win",
  "mac",
  "nebbiolo1",
  "Nebbiolo1",
  "arm64",
  "x64",
  "mac.binary.big-sur-arm64",
  "win, linux",
  "None",
];

describe("BUILD_STATUS_DB.txt and BBS's readers", () => {
  it("has every key BBS's readers look up, and none for a package BBS's rule calls unsupported", async () => {
    const runDir = await temp.make("run");
    writeMeatIndex(
      join(runDir, "meat-index.dcf"),
      UNSUPPORTED.map((value, i) => ({
        package: `pkg${i}`,
        version: "1.0.0",
        maintainer: "M",
        maintainerEmail: "m@example.org",
        ...(value === undefined ? {} : { unsupportedPlatforms: value }),
      })),
    );
    const nodes: ResultNode[] = NODES.map((node) => ({
      id: node.id,
      bin: node.bin,
      foreign: false,
      os: "",
      arch: node.arch,
      pkgType: node.pkgType,
      identity: { hostname: node.hostname, arch: node.arch, pkgType: node.pkgType, rPlatform: node.rPlatform },
      stages: stagesFor("bioc", node.bin),
    }));
    writeBuildStatusDb(runDir, collectRunResults(runDir, "bioc", nodes));
    const check = checkBbsReaders(runDir, NODES);
    expect(check.missing).toEqual([]);
    expect(check.unexpected).toEqual([]);
    // On all three nodes: no field, None, Nebbiolo1 (hostnames compare exactly) and the four legacy values.
    // On two: win, mac, nebbiolo1, arm64, x64, mac.binary.big-sur-arm64, "win, linux".
    expect(check.supportedPairs).toBe(7 * 3 + 7 * 2);
  });
});
