// BBS's per-job files, byte for byte (spec 4.6, 6.8, 6.9), with the one
// deliberate difference: a correct UTC offset in dates.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commandHeader, filesToDeliver, jobFiles, startOutputFile, appendRerunHeader } from "../../src/jobs/outfile.js";
import { formatFixed, formatGeneral } from "../../src/results/pyformat.js";
import {
  checkExtras,
  formatEndOfRunLine,
  formatSummary,
  humanReadableSize,
  packageFileExtras,
  parseSummary,
  readSummary,
  writeEndOfRun,
  writeSummary,
} from "../../src/results/summary.js";
import { tempDir } from "./helpers.js";

const HASHES = "#".repeat(78);
const MIB = '<A href="http://en.wikipedia.org/wiki/MiB" target="_blank">MiB</A>';
const KIB = '<A href="http://en.wikipedia.org/wiki/KiB" target="_blank">KiB</A>';

let savedTz: string | undefined;
beforeAll(() => {
  savedTz = process.env.TZ;
  process.env.TZ = "America/New_York";
});
afterAll(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

describe("printf-style numbers", () => {
  it("%.1f and %.0f round exact ties to even, like Python", () => {
    const cases: Array<[number, string, string]> = [
      [0, "0.0", "0"],
      [0.25, "0.2", "0"],
      [0.75, "0.8", "1"],
      [1.05, "1.1", "1"],
      [148.25, "148.2", "148"],
      [2.5, "2.5", "2"],
      [3.5, "3.5", "4"],
      [0.05, "0.1", "0"],
      [999.95, "1000.0", "1000"],
      [12345.678, "12345.7", "12346"],
      [0.04999, "0.0", "0"],
    ];
    for (const [value, one, zero] of cases) {
      expect(formatFixed(value, 1), String(value)).toBe(one);
      expect(formatFixed(value, 0), String(value)).toBe(zero);
    }
  });

  it("%.4g", () => {
    const cases: Array<[number, string]> = [
      [1, "1"],
      [1.5, "1.5"],
      [100.25, "100.2"],
      [10.125, "10.12"],
      [1.0625, "1.062"],
      [999.95, "1000"],
      [1023.99, "1024"],
      [5.5, "5.5"],
      [123.456, "123.5"],
    ];
    for (const [value, expected] of cases) expect(formatGeneral(value, 4), String(value)).toBe(expected);
  });

  it("human-readable sizes as BBS's human_readable_size(htmlized=True)", () => {
    expect(humanReadableSize(0)).toBe("0 bytes");
    expect(humanReadableSize(1)).toBe("1 byte");
    expect(humanReadableSize(1023)).toBe("1023 bytes");
    expect(humanReadableSize(1024)).toBe(`1 ${KIB}`);
    expect(humanReadableSize(1536)).toBe(`1.5 ${KIB}`);
    expect(humanReadableSize(102656)).toBe(`100.2 ${KIB}`);
    expect(humanReadableSize(1048063)).toBe(`1023 ${KIB}`);
    expect(humanReadableSize(5767168)).toBe(`5.5 ${MIB}`);
    expect(humanReadableSize(1024 ** 4, false)).toBe("1024 GiB");
  });
});

describe("out file", () => {
  it("writes BBS's header, and the re-run header after three newlines", () => {
    const dir = tempDir();
    const out = join(dir, "IRanges.install-out.txt");
    startOutputFile(out, "R CMD INSTALL IRanges");
    writeFileSync(out, "some output\n", { flag: "a" });
    appendRerunHeader(out, "R CMD INSTALL IRanges");
    const header = (verb: string) =>
      `${HASHES}\n${HASHES}\n###\n### ${verb} command:\n###\n###   R CMD INSTALL IRanges\n###\n${HASHES}\n${HASHES}\n\n\n`;
    expect(readFileSync(out, "utf8")).toBe(`${header("Running")}some output\n\n\n\n${header("Re-running")}`);
    expect(commandHeader("x", false).split("\n")).toHaveLength(12);
  });

  it("delivers the product, or a -MISSING marker that a later product removes", () => {
    const dir = tempDir();
    const files = jobFiles(dir, "IRanges", "buildsrc");
    expect(files.outFile).toBe(join(dir, "IRanges.buildsrc-out.txt"));
    expect(files.summaryFile).toBe(join(dir, "IRanges.buildsrc-summary.dcf"));
    const product = join(dir, "IRanges_2.41.0.tar.gz");
    expect(filesToDeliver(files, product)).toEqual([files.missingFile, files.outFile, files.summaryFile]);
    expect(readFileSync(files.missingFile, "utf8")).toBe("");
    writeFileSync(product, "tarball");
    expect(filesToDeliver(files, product)).toEqual([product, files.outFile, files.summaryFile]);
    expect(existsSync(files.missingFile)).toBe(false);
    expect(filesToDeliver(files, null)).toEqual([files.outFile, files.summaryFile]);
    expect(existsSync(files.missingFile)).toBe(false);
  });
});

describe("summary DCF", () => {
  const base = {
    package: "IRanges",
    version: "2.41.0",
    command: "/home/biocbuild/bbs-3.21-bioc/R/bin/R CMD INSTALL IRanges",
    startedAt: new Date("2024-10-24T19:03:12Z"),
    endedAt: new Date("2024-10-24T19:05:40Z"),
    elapsedSeconds: 148.2,
    retCode: 0,
    status: "OK",
  };

  it("writes BBS's fields in BBS's order", () => {
    expect(formatSummary(base)).toBe(
      [
        "Package: IRanges",
        "Version: 2.41.0",
        "Command: /home/biocbuild/bbs-3.21-bioc/R/bin/R CMD INSTALL IRanges",
        "StartedAt: 2024-10-24 15:03:12 -0400 (Thu, 24 Oct 2024)",
        "EndedAt: 2024-10-24 15:05:40 -0400 (Thu, 24 Oct 2024)",
        "EllapsedTime: 148.2 seconds",
        "RetCode: 0",
        "Status: OK",
        "",
      ].join("\n"),
    );
  });

  it("writes None for a timeout's RetCode and a non-target's Version; buildsrc and checksrc extras", () => {
    const dir = tempDir();
    const tarball = join(dir, "IRanges_2.41.0.tar.gz");
    writeFileSync(tarball, Buffer.alloc(5767168));
    const text = formatSummary({
      ...base,
      version: null,
      retCode: null,
      status: "TIMEOUT",
      elapsedSeconds: 2400.04,
      extras: packageFileExtras(tarball, "IRanges_2.41.0.tar.gz"),
    });
    expect(text.split("\n").slice(1, 2)).toEqual(["Version: None"]);
    expect(text.split("\n").slice(5)).toEqual([
      "EllapsedTime: 2400.0 seconds",
      "RetCode: None",
      "Status: TIMEOUT",
      "PackageFile: IRanges_2.41.0.tar.gz",
      `PackageFileSize: 5.5 ${MIB}`,
      "",
    ]);
    expect(packageFileExtras(join(dir, "absent.tar.gz"), "absent.tar.gz")).toEqual([
      ["PackageFile", "None"],
      ["PackageFileSize", "NA"],
    ]);
    expect(checkExtras("IRanges.Rcheck", "2")).toEqual([
      ["CheckDir", "IRanges.Rcheck"],
      ["Warnings", "2"],
    ]);
    expect(checkExtras(null, null)).toEqual([
      ["CheckDir", "None"],
      ["Warnings", "NA"],
    ]);
    expect(checkExtras(null, null, "DeployDestDir")[0]).toEqual(["DeployDestDir", "None"]);
  });

  it("sizes a product directory like du -sb", () => {
    const dir = tempDir();
    const libdir = join(dir, "pkg.buildbin-libdir");
    mkdirSync(join(libdir, "sub"), { recursive: true });
    writeFileSync(join(libdir, "sub", "a"), Buffer.alloc(2048));
    const [, size] = packageFileExtras(libdir, "pkg.buildbin-libdir");
    expect(size?.[1]).toMatch(/ <A href="http:\/\/en\.wikipedia\.org\/wiki\/KiB" target="_blank">KiB<\/A>$/);
  });

  it("prints dates with the real UTC offset, in the zone asked for (BBS was wrong east of UTC)", () => {
    const line = (timeZone: string) => formatSummary(base, { timeZone }).split("\n")[3];
    expect(line("Asia/Kolkata")).toBe("StartedAt: 2024-10-25 00:33:12 +0530 (Fri, 25 Oct 2024)");
    expect(line("Europe/Paris")).toBe("StartedAt: 2024-10-24 21:03:12 +0200 (Thu, 24 Oct 2024)");
    expect(line("Pacific/Honolulu")).toBe("StartedAt: 2024-10-24 09:03:12 -1000 (Thu, 24 Oct 2024)");
  });

  it("reads back what it writes, atomically written", () => {
    const dir = tempDir();
    const path = join(dir, "IRanges.checksrc-summary.dcf");
    writeSummary(path, { ...base, status: "WARNINGS", extras: checkExtras("IRanges.Rcheck", "1") });
    const parsed = readSummary(path);
    expect(parsed).toMatchObject({
      package: "IRanges",
      version: "2.41.0",
      retCode: 0,
      status: "WARNINGS",
      elapsedSeconds: 148.2,
    });
    expect(parsed?.startedAt?.toISOString()).toBe("2024-10-24T19:03:12.000Z");
    expect(parsed?.fields.get("Warnings")).toBe("1");
    expect(readSummary(join(dir, "absent.dcf"))).toBeUndefined();
  });

  it("rejects damaged summaries with the file and line", () => {
    expect(() => parseSummary("Package: x\nnot a field\n", "x.install-summary.dcf")).toThrow(
      /x\.install-summary\.dcf.*2/,
    );
    expect(() => parseSummary("Package: x\n\nPackage: y\n", "two.dcf")).toThrow(
      /two\.dcf: invalid job summary: a second record/,
    );
    expect(() => parseSummary("Package: x\nVersion: 1\nRetCode: zero\nStatus: OK\n", "s.dcf")).toThrow(
      /RetCode is "zero"/,
    );
    expect(() => parseSummary("Package: x\n", "s.dcf")).toThrow(/field Version is missing/);
    expect(parseSummary("Package: x\nVersion: 1\nRetCode: None\nStatus: TIMEOUT\n", "s.dcf").retCode).toBeNull();
  });
});

describe("BBS_EndOfRun.txt", () => {
  it("writes one line per executed stage", () => {
    const dir = tempDir();
    const path = join(dir, "BBS_EndOfRun.txt");
    const ticket = {
      stage: "STAGE2",
      nbCpu: 18,
      startedAt: new Date("2024-10-24T19:00:02Z"),
      endedAt: new Date("2024-10-24T19:20:36Z"),
      elapsedSeconds: 1234.5,
    };
    expect(formatEndOfRunLine(ticket)).toBe(
      "STAGE2 | nb_cpu=18 | StartedAt: 2024-10-24 15:00:02 -0400 (Thu, 24 Oct 2024) | EndedAt: 2024-10-24 15:20:36 -0400 (Thu, 24 Oct 2024) | EllapsedTime: 1234.5 seconds",
    );
    writeEndOfRun(path, [ticket, { ...ticket, stage: "STAGE3", nbCpu: 16 }]);
    expect(
      readFileSync(path, "utf8")
        .split("\n")
        .map((line) => line.split(" | ")[0]),
    ).toEqual(["STAGE2", "STAGE3", ""]);
  });
});
