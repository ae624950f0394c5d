// The generated report in real headless Chromium, served over HTTP by the
// report server (under /report/, as it is published under a path): pages
// render (screenshots in test-artifacts/report/), the status filters work,
// every link of the report resolves, and package data with <script> stays
// inert text.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateReport } from "../../src/report/index.js";
import { serveReport, type ReportServer } from "../../src/report/serve.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { artifactsDir, launchChromium, type Chromium } from "./browser.js";
import { threeNodeRun, XSS_LOG, XSS_MAINTAINER } from "./fixture.js";

const temp = useTempDirs();
let server: ReportServer;
let browser: Chromium;
let base: string;
let artifacts: string;

beforeAll(async () => {
  const fixture = threeNodeRun(await temp.make("report-browser"));
  await generateReport({
    central: fixture.config.central,
    hosts: fixture.config.hosts,
    runDir: fixture.runDir,
    reportDir: join(fixture.root, "report"),
    ...(fixture.historyDb ? { historyDb: fixture.historyDb } : {}),
  });
  server = await serveReport(fixture.root);
  base = `${server.url}report/`;
  browser = await launchChromium();
  artifacts = artifactsDir("report");
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

interface Problems {
  errors: string[];
  dialogs: string[];
}

/** A new tab that records page errors, console errors and dialogs (dismissed). */
async function openPage(): Promise<{ page: Page; problems: Problems }> {
  const page = await browser.context.newPage();
  const problems: Problems = { errors: [], dialogs: [] };
  page.on("pageerror", (error) => problems.errors.push(`pageerror: ${error.message}`));
  // Failed loads are reported with their URL by the response listener (Chromium asks for /favicon.ico, which no report has).
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource"))
      problems.errors.push(`console: ${message.text()}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400 && !response.url().endsWith("/favicon.ico"))
      problems.errors.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  page.on("dialog", (dialog) => {
    problems.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return { page, problems };
}

/** Names of the packages whose gcard is displayed in #THE_BIG_GCARD_LIST. */
// In-page scripts are strings: the project compiles without the DOM library.
function shownPackages(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(
    `Array.from(document.querySelectorAll("#THE_BIG_GCARD_LIST tbody.gcard"))
      .filter((card) => card.getClientRects().length > 0)
      .map((card) => card.querySelector(".pkgname")?.textContent ?? "")`,
  );
}

const COLLECT_LINKS = `({
  links: [
    ...Array.from(document.querySelectorAll("a[href]"), (a) => a.href),
    ...Array.from(document.querySelectorAll("link[href]"), (l) => l.href),
    ...Array.from(document.querySelectorAll("script[src], img[src]"), (e) => e.src),
  ],
  anchors: [...Array.from(document.querySelectorAll("[id]"), (e) => e.id), ...Array.from(document.querySelectorAll("a[name]"), (a) => a.getAttribute("name") ?? "")],
})`;

describe("rendering in Chromium", () => {
  const pages: Array<[string, string, string]> = [
    ["index.html", "index", "Multiple platform build/check report for BioC 3.21"],
    ["long-report.html", "long-report", "Multiple platform build/check report for BioC 3.21"],
    ["Alpha/index.html", "package", "All results for package Alpha"],
    ["Alpha/nebbiolo1-checksrc.html", "leaf", "CHECK results for Alpha on nebbiolo1"],
    ["nebbiolo1-timeline.html", "timeline", "Timeline of the run on nebbiolo1"],
    ["palomino7-index.html", "node-index", "All results on palomino7"],
  ];
  for (const [path, name, heading] of pages) {
    it(`renders ${path}`, async () => {
      const { page, problems } = await openPage();
      const response = await page.goto(`${base}${path}`);
      expect(response?.status()).toBe(200);
      await expect(page.locator("h1, h2").first().textContent()).resolves.toContain(heading);
      await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
      expect(problems).toEqual({ errors: [], dialogs: [] });
      await page.close();
    });
  }

  it("draws the timeline's bars with their extent and links", async () => {
    const { page } = await openPage();
    await page.goto(`${base}nebbiolo1-timeline.html`);
    const bars = page.locator("a.tl_bar");
    expect(await bars.count()).toBeGreaterThan(30);
    const box = await bars.first().boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(1);
    expect(box?.height ?? 0).toBeGreaterThan(5);
    expect(await page.locator(".tl_bar.ERROR").count()).toBeGreaterThan(0);
    await page.close();
  });

  it("shows the leaf page sections with the log text", async () => {
    const { page } = await openPage();
    await page.goto(`${base}Alpha/nebbiolo1-checksrc.html`);
    for (const title of ["Summary", "Command output", "Installation output", "Tests output", "Example timings"]) {
      await expect(page.getByRole("heading", { name: title, exact: true }).isVisible()).resolves.toBe(true);
    }
    await expect(page.getByText("[ FAIL 0 | WARN 0 | SKIP 0 | PASS 12 ]").isVisible()).resolves.toBe(true);
    await page.close();
  });
});

describe("status filters", () => {
  it("unticking OK hides the OK packages and keeps the others (long layout)", async () => {
    const { page, problems } = await openPage();
    await page.goto(`${base}long-report.html`);
    const all = await shownPackages(page);
    expect(all).toHaveLength(14);
    await page.locator("#show_ok").uncheck();
    const shown = await shownPackages(page);
    expect(shown.sort()).toEqual(
      ["badDesc", "betaWarn", "buildErr", "checkErr", "evilPkg", "instErr", "timeoutPkg"].sort(),
    );
    expect(shown).not.toContain("Alpha");
    expect(await page.evaluate<string>("window.location.hash")).toBe("#show=timeout,error,warnings");
    // Letters whose packages are all hidden lose their separator too.
    expect(await page.locator("#THE_BIG_GCARD_LIST tbody.gcard_separator a[name='Z']").isVisible()).toBe(false);
    expect(await page.locator("#THE_BIG_GCARD_LIST tbody.gcard_separator a[name='B']").isVisible()).toBe(true);
    await page.locator("#show_ok").check();
    expect(await shownPackages(page)).toHaveLength(14);
    expect(problems.errors).toEqual([]);
    await page.close();
  });

  it("keeps the filter in the URL fragment, and filters the simple layout too", async () => {
    const { page } = await openPage();
    await page.goto(`${base}index.html#show=error`);
    expect(await page.locator("#show_ok").isChecked()).toBe(false);
    expect(await page.locator("#show_error").isChecked()).toBe(true);
    expect((await shownPackages(page)).sort()).toEqual(
      ["badDesc", "buildErr", "checkErr", "evilPkg", "instErr"].sort(),
    );
    await page.close();
  });

  it("shows only the new problems since the last run when asked", async () => {
    const { page } = await openPage();
    await page.goto(`${base}index.html`);
    await page.locator("#only_new_problems").check();
    expect(await shownPackages(page)).toEqual(["checkErr"]);
    await page.close();
  });

  it("filters a node page on that node's results", async () => {
    const { page } = await openPage();
    await page.goto(`${base}palomino7-index.html`);
    await page.locator("#show_ok").uncheck();
    // checkErr fails only on nebbiolo1: on palomino7 it is OK.
    expect((await shownPackages(page)).sort()).toEqual(
      ["badDesc", "betaWarn", "buildErr", "instErr", "timeoutPkg"].sort(),
    );
    await page.close();
  });
});

describe("links", () => {
  it("finds no broken link in a crawl of the whole report", async () => {
    const { page } = await openPage();
    const queue = [`${base}index.html`];
    const seen = new Set(queue);
    const anchors = new Map<string, Set<string>>();
    const fragments: Array<{ from: string; target: string; fragment: string }> = [];
    const broken: string[] = [];
    const external = new Set<string>();
    let htmlPages = 0;
    let files = 0;
    const isPage = (url: string): boolean => url.endsWith(".html") || url.endsWith("/");
    while (queue.length > 0) {
      const url = queue.shift() as string;
      const response = await page.goto(url);
      if (response?.status() !== 200) {
        broken.push(`${url}: HTTP ${response?.status() ?? "no response"}`);
        continue;
      }
      htmlPages += 1;
      const found = await page.evaluate<{ links: string[]; anchors: string[] }>(COLLECT_LINKS);
      anchors.set(url, new Set(found.anchors));
      for (const link of found.links) {
        if (!link.startsWith(base)) {
          external.add(link);
          continue;
        }
        const target = new URL(link);
        const fragment = decodeURIComponent(target.hash.slice(1));
        target.hash = "";
        const key = target.href;
        if (fragment !== "") fragments.push({ from: url, target: key, fragment });
        if (seen.has(key)) continue;
        seen.add(key);
        if (isPage(key)) {
          queue.push(key);
          continue;
        }
        files += 1;
        const head = await fetch(key, { method: "HEAD" });
        if (head.status !== 200) broken.push(`${key} (linked from ${url}): HTTP ${head.status}`);
      }
    }
    for (const { from, target, fragment } of fragments) {
      const known = anchors.get(target);
      if (known === undefined) {
        if (isPage(target)) broken.push(`${target}#${fragment} (linked from ${from}): page not crawled`);
        continue;
      }
      if (!known.has(fragment)) broken.push(`${target}#${fragment} (linked from ${from}): no such anchor`);
    }
    writeFileSync(
      join(artifacts, "crawl.txt"),
      `${htmlPages} pages, ${files} files\n\nexternal links:\n${[...external].sort().join("\n")}\n\nbroken:\n${broken.join("\n")}\n`,
    );
    expect(broken).toEqual([]);
    expect(htmlPages).toBeGreaterThan(120);
    expect(files).toBeGreaterThan(100);
    // Links leaving the report are the landing pages and the size unit's Wikipedia page.
    for (const link of external)
      expect(link, link).toMatch(
        /^(http:\/\/127\.0\.0\.1:\d+\/packages\/3\.21\/[A-Za-z0-9.]+|https:\/\/en\.wikipedia\.org\/wiki\/(KiB|MiB|GiB))$/,
      );
    await page.close();
  });
});

describe("package data with <script>", () => {
  for (const path of [
    "index.html",
    "long-report.html",
    "palomino7-index.html",
    "evilPkg/index.html",
    "evilPkg/nebbiolo1-checksrc.html",
    "Alpha/index.html",
  ]) {
    it(`stays inert, visible text on ${path}`, async () => {
      const { page, problems } = await openPage();
      await page.goto(`${base}${path}`);
      await page.waitForLoadState("load");
      expect(await page.evaluate<string | undefined>("window.__xss")).toBeUndefined();
      expect(problems.dialogs).toEqual([]);
      expect(await page.locator("script").count()).toBeLessThanOrEqual(1);
      expect(await page.locator("img[src='x']").count()).toBe(0);
      if (path !== "Alpha/index.html") {
        await expect(page.getByText(XSS_MAINTAINER, { exact: true }).first().isVisible()).resolves.toBe(true);
      }
      if (path === "evilPkg/nebbiolo1-checksrc.html") {
        await expect(page.locator("pre", { hasText: XSS_LOG }).isVisible()).resolves.toBe(true);
        await expect(page.locator("img[title*='<script>']").count()).resolves.toBe(1);
        await page.screenshot({ path: join(artifacts, "xss-leaf.png"), fullPage: true });
      }
      await page.close();
    });
  }
});
