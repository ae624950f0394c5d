// The post-back to the tracker (docs/spb.md#tracker-integration-post-back-to-github): when a job with an issue
// completes, one comment on that GitHub issue (edited in place on a retry or
// a rerun of the hook, never posted twice: its id is kept in the store, and
// its marker finds it if the coordinator died before keeping it), then the
// issue's status labels set to exactly the results of the latest completed
// job of each package submitted under that issue, read from the store
// (never from old comments). Labels that are not statuses (`pre-review`...)
// are kept. It runs as a completion hook (Coordinator.onCompletion): a
// failure is retried with backoff, after restarts too, and shown on the job
// page.

import { readFileSync } from "node:fs";
import type { ResolvedConfig } from "../../config/load.js";
import { BbsError, errorMessage } from "../../util/errors.js";
import type { CompletionHandler } from "../coordinator/coordinator.js";
import { resultLabels } from "../state.js";
import type { SpbStore } from "../store/store.js";
import type { JobView } from "../store/views.js";
import { commentBody, commentMarker } from "./comment.js";
import { GitHubClient } from "./github.js";

/** The outbox subscriber of the post-back. */
export const TRACKER_SUBSCRIBER = "tracker";

/** The labels the post-back owns; every other label of an issue is left alone. */
export const STATUS_LABELS = ["OK", "WARNINGS", "TIMEOUT", "ERROR", "ABNORMAL"] as const;

export interface TrackerSettings {
  readonly client: GitHubClient;
  readonly webUrl: string;
  readonly retryDelayMs: number;
}

/** The tracker of the configuration (spb.tracker.*), or undefined when spb.tracker.repo is unset. */
export function trackerSettings(config: ResolvedConfig): TrackerSettings | undefined {
  const v = config.values;
  const repo = v["spb.tracker.repo"];
  if (repo === undefined || repo === "") return undefined;
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo) || repo.includes(".."))
    throw new BbsError("BBS_CONFIG_INVALID", `spb.tracker.repo: ${JSON.stringify(repo)} is not owner/name`, {
      hint: 'e.g. "Bioconductor/Contributions"',
    });
  const file = v["spb.tracker.tokenFile"];
  if (file === undefined)
    throw new BbsError("BBS_CONFIG_INVALID", "spb.tracker.repo is set but spb.tracker.tokenFile is not", {
      hint: "put the GitHub token in a file readable by the coordinator only, and name it in spb.tracker.tokenFile",
    });
  let token: string;
  try {
    token = readFileSync(file, "utf8").trim();
  } catch (error) {
    throw new BbsError("BBS_CONFIG_INVALID", `cannot read spb.tracker.tokenFile ${file}: ${errorMessage(error)}`, {
      hint: "check the path and the file's permissions",
    });
  }
  if (token === "" || /\s/.test(token))
    throw new BbsError("BBS_CONFIG_INVALID", `spb.tracker.tokenFile ${file} must hold the token alone, on one line`);
  return {
    client: new GitHubClient(v["spb.tracker.apiUrl"], token, repo),
    webUrl: v["spb.tracker.webUrl"].replace(/\/+$/, ""),
    retryDelayMs: v["spb.tracker.retryDelay"] * 1000,
  };
}

/** The status labels an issue must carry: the union of the latest results of its packages. */
export function issueStatusLabels(store: SpbStore, issue: number): string[] {
  const wanted = new Set(store.latestResultsOfIssue(issue).flatMap((latest) => resultLabels(latest.result)));
  return STATUS_LABELS.filter((label) => wanted.has(label));
}

export function trackerPostback(store: SpbStore, client: GitHubClient, publicUrl: () => string): CompletionHandler {
  return async (job: JobView): Promise<void> => {
    if (job.issue === null) return;
    const issue = job.issue;
    const body = commentBody(job, publicUrl());
    const known = store.trackerComment(job.id);
    let comment =
      known !== undefined && known.repo === client.repo && known.issue === issue
        ? await client.updateComment(known.commentId, body)
        : undefined;
    if (comment === undefined) {
      const found = await client.findComment(issue, commentMarker(job.id));
      if (found !== undefined) comment = await client.updateComment(found.id, body);
    }
    comment ??= await client.createComment(issue, body);
    store.recordTrackerComment(job.id, { repo: client.repo, issue, commentId: comment.id, url: comment.url });
    const statuses = issueStatusLabels(store, issue);
    const others = (await client.labels(issue)).filter(
      (label) => !(STATUS_LABELS as readonly string[]).includes(label),
    );
    await client.setLabels(issue, [...others, ...statuses]);
  };
}
