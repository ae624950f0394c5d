// The post-back to the tracker, against the GitHub API test double (GitHub
// itself is out of reach; the double is named so) under a GitHub Enterprise
// style prefix: a completed job posts one comment with the overall and
// per-node results, the report link and the products, and sets the issue's
// status labels to the latest result of each package of the issue (from the
// store), keeping other labels; a failing tracker is retried with backoff and
// the failure shows on the job page; a coordinator restart then edits the
// same comment (no duplicate); a comment posted just before a crash is found
// by its marker. Jobs are driven by scripted nodes over the worker API.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Credential } from "../../src/spb/auth.js";
import { SpbClient } from "../../src/spb/client.js";
import type { Step, StepStatus } from "../../src/spb/model.js";
import { startCoordinator, type RunningCoordinator } from "../../src/spb/serve.js";
import { commentMarker } from "../../src/spb/tracker/comment.js";
import type { JobView } from "../../src/spb/store/views.js";
import { GitHubApiDouble } from "../fixtures/github-api-double.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { writeSpbSite, type SpbSite } from "./fixtures.js";
import { ScriptedNode } from "./scripted-node.js";

const dirs = useTempDirs();
const REPO = "Bioconductor/Contributions";
const TOKEN = "ghp_doubleTokenThatMustNeverBeLogged0123";
const PUBLIC = "https://spb.example.org";
const COMMIT = "89abcdef0123456789abcdef0123456789abcdef";
let site: SpbSite;
let running: RunningCoordinator;
let github: GitHubApiDouble;
let nodes: ScriptedNode[] = [];

function credential(principal: string): Credential {
  return site.credentials.get(principal) as Credential;
}

function startNodes(): void {
  nodes = site.nodes.map((id) => new ScriptedNode(running.server.url, credential(`node:${id}`), id));
}

async function submit(pkg: string, issue: number | null): Promise<JobView> {
  return new SpbClient(running.server.url, credential("submit:bot")).request<JobView>("POST", "/api/v1/jobs", {
    body: { git: { url: `https://git.example.org/packages/${pkg}.git`, commit: COMMIT }, ...(issue ? { issue } : {}) },
  });
}

/** Every node claims the job and plays a whole build (statuses by node and step; default OK). */
async function build(
  job: JobView,
  statuses: Partial<Record<string, Partial<Record<Step, StepStatus>>>> = {},
): Promise<JobView> {
  for (const scripted of nodes) {
    const item = await scripted.claimNext();
    expect(item.jobId).toBe(job.id);
    await scripted.buildAll(COMMIT, statuses[scripted.node] ?? {});
  }
  return job;
}

type Outbox = ReturnType<RunningCoordinator["coordinator"]["store"]["outboxOf"]>[number];

async function outboxUntil(jobId: string, done: (row: Outbox) => boolean): Promise<Outbox> {
  for (let tries = 0; tries < 600; tries += 1) {
    const row = running.coordinator.store.outboxOf(jobId)[0];
    if (row !== undefined && done(row)) return row;
    await sleep(100);
  }
  throw new Error(`the post-back of ${jobId} never reached the expected state`);
}

const delivered = (jobId: string) => outboxUntil(jobId, (row) => row.deliveredAt !== null);
const postsTo = (issue: number) => github.calls("POST", new RegExp(`^/repos/${REPO}/issues/${issue}/comments$`));

async function startSite(): Promise<void> {
  running = await startCoordinator(site.config.load());
  startNodes();
}

beforeAll(async () => {
  const root = await dirs.make("spb-tracker");
  github = await GitHubApiDouble.start({ token: TOKEN, repo: REPO, prefix: "/api/v3" });
  const tokenFile = join(root, "github-token.txt");
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  site = writeSpbSite({
    root,
    spb: { publicUrl: PUBLIC, tracker: { repo: REPO, apiUrl: github.url, tokenFile, retryDelay: 1 } },
  });
  await startSite();
});

afterAll(async () => {
  for (const scripted of nodes) await scripted.close();
  await running?.stop();
  await github?.close();
});

describe("spb tracker post-back (GitHub API double)", () => {
  it("posts one comment with the results, report link and products, and sets the status labels", async () => {
    github.labels.set(12, ["pre-review", "ERROR"]);
    const job = await build(await submit("tinyPkg", 12), { spb2: { checksrc: "WARNINGS" } });
    await delivered(job.id);
    expect(postsTo(12)).toHaveLength(1);
    const [comment] = github.commentsOf(12);
    expect(comment?.body).toContain(commentMarker(job.id));
    expect(comment?.body).toContain(`job [${job.id}](${PUBLIC}/jobs/${job.id}): **WARNINGS**`);
    expect(comment?.body).toMatch(/\| spb1 \| OK \| OK \| OK \| OK \| skipped \| 1\.0\.0 \|/);
    expect(comment?.body).toMatch(/\| spb2 \| OK \| OK \| WARNINGS \| OK \| skipped \| 1\.0\.0 \|/);
    expect(comment?.body).toContain(`\`${COMMIT}\``);
    expect(comment?.body).toContain("source tarball `tinyPkg_1.0.0.tar.gz` built");
    expect(comment?.body).toContain(`(${PUBLIC}/jobs/${job.id}/logs/spb2/checksrc)`);
    // The stale ERROR label goes, pre-review stays.
    expect(github.labels.get(12)).toEqual(["pre-review", "WARNINGS"]);
    expect(github.requests.every((request) => request.authorization === `Bearer ${TOKEN}`)).toBe(true);
    const page = (await (await fetch(`${running.server.url}/jobs/${job.id}.json`)).json()) as {
      postbacks: Array<{ state: string; link: string }>;
    };
    expect(page.postbacks).toEqual([expect.objectContaining({ state: "delivered", link: comment?.html_url })]);
    const html = await (await fetch(`${running.server.url}/jobs/${job.id}`)).text();
    expect(html).toContain(`href="https://github.com/${REPO}/issues/12"`);
  });

  it("labels are exactly the latest results of the issue's packages; a job with no issue posts nothing", async () => {
    const other = await build(await submit("otherPkg", 12), {
      spb1: { buildsrc: "ERROR", checksrc: "skipped", biocgitclone: "skipped", bioccheck: "skipped" },
    });
    await delivered(other.id);
    expect(running.coordinator.store.job(other.id)?.result).toBe("ERROR");
    expect(github.labels.get(12)).toEqual(["pre-review", "WARNINGS", "ERROR"]);
    const again = await build(await submit("tinyPkg", 12));
    await delivered(again.id);
    expect(github.labels.get(12)).toEqual(["pre-review", "OK", "ERROR"]);
    expect(postsTo(12)).toHaveLength(3);
    const before = github.requests.length;
    const silent = await build(await submit("tinyPkg", null));
    await delivered(silent.id);
    expect(github.requests.length).toBe(before);
  });

  it("a failing tracker is retried and shown on the job page; after a restart the same comment is edited", async () => {
    github.failWhen((request) => request.method === "PUT");
    const job = await build(await submit("tinyPkg", 14));
    const failing = await outboxUntil(job.id, (row) => row.attempts >= 2);
    expect(failing.deliveredAt).toBeNull();
    expect(failing.lastError).toMatch(
      /GitHub API PUT \/repos\/Bioconductor\/Contributions\/issues\/14\/labels: HTTP 502/,
    );
    expect(github.calls("PUT", /issues\/14\/labels/).length).toBeGreaterThanOrEqual(2);
    expect(postsTo(14)).toHaveLength(1);
    const html = await (await fetch(`${running.server.url}/jobs/${job.id}`)).text();
    expect(html).toMatch(/data-state="failing"[\s\S]*last error: GitHub API PUT [^<]*HTTP 502/);
    expect(html).not.toContain(TOKEN);
    expect(JSON.stringify(running.coordinator.store.outboxOf(job.id))).not.toContain(TOKEN);

    const postsBefore = github.calls("POST", /comments$/).length;
    for (const scripted of nodes) await scripted.close();
    await running.stop();
    github.failWhen(undefined);
    await startSite();
    await delivered(job.id);
    expect(postsTo(14)).toHaveLength(1);
    expect(github.calls("POST", /comments$/)).toHaveLength(postsBefore);
    const [comment] = github.commentsOf(14);
    expect(github.calls("PATCH", new RegExp(`/issues/comments/${comment?.id}$`)).length).toBeGreaterThanOrEqual(1);
    expect(github.labels.get(14)).toEqual(["OK"]);
  });

  it("finds the job's own comment by its marker when its id was never recorded", async () => {
    const job = await submit("tinyPkg", 15);
    const orphan = github.addComment(15, `${commentMarker(job.id)}\n(posted just before a crash)`);
    await build(job);
    await delivered(job.id);
    expect(postsTo(15)).toHaveLength(0);
    expect(github.commentsOf(15)).toHaveLength(1);
    expect(github.comments.get(orphan.id)?.body).toContain("**OK**");
    expect(running.coordinator.store.trackerComment(job.id)).toMatchObject({ commentId: orphan.id, issue: 15 });
  });
});

describe("spb tracker post-back of a job with a node that never runs", () => {
  let lonely: RunningCoordinator;
  let spb1: ScriptedNode;
  let lonelySite: SpbSite;

  beforeAll(async () => {
    const root = await dirs.make("spb-tracker-lost");
    const tokenFile = join(root, "github-token.txt");
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    // spb2 is expected and never claims: ABNORMAL after spb.claimTimeout.
    lonelySite = writeSpbSite({
      root,
      spb: {
        publicUrl: PUBLIC,
        claimTimeout: 2,
        tracker: { repo: REPO, apiUrl: github.url, tokenFile, retryDelay: 1 },
      },
    });
    lonely = await startCoordinator(lonelySite.config.load());
    spb1 = new ScriptedNode(lonely.server.url, lonelySite.credentials.get("node:spb1") as Credential, "spb1");
  });

  afterAll(async () => {
    await spb1?.close();
    await lonely?.stop();
  });

  it("the job completes; the comment and the labels say ABNORMAL for that node, with the reason", async () => {
    const job = await new SpbClient(lonely.server.url, lonelySite.credentials.get("submit:bot")).request<JobView>(
      "POST",
      "/api/v1/jobs",
      { body: { git: { url: "https://git.example.org/packages/lostPkg.git", commit: COMMIT }, issue: 16 } },
    );
    await spb1.claimNext();
    await spb1.buildAll(COMMIT);
    for (let tries = 0; tries < 600 && lonely.coordinator.store.outboxOf(job.id)[0]?.deliveredAt == null; tries += 1)
      await sleep(100);
    const done = lonely.coordinator.store.job(job.id) as JobView;
    expect(done).toMatchObject({ state: "complete", result: "ABNORMAL" });
    const [comment] = github.commentsOf(16);
    expect(github.commentsOf(16)).toHaveLength(1);
    expect(comment?.body).toContain(`job [${job.id}](${PUBLIC}/jobs/${job.id}): **ABNORMAL**`);
    expect(comment?.body).toMatch(/\| spb1 \| OK \| OK \| OK \| OK \| skipped \| 1\.0\.0 \|/);
    expect(comment?.body).toMatch(
      /\| spb2 \(lost\) \| ABNORMAL \| ABNORMAL \| ABNORMAL \| ABNORMAL \| ABNORMAL \| +\|$/m,
    );
    expect(comment?.body).toMatch(/ABNORMAL \(a build system problem, not the package's\):\n- spb2: .*did not claim/);
    expect(github.labels.get(16)).toEqual(["ABNORMAL"]);
  });
});
