// `bbs postrun --wait`: instead of a crontab time that "hopefully" comes after
// every builder, postrun waits until every report node has finished (its
// complete delivery with BBS_EndOfRun.txt is in products-in/<node>/), then
// runs; at the deadline (--until HH:MM, --max-wait 2h) it runs anyway, and
// the nodes still missing are NA with an alert, as in any postrun.

import { setTimeout as sleep } from "node:timers/promises";
import type { ResolvedConfig } from "../../config/load.js";
import { BbsError } from "../../util/errors.js";
import { describeLiveness } from "../../results/heartbeat.js";
import { logTimestamp } from "../../util/log-format.js";
import { siteStatus, type SiteStatus } from "./site-status.js";

export interface WaitOptions {
  readonly deadline: Date;
  readonly pollMs: number;
  readonly runId?: string;
  readonly signal?: AbortSignal;
  /** After each look that found nodes still at work. */
  readonly onWait?: (status: SiteStatus, line: string) => void;
  readonly now?: () => Date;
}

export interface WaitOutcome {
  readonly status: SiteStatus;
  /** Nodes that had not finished at the deadline (empty: every node finished). */
  readonly missing: readonly string[];
  readonly waitedSeconds: number;
}

/** `2h`, `90m`, `1h30m`, `45s`, or plain seconds, in milliseconds. */
export function parseDuration(text: string, option: string): number {
  const trimmed = text.trim();
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$/.exec(trimmed);
  if (trimmed === "" || match === null || (match[1] ?? match[2] ?? match[3]) === undefined)
    throw new BbsError("BBS_USAGE", `${option} ${JSON.stringify(text)} is not a duration`, {
      hint: "write it as 2h, 90m, 1h30m or 45s",
    });
  const [hours, minutes, seconds] = [match[1], match[2], match[3]].map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
  ];
  return ((hours * 60 + minutes) * 60 + seconds) * 1000;
}

/** The next time the local clock shows HH:MM (today, else tomorrow). */
export function nextClockTime(text: string, now: Date, option = "--until"): Date {
  const match = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  if (match === null)
    throw new BbsError("BBS_USAGE", `${option} ${JSON.stringify(text)} is not a time of day`, {
      hint: "write it as HH:MM in this node's local time, e.g. --until 08:30",
    });
  const at = new Date(now);
  at.setHours(Number(match[1]), Number(match[2]), 0, 0);
  if (at.getTime() <= now.getTime()) at.setDate(at.getDate() + 1);
  return at;
}

export async function waitForNodes(config: ResolvedConfig, options: WaitOptions): Promise<WaitOutcome> {
  const now = options.now ?? (() => new Date());
  const started = now();
  const look = (): SiteStatus =>
    siteStatus(config, { ...(options.runId === undefined ? {} : { runId: options.runId }), now: now() });
  for (;;) {
    const status = look();
    const waited = (now().getTime() - started.getTime()) / 1000;
    if (status.postrun.waitingFor.length === 0) return { status, missing: [], waitedSeconds: waited };
    const left = options.deadline.getTime() - now().getTime();
    if (left <= 0) return { status, missing: status.postrun.waitingFor, waitedSeconds: waited };
    const time = (iso: string): string => logTimestamp(new Date(iso));
    const nodes = status.nodes
      .filter((node) => node.state !== "finished")
      .map((node) => `${node.node} ${describeLiveness(node, time)}`)
      .join("; ");
    options.onWait?.(status, `waiting for ${nodes} (until ${logTimestamp(options.deadline)})`);
    try {
      await sleep(
        Math.min(options.pollMs, left),
        undefined,
        options.signal === undefined ? {} : { signal: options.signal },
      );
    } catch {
      throw new BbsError("BBS_INTERRUPTED", "postrun --wait was interrupted while waiting for the builders", {
        hint: "nothing was done; run `bbs postrun` (with or without --wait) again",
      });
    }
  }
}
