// The destination side of push: what a destination holds (releases, the
// current one, the publication log, top-level links) and the shell scripts
// that change it, run in its root through the transport (locally or over
// ssh), each a few renames at most. The destination needs a POSIX shell and
// GNU mv (-T: replace a symlink to a directory instead of moving into it).
//
//   <dest>/<entry> -> .bbs/current/<entry>     one link per published entry
//   <dest>/.bbs/current -> releases/<id>        the release clients see
//   <dest>/.bbs/releases/<id>/                  complete snapshots
//   <dest>/.bbs/published.txt                   release ids in publication order

import { parseDcf } from "../rpkg/dcf.js";
import type { Transport } from "../transport/index.js";
import { quoteForShell } from "../transport/shell.js";
import { PUBLISHED_ENTRIES, STATE_DIR } from "./layout.js";
import type { PropagationLog } from "./reporter.js";
import type { ExpectedContrib } from "./verify.js";

export const RELEASES = `${STATE_DIR}/releases`;
export const CURRENT = `${STATE_DIR}/current`;
export const PUBLISHED_LOG = `${STATE_DIR}/published.txt`;

export function q(word: string): string {
  return quoteForShell(word);
}

/** Points `.bbs/current` at `releases/<id>` with one rename (GNU mv -T: never into the old target). */
export function switchScript(id: string): string {
  const temporary = `${CURRENT}.new-${id}`;
  return `rm -f ${q(temporary)} && ln -s ${q(`releases/${id}`)} ${q(temporary)} && mv -T ${q(temporary)} ${q(CURRENT)}`;
}

/** Scripts longer than this travel as a file: a command line has a size limit (ssh, execve). */
const INLINE_SCRIPT_LIMIT = 32_000;

/** Runs a POSIX shell script (with `set -e`) in the destination's root; returns its output. */
export async function runDestinationScript(transport: Transport, script: string): Promise<string> {
  const text = `set -e\n${script}`;
  if (text.length <= INLINE_SCRIPT_LIMIT) return (await transport.run(text)).stdout;
  const file = `${STATE_DIR}/script-${process.pid}-${Date.now()}.sh`;
  await transport.putText(`${text}\n`, file);
  try {
    return (await transport.run(`sh ${q(file)}`)).stdout;
  } finally {
    await transport.remove(file);
  }
}

export interface DestinationState {
  current: string | undefined;
  releases: string[];
  published: string[];
  /** Top-level entries: name -> link target (symlinks) or "" (anything else). */
  top: Map<string, string>;
}

export async function inspectDestination(transport: Transport): Promise<DestinationState> {
  if (!(await transport.exists(""))) return { current: undefined, releases: [], published: [], top: new Map() };
  const script = [
    `if [ -L ${q(CURRENT)} ]; then printf 'current\\t%s\\n' "$(readlink ${q(CURRENT)})"; fi`,
    `if [ -d ${q(RELEASES)} ]; then for r in ${q(RELEASES)}/*; do [ -d "$r" ] && printf 'release\\t%s\\n' "\${r##*/}"; done; fi`,
    `if [ -f ${q(PUBLISHED_LOG)} ]; then while IFS= read -r line; do printf 'published\\t%s\\n' "$line"; done < ${q(PUBLISHED_LOG)}; fi`,
    ...PUBLISHED_ENTRIES.map(
      (entry) =>
        `if [ -L ${q(entry)} ]; then printf 'link\\t%s\\t%s\\n' ${q(entry)} "$(readlink ${q(entry)})"; elif [ -e ${q(entry)} ]; then printf 'other\\t%s\\n' ${q(entry)}; fi`,
    ),
    "true",
  ].join("\n");
  const state: DestinationState = { current: undefined, releases: [], published: [], top: new Map() };
  for (const line of (await runDestinationScript(transport, script)).split("\n")) {
    const [kind, first = "", second = ""] = line.split("\t");
    if (kind === "current") state.current = first.replace(/^releases\//, "");
    else if (kind === "release") state.releases.push(first);
    else if (kind === "published" && first !== "") state.published.push(first);
    else if (kind === "link") state.top.set(first, second);
    else if (kind === "other") state.top.set(first, "");
  }
  state.releases.sort();
  // A push killed between the switch and its log line still published its release.
  if (state.current !== undefined && !state.published.includes(state.current)) state.published.push(state.current);
  return state;
}

/** Package files listed by the previous release's indexes that the new release lacks (relative to the release root). */
export async function graceFiles(
  transport: Transport,
  previous: string,
  expected: readonly ExpectedContrib[],
): Promise<string[]> {
  const files: string[] = [];
  for (const contrib of expected) {
    const text = await transport.readTextIfExists(`${RELEASES}/${previous}/${contrib.dir.path}/PACKAGES`);
    if (text === undefined) continue;
    for (const record of parseDcf(text)) {
      const pkg = record.fields.get("Package");
      const version = record.fields.get("Version");
      if (pkg === undefined || version === undefined) continue;
      const file = `${pkg}_${version}.${contrib.dir.extension}`;
      if (!contrib.sizes.has(file)) files.push(`${contrib.dir.path}/${file}`);
    }
  }
  return files;
}

/** The linking step of a switch: each published entry becomes `<entry> -> .bbs/current/<entry>`; anything else in its way moves aside. */
export function linkScript(
  entries: readonly string[],
  state: DestinationState,
  id: string,
  reporter: PropagationLog,
): string {
  const lines: string[] = [];
  for (const entry of entries) {
    const target = `${CURRENT}/${entry}`;
    const existing = state.top.get(entry);
    if (existing === target) continue;
    if (existing === "") {
      reporter.warn(
        `${entry} at the destination is not managed by bbs: it moves to ${STATE_DIR}/legacy-${id}/${entry} and is replaced by the release's`,
      );
      lines.push(
        `mkdir -p ${q(`${STATE_DIR}/legacy-${id}`)}`,
        `mv ${q(entry)} ${q(`${STATE_DIR}/legacy-${id}/${entry}`)}`,
      );
    }
    reporter.info(`link     ${entry} -> ${target}`);
    const temporary = `${STATE_DIR}/link-${entry}-${id}`;
    lines.push(`rm -f ${q(temporary)}`, `ln -s ${q(target)} ${q(temporary)}`, `mv -T ${q(temporary)} ${q(entry)}`);
  }
  return lines.join("\n");
}

/** Undoes the first push to a destination: its links go, entries moved aside by the migration come back. */
export function withdrawScript(entries: readonly string[], id: string): string {
  const lines = [`rm -f ${q(CURRENT)}`];
  for (const entry of entries) {
    const legacy = `${STATE_DIR}/legacy-${id}/${entry}`;
    lines.push(
      `if [ -L ${q(entry)} ]; then rm -f ${q(entry)}; fi`,
      `if [ -e ${q(legacy)} ]; then mv ${q(legacy)} ${q(entry)}; fi`,
    );
  }
  lines.push(`rm -rf ${q(`${RELEASES}/${id}`)} ${q(`${STATE_DIR}/legacy-${id}`)}`);
  return lines.join("\n");
}

/**
 * Releases to delete: every release directory but `current` and the
 * `keep - 1` published before it (partial releases of killed pushes included).
 */
export function releasesToRemove(
  state: Pick<DestinationState, "releases" | "published">,
  current: string,
  keep: number,
): string[] {
  // Each release once, at its latest publication (a release switched back to counts as recent).
  const latestFirst = [...new Set([...state.published].reverse())];
  const earlier = latestFirst.reverse().filter((id) => id !== current && state.releases.includes(id));
  const kept = new Set([current, ...earlier.slice(-(keep - 1))]);
  return state.releases.filter((id) => !kept.has(id));
}
