// What `bbs run` remembers in meat/ between invocations on a node:
//   .bbs-run.json   which run the meat holds (and the last bbs process that
//                   ran jobs there);
//   .bbs-delivered  one `<stage>/<pkg>` line per job whose files reached the
//                   central node (or the outbox): a resumed run re-delivers
//                   finished jobs missing from it.
// Both are bbs's own; BBS kept no state (meat was rsynced anew each run).

import { appendFileSync, readFileSync } from "node:fs";
import { z } from "zod";
import { writeFileAtomic } from "../../util/fs.js";
import { isLocked } from "../../util/lock.js";
import type { BuilderLayout } from "./layout.js";

const markerSchema = z.object({
  runId: z.string(),
  /** ISO 8601: when the meat was (re)made for the run. */
  preparedAt: z.string(),
  /** The last bbs process that ran jobs in this meat (for messages). */
  pid: z.number().int(),
});

export type MeatMarker = z.infer<typeof markerSchema>;

/** The marker, or undefined when absent or unreadable (the meat is then treated as belonging to no run). */
export function readMeatMarker(path: string): MeatMarker | undefined {
  try {
    const parsed = markerSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function writeMeatMarker(path: string, marker: MeatMarker): void {
  writeFileAtomic(path, `${JSON.stringify(marker, null, 2)}\n`);
}

/** `<stage>/<pkg>` keys in the delivery journal. */
export function readDeliveryJournal(path: string): Set<string> {
  try {
    return new Set(
      readFileSync(path, "utf8")
        .split("\n")
        .filter((line) => line !== ""),
    );
  } catch {
    return new Set();
  }
}

export function journalKey(stage: string, pkg: string): string {
  return `${stage}/${pkg}`;
}

/** Appends one line (one write on an O_APPEND descriptor: safe against kill -9). */
export function appendDeliveryJournal(path: string, stage: string, pkg: string): void {
  appendFileSync(path, `${journalKey(stage, pkg)}\n`);
}

/**
 * The run a `bbs run` of this work directory is building now (its lock is
 * held by a live process; the meat marker names the run), if any: what a
 * prerun on the same node must leave alone.
 */
export function runBeingBuilt(layout: Pick<BuilderLayout, "lockFile" | "meatMarker">): string | undefined {
  if (!isLocked(layout.lockFile)) return undefined;
  return readMeatMarker(layout.meatMarker)?.runId;
}
