// The SPB web UI in real headless Chromium, served by the coordinator (the
// same process as `bbs spb serve`): a job page opened while the job runs
// follows its cells and log tail over SSE without a reload (two nodes,
// played by scripted nodes over the real worker API; screenshots in
// test-artifacts/spb/); every page has its JSON (.json and Accept); package
// data and logs with markup stay inert text; an operator signs in with their
// token (HttpOnly, SameSite=Strict cookie) and reruns a job with the
// button, and a rerun without the session's CSRF token or from another
// origin is refused.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Credential } from "../../src/spb/auth.js";
import { SpbClient } from "../../src/spb/client.js";
import { startCoordinator, type RunningCoordinator } from "../../src/spb/serve.js";
import type { JobView } from "../../src/spb/store/views.js";
import { templatesRoot } from "../../src/spb/web/render.js";
import { artifactsDir, launchChromium, type Chromium } from "../report/browser.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { writeSpbSite, type SpbSite } from "./fixtures.js";
import { ScriptedNode } from "./scripted-node.js";

const dirs = useTempDirs();
let site: SpbSite;
let running: RunningCoordinator;
let browser: Chromium;
let url: string;
let artifacts: string;
const nodes: ScriptedNode[] = [];
const COMMIT = "0123456789abcdef0123456789abcdef01234567";

function credential(principal: string): Credential {
  return site.credentials.get(principal) as Credential;
}

async function submit(pkg = "tinyPkg"): Promise<JobView> {
  return new SpbClient(url, credential("submit:bot")).request<JobView>("POST", "/api/v1/jobs", {
    body: { git: { url: `https://git.example.org/packages/${pkg}.git`, commit: COMMIT }, issue: 12, newPackage: true },
  });
}

function node(id: string): ScriptedNode {
  const created = new ScriptedNode(url, credential(`node:${id}`), id);
  nodes.push(created);
  return created;
}

/**
 * Waits until the page's DOM satisfies `expression` (a string: the project
 * compiles without the DOM library). Polls with evaluate: waitForFunction
 * evals its predicate, which the page's Content-Security-Policy forbids.
 */
async function until(page: Page, expression: string): Promise<void> {
  for (let tries = 0; tries < 600; tries += 1) {
    if ((await page.evaluate(`Boolean(${expression})`)) === true) return;
    await sleep(100);
  }
  throw new Error(`the page never satisfied ${expression}`);
}

const cell = (nodeId: string, column: string): string =>
  `document.querySelector('tr.spb_row[data-node="${nodeId}"] td[data-column="${column}"]')?.getAttribute("data-status")`;
const logOf = (nodeId: string): string =>
  `(document.querySelector('pre.spb_log[data-node="${nodeId}"]')?.textContent ?? "")`;

beforeAll(async () => {
  site = writeSpbSite({ root: await dirs.make("spb-web") });
  running = await startCoordinator(site.config.load());
  url = running.server.url;
  browser = await launchChromium();
  artifacts = artifactsDir("spb");
});

afterAll(async () => {
  for (const scripted of nodes) await scripted.close();
  await browser?.close();
  await running?.stop();
});

describe("spb web UI", () => {
  it("never uses raw Handlebars output ({{{ }}}) in its templates", () => {
    const dir = join(templatesRoot(), "spb");
    for (const sub of ["partials", "pages"])
      for (const file of readdirSync(join(dir, sub)))
        expect(readFileSync(join(dir, sub, file), "utf8"), `${sub}/${file}`).not.toContain("{{{");
  });

  let job: JobView;

  it("a job page opened while the job runs follows its cells and log tail without a reload", async () => {
    job = await submit();
    const [spb1, spb2] = [node("spb1"), node("spb2")];
    await spb1.claimNext();
    await spb1.started();
    await spb1.stepStarted("source", [
      "git",
      "clone",
      "--",
      job.source.kind === "git" ? job.source.url : "",
      "tinyPkg",
    ]);
    await spb1.source(COMMIT);
    await spb1.stepFinished("source", "OK");
    await spb1.stepStarted("buildsrc", [
      "/usr/lib/R/bin/R",
      "CMD",
      "build",
      "--keep-empty-dirs",
      "--no-resave-data",
      "tinyPkg",
    ]);
    await spb1.log("buildsrc", "* checking for file 'tinyPkg/DESCRIPTION' ... OK\n");

    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("dialog", (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    await page.goto(`${url}/jobs/${job.id}`);
    await page.evaluate("window.__notReloaded = true");
    // State 1: BUILD running on spb1, its log tail shown; spb2 not claimed yet.
    expect(await page.evaluate(cell("spb1", "build"))).toBe("running");
    expect(await page.evaluate(cell("spb2", "build"))).toBe("pending");
    expect(await page.evaluate(logOf("spb1"))).toContain("checking for file 'tinyPkg/DESCRIPTION'");
    expect(await page.textContent('tr.spb_row[data-node="spb1"] td.spb_commit')).toContain(COMMIT);
    expect(await page.textContent('div.spb_nodedetail[data-node="spb1"]')).toContain(
      "/usr/lib/R/bin/R CMD build --keep-empty-dirs --no-resave-data tinyPkg",
    );
    await page.screenshot({ path: join(artifacts, "job-1-building.png"), fullPage: true });

    // State 2: more log arrives (with markup, which must stay text).
    await spb1.log("buildsrc", "* building 'tinyPkg_1.0.0.tar.gz' <script>alert('x')</script>\n");
    await until(page, `${logOf("spb1")}.includes("building 'tinyPkg_1.0.0.tar.gz'")`);
    expect(await page.evaluate(logOf("spb1"))).toContain("<script>alert('x')</script>");
    expect(await page.evaluate(`document.querySelectorAll("#spb-live script").length`)).toBe(0);
    expect(await page.content()).toContain("&lt;script&gt;alert('x')&lt;/script&gt;");
    const raw = await (await fetch(`${url}/jobs/${job.id}`)).text();
    expect(raw).toContain("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;");
    expect(raw).not.toContain("<script>alert");

    // State 3: BUILD ends OK, CHECK starts; spb2 claims and builds.
    await spb1.stepFinished("buildsrc", "OK", 12);
    await spb1.stepStarted("checksrc", ["/usr/lib/R/bin/R", "CMD", "check", "--no-manual", "tinyPkg_1.0.0.tar.gz"]);
    await spb1.log("checksrc", "* using R version 4.2.2\n");
    await until(page, `${cell("spb1", "build")} === "OK" && ${cell("spb1", "check")} === "running"`);
    expect(await page.evaluate(logOf("spb1"))).toContain("using R version 4.2.2");
    await page.screenshot({ path: join(artifacts, "job-2-checking.png"), fullPage: true });
    await spb2.claimNext();
    await spb2.buildAll(COMMIT);
    await until(page, `${cell("spb2", "check")} === "OK"`);

    // State 4: CHECK ends with WARNINGS on spb1, the job completes.
    await spb1.stepFinished("checksrc", "WARNINGS", 30, "a WARNING line in the check log");
    for (const step of ["biocgitclone", "bioccheck"] as const) {
      await spb1.stepStarted(step, ["/usr/lib/R/bin/Rscript", "-e", `BiocCheck::${step}('tinyPkg')`]);
      await spb1.stepFinished(step, "OK");
    }
    await spb1.stepStarted("buildbin", []);
    await spb1.stepFinished("buildbin", "skipped", 0, "source packages only on Linux");
    await spb1.finished();
    await until(page, `document.querySelector("p.spb_state")?.getAttribute("data-state") === "complete"`);
    expect(await page.evaluate(cell("spb1", "check"))).toBe("WARNINGS");
    expect(await page.textContent("span.spb_result")).toBe("WARNINGS");
    expect(await page.evaluate("window.__notReloaded")).toBe(true);
    expect(problems).toEqual([]);
    await page.screenshot({ path: join(artifacts, "job-3-complete.png"), fullPage: true });
    await page.close();
  });

  it("every page answers JSON with .json or Accept, and HTML escapes what it shows", async () => {
    const get = async (path: string, accept?: string) => {
      const response = await fetch(`${url}${path}`, accept === undefined ? {} : { headers: { accept } });
      return { status: response.status, type: response.headers.get("content-type") ?? "", text: await response.text() };
    };
    const jobJson = JSON.parse((await get(`/jobs/${job.id}.json`)).text) as JobView & { outbox: unknown[] };
    expect(jobJson).toMatchObject({ id: job.id, state: "complete", result: "WARNINGS", outbox: [] });
    expect(jobJson.nodes.map((entry) => [entry.node, entry.commit])).toEqual([
      ["spb1", COMMIT],
      ["spb2", COMMIT],
    ]);
    expect(JSON.parse((await get(`/jobs/${job.id}`, "application/json")).text)).toMatchObject({ id: job.id });
    expect(JSON.parse((await get("/jobs.json")).text)).toMatchObject({
      recent: [expect.objectContaining({ id: job.id })],
    });
    expect(JSON.parse((await get("/", "application/json")).text)).toHaveProperty("running");
    expect(JSON.parse((await get("/packages.json")).text).packages[0]).toMatchObject({ name: "tinyPkg" });
    expect(JSON.parse((await get("/packages/tinyPkg.json")).text).jobs[0]).toMatchObject({ id: job.id });
    await nodes[0]?.heartbeat();
    const liveness = JSON.parse((await get("/nodes.json")).text) as { nodes: Array<{ node: string; alive: boolean }> };
    expect(liveness.nodes.find((entry) => entry.node === "spb1")).toMatchObject({ alive: true });
    const nodesPage = await get("/nodes");
    expect(nodesPage.type).toMatch(/text\/html/);
    expect(nodesPage.text).toMatch(/spb1[\s\S]*alive/);
    const html = await get(`/jobs/${job.id}`);
    expect(html.text).toContain('data-column="check" data-status="WARNINGS"');
    const log = await get(`/jobs/${job.id}/logs/spb1/buildsrc`);
    expect(log.type).toMatch(/^text\/plain/);
    expect(log.text).toContain("* building 'tinyPkg_1.0.0.tar.gz'");
    expect((await get("/jobs/nope-1")).status).toBe(404);
    expect((await get("/packages/a;b")).status).toBe(400);
    const css = await get("/assets/report.css");
    expect(css.text).toContain("bbs build report");
  });

  it("an operator signs in with their token, gets a strict session cookie, and reruns a job with the button", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${url}/jobs/${job.id}`);
    expect(await page.$("#spb-rerun")).toBeNull();
    await page.click("text=Operator sign-in");
    await page.fill('input[name="token"]', "not-a-token-at-all-0000");
    await page.click('button[type="submit"]');
    expect(await page.textContent("body")).toContain("not an operator's SPB token");
    await page.fill('input[name="token"]', credential("submit:bot").secret);
    await page.click('button[type="submit"]');
    expect(await page.textContent("body")).toContain("not an operator's SPB token");
    await page.fill('input[name="token"]', credential("operator:ops").secret);
    await page.click('button[type="submit"]');
    await page.waitForURL(`${url}/jobs/${job.id}`);
    expect(await page.textContent("td.spb_signin")).toContain("operator:ops");
    const [cookie] = await browser.context.cookies(url);
    expect(cookie).toMatchObject({ name: "bbs_spb_session", httpOnly: true, sameSite: "Strict" });
    expect(cookie?.value).not.toContain(credential("operator:ops").secret);

    // Without the page's CSRF token, or from another origin, a rerun is refused even with the cookie.
    const header = { cookie: `${cookie?.name}=${cookie?.value}`, "content-type": "application/x-www-form-urlencoded" };
    const csrf = await page.getAttribute('form.spb_rerun input[name="csrf"]', "value");
    const forged = await fetch(`${url}/jobs/${job.id}/rerun`, { method: "POST", headers: header, body: "node=" });
    expect(forged.status).toBe(403);
    const foreign = await fetch(`${url}/jobs/${job.id}/rerun`, {
      method: "POST",
      headers: { ...header, origin: "https://evil.example" },
      body: `csrf=${csrf ?? ""}&node=`,
      redirect: "manual",
    });
    expect(foreign.status).toBe(403);
    expect(running.coordinator.store.jobs({ package: "tinyPkg" })).toHaveLength(1);

    await page.selectOption('select[name="node"]', "spb2");
    await page.click("#spb-rerun");
    await page.waitForURL(/\/jobs\/tinyPkg-2$/);
    const rerun = running.coordinator.store.job("tinyPkg-2") as JobView;
    expect(rerun).toMatchObject({ rerunOf: job.id, submittedBy: "operator:ops" });
    expect(rerun.nodes.map((entry) => entry.node)).toEqual(["spb2"]);
    expect(rerun.source).toMatchObject({ commit: COMMIT });
    await page.screenshot({ path: join(artifacts, "rerun.png"), fullPage: true });

    await page.click("text=Sign out");
    await page.waitForURL(`${url}/`);
    expect(await page.textContent("td.spb_signin")).toContain("Operator sign-in");
    await page.close();
  });
});
