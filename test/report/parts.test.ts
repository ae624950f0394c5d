// The report's parts on their own: titles and legend wording, timeline slot
// placement and utilisation, jobs.ndjson reading, history streaks, text
// decoding and truncation, the LED images, the HTTP server.

import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HistoryStore, RESULTS_RUN_KIND } from "../../src/history/store.js";
import { HistoryView } from "../../src/report/history.js";
import { ledFileName } from "../../src/report/led.js";
import { staticAssets } from "../../src/report/render.js";
import { serveReport, type ReportServer } from "../../src/report/serve.js";
import { enumerate, legendEntries, type ReportSettings } from "../../src/report/settings.js";
import { reportTitle } from "../../src/results/title.js";
import { decodeText } from "../../src/report/text.js";
import {
  PART_MAX_BYTES,
  PART_MAX_LINES,
  readLogExcerpt,
  WHOLE_MAX_BYTES,
  WHOLE_MAX_LINES,
  type LogExcerpt,
} from "../../src/report/excerpt.js";
import { assignSlots, axisTicks, buildTimeline, jobsFromNdjson, type TimelineJob } from "../../src/report/timeline.js";
import { displayedStages } from "../../src/results/status.js";
import { useTempDirs } from "../fixtures/tmp.js";

const temp = useTempDirs();

describe("titles and legends (spec 9.2, 9.3)", () => {
  it("names the report as BBS does for each build type", () => {
    expect(reportTitle("bioc", "3.21", 3)).toBe("Multiple platform build/check report for BioC 3.21");
    expect(reportTitle("bioc", "3.21", 1)).toBe("Build/check report for BioC 3.21");
    expect(reportTitle("data-annotation", "3.21", 1)).toBe("Build/check report for BioC 3.21 annotations");
    expect(reportTitle("data-experiment", "3.21", 2)).toBe(
      "Multiple platform build/check report for BioC 3.21 experimental data",
    );
    expect(reportTitle("workflows", "3.21", 2)).toBe("Workflows build report for BioC 3.21");
    expect(reportTitle("books", "3.21", 1)).toBe("Books build report for BioC 3.21");
    expect(reportTitle("bioc-longtests", "3.21", 1)).toBe("Long Tests report for BioC 3.21");
    expect(reportTitle("bioc-testing", "3.21", 1)).toBe('"Blame Jeroen" build/check report for BioC 3.21');
    expect(reportTitle("cran", "3.21", 2)).toBe("Multiple platform build/check report for CRAN");
  });

  const settings = (
    buildType: ReportSettings["buildType"],
    timeouts = { install: 40, buildsrc: 40, checksrc: 40, buildbin: 40 },
  ): ReportSettings => ({
    buildType,
    biocVersion: "3.21",
    nodeCount: 2,
    title: "",
    simpleLayout: true,
    alphabetDispatch: true,
    rawResults: true,
    displayedStages: displayedStages(buildType),
    propagationColumn: true,
    reverseDeps: false,
    outgoing: [],
    timeoutMinutes: timeouts,
  });

  it("words the legend from the displayed stages and timeouts", () => {
    const bioc = legendEntries(settings("bioc"), "long");
    expect(bioc.map((e) => e.status)).toEqual(["TIMEOUT", "ERROR", "WARNINGS", "OK", "NA", "skipped"]);
    expect(bioc[0]?.text).toBe("INSTALL, BUILD, CHECK or BUILD BIN of package took more than 40 minutes");
    expect(bioc[1]?.text).toBe(
      "Bad DESCRIPTION file, or INSTALL, BUILD or BUILD BIN of package failed, or CHECK produced errors",
    );
    expect(bioc[5]?.text).toBe("CHECK or BUILD BIN of package was skipped because the BUILD step failed");
    const simple = legendEntries(settings("bioc"), "simple");
    expect(simple.map((e) => e.status)).toEqual(["TIMEOUT", "ERROR", "WARNINGS", "OK", "NA"]);
    expect(simple[3]?.text).toBe("INSTALL, BUILD, CHECK and BUILD BIN of package went OK");
    const workflows = legendEntries(
      settings("workflows", { install: 40, buildsrc: 180, checksrc: 180, buildbin: 40 }),
      "long",
    );
    expect(workflows.map((e) => e.status)).toEqual(["TIMEOUT", "ERROR", "OK", "NA"]);
    expect(workflows[0]?.text).toBe(
      "INSTALL of package took more than 40 minutes; BUILD of package took more than 180 minutes",
    );
    expect(workflows[1]?.text).toBe("Bad DESCRIPTION file, or INSTALL or BUILD of package failed");
    const longtests = legendEntries(settings("bioc-longtests"), "long");
    expect(longtests[1]?.text).toBe("Bad DESCRIPTION file, or CHECK produced errors");
    expect(enumerate(["A"], "or")).toBe("A");
  });
});

describe("timeline", () => {
  const job = (pkg: string, start: number, end: number, slot?: number): TimelineJob => ({
    pkg,
    stage: "checksrc",
    start,
    end,
    status: "OK",
    ...(slot === undefined ? {} : { slot }),
  });

  it("places jobs without slots greedily on as few rows as jobs ran at once", () => {
    const rows = assignSlots([job("a", 0, 10), job("b", 0, 5), job("c", 5, 8), job("d", 8, 20), job("e", 10, 12)]);
    expect(rows.map((row) => row.map((j) => j.pkg))).toEqual([
      ["b", "c", "d"],
      ["a", "e"],
    ]);
  });

  it("keeps recorded slots, and computes each stage's utilisation", () => {
    const rows = assignSlots([job("a", 0, 10, 3), job("b", 0, 10, 1), job("c", 10, 20, 3)]);
    expect(rows.map((row) => row.map((j) => j.pkg))).toEqual([["b"], ["a", "c"]]);
    const timeline = buildTimeline([job("a", 0, 10_000), job("b", 0, 5_000)], new Map([["checksrc", 4]]));
    const stage = timeline?.stages[0];
    expect(stage).toMatchObject({ stage: "checksrc", slots: 4, jobs: 2, busySeconds: 15, spanSeconds: 10 });
    expect(stage?.utilisation).toBeCloseTo(15 / 40);
    expect(stage?.rows.flat().find((bar) => bar.job.pkg === "a")).toMatchObject({ leftPct: 0, widthPct: 100 });
    expect(buildTimeline([], new Map())).toBeUndefined();
  });

  it("reads jobs.ndjson: pairs starts and ends, maps stage names, ends unfinished jobs now, skips bad lines", async () => {
    const runDir = await temp.make("ndjson");
    mkdirSync(join(runDir, "products-in", "n1"), { recursive: true });
    const lines = [
      { at: "2026-11-20T10:00:00Z", event: "run-started", total: 3 },
      { at: "2026-11-20T10:00:00Z", event: "job-started", job: "install:A", pool: "install", label: "A" },
      {
        at: "2026-11-20T10:00:30Z",
        event: "job-finished",
        job: "install:A",
        pool: "install",
        label: "A",
        status: "OK",
        elapsed: 30,
      },
      { at: "2026-11-20T10:01:00Z", event: "job-started", job: "build:B", pool: "build", label: "B", slot: 2 },
      {
        at: "2026-11-20T10:02:00Z",
        event: "job-finished",
        job: "check:C",
        stage: "checksrc",
        package: "C",
        status: "TIMEOUT",
        elapsed: 60,
      },
      {
        at: "2026-11-20T10:02:00Z",
        event: "job-finished",
        job: "check:D",
        pool: "checksrc",
        label: "D",
        status: "skipped",
      },
    ];
    writeFileSync(
      join(runDir, "products-in", "n1", "jobs.ndjson"),
      `${lines.map((l) => JSON.stringify(l)).join("\n")}\n{"torn": `,
    );
    const read = jobsFromNdjson(runDir, "n1", Date.parse("2026-11-20T10:05:00Z"));
    expect(read?.problems).toBe(1);
    expect(read?.jobs).toEqual([
      {
        pkg: "A",
        stage: "install",
        start: Date.parse("2026-11-20T10:00:00Z"),
        end: Date.parse("2026-11-20T10:00:30Z"),
        status: "OK",
      },
      {
        pkg: "C",
        stage: "checksrc",
        start: Date.parse("2026-11-20T10:01:00Z"),
        end: Date.parse("2026-11-20T10:02:00Z"),
        status: "TIMEOUT",
      },
      {
        pkg: "B",
        stage: "buildsrc",
        start: Date.parse("2026-11-20T10:01:00Z"),
        end: Date.parse("2026-11-20T10:05:00Z"),
        status: "running",
        unfinished: true,
        slot: 2,
      },
    ]);
    expect(jobsFromNdjson(runDir, "n2", 0)).toBeUndefined();
  });

  it("marks the axis at round intervals", () => {
    expect(axisTicks(3 * 3_600_000).map((t) => t.label)).toEqual([
      "0:00",
      "0:15",
      "0:30",
      "0:45",
      "1:00",
      "1:15",
      "1:30",
      "1:45",
      "2:00",
      "2:15",
      "2:30",
      "2:45",
      "3:00",
    ]);
    expect(axisTicks(10 * 3_600_000).map((t) => t.label)).toEqual([
      "0:00",
      "1:00",
      "2:00",
      "3:00",
      "4:00",
      "5:00",
      "6:00",
      "7:00",
      "8:00",
      "9:00",
      "10:00",
    ]);
  });
});

describe("history", () => {
  let store: HistoryView;
  const day = (n: number): Date => new Date(Date.UTC(2026, 10, n));
  const runIdOf = (n: number): string => `202611${String(n).padStart(2, "0")}-000000`;
  beforeAll(async () => {
    const path = join(await temp.make("history"), "h.sqlite");
    const writer = HistoryStore.open(path);
    // Runs of Nov 1..20 on n1; the run of Nov 20 is the current one.
    const past: Record<string, (n: number) => string> = {
      a: (n) => (n <= 17 ? "OK" : "ERROR"), // failing since the 18th
      b: (n) => (n === 17 ? "ERROR" : n === 19 ? "WARNINGS" : "OK"), // fixed since the 18th
      c: () => "OK",
      long: (n) => (n < 3 ? "OK" : "TIMEOUT"), // failing since the 3rd, beyond the runs loaded at once
    };
    for (let n = 1; n <= 20; n += 1) {
      writer.beginRun({ runId: runIdOf(n), node: "n1", kind: RESULTS_RUN_KIND, startedAt: day(n) });
      for (const [pkg, status] of Object.entries(past)) {
        if (n === 20 && pkg === "c") continue;
        const id = writer.startJob({
          runId: runIdOf(n),
          node: "n1",
          stage: "checksrc",
          package: pkg,
          startedAt: day(n),
        });
        writer.finishJob(id, { endedAt: day(n), elapsedSeconds: 1, retCode: 0, status: status(n) });
      }
    }
    // An interrupted second attempt does not hide the first one's result.
    writer.startJob({ runId: runIdOf(19), node: "n1", stage: "checksrc", package: "c", startedAt: day(19) });
    writer.markInterrupted(runIdOf(19));
    writer.close();
    const view = HistoryView.open(path, { runId: runIdOf(20), startedAt: day(20), at: day(20) }, () => {});
    if (!view) throw new Error("history not opened");
    store = view;
  });
  afterAll(() => store.close());
  const cell = (pkg: string, node = "n1") => ({ pkg, node, stage: "checksrc" });

  it("leaves the current run out and walks back the failing streak", () => {
    const past = store.packagePast("a").get("n1#checksrc") ?? [];
    expect(past.slice(0, 3).map((p) => p.runId)).toEqual([runIdOf(19), runIdOf(18), runIdOf(17)]);
    expect(past).toHaveLength(15); // HISTORY_LOADED previous runs
    const history = store.cellHistory(cell("a"), "ERROR", past);
    expect(history.failingSince).toEqual({ at: day(18), runId: runIdOf(18), beyondWindow: false });
    expect(history.recent).toHaveLength(10);
    expect(history.newProblem).toBe(false);
  });

  it("finds the start of a streak longer than the runs loaded", () => {
    const past = store.packagePast("long").get("n1#checksrc") ?? [];
    expect(store.cellHistory(cell("long"), "TIMEOUT", past).failingSince).toEqual({
      at: day(3),
      runId: runIdOf(3),
      beyondWindow: false,
    });
  });

  it("says since when a cell is fixed, and what is new", () => {
    const past = store.packagePast("b").get("n1#checksrc") ?? [];
    expect(store.cellHistory(cell("b"), "OK", past).fixedSince).toEqual({ at: day(18), runId: runIdOf(18) });
    expect(store.cellHistory(cell("b"), "ERROR", past).newProblem).toBe(true); // WARNINGS yesterday
    const c = store.packagePast("c").get("n1#checksrc") ?? [];
    expect(c[0]).toMatchObject({ runId: runIdOf(19), status: "OK" });
    expect(store.cellHistory(cell("c"), "OK", c)).toEqual({ recent: c.slice(0, 10), newProblem: false });
    expect(store.cellHistory(cell("c"), "TIMEOUT", c)).toMatchObject({
      newProblem: true,
      failingSince: { at: day(20), runId: runIdOf(20) },
    });
    // A package the node never built before: failing is new.
    expect(store.cellHistory(cell("new"), "ERROR", []).newProblem).toBe(true);
    expect(store.cellHistory(cell("new", "other-node"), "ERROR", []).newProblem).toBe(false);
  });

  it("reports an unusable history instead of failing", () => {
    const warnings: string[] = [];
    expect(HistoryView.open("/nonexistent/h.sqlite", { at: new Date() }, (m) => warnings.push(m))).toBeUndefined();
    expect(warnings[0]).toMatch(/history \/nonexistent\/h\.sqlite not used/);
  });
});

describe("text", () => {
  it("decodes UTF-8, falls back to ISO-8859-1, honours the node's encoding", () => {
    expect(decodeText(Buffer.from("café", "utf8"))).toBe("café");
    expect(decodeText(Buffer.from("caf\xe9", "latin1"))).toBe("café");
    expect(decodeText(Buffer.from("caf\xe9", "latin1"), "iso8859-1")).toBe("café");
  });

  it("shows a small log whole, and the head and tail of a large one, with what is left out counted", () => {
    const dir = mkdtempSync(join(tmpdir(), "bbs-excerpt-"));
    try {
      const path = join(dir, "out.txt");
      writeFileSync(path, "a\nb\nc\n");
      expect(readLogExcerpt(path)).toEqual({ head: Buffer.from("a\nb\nc\n"), omittedBytes: 0, omittedLines: 0 });
      // Past WHOLE_MAX_LINES lines: PART_MAX_LINES at each end.
      const lines = Array.from({ length: WHOLE_MAX_LINES + 10 }, (_, index) => `${index}`);
      writeFileSync(path, `${lines.join("\n")}\n`);
      const byLines = readLogExcerpt(path) as LogExcerpt;
      expect(byLines.head.toString().split("\n").slice(0, -1)).toEqual(lines.slice(0, PART_MAX_LINES));
      expect(byLines.tail?.toString().split("\n").slice(0, -1)).toEqual(lines.slice(-PART_MAX_LINES));
      expect(byLines.omittedLines).toBe(lines.length - 2 * PART_MAX_LINES);
      // Past WHOLE_MAX_BYTES: PART_MAX_BYTES at each end, a UTF-8 character never cut in two.
      writeFileSync(path, `first\n${"é".repeat(WHOLE_MAX_BYTES)}\nlast\n`);
      const byBytes = readLogExcerpt(path) as LogExcerpt;
      expect(byBytes.head.length).toBeLessThanOrEqual(PART_MAX_BYTES);
      expect(byBytes.head.toString()).toMatch(/^first\né+$/);
      expect(byBytes.tail?.toString()).toBe("last\n");
      expect(byBytes.omittedLines).toBe(1);
      expect(byBytes.head.length + byBytes.omittedBytes + (byBytes.tail?.length ?? 0)).toBe(statSync(path).size);
      expect(readLogExcerpt(join(dir, "absent.txt"))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("decodes each line as UTF-8 first, then as the node's encoding, as BBS does (issue 14, defect 6)", () => {
    // A Windows node (iso8859-1) whose R wrote UTF-8, as palomino3's logs of Bioconductor 3.15.
    const utf8 = "── R CMD check results ──\n§ 1.2 ══ Failed ══\n";
    expect(decodeText(Buffer.from(utf8, "utf8"), "iso8859-1")).toBe(utf8);
    expect(decodeText(Buffer.from(utf8, "utf8"), "windows-1252")).toBe(utf8);
    // Lines of both kinds in one log: each decoded on its own.
    const mixed = Buffer.concat([
      Buffer.from("checking ‘tinyPkg’ ... OK\r\n", "utf8"),
      Buffer.from("Fehler: ungültige Eingabe\r\n", "latin1"),
      Buffer.from("Ende §", "utf8"),
    ]);
    expect(decodeText(mixed, "iso8859-1")).toBe("checking ‘tinyPkg’ ... OK\r\nFehler: ungültige Eingabe\r\nEnde §");
    expect(decodeText(mixed)).toBe("checking ‘tinyPkg’ ... OK\r\nFehler: ungültige Eingabe\r\nEnde §");
  });
});

describe("LED images", () => {
  it("ship as static assets under BBS's names", () => {
    const assets = staticAssets();
    for (const color of ["Red", "Green", "Blue"] as const) expect(assets.has(ledFileName(color))).toBe(true);
  });

  it("are 120x120 RGBA, transparent in the corners, opaque and coloured in the middle", () => {
    const png = staticAssets().get(ledFileName("Red")) ?? Buffer.alloc(0);
    const idat = png.indexOf("IDAT");
    const length = png.readUInt32BE(idat - 4);
    const raw = inflateSync(png.subarray(idat + 4, idat + 4 + length));
    expect(raw.length).toBe(120 * (120 * 4 + 1));
    const pixel = (x: number, y: number): number[] => [...raw.subarray(y * 481 + 1 + x * 4, y * 481 + 1 + x * 4 + 4)];
    expect(pixel(0, 0)[3]).toBe(0);
    const [r, g, b, a] = pixel(75, 75);
    expect(a).toBe(255);
    expect(r).toBeGreaterThan((g ?? 0) + 50);
    expect(r).toBeGreaterThan((b ?? 0) + 50);
  });
});

describe("report server", () => {
  let server: ReportServer;
  beforeAll(async () => {
    const root = await temp.make("serve");
    mkdirSync(join(root, "pkg", "raw-results", "n<1>"), { recursive: true });
    writeFileSync(join(root, "index.html"), "<p>home</p>");
    writeFileSync(join(root, "pkg", "raw-results", "info.dcf"), "Package: pkg\n");
    writeFileSync(join(root, "pkg", "raw-results", "<b>.txt"), "x");
    server = await serveReport(root);
  });
  afterAll(() => server.close());

  it("serves files with their types, index.html for directories, and listings elsewhere", async () => {
    const home = await fetch(`${server.url}`);
    expect([home.status, home.headers.get("content-type"), await home.text()]).toEqual([
      200,
      "text/html; charset=utf-8",
      "<p>home</p>",
    ]);
    const dcf = await fetch(`${server.url}pkg/raw-results/info.dcf`);
    expect([dcf.status, dcf.headers.get("content-type")]).toEqual([200, "text/plain; charset=utf-8"]);
    const listing = await fetch(`${server.url}pkg/raw-results/`);
    const html = await listing.text();
    expect(html).toContain('<a href="info.dcf">info.dcf</a>');
    expect(html).toContain('<a href="n%3C1%3E/">n&lt;1&gt;/</a>');
    expect(html).toContain('<a href="%3Cb%3E.txt">&lt;b&gt;.txt</a>');
    const redirect = await fetch(`${server.url}pkg`, { redirect: "manual" });
    expect([redirect.status, redirect.headers.get("location")]).toEqual([301, "/pkg/"]);
  });

  it("answers 404, 405 and 403 (never serves outside its root)", async () => {
    expect((await fetch(`${server.url}missing.html`)).status).toBe(404);
    expect((await fetch(`${server.url}index.html`, { method: "POST" })).status).toBe(405);
    // Dot segments are resolved by URL parsing; encoded slashes would climb out once decoded.
    expect((await fetch(`${server.url}..%2F..%2F..%2Fetc%2Fpasswd`)).status).toBe(403);
    expect((await fetch(`${server.url}index.html`, { method: "HEAD" })).headers.get("content-length")).toBe("11");
  });
});
