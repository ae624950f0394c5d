// The few GitHub REST API calls the SPB's post-back makes (issue comments:
// list, create, update; issue labels: list, set), against a configurable base
// URL so GitHub Enterprise (`https://<host>/api/v3`) works the same. The
// token is sent as a bearer token and never appears in an error message, a
// log line or the store: errors name the request (method and path) and
// GitHub's answer only.

import { BbsError, errorMessage } from "../../util/errors.js";

export interface GitHubComment {
  readonly id: number;
  readonly url: string;
  readonly body: string;
}

const TIMEOUT_MS = 30_000;
const PAGE_SIZE = 100;
/** Comments looked through when searching the job's own (10 pages): an issue with more is exceptional. */
const MAX_PAGES = 10;

export class GitHubClient {
  constructor(
    private readonly apiUrl: string,
    private readonly token: string,
    /** `owner/name`. */
    readonly repo: string,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; data: T }> {
    const what = `GitHub API ${method} ${path}`;
    let response: Response;
    try {
      response = await fetch(`${this.apiUrl.replace(/\/+$/, "")}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: "application/vnd.github+json",
          "x-github-api-version": "2022-11-28",
          "user-agent": "bbs-spb",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new BbsError("BBS_TRACKER_FAILED", `${what}: ${errorMessage(error)}`, {
        hint: "check spb.tracker.apiUrl and the network; the post-back is retried",
      });
    }
    const text = await response.text();
    let data: unknown = null;
    try {
      data = text === "" ? null : JSON.parse(text);
    } catch {
      data = null;
    }
    if (response.status >= 400 && response.status !== 404) {
      const message = typeof data === "object" && data !== null && "message" in data ? String(data.message) : "";
      throw new BbsError(
        "BBS_TRACKER_FAILED",
        `${what}: HTTP ${response.status}${message === "" ? "" : ` (${message.slice(0, 300)})`}`,
        {
          hint:
            response.status === 401 || response.status === 403
              ? "check the token of spb.tracker.tokenFile (it needs write access to the repository's issues)"
              : "the post-back is retried with backoff",
        },
      );
    }
    return { status: response.status, data: data as T };
  }

  private issuePath(issue: number): string {
    return `/repos/${this.repo}/issues/${issue}`;
  }

  private static comment(data: { id: number; html_url: string; body?: string }): GitHubComment {
    return { id: data.id, url: data.html_url, body: data.body ?? "" };
  }

  private static notFound(what: string): BbsError {
    return new BbsError("BBS_TRACKER_FAILED", `GitHub API: ${what} was not found (HTTP 404)`, {
      hint: "check spb.tracker.repo and the issue number, and that the token can see the repository",
    });
  }

  /** The first comment of the issue whose body contains `marker`, if any. */
  async findComment(issue: number, marker: string): Promise<GitHubComment | undefined> {
    for (let page = 1; page <= MAX_PAGES; page += 1) {
      const path = `${this.issuePath(issue)}/comments?per_page=${PAGE_SIZE}&page=${page}`;
      const { status, data } = await this.call<Array<{ id: number; html_url: string; body?: string }>>("GET", path);
      if (status === 404) throw GitHubClient.notFound(`issue ${this.repo}#${issue}`);
      const found = data.find((entry) => (entry.body ?? "").includes(marker));
      if (found !== undefined) return GitHubClient.comment(found);
      if (data.length < PAGE_SIZE) return undefined;
    }
    return undefined;
  }

  async createComment(issue: number, body: string): Promise<GitHubComment> {
    const { status, data } = await this.call<{ id: number; html_url: string }>(
      "POST",
      `${this.issuePath(issue)}/comments`,
      { body },
    );
    if (status === 404) throw GitHubClient.notFound(`issue ${this.repo}#${issue}`);
    return GitHubClient.comment(data);
  }

  /** Edits a comment; undefined when it is gone (deleted by someone). */
  async updateComment(id: number, body: string): Promise<GitHubComment | undefined> {
    const { status, data } = await this.call<{ id: number; html_url: string }>(
      "PATCH",
      `/repos/${this.repo}/issues/comments/${id}`,
      { body },
    );
    return status === 404 ? undefined : GitHubClient.comment(data);
  }

  async labels(issue: number): Promise<string[]> {
    const { status, data } = await this.call<Array<{ name: string }>>(
      "GET",
      `${this.issuePath(issue)}/labels?per_page=${PAGE_SIZE}`,
    );
    if (status === 404) throw GitHubClient.notFound(`issue ${this.repo}#${issue}`);
    return data.map((label) => label.name);
  }

  /** Replaces the issue's labels with exactly `labels`. */
  async setLabels(issue: number, labels: readonly string[]): Promise<void> {
    const { status } = await this.call("PUT", `${this.issuePath(issue)}/labels`, { labels });
    if (status === 404) throw GitHubClient.notFound(`issue ${this.repo}#${issue}`);
  }
}
