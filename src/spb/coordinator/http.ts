// The coordinator's HTTP API (docs/spb.md lists it): JSON for every page's
// data, an SSE stream of job and worker changes, submission and rerun for
// authenticated submitters and operators, and the worker endpoints of the
// embedded back end for authenticated nodes. Writing endpoints refuse a
// request without valid credentials (401) or with the wrong role (403);
// every parameter is checked against its grammar before it reaches the store.
// More routes (the web pages) are added with `routes.push`.

import { createReadStream, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isBbsError } from "../../util/errors.js";
import { authenticate, roleOf, type Credential, type Role } from "../auth.js";
import { isJobId, isNodeId, isToken, isValidPackageName } from "../ids.js";
import { isStep } from "../model.js";
import {
  isBranchName,
  isCommitId,
  isGitUrl,
  MessageError,
  parseClaimRequest,
  parseHeartbeat,
  parseNodeEvent,
} from "../messages.js";
import type { EmbeddedQueue } from "../queue/embedded.js";
import type { Coordinator, Change } from "./coordinator.js";
import { tarballPath } from "./files.js";

const MAX_JSON_BODY = 8 * 1024 * 1024;
const MAX_TARBALL = 200 * 1024 * 1024;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export interface RequestContext {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly url: URL;
  readonly params: readonly string[];
  readonly body: Buffer;
  /** The authenticated principal, if the request carried valid credentials. */
  readonly principal: string | undefined;
}

export interface Route {
  readonly method: "GET" | "POST";
  readonly path: RegExp;
  /** Roles allowed; absent: anyone (read-only pages). */
  readonly roles?: readonly Role[];
  /** Raw bodies up to this size (tarballs); default: JSON up to 8 MiB. */
  readonly maxBody?: number;
  readonly handle: (context: RequestContext) => Promise<unknown> | unknown;
}

function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  response.end(text);
}

function parseJsonBody(body: Buffer): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body.length === 0 ? "{}" : body.toString("utf8"));
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object");
    return value as Record<string, unknown>;
  } catch {
    throw new HttpError(400, "the request body is not a JSON object");
  }
}

function nodeOf(principal: string | undefined): string | undefined {
  const parsed = principal === undefined ? undefined : roleOf(principal);
  return parsed?.role === "node" ? parsed.name : undefined;
}

/** A node may speak only for itself. */
function assertSelf(context: RequestContext, node: string): void {
  if (nodeOf(context.principal) !== node)
    throw new HttpError(403, `credentials of ${context.principal ?? "?"} cannot act for node ${node}`);
}

function query(url: URL, name: string, check: (value: string) => boolean): string | undefined {
  const value = url.searchParams.get(name);
  if (value === null || value === "") return undefined;
  if (!check(value)) throw new HttpError(400, `query parameter ${name} is invalid`);
  return value;
}

function issueOf(value: unknown): number | null {
  if (value === undefined || value === null || value === "") return null;
  const number = typeof value === "string" ? Number(value) : value;
  if (typeof number !== "number" || !Number.isInteger(number) || number < 1)
    throw new HttpError(400, "issue must be a positive integer");
  return number;
}

export function coordinatorRoutes(coordinator: Coordinator, embedded: EmbeddedQueue | undefined): Route[] {
  const store = coordinator.store;
  const jobOr404 = (id: string) => {
    const job = isJobId(id) ? store.job(id) : undefined;
    if (job === undefined) throw new HttpError(404, `no SPB job ${id}`);
    return job;
  };
  const needEmbedded = (): EmbeddedQueue => {
    if (embedded === undefined)
      throw new HttpError(409, "this coordinator's queue is not the embedded back end", "configure spb.queue");
    return embedded;
  };
  return [
    {
      method: "GET",
      path: /^\/api\/v1\/health$/,
      handle: () => ({ ok: true, queue: coordinator.queue.backend, nodes: coordinator.settings.nodes }),
    },
    {
      method: "POST",
      path: /^\/api\/v1\/jobs$/,
      roles: ["submit", "operator"],
      handle: async (context) => {
        const body = parseJsonBody(context.body);
        const git = body.git as Record<string, unknown> | undefined;
        if (typeof git !== "object" || git === null)
          throw new HttpError(400, "git must be an object {url, commit?, branch?}");
        const url = git.url;
        if (typeof url !== "string" || !isGitUrl(url))
          throw new HttpError(400, "git.url is not a git URL this SPB accepts");
        const commit = git.commit;
        if (commit !== undefined && (typeof commit !== "string" || !isCommitId(commit)))
          throw new HttpError(400, "git.commit must be a hexadecimal SHA (7-40 digits)");
        const branch = git.branch;
        if (branch !== undefined && (typeof branch !== "string" || !isBranchName(branch)))
          throw new HttpError(400, "git.branch is not a valid branch name");
        const pkg = body.package;
        if (pkg !== undefined && (typeof pkg !== "string" || !isValidPackageName(pkg)))
          throw new HttpError(400, `package ${JSON.stringify(pkg)} is not a valid R package name`);
        const job = await coordinator.submit(
          {
            ...(pkg === undefined ? {} : { package: pkg }),
            source: { kind: "git", url, ...(commit ? { commit } : {}), ...(branch ? { branch } : {}) },
            issue: issueOf(body.issue),
            newPackage: body.newPackage === true,
          },
          context.principal as string,
        );
        context.response.statusCode = 201;
        return job;
      },
    },
    {
      method: "POST",
      path: /^\/api\/v1\/jobs\/tarball$/,
      roles: ["submit", "operator"],
      maxBody: MAX_TARBALL,
      handle: async (context) => {
        const pkg = query(context.url, "package", isValidPackageName);
        const dir = mkdtempSync(join(tmpdir(), "bbs-spb-upload-"));
        try {
          const file = join(dir, "upload.tar.gz");
          writeFileSync(file, context.body);
          const job = await coordinator.submit(
            {
              ...(pkg === undefined ? {} : { package: pkg }),
              source: { kind: "tarball", file },
              issue: issueOf(context.url.searchParams.get("issue")),
              newPackage: context.url.searchParams.get("newPackage") === "true",
            },
            context.principal as string,
          );
          context.response.statusCode = 201;
          return job;
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    },
    {
      method: "GET",
      path: /^\/api\/v1\/jobs$/,
      handle: (context) => {
        const limit = Number(query(context.url, "limit", (v) => /^[0-9]{1,5}$/.test(v)) ?? "100");
        const state = query(context.url, "state", (v) => ["queued", "running", "complete"].includes(v));
        const pkg = query(context.url, "package", isValidPackageName);
        return { jobs: store.jobs({ ...(pkg ? { package: pkg } : {}), ...(state ? { state } : {}), limit }) };
      },
    },
    {
      method: "GET",
      path: /^\/api\/v1\/jobs\/([^/]+)$/,
      handle: (context) => ({
        ...jobOr404(context.params[0] as string),
        outbox: store.outboxOf(context.params[0] as string),
      }),
    },
    {
      method: "GET",
      path: /^\/api\/v1\/jobs\/([^/]+)\/logs\/([^/]+)\/([^/]+)$/,
      handle: (context) => {
        const [id, node, step] = context.params as [string, string, string];
        jobOr404(id);
        if (!isNodeId(node) || !isStep(step)) throw new HttpError(400, "no such node or step");
        const tail = query(context.url, "tail", (v) => /^[0-9]{1,9}$/.test(v));
        return {
          jobId: id,
          node,
          step,
          text: store.log(id, node, step, tail === undefined ? undefined : Number(tail)),
        };
      },
    },
    {
      method: "POST",
      path: /^\/api\/v1\/jobs\/([^/]+)\/rerun$/,
      roles: ["operator"],
      handle: async (context) => {
        const body = parseJsonBody(context.body);
        const node = body.node;
        if (node !== undefined && (typeof node !== "string" || !isNodeId(node)))
          throw new HttpError(400, "node is not a node id");
        jobOr404(context.params[0] as string);
        context.response.statusCode = 201;
        return coordinator.rerun(context.params[0] as string, node, context.principal as string);
      },
    },
    {
      method: "GET",
      path: /^\/api\/v1\/jobs\/([^/]+)\/source$/,
      roles: ["node"],
      handle: (context) => {
        const job = jobOr404(context.params[0] as string);
        if (job.source.kind !== "tarball") throw new HttpError(404, `job ${job.id} has no tarball`);
        const file = tarballPath(coordinator.settings.dir, job.source.sha256);
        if (!existsSync(file)) throw new HttpError(404, `the tarball of job ${job.id} is gone`);
        context.response.writeHead(200, { "content-type": "application/gzip" });
        createReadStream(file).pipe(context.response);
        return undefined;
      },
    },
    { method: "GET", path: /^\/api\/v1\/packages$/, handle: () => ({ packages: store.packages() }) },
    {
      method: "GET",
      path: /^\/api\/v1\/packages\/([^/]+)\/jobs$/,
      handle: (context) => {
        const pkg = context.params[0] as string;
        if (!isValidPackageName(pkg)) throw new HttpError(400, "not a package name");
        return { package: pkg, jobs: store.jobs({ package: pkg }) };
      },
    },
    {
      method: "GET",
      path: /^\/api\/v1\/nodes$/,
      handle: () => {
        const workers = store.workers(coordinator.settings.heartbeatTimeoutMs);
        return {
          expected: coordinator.settings.nodes,
          nodes: coordinator.settings.nodes.map(
            (node) =>
              workers.find((worker) => worker.node === node) ?? { node, workerId: null, lastSeen: null, alive: false },
          ),
          others: workers.filter((worker) => !coordinator.settings.nodes.includes(worker.node)),
        };
      },
    },
    // ---- workers -------------------------------------------------------------------
    {
      method: "GET",
      path: /^\/api\/v1\/work$/,
      roles: ["node"],
      handle: async (context) => {
        const node = query(context.url, "node", isNodeId) ?? "";
        assertSelf(context, node);
        const worker = query(context.url, "worker", isToken);
        if (worker === undefined) throw new HttpError(400, "worker is required");
        const wait = Math.min(60_000, Number(query(context.url, "wait", (v) => /^[0-9]{1,6}$/.test(v)) ?? "25000"));
        const closed = new AbortController();
        context.request.once("close", () => closed.abort());
        context.response.once("close", () => closed.abort());
        const item = await needEmbedded().lease(node, worker, wait, closed.signal);
        return { item: item ?? null };
      },
    },
    ...(["ack", "release"] as const).map((action): Route => ({
      method: "POST",
      path: new RegExp(`^/api/v1/work/${action}$`),
      roles: ["node"],
      handle: (context) => {
        const body = parseJsonBody(context.body);
        const { jobId, node, workerId } = body;
        if (
          typeof jobId !== "string" ||
          !isJobId(jobId) ||
          typeof node !== "string" ||
          typeof workerId !== "string" ||
          !isToken(workerId)
        )
          throw new HttpError(400, "jobId, node and workerId are required");
        assertSelf(context, node);
        needEmbedded()[action](jobId, node, workerId);
        return { ok: true };
      },
    })),
    {
      method: "POST",
      path: /^\/api\/v1\/claims$/,
      roles: ["node"],
      handle: (context) => {
        const claim = parseClaimRequest(parseJsonBody(context.body));
        assertSelf(context, claim.node);
        return coordinator.handlers.claim(claim);
      },
    },
    {
      method: "POST",
      path: /^\/api\/v1\/events$/,
      roles: ["node"],
      handle: async (context) => {
        const body = parseJsonBody(context.body);
        if (!Array.isArray(body.events) || body.events.length > 1000)
          throw new HttpError(400, "events must be a list (at most 1000)");
        const events = body.events.map(parseNodeEvent);
        for (const event of events) assertSelf(context, event.node);
        await coordinator.handlers.events(events);
        return { ok: true, received: events.length };
      },
    },
    {
      method: "POST",
      path: /^\/api\/v1\/heartbeats$/,
      roles: ["node"],
      handle: async (context) => {
        const heartbeat = parseHeartbeat(parseJsonBody(context.body));
        assertSelf(context, heartbeat.node);
        await coordinator.handlers.heartbeat(heartbeat);
        return { ok: true };
      },
    },
  ];
}

/** GET /api/v1/stream: server-sent events, one `change` per job or worker change (`?job=<id>`: that job only). */
function serveStream(coordinator: Coordinator, request: IncomingMessage, response: ServerResponse, url: URL): void {
  const only = url.searchParams.get("job");
  if (only !== null && !isJobId(only)) {
    json(response, 400, { error: { message: "job is not a job id" } });
    return;
  }
  response.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-store",
    connection: "keep-alive",
  });
  response.write(": bbs spb change stream\n\n");
  let counter = 0;
  const send = (change: Change): void => {
    if (only !== null && (change.type !== "job" || change.jobId !== only)) return;
    counter += 1;
    response.write(`id: ${counter}\nevent: change\ndata: ${JSON.stringify(change)}\n\n`);
  };
  const keepAlive = setInterval(() => response.write(": keep-alive\n\n"), 15_000);
  coordinator.changes.on("change", send);
  request.once("close", () => {
    clearInterval(keepAlive);
    coordinator.changes.off("change", send);
  });
}

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `the request body is larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export interface CoordinatorServer {
  readonly server: Server;
  readonly url: string;
  readonly routes: Route[];
  close(): Promise<void>;
}

/** Listens on `host:port` (port 0: any free one). */
export async function startHttpServer(
  coordinator: Coordinator,
  embedded: EmbeddedQueue | undefined,
  credentials: readonly Credential[],
  listen: { host: string; port: number },
): Promise<CoordinatorServer> {
  const routes = coordinatorRoutes(coordinator, embedded);
  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? "/", "http://localhost");
      try {
        if (request.method === "GET" && url.pathname === "/api/v1/stream")
          return serveStream(coordinator, request, response, url);
        const candidates = routes.filter((route) => route.path.test(url.pathname));
        const route = candidates.find((candidate) => candidate.method === request.method);
        if (route === undefined)
          throw new HttpError(candidates.length > 0 ? 405 : 404, `no ${request.method ?? "?"} ${url.pathname}`);
        const body =
          request.method === "POST" ? await readBody(request, route.maxBody ?? MAX_JSON_BODY) : Buffer.alloc(0);
        const principal = authenticate(credentials, request.headers.authorization, {
          method: request.method ?? "GET",
          path: `${url.pathname}${url.search}`,
          body,
        });
        if (route.roles !== undefined) {
          if (principal === undefined)
            throw new HttpError(
              401,
              "authentication required: no valid SPB credentials in the request",
              "pass a token (spb.tokenFile) of a principal allowed here",
            );
          const role = roleOf(principal)?.role;
          if (role === undefined || !route.roles.includes(role))
            throw new HttpError(
              403,
              `${principal} may not ${request.method} ${url.pathname}`,
              `needs the role ${route.roles.join(" or ")}`,
            );
        }
        const params = (route.path.exec(url.pathname) ?? []).slice(1).map((param) => decodeURIComponent(param));
        const result = await route.handle({ request, response, url, params, body, principal });
        if (result !== undefined && !response.headersSent)
          json(response, response.statusCode === 201 ? 201 : 200, result);
      } catch (error) {
        if (response.headersSent) {
          response.destroy();
          return;
        }
        if (error instanceof HttpError)
          json(response, error.status, {
            error: { message: error.message, ...(error.hint ? { hint: error.hint } : {}) },
          });
        else if (error instanceof MessageError) json(response, 400, { error: { message: error.message } });
        else if (isBbsError(error))
          json(response, 400, {
            error: { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) },
          });
        else {
          process.stderr.write(
            `spb: internal error on ${request.method ?? "?"} ${url.pathname}: ${(error as Error).stack ?? String(error)}\n`,
          );
          json(response, 500, { error: { message: "internal error" } });
        }
      }
    })();
  });
  server.headersTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : listen.port;
  const host = listen.host.includes(":") ? `[${listen.host}]` : listen.host;
  return {
    server,
    url: `http://${host}:${port}`,
    routes,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
