// The coordinator's HTTP API over a real socket: what it refuses (no or wrong
// credentials, a node speaking for another, bad package names, tar-slip
// tarballs, a DESCRIPTION naming another package) and what it accepts
// (bearer and HMAC submissions, the JSON of jobs, packages and nodes, the
// SSE stream), and the client commands of the CLI against it.

import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorizationHeader, type Credential } from "../../src/spb/auth.js";
import { startCoordinator, type RunningCoordinator } from "../../src/spb/serve.js";
import type { JobView } from "../../src/spb/store/views.js";
import { useTempDirs } from "../fixtures/tmp.js";
import { writeSpbSite, type SpbSite } from "./fixtures.js";

const run = promisify(execFile);
const dirs = useTempDirs();
let site: SpbSite;
let running: RunningCoordinator;
let url: string;

async function call(
  method: "GET" | "POST",
  path: string,
  options: { as?: string; scheme?: "bearer" | "hmac"; body?: unknown; raw?: Buffer; secret?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const body = options.raw ?? (options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body)));
  const headers: Record<string, string> = {};
  if (options.as !== undefined) {
    const known = site.credentials.get(options.as) as Credential;
    const credential = options.secret === undefined ? known : { principal: options.as, secret: options.secret };
    headers.authorization = authorizationHeader(
      credential,
      { method, path, body: body ?? "" },
      options.scheme ?? "hmac",
    );
  }
  const response = await fetch(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function tarball(dir: string, entries: (root: string) => void): Promise<Buffer> {
  void dir;
  const root = await dirs.make("tarball-src");
  entries(root);
  const file = join(root, "..", `${root.split("/").pop() ?? "t"}.tar.gz`);
  await run("sh", ["-c", 'cd "$1" && tar -czf "$2" $(ls -A)', "sh", root, file]);
  return readFileSync(file);
}

function description(pkg: string): string {
  return `Package: ${pkg}\nVersion: 1.0.0\nTitle: T\nDescription: D.\nLicense: GPL-2\n`;
}

beforeAll(async () => {
  const root = await dirs.make("spb-api");
  site = writeSpbSite({ root });
  running = await startCoordinator(site.config.load());
  url = running.server.url;
});

afterAll(async () => {
  await running?.stop();
});

const GIT = {
  git: { url: "https://git.example.org/packages/tinyPkg.git", commit: "0123456789abcdef0123456789abcdef01234567" },
};

describe("spb coordinator API: refusals", () => {
  it("refuses unauthenticated submit, rerun and worker calls (401), wrong secrets too", async () => {
    expect((await call("POST", "/api/v1/jobs", { body: GIT })).status).toBe(401);
    expect((await call("POST", "/api/v1/jobs", { body: GIT, as: "submit:bot", secret: "0".repeat(48) })).status).toBe(
      401,
    );
    expect(
      (await call("POST", "/api/v1/jobs", { body: GIT, as: "submit:bot", scheme: "bearer", secret: "x".repeat(48) }))
        .status,
    ).toBe(401);
    expect((await call("POST", "/api/v1/jobs/tinyPkg-1/rerun", { body: {} })).status).toBe(401);
    expect((await call("GET", "/api/v1/work?node=spb1&worker=w1&wait=0")).status).toBe(401);
    expect((await call("POST", "/api/v1/events", { body: { events: [] } })).status).toBe(401);
    expect((await call("POST", "/api/v1/claims", { body: {} })).status).toBe(401);
    expect((await call("POST", "/api/v1/heartbeats", { body: {} })).status).toBe(401);
    const answer = await call("POST", "/api/v1/jobs", { body: GIT });
    expect(answer.body.error).toMatchObject({ message: expect.stringMatching(/authentication required/) });
  });

  it("roles: a submitter cannot rerun or act as a node; a node cannot act for another node (403)", async () => {
    expect((await call("POST", "/api/v1/jobs/tinyPkg-1/rerun", { as: "submit:bot", body: {} })).status).toBe(403);
    expect((await call("GET", "/api/v1/work?node=spb1&worker=w1&wait=0", { as: "submit:bot" })).status).toBe(403);
    expect((await call("GET", "/api/v1/work?node=spb2&worker=w1&wait=0", { as: "node:spb1" })).status).toBe(403);
    const forged = {
      jobId: "tinyPkg-1",
      node: "spb2",
      seq: 1,
      at: new Date().toISOString(),
      claimId: "c1",
      type: "finished",
      outcome: "completed",
    };
    expect((await call("POST", "/api/v1/events", { as: "node:spb1", body: { events: [forged] } })).status).toBe(403);
    expect((await call("POST", "/api/v1/jobs", { as: "node:spb1", body: GIT })).status).toBe(403);
  });

  it.each(["tiny'Pkg", "tiny;Pkg", "tiny/Pkg", "tiny..Pkg", "..", "tinyPkg.", "1pkg"])(
    "refuses the package name %s",
    async (name) => {
      const answer = await call("POST", "/api/v1/jobs", { as: "submit:bot", body: { ...GIT, package: name } });
      expect(answer.status).toBe(400);
      expect(JSON.stringify(answer.body.error)).toMatch(/not a valid R package name|package/);
    },
  );

  it("refuses a git URL that is an option or has spaces, and a commit that is not a SHA", async () => {
    for (const git of [
      { url: "--upload-pack=touch /tmp/x" },
      { url: "https://h/a b.git" },
      { url: "https://h/p.git", commit: "HEAD; rm -rf /" },
    ]) {
      expect((await call("POST", "/api/v1/jobs", { as: "submit:bot", body: { git } })).status).toBe(400);
    }
  });

  it("refuses tar-slip tarballs (.., absolute, links out) and a DESCRIPTION whose Package differs", async () => {
    const dir = await dirs.make("tars");
    const dotdot = await tarball(dir, (root) => {
      mkdirSync(join(root, "evilPkg"));
      writeFileSync(join(root, "evilPkg", "DESCRIPTION"), description("evilPkg"));
    });
    // GNU tar strips "../" when creating; craft the entry name with Python's tarfile instead.
    const crafted = async (kind: "dotdot" | "absolute" | "symlink" | "hardlink"): Promise<Buffer> => {
      const file = join(dir, `${kind}.tar.gz`);
      const script = [
        "import io, sys, tarfile",
        "t = tarfile.open(sys.argv[1], 'w:gz')",
        `d = b'${description("evilPkg").replaceAll("\n", "\\n")}'`,
        "i = tarfile.TarInfo('evilPkg/DESCRIPTION'); i.size = len(d); t.addfile(i, io.BytesIO(d))",
        "k = sys.argv[2]",
        "if k == 'dotdot':\n    i = tarfile.TarInfo('evilPkg/../../escaped'); i.size = 1; t.addfile(i, io.BytesIO(b'x'))",
        "if k == 'absolute':\n    i = tarfile.TarInfo('/tmp/escaped'); i.size = 1; t.addfile(i, io.BytesIO(b'x'))",
        "if k == 'symlink':\n    i = tarfile.TarInfo('evilPkg/R/link'); i.type = tarfile.SYMTYPE; i.linkname = '../../../etc'; t.addfile(i)",
        "if k == 'hardlink':\n    i = tarfile.TarInfo('evilPkg/R/hard'); i.type = tarfile.LNKTYPE; i.linkname = 'etc/passwd'; t.addfile(i)",
        "t.close()",
      ].join("\n");
      await run("python3", ["-c", script, file, kind]);
      return readFileSync(file);
    };
    for (const kind of ["dotdot", "absolute", "symlink", "hardlink"] as const) {
      const answer = await call("POST", "/api/v1/jobs/tarball?package=evilPkg", {
        as: "submit:bot",
        raw: await crafted(kind),
      });
      expect(answer.status, kind).toBe(400);
      expect(JSON.stringify(answer.body.error), kind).toMatch(/refused/);
    }
    const outside = await tarball(dir, (root) => {
      mkdirSync(join(root, "evilPkg"));
      writeFileSync(join(root, "evilPkg", "DESCRIPTION"), description("evilPkg"));
      symlinkSync("/etc/passwd", join(root, "evilPkg", "passwd"));
    });
    expect((await call("POST", "/api/v1/jobs/tarball", { as: "submit:bot", raw: outside })).status).toBe(400);
    const mismatch = await call("POST", "/api/v1/jobs/tarball?package=otherPkg", { as: "submit:bot", raw: dotdot });
    expect(mismatch.status).toBe(400);
    expect(JSON.stringify(mismatch.body.error)).toMatch(/holds package evilPkg, not otherPkg/);
    const good = await call("POST", "/api/v1/jobs/tarball?package=evilPkg", { as: "submit:bot", raw: dotdot });
    expect(good.status).toBe(201);
    expect(good.body).toMatchObject({ package: "evilPkg", source: { kind: "tarball" } });
  });
});

describe("spb coordinator API: jobs", () => {
  it("accepts bearer and HMAC submissions; the job lists every expected node as queued", async () => {
    const first = await call("POST", "/api/v1/jobs", {
      as: "submit:bot",
      scheme: "bearer",
      body: { ...GIT, issue: 7, newPackage: true },
    });
    expect(first.status).toBe(201);
    const job = first.body as unknown as JobView;
    expect(job).toMatchObject({ package: "tinyPkg", issue: 7, newPackage: true, state: "queued" });
    expect(job.nodes.map((node) => [node.node, node.state])).toEqual([
      ["spb1", "queued"],
      ["spb2", "queued"],
    ]);
    const second = await call("POST", "/api/v1/jobs", { as: "operator:ops", body: GIT });
    expect(second.status).toBe(201);
    const list = await call("GET", "/api/v1/jobs?package=tinyPkg");
    expect((list.body.jobs as JobView[]).map((entry) => entry.id).slice(0, 2)).toEqual([
      (second.body as unknown as JobView).id,
      job.id,
    ]);
    expect((await call("GET", `/api/v1/jobs/${job.id}`)).body).toMatchObject({ id: job.id, outbox: [] });
    expect((await call("GET", "/api/v1/jobs/nope")).status).toBe(404);
    expect((await call("GET", "/api/v1/packages")).body.packages).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "tinyPkg" })]),
    );
    expect((await call("GET", "/api/v1/nodes")).body).toMatchObject({ expected: ["spb1", "spb2"] });
    const rerun = await call("POST", `/api/v1/jobs/${job.id}/rerun`, { as: "operator:ops", body: { node: "spb2" } });
    expect(rerun.status).toBe(201);
    expect(rerun.body).toMatchObject({ rerunOf: job.id, nodes: [expect.objectContaining({ node: "spb2" })] });
  });

  it("streams job changes over SSE", async () => {
    const controller = new AbortController();
    const response = await fetch(`${url}/api/v1/stream`, { signal: controller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const submitted = await call("POST", "/api/v1/jobs", { as: "submit:bot", body: GIT });
    let text = "";
    while (!text.includes((submitted.body as unknown as JobView).id))
      text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toMatch(/event: change\ndata: \{"type":"job"/);
    controller.abort();
  });

  it("the CLI submits, shows and lists jobs, and refuses without credentials", async () => {
    const env = site.config.cliEnv({ BBS_SPB_URL: url });
    const bbs = (...args: string[]) => run("node", ["bin/bbs.js", "spb", ...args], { env: { ...process.env, ...env } });
    const submitted = await bbs("submit", "--git", GIT.git.url, "--commit", GIT.git.commit, "--issue", "9", "--json");
    const job = JSON.parse(submitted.stdout) as JobView;
    expect(job.issue).toBe(9);
    const status = await bbs("status", job.id);
    expect(status.stdout).toMatch(new RegExp(`job ${job.id}: queued`));
    expect(status.stdout).toMatch(/spb1\s+queued/);
    const jobs = JSON.parse((await bbs("jobs", "--package", "tinyPkg", "--json")).stdout) as { jobs: JobView[] };
    expect(jobs.jobs[0]?.id).toBe(job.id);
    const asNode = await run("node", ["bin/bbs.js", "spb", "submit", "--git", GIT.git.url], {
      env: { ...process.env, ...env, BBS_NODE_ID: "spb1" },
    }).catch((error: { code: number; stderr: string }) => error);
    expect((asNode as { stderr: string }).stderr).toMatch(
      /error\[BBS_USAGE\]: the SPB coordinator refused: node:spb1 may not POST/,
    );
    const refused = await run("node", ["bin/bbs.js", "spb", "submit", "--git", GIT.git.url, "--package", "a;b"], {
      env: { ...process.env, ...env },
    }).catch((error: { code: number; stderr: string }) => error);
    expect((refused as { stderr: string }).stderr).toMatch(/error\[BBS_INPUT_INVALID\].*not a valid R package name/);
  });
});
