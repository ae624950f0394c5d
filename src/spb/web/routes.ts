// The SPB web UI, served by `bbs spb serve` beside its API: the recent and
// running jobs (/ and /jobs), the packages (/packages), a package's jobs
// (/packages/<name>), a job (/jobs/<id>: one row per expected node, live over
// SSE), a step's whole log, node liveness (/nodes), and an operator's
// sign-in and rerun button. Every page is also JSON: the same URL with
// `.json`, or `Accept: application/json`. Pages are HTML rendered by
// Handlebars (every value escaped) with a strict Content-Security-Policy.

import type { ServerResponse } from "node:http";
import type { Coordinator } from "../coordinator/coordinator.js";
import { HttpError, type RequestContext, type Route } from "../coordinator/http.js";
import { isJobId, isNodeId, isValidPackageName } from "../ids.js";
import { isStep } from "../model.js";
import type { JobView } from "../store/views.js";
import { errorMessage } from "../../util/errors.js";
import { spbRenderer, type SpbPage } from "./render.js";
import { sameOrigin, type Session, type Sessions } from "./session.js";
import {
  jobLiveModel,
  jobRowModel,
  packageRowModel,
  postbackModel,
  sourceText,
  workerRowModel,
  type PostbackModel,
} from "./views.js";

export interface WebOptions {
  readonly sessions: Sessions;
  /** Title of every page (e.g. "Bioconductor Single Package Builder"). */
  readonly title: string;
  /** Where a job's post-back went (the tracker comment's URL), by subscriber. */
  readonly postbackLink?: (jobId: string, subscriber: string) => string | null;
  /** A link to a job's issue on the tracker. */
  readonly issueUrl?: (issue: number) => string | null;
}

const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
};

function send(response: ServerResponse, status: number, type: string, body: string | Buffer, extra = {}): undefined {
  response.writeHead(status, { "content-type": type, ...SECURITY_HEADERS, ...extra });
  response.end(body);
  return undefined;
}

function wantsJson(context: RequestContext, suffix: string | undefined): boolean {
  if (suffix === ".json") return true;
  const accept = context.request.headers.accept ?? "";
  return accept.includes("application/json") && !accept.includes("text/html");
}

function readForm(context: RequestContext): URLSearchParams {
  return new URLSearchParams(context.body.toString("utf8"));
}

export function webRoutes(coordinator: Coordinator, options: WebOptions): Route[] {
  const store = coordinator.store;
  const renderer = spbRenderer();

  const chrome = (context: RequestContext, title: string) => {
    const session = options.sessions.session(context.request);
    return {
      title,
      siteTitle: options.title,
      signedIn: session?.principal ?? "",
      csrf: session?.csrf ?? "",
      backTo: context.url.pathname,
    };
  };
  /** Renders `page`, or sends `data` as JSON when asked (same URL + .json, or Accept). */
  const respond = (
    context: RequestContext,
    suffix: string | undefined,
    page: SpbPage,
    title: string,
    data: unknown,
    model: () => object,
  ): undefined => {
    if (wantsJson(context, suffix))
      return send(context.response, 200, "application/json; charset=utf-8", JSON.stringify(data));
    return send(
      context.response,
      200,
      "text/html; charset=utf-8",
      renderer.page(page, { page: chrome(context, title), ...model() }),
    );
  };
  const html = (handle: Route["handle"]) => async (context: RequestContext) => {
    try {
      return await handle(context);
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 400;
      if (wantsJson(context, /\.json$/.test(context.url.pathname) ? ".json" : undefined)) throw error;
      return send(
        context.response,
        status,
        "text/html; charset=utf-8",
        renderer.page("message", { page: chrome(context, `Error ${status}`), message: errorMessage(error) }),
      );
    }
  };
  const jobOr404 = (id: string): JobView => {
    const job = isJobId(id) ? store.job(id) : undefined;
    if (job === undefined) throw new HttpError(404, `no SPB job ${id}`);
    return job;
  };
  const postbacks = (jobId: string): PostbackModel[] =>
    store.outboxOf(jobId).map((row) => postbackModel(row, options.postbackLink?.(jobId, row.subscriber) ?? null));
  const jobData = (job: JobView) => ({
    ...job,
    outbox: store.outboxOf(job.id),
    postbacks: postbacks(job.id),
  });
  const live = (job: JobView) =>
    jobLiveModel(job, (node, step, tail) => store.log(job.id, node, step, tail), postbacks(job.id));

  const recent = (context: RequestContext) => {
    const suffix = context.params[0];
    const running = [...store.jobs({ state: "running" }), ...store.jobs({ state: "queued" })];
    const latest = store.jobs({ state: "complete", limit: 50 });
    return respond(context, suffix, "jobs", "Recent and running jobs", { running, recent: latest }, () => ({
      running: running.map(jobRowModel),
      recent: latest.map(jobRowModel),
    }));
  };

  return [
    { method: "GET", path: /^\/(\.json)?$/, handle: html(recent) },
    { method: "GET", path: /^\/jobs(\.json)?$/, handle: html(recent) },
    {
      method: "GET",
      path: /^\/packages(\.json)?$/,
      handle: html((context) => {
        const packages = store.packages();
        return respond(context, context.params[0], "packages", "Packages", { packages }, () => ({
          packages: packages.map(packageRowModel),
        }));
      }),
    },
    {
      method: "GET",
      path: /^\/packages\/([^/]+?)(\.json)?$/,
      handle: html((context) => {
        const name = context.params[0] as string;
        if (!isValidPackageName(name)) throw new HttpError(400, "not a package name");
        const jobs = store.jobs({ package: name });
        if (jobs.length === 0) throw new HttpError(404, `no SPB job of package ${name}`);
        return respond(context, context.params[1], "package", name, { package: name, jobs }, () => ({
          name,
          jobs: jobs.map(jobRowModel),
        }));
      }),
    },
    {
      method: "GET",
      path: /^\/jobs\/([^/]+?)(\.json)?$/,
      handle: html((context) => {
        const job = jobOr404(context.params[0] as string);
        const model = live(job);
        return respond(context, context.params[1], "job", `${job.package} job ${job.id}`, jobData(job), () => ({
          job: {
            id: job.id,
            package: job.package,
            packageUrl: `/packages/${encodeURIComponent(job.package)}`,
            source: sourceText(job),
            issue: job.issue === null ? "" : String(job.issue),
            issueUrl: job.issue === null ? "" : (options.issueUrl?.(job.issue) ?? ""),
            newPackage: job.newPackage,
            biocVersion: job.biocVersion,
            submittedBy: job.submittedBy,
            submittedAt: job.submittedAt,
            rerunOf: job.rerunOf ?? "",
            rerunOfUrl: job.rerunOf === null ? "" : `/jobs/${encodeURIComponent(job.rerunOf)}`,
            liveUrl: `/jobs/${encodeURIComponent(job.id)}/live`,
            rerunUrl: `/jobs/${encodeURIComponent(job.id)}/rerun`,
            nodes: job.nodes.map((node) => node.node),
          },
          live: model,
        }));
      }),
    },
    {
      method: "GET",
      path: /^\/jobs\/([^/]+)\/live$/,
      handle: html((context) => {
        const job = jobOr404(context.params[0] as string);
        return send(
          context.response,
          200,
          "text/html; charset=utf-8",
          renderer.fragment("job-live", { live: live(job) }),
        );
      }),
    },
    {
      method: "GET",
      path: /^\/jobs\/([^/]+)\/logs\/([^/]+)\/([^/.]+)(\.json)?$/,
      handle: html((context) => {
        const [id, node, step, suffix] = context.params as [string, string, string, string | undefined];
        jobOr404(id);
        if (!isNodeId(node) || !isStep(step)) throw new HttpError(404, "no such node or step");
        const text = store.log(id, node, step);
        if (wantsJson(context, suffix))
          return send(
            context.response,
            200,
            "application/json; charset=utf-8",
            JSON.stringify({ jobId: id, node, step, text }),
          );
        // Plain text (never sniffed as HTML): a log is shown as it was written.
        return send(context.response, 200, "text/plain; charset=utf-8", text);
      }),
    },
    {
      method: "GET",
      path: /^\/nodes(\.json)?$/,
      handle: html((context) => {
        const workers = store.workers(coordinator.settings.heartbeatTimeoutMs);
        const expected = coordinator.settings.nodes;
        const data = {
          expected,
          nodes: expected.map(
            (node) =>
              workers.find((worker) => worker.node === node) ?? {
                node,
                workerId: null,
                lastSeen: null,
                alive: false as const,
              },
          ),
          others: workers.filter((worker) => !expected.includes(worker.node)),
        };
        return respond(context, context.params[0], "nodes", "Nodes", data, () => ({
          heartbeatTimeout: Math.round(coordinator.settings.heartbeatTimeoutMs / 1000),
          nodes: [
            ...data.nodes.map((worker) => workerRowModel(worker, true)),
            ...data.others.map((worker) => workerRowModel(worker, false)),
          ],
        }));
      }),
    },
    ...signInRoutes(coordinator, options, renderer, chrome).map((route) => ({ ...route, handle: html(route.handle) })),
    {
      method: "GET",
      path: /^\/assets\/([a-z]+\.(?:css|js))$/,
      handle: (context) => {
        const asset = renderer.assets.get(context.params[0] as string);
        if (asset === undefined) throw new HttpError(404, "no such asset");
        return send(context.response, 200, asset.type, asset.body, { "cache-control": "max-age=300" });
      },
    },
  ];
}

function signInRoutes(
  coordinator: Coordinator,
  options: WebOptions,
  renderer: ReturnType<typeof spbRenderer>,
  chrome: (context: RequestContext, title: string) => object,
): Route[] {
  const back = (value: string | null): string =>
    value !== null && /^\/[A-Za-z0-9._/-]*$/.test(value) && !value.startsWith("//") ? value : "/";
  const redirect = (context: RequestContext, to: string, cookie?: string): undefined => {
    context.response.writeHead(303, { location: to, ...SECURITY_HEADERS, ...(cookie ? { "set-cookie": cookie } : {}) });
    context.response.end();
    return undefined;
  };
  const page = (context: RequestContext, status: number, message: string, backTo?: string | null): undefined =>
    send(
      context.response,
      status,
      "text/html; charset=utf-8",
      renderer.page("signin", {
        page: chrome(context, "Sign in"),
        message,
        backTo: back(backTo ?? context.url.searchParams.get("back")),
      }),
    );
  const writer = (context: RequestContext, form: URLSearchParams): Session => {
    const session = options.sessions.writer(context.request, form);
    if (session === undefined)
      throw new HttpError(403, "sign in as an operator first (or the form expired: reload the page)");
    return session;
  };
  return [
    { method: "GET", path: /^\/signin$/, handle: (context) => page(context, 200, "") },
    {
      method: "POST",
      path: /^\/signin$/,
      handle: (context) => {
        const form = readForm(context);
        const principal = options.sessions.operatorOf((form.get("token") ?? "").trim());
        if (principal === undefined || !sameOrigin(context.request))
          return page(context, 403, "That is not an operator's SPB token.", form.get("back"));
        return redirect(context, back(form.get("back")), options.sessions.issue(principal));
      },
    },
    {
      method: "POST",
      path: /^\/signout$/,
      handle: (context) => {
        writer(context, readForm(context));
        return redirect(context, "/", options.sessions.clear());
      },
    },
    {
      method: "POST",
      path: /^\/jobs\/([^/]+)\/rerun$/,
      handle: async (context) => {
        const form = readForm(context);
        const session = writer(context, form);
        const id = context.params[0] as string;
        const node = form.get("node") ?? "";
        if (!isJobId(id) || (node !== "" && !isNodeId(node))) throw new HttpError(400, "not a job or node id");
        const job = await coordinator.rerun(id, node === "" ? undefined : node, session.principal);
        return redirect(context, `/jobs/${encodeURIComponent(job.id)}`);
      },
    },
  ];
}
