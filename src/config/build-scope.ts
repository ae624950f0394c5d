// Keys of the build (where the central directory is, where the report and the
// repositories go) are one fact about the site: every node must resolve them to
// the same value. A reference to a per-host key (`central.dir:
// ${workDir}/central`) makes each host compute its own path, and a builder on
// another machine then waits for a central directory under its own work
// directory; this check names the key, the hosts and the reference instead.

import { referencesIn } from "./references.js";
import type { ConfigProblem } from "./problems.js";
import { SCHEMA, type KeyName } from "./schema.js";

/** Key prefixes whose values must not depend on the host. */
const SITE_PREFIXES = ["central.", "report.", "propagation."] as const;

export interface HostValues {
  readonly host: string;
  readonly values: Readonly<Record<string, unknown>>;
  readonly sources: Readonly<Record<string, string>>;
  /** Values as written, before references were resolved (only keys that held a reference). */
  readonly written: ReadonlyMap<KeyName, string>;
}

function isSiteKey(key: KeyName): boolean {
  return SCHEMA[key].scope === "build" && SITE_PREFIXES.some((prefix) => key.startsWith(prefix));
}

/** Per-host keys a written value refers to, directly or through other keys. */
function hostReferences(key: KeyName, written: ReadonlyMap<KeyName, string>, seen = new Set<KeyName>()): string[] {
  if (seen.has(key)) return [];
  seen.add(key);
  const text = written.get(key);
  if (text === undefined) return [];
  const found: string[] = [];
  for (const name of referencesIn(text)) {
    if (!(name in SCHEMA)) continue;
    const target = name as KeyName;
    if (SCHEMA[target].scope !== "build") found.push(name);
    else found.push(...hostReferences(target, written, seen));
  }
  return [...new Set(found)];
}

/** Whether the written value names a per-host key itself (not only through another key of the build). */
function refersToHostKey(key: KeyName, written: ReadonlyMap<KeyName, string>): boolean {
  const text = written.get(key);
  if (text === undefined) return false;
  return referencesIn(text).some((name) => name in SCHEMA && SCHEMA[name as KeyName].scope !== "build");
}

/** Build keys whose written value refers to `key` (directly or through others). */
function derivedFrom(key: KeyName, written: ReadonlyMap<KeyName, string>, among: readonly KeyName[]): KeyName[] {
  return among.filter((other) => {
    if (other === key) return false;
    const seen = new Set<KeyName>();
    const visit = (name: KeyName): boolean => {
      if (seen.has(name)) return false;
      seen.add(name);
      const text = written.get(name);
      if (text === undefined) return false;
      return referencesIn(text).some((ref) => ref === key || (ref in SCHEMA && visit(ref as KeyName)));
    };
    return visit(other);
  });
}

/**
 * Problems for the keys of the build that differ between hosts. `central` is
 * the central node's id: its values are the ones suggested. A key that differs
 * only because it is built from another reported key (`central.runsDir:
 * ${central.dir}-runs`) is named in that key's problem, not reported again.
 */
export function checkSiteKeys(hosts: readonly HostValues[], central: string | undefined): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const first = hosts.find((host) => host.host === central) ?? hosts[0];
  if (first === undefined || hosts.length < 2) return problems;
  const others = hosts.filter((host) => host !== first);
  const shown = (value: unknown): string => JSON.stringify(value ?? null);
  const differing = new Map<KeyName, HostValues[]>();
  for (const key of Object.keys(SCHEMA) as KeyName[]) {
    if (!isSiteKey(key)) continue;
    const list = others.filter((host) => shown(host.values[key]) !== shown(first.values[key]));
    if (list.length > 0) differing.set(key, list);
  }
  const keys = [...differing.keys()];
  for (const [key, list] of differing) {
    const involved = [first, ...list];
    const culprit = involved.find((host) => hostReferences(key, host.written).length > 0);
    if (culprit !== undefined && !refersToHostKey(key, culprit.written)) {
      // Built from another key of the build: reported there when that one differs too.
      const via = referencesIn(culprit.written.get(key) ?? "");
      if (via.some((name) => differing.has(name as KeyName))) continue;
    }
    const values = involved.map((host) => `${shown(host.values[key])} on ${host.host}`).join(", ");
    const refs = culprit === undefined ? [] : hostReferences(key, culprit.written);
    const where = culprit ?? first;
    const written = where.written.get(key);
    const followers = culprit === undefined ? [] : derivedFrom(key, culprit.written, keys);
    problems.push({
      file: where.sources[key] ?? "default",
      key,
      message:
        refs.length > 0
          ? `resolves differently per host (${values}): ${written === undefined ? "its default" : shown(written)} refers to ${refs.map((name) => `\${${name}}`).join(", ")}, which each host sets itself`
          : `resolves differently per host (${values})`,
      hint: `${key} is a key of the build: every node must see the same value (the path on the central node${central === undefined ? "" : ` ${central}`}); write it out in global.yaml, e.g. ${key}: ${shown(first.values[key])}${followers.length > 0 ? ` (${followers.join(", ")} follow${followers.length === 1 ? "s" : ""} it)` : ""}`,
    });
  }
  return problems;
}
