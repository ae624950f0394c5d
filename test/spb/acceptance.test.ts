// Issue 11's first acceptance item, end to end on the real parts, over every
// queue back end (backends.ts): `bbs spb serve` and two `bbs spb worker`
// processes acting as nodes spb1 and spb2 build a generated package from a
// real git server with real R; the job page is watched in real Chromium
// (screenshots in test-artifacts/spb-acceptance/); the post-back goes to the
// GitHub API test double (test/fixtures/github-api-double.ts).
//
// 1. accTiny at commit C1 for issue 42: the coordinator is killed -9 and
//    restarted mid-build (and the broker, on a back end with one). The page
//    follows the build without a reload and ends with each node's statuses
//    and C1; every event is recorded once; exactly one comment with the
//    labels of the result.
// 2. a push of C2 (a codoc mismatch: WARNINGS): a new job builds C2 only, on
//    both nodes. Its post-back posts its comment and then fails (labels call
//    refused); the coordinator is killed -9 then and restarted: the same
//    comment is edited, none is posted twice, job 1's comment is untouched,
//    and the labels are the latest result (WARNINGS, not OK).

import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import { execa } from "execa";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SpbClient } from "../../src/spb/client.js";
import { SpbStore } from "../../src/spb/store/store.js";
import type { JobView, NodeView } from "../../src/spb/store/views.js";
import { commentMarker } from "../../src/spb/tracker/comment.js";
import { GitHubApiDouble, type DoubleComment } from "../fixtures/github-api-double.js";
import { GitServer } from "../fixtures/git-server.js";
import { renderPackage, writePackage } from "../fixtures/rpkg-generator.js";
import { repoRoot } from "../fixtures/test-config.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { artifactsDir, launchChromium, type Chromium } from "../report/browser.js";
import { BACKENDS, type RunningBackend } from "./backends.js";
import { writeSpbSite, type SpbSite } from "./fixtures.js";

const dirs = useTempDirs();
const BBS = join(repoRoot(), "bin", "bbs.js");
const REPO = "Bioconductor/Contributions";
const GITHUB_TOKEN = "ghp_acceptanceDoubleToken0123456789abcd";
const ISSUE = 42;
const PKG = "accTiny";
const NODES = ["spb1", "spb2"] as const;
const STEPS = ["source", "deps", "install", "buildsrc", "checksrc", "biocgitclone", "bioccheck", "buildbin"];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 180_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** Polls the page's DOM (a string: the page's CSP forbids waitForFunction's eval). */
async function untilPage(page: Page, expression: string, ms = 180_000): Promise<void> {
  await until(
    `the page to satisfy ${expression}`,
    async () => ((await page.evaluate(`Boolean(${expression})`)) === true ? true : undefined),
    ms,
  );
}

const cell = (node: string, column: string): string =>
  `document.querySelector('tr.spb_row[data-node="${node}"] td[data-column="${column}"]')?.getAttribute("data-status")`;
const commitCell = (node: string): string =>
  `(document.querySelector('tr.spb_row[data-node="${node}"] td.spb_commit')?.textContent ?? "")`;
const pageState = `document.querySelector("p.spb_state")?.getAttribute("data-state")`;

type Outbox = { subscriber: string; attempts: number; deliveredAt: string | null; lastError: string | null };
type JobWithOutbox = JobView & { outbox: Outbox[] };

describe.each(BACKENDS)("spb acceptance over the $name back end", (factory) => {
  let root: string;
  let backend: RunningBackend;
  let site: SpbSite;
  let git: GitServer;
  let github: GitHubApiDouble;
  let browser: Chromium;
  let artifacts: string;
  let api: SpbClient;
  let port: number;
  let coordinator: ChildProcess | undefined;
  const children = new Set<ChildProcess>();
  let c1: string;
  let c2: string;
  let job1: JobWithOutbox;
  let job2: JobWithOutbox;
  /** Page states seen while job 1 ran: [BUILD..., as shown] per sample. */
  const seenStates: string[] = [];
  let eventsBeforeKill = 0;
  let job1CommentAfterJob1: DoubleComment | undefined;
  let postsOfJob2BeforeKill = 0;
  let notReloaded = false;
  /** Job 2's page: the CHECK log tail of each node, and whether it is scrolled to its end. */
  let job2Tails: Array<{ text: string; overflows: boolean; atEnd: boolean }> = [];

  function start(name: string, node: string, args: readonly string[]): ChildProcess {
    const log = createWriteStream(join(root, `${name}.log`), { flags: "a" });
    const child = spawn(process.execPath, [BBS, ...args], {
      env: { ...process.env, ...site.envOf(node) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    children.add(child);
    child.once("exit", () => children.delete(child));
    return child;
  }

  async function stop(child: ChildProcess | undefined, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await exited;
  }

  async function startCoordinator(): Promise<void> {
    coordinator = start("coordinator", "local", ["spb", "serve"]);
    await until("the coordinator", async () =>
      (await fetch(`http://127.0.0.1:${port}/api/v1/health`).then(
        (r) => r.ok,
        () => false,
      ))
        ? true
        : undefined,
    );
  }

  /** Kills the coordinator -9 and starts it again on the same store. */
  async function crashCoordinator(): Promise<void> {
    await stop(coordinator, "SIGKILL");
    await startCoordinator();
  }

  const job = (id: string): Promise<JobWithOutbox> =>
    api.request<JobWithOutbox>("GET", `/api/v1/jobs/${id}`, { retry: true });
  const nodeOf = (view: JobView, node: string): NodeView => view.nodes.find((entry) => entry.node === node) as NodeView;
  const delivered = (id: string): Promise<JobWithOutbox> =>
    until(`the post-back of ${id}`, async () => {
      const view = await job(id);
      return view.outbox.some((row) => row.deliveredAt !== null) ? view : undefined;
    });
  const submit = async (commit: string): Promise<JobView> => {
    const result = await execa(
      process.execPath,
      [
        BBS,
        "spb",
        "submit",
        "--json",
        "--git",
        git.url(PKG),
        "--commit",
        commit,
        "--issue",
        String(ISSUE),
        "--new-package",
      ],
      { env: { ...process.env, ...site.envOf("local") } },
    );
    return JSON.parse(result.stdout) as JobView;
  };
  const postsToIssue = () => github.calls("POST", new RegExp(`^/repos/${REPO}/issues/${ISSUE}/comments$`));
  const commentOf = (id: string): DoubleComment | undefined =>
    github.commentsOf(ISSUE).find((comment) => comment.body.includes(commentMarker(id)));

  beforeAll(async () => {
    root = await dirs.make(`spb-acceptance-${factory.name}`);
    backend = await factory.start(join(root, "backend"));
    github = await GitHubApiDouble.start({ token: GITHUB_TOKEN, repo: REPO });
    github.labels.set(ISSUE, ["pre-review", "ERROR"]); // ERROR: stale, from before bbs
    const githubTokenFile = join(root, "github-token.txt");
    writeFileSync(githubTokenFile, `${GITHUB_TOKEN}\n`, { mode: 0o600 });
    git = new GitServer(join(root, "git"));
    port = await freePort();
    site = writeSpbSite({
      root,
      nodes: [...NODES],
      spb: {
        ...backend.spb,
        url: `http://127.0.0.1:${port}`,
        listen: `127.0.0.1:${port}`,
        claimTimeout: 120,
        heartbeatTimeout: 15,
        heartbeatInterval: 1,
        lease: 5,
        tracker: { repo: REPO, apiUrl: github.url, tokenFile: githubTokenFile, retryDelay: 1 },
      },
      // config/local's platform already builds with --no-build-vignettes and checks with --no-manual.
      builderHost: {
        ...backend.host,
        timeouts: { killGrace: 2 },
        spb: {
          ...((backend.host?.spb as Record<string, never> | undefined) ?? {}),
          retries: 0,
          biocCheck: false, // BiocCheck is worker.test.ts's; it would double this file's time
          hidePaths: [join(root, "secrets")],
        },
      },
    });
    api = new SpbClient(`http://127.0.0.1:${port}`, site.credentials.get("operator:ops"));
    browser = await launchChromium();
    artifacts = artifactsDir(`spb-acceptance-${factory.name}`);

    await git.importDirectory(PKG, await writePackage(join(root, "sources"), { name: PKG, version: "0.99.0" }));
    c1 = await git.commitChange(PKG, { touch: "inst/NEWS" });

    await startCoordinator();
    for (const node of NODES) start(`worker-${node}`, node, ["spb", "worker"]);
    await until("the workers", () =>
      NODES.every((node) => {
        try {
          return readFileSync(join(root, `worker-${node}.log`), "utf8").includes("bbs spb: worker ");
        } catch {
          return false;
        }
      })
        ? true
        : undefined,
    );

    // 1. C1, watched in Chromium; the coordinator (and broker) restarted mid-build.
    job1 = (await submit(c1)) as JobWithOutbox;
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(`http://127.0.0.1:${port}/jobs/${job1.id}`);
    await page.evaluate("window.__notReloaded = true");
    const sample = async (): Promise<void> => {
      const state = (await page.evaluate(
        `[${pageState}, ${NODES.map((node) => cell(node, "install")).join(",")}, ${NODES.map((node) => cell(node, "check")).join(",")}].join(" ")`,
      )) as string;
      if (seenStates.at(-1) !== state) seenStates.push(state);
    };
    await untilPage(page, NODES.map((node) => `${cell(node, "install")} !== "pending"`).join(" && "));
    await sample();
    await page.screenshot({ path: join(artifacts, "1-building.png"), fullPage: true });
    {
      const store = SpbStore.open(join(root, "central", "spb", "spb.db"), { readonly: true });
      eventsBeforeKill = NODES.reduce((sum, node) => sum + store.eventCount(job1.id, node), 0);
      store.close();
    }
    await crashCoordinator();
    await backend.restartBroker?.();
    // The page reconnects its event stream by itself and follows the build to the end.
    await until("job 1 to complete on the page", async () => {
      await sample();
      return seenStates.at(-1)?.startsWith("complete") === true ? true : undefined;
    });
    notReloaded = (await page.evaluate("window.__notReloaded")) === true;
    await untilPage(page, `document.querySelector('tr.spb_postback[data-state="delivered"]') !== null`);
    await page.screenshot({ path: join(artifacts, "2-complete.png"), fullPage: true });
    expect(problems).toEqual([]);
    job1 = await delivered(job1.id);
    job1CommentAfterJob1 = { ...(commentOf(job1.id) as DoubleComment) };

    // 2. the push of C2; its post-back fails after posting, the coordinator is killed -9 then.
    c2 = await git.commitChange(PKG, {
      files: Object.fromEntries(
        renderPackage({ name: PKG, version: "0.99.1", behaviour: "check-warning" }).map((file) => [
          file.path,
          file.content,
        ]),
      ),
    });
    github.failWhen((request) => request.method === "PUT");
    job2 = (await submit(c2)) as JobWithOutbox;
    await page.goto(`http://127.0.0.1:${port}/jobs/${job2.id}`);
    await until("job 2's post-back to fail after posting its comment", async () => {
      const view = await job(job2.id);
      return view.outbox.some((row) => row.attempts >= 1 && row.lastError !== null) && commentOf(job2.id)
        ? true
        : undefined;
    });
    await untilPage(page, `document.querySelector('tr.spb_postback[data-state="failing"]') !== null`);
    await page.screenshot({ path: join(artifacts, "3-postback-failing.png"), fullPage: true });
    postsOfJob2BeforeKill = postsToIssue().length;
    await stop(coordinator, "SIGKILL");
    github.failWhen(undefined);
    await startCoordinator();
    job2 = await delivered(job2.id);
    await page.reload();
    await untilPage(page, `document.querySelector('tr.spb_postback[data-state="delivered"]') !== null`);
    job2Tails = (await page.evaluate(
      `[...document.querySelectorAll("pre.spb_log")].map((pre) => ({ text: pre.textContent, overflows: pre.scrollHeight > pre.clientHeight, atEnd: pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 2 }))`,
    )) as typeof job2Tails;
    await page.screenshot({ path: join(artifacts, "4-second-push-complete.png"), fullPage: true });
    await page.close();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    for (const child of [...children]) if (child !== coordinator) await stop(child);
    await stop(coordinator);
    for (const child of [...children]) await stop(child, "SIGKILL");
    await github?.close();
    await backend?.dispose();
  });

  it("builds the submitted commit on both nodes and the job page shows each node's statuses and the commit, live", async () => {
    expect(job1.state).toBe("complete");
    expect(job1.result).toBe("OK");
    for (const node of NODES) {
      const entry = nodeOf(job1, node);
      expect(entry).toMatchObject({ state: "done", commit: c1, version: "0.99.0" });
      expect(entry.cells).toEqual({
        install: "OK",
        build: "OK",
        check: "OK",
        bioccheck: "skipped",
        buildbin: "skipped",
      });
    }
    // At least two successive states seen without a reload: building, then complete.
    expect(seenStates.length).toBeGreaterThanOrEqual(2);
    expect(seenStates[0]).not.toMatch(/^complete/);
    expect(seenStates.at(-1)).toBe("complete OK OK OK OK");
    expect(notReloaded).toBe(true);
    // The page as served now (no script): the commit SHA built, per node.
    const page = await browser.context.newPage();
    await page.goto(`http://127.0.0.1:${port}/jobs/${job1.id}`);
    for (const node of NODES) {
      expect(await page.evaluate(commitCell(node))).toContain(c1);
      expect(await page.evaluate(cell(node, "check"))).toBe("OK");
    }
    await page.close();
  });

  it("loses and duplicates no event across the coordinator killed -9 mid-build", () => {
    expect(eventsBeforeKill).toBeGreaterThan(0);
    const store = SpbStore.open(join(root, "central", "spb", "spb.db"), { readonly: true });
    try {
      for (const node of NODES) {
        const entry = nodeOf(job1, node);
        expect(entry.steps.map((step) => step.step)).toEqual(STEPS);
        expect(entry.steps.every((step) => step.status !== null)).toBe(true);
        const jobs = join(root, node, "spb", "jobs");
        const dir = join(jobs, readdirSync(jobs).find((name) => name.startsWith(`${job1.id}-`)) as string);
        for (const step of ["install", "checksrc"])
          expect(store.log(job1.id, node, step)).toBe(readFileSync(join(dir, `${PKG}.${step}-out.txt`), "utf8"));
        expect(store.eventCount(job1.id, node)).toBeGreaterThan(eventsBeforeKill / NODES.length);
      }
    } finally {
      store.close();
    }
  });

  it("the same events delivered again (a worker's retry) are recorded once and change nothing", async () => {
    const db = new Database(join(root, "central", "spb", "spb.db"), { readonly: true });
    const bodies = db
      .prepare("SELECT body FROM events WHERE job_id = ? AND node = 'spb1' ORDER BY seq")
      .all(job1.id) as Array<{ body: string }>;
    db.close();
    const before = await job(job1.id);
    const spb1 = new SpbClient(`http://127.0.0.1:${port}`, site.credentials.get("node:spb1"));
    const events = bodies.map((row) => JSON.parse(row.body) as unknown);
    expect(events.length).toBeGreaterThan(10);
    await spb1.request("POST", "/api/v1/events", { body: { events } });
    await spb1.request("POST", "/api/v1/events", { body: { events: events.slice(0, 3) } });
    const store = SpbStore.open(join(root, "central", "spb", "spb.db"), { readonly: true });
    try {
      expect(store.eventCount(job1.id, "spb1")).toBe(events.length);
    } finally {
      store.close();
    }
    const after = await job(job1.id);
    expect(after.nodes).toEqual(before.nodes);
    expect(after.outbox).toEqual(before.outbox);
    expect(postsToIssue()).toHaveLength(2); // still one comment per job
  });

  it("posts exactly one comment for the job, with the right labels, through a coordinator restart", () => {
    const comment = job1CommentAfterJob1 as DoubleComment;
    expect(github.commentsOf(ISSUE).filter((entry) => entry.body.includes(commentMarker(job1.id)))).toHaveLength(1);
    expect(comment.body).toContain(`job [${job1.id}](http://127.0.0.1:${port}/jobs/${job1.id}): **OK**`);
    expect(comment.body).toContain(`\`${c1}\``);
    for (const node of NODES)
      expect(comment.body).toMatch(
        new RegExp(`\\| ${node} \\| OK \\| OK \\| OK \\| skipped \\| skipped \\| 0\\.99\\.0 \\|`),
      );
    expect(comment.body).toContain("new package");
    expect(job1.outbox).toEqual([expect.objectContaining({ subscriber: "tracker", attempts: 1 })]);
    // The first post-back left the stale ERROR out, kept pre-review.
    const firstPut = github.calls("PUT", new RegExp(`/issues/${ISSUE}/labels$`)).find((call) => call.status === 200);
    expect(firstPut?.body).toEqual({ labels: ["pre-review", "OK"] });
  });

  it("a second push builds the new commit only; its comment is edited, not posted twice, across a restart; labels are the latest", async () => {
    expect(job2.result).toBe("WARNINGS");
    for (const node of NODES) {
      const entry = nodeOf(job2, node);
      expect(entry).toMatchObject({ state: "done", commit: c2, version: "0.99.1" });
      expect(entry.cells.check).toBe("WARNINGS");
    }
    // The page shows each node's CHECK log tail, scrolled to its end (the check's status line).
    expect(job2Tails).toHaveLength(NODES.length);
    for (const tail of job2Tails) {
      expect(tail.text).toMatch(/Status: 1 WARNING/);
      expect(tail).toMatchObject({ overflows: true, atEnd: true });
    }
    // Two jobs of the package, one per push; job 1 still says C1.
    const jobs = await api.request<{ jobs: JobView[] }>("GET", `/api/v1/jobs?package=${PKG}`, { retry: true });
    expect(jobs.jobs.map((entry) => entry.id).sort()).toEqual([job1.id, job2.id].sort());
    expect((await job(job1.id)).nodes.map((entry) => entry.commit)).toEqual([c1, c1]);
    // One comment per job: job 2's posted once (before the kill), then edited after the restart.
    expect(postsToIssue()).toHaveLength(2);
    expect(postsOfJob2BeforeKill).toBe(2);
    const comment2 = commentOf(job2.id) as DoubleComment;
    expect(github.commentsOf(ISSUE)).toHaveLength(2);
    expect(comment2.body).toContain(`**WARNINGS**`);
    expect(comment2.body).toContain(`\`${c2}\``);
    expect(comment2.body).not.toContain(c1);
    expect(github.calls("PATCH", new RegExp(`/issues/comments/${comment2.id}$`)).length).toBeGreaterThanOrEqual(1);
    // Job 1's comment was not touched by job 2's post-back.
    expect(commentOf(job1.id)?.body).toBe(job1CommentAfterJob1?.body);
    expect(github.calls("PATCH", new RegExp(`/issues/comments/${job1CommentAfterJob1?.id}$`))).toHaveLength(0);
    // Labels: the latest result of the package (WARNINGS), not the union of its history.
    expect(github.labels.get(ISSUE)).toEqual(["pre-review", "WARNINGS"]);
    expect(github.requests.every((request) => request.authorization === `Bearer ${GITHUB_TOKEN}`)).toBe(true);
  });
});
