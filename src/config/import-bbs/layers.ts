// Places each translated value in the layer of bbs that matches where BBS set
// it (docs/config.md, "Translating a BBS config.sh chain"): what the version and
// build-type files set goes into global.yaml, what local-settings.sh,
// nodespecs.py and the per-OS files set goes into the platform file when every
// node of that platform agrees, what a node's own file sets into its host file.
// Values equal to bbs's defaults are left out, so the draft shows what differs.

import type { RawValue } from "../layer-file.js";
import { buildTypeDefault, KEY_NAMES, SCHEMA, type BuildType, type KeyName } from "../schema.js";
import type { ImportItem } from "./items.js";
import type { HostTranslation, Translated } from "./translate.js";

/** One value of the draft with where it came from (for the YAML comment). */
export interface Placed {
  value: RawValue;
  from: { file: string; line: number; variable: string };
}

export interface DraftLayers {
  global: Map<KeyName, Placed>;
  platforms: Map<string, Map<KeyName, Placed>>;
  hosts: Map<string, Map<KeyName, Placed>>;
  items: ImportItem[];
}

/** Keys every host file states, even when they equal a default. */
const ALWAYS_IN_HOST: ReadonlySet<KeyName> = new Set(["nodeId", "platform", "workDir", "rHome"]);

const same = (a: RawValue | undefined, b: RawValue | undefined): boolean => JSON.stringify(a) === JSON.stringify(b);

function placed(t: Translated): Placed {
  return { value: t.value, from: { file: t.file, line: t.line, variable: t.variable } };
}

/** Whether `t` is what bbs would use anyway on `host` (its default, resolved with the host's other values). */
function isDefault(key: KeyName, t: Translated, host: HostTranslation, buildType: BuildType): boolean {
  const derived = buildTypeDefault(key, buildType);
  if (derived !== undefined) return same(derived, t.literal);
  const spec = SCHEMA[key];
  if (!("default" in spec) || spec.default === undefined) return false;
  if (same(spec.default as RawValue, t.value)) return true;
  if (typeof spec.default !== "string" || typeof t.literal !== "string") return false;
  return resolveDefault(spec.default, host, buildType, 0) === t.literal;
}

function literalOf(key: KeyName, host: HostTranslation, buildType: BuildType, depth: number): string | undefined {
  const t = host.values.get(key);
  if (t !== undefined) return typeof t.literal === "string" ? t.literal : String(t.literal);
  const spec = SCHEMA[key];
  if (!("default" in spec) || typeof spec.default !== "string") return undefined;
  return resolveDefault(spec.default, host, buildType, depth + 1);
}

function resolveDefault(text: string, host: HostTranslation, buildType: BuildType, depth: number): string | undefined {
  if (depth > 8) return undefined;
  let unresolved = false;
  const out = text.replace(/\$\{([A-Za-z0-9_.]+)\}/g, (_, name: string) => {
    const value = name in SCHEMA ? literalOf(name as KeyName, host, buildType, depth) : undefined;
    if (value === undefined) unresolved = true;
    return value ?? "";
  });
  return unresolved ? undefined : out;
}

export function placeValues(hosts: readonly HostTranslation[], centralId: string): DraftLayers {
  const layers: DraftLayers = { global: new Map(), platforms: new Map(), hosts: new Map(), items: [] };
  for (const host of hosts) {
    layers.hosts.set(host.nodeId, new Map());
    if (!layers.platforms.has(host.platform)) layers.platforms.set(host.platform, new Map());
  }
  const central = hosts.find((host) => host.nodeId === centralId);
  const buildType = ((central ?? hosts[0])?.values.get("buildType")?.value ?? "bioc") as BuildType;
  const toHost = (host: HostTranslation, key: KeyName, t: Translated): void => {
    layers.hosts.get(host.nodeId)?.set(key, placed(t));
  };

  for (const key of KEY_NAMES) {
    const spec = SCHEMA[key];
    const present = hosts.filter((host) => host.values.has(key));
    if (present.length === 0) continue;
    const get = (host: HostTranslation): Translated => host.values.get(key) as Translated;

    if (spec.scope === "build") {
      // One value for the build: the one most nodes see; on a tie, the central node's.
      const groups = new Map<string, HostTranslation[]>();
      for (const host of present) {
        const id = JSON.stringify(get(host).value);
        groups.set(id, [...(groups.get(id) ?? []), host]);
      }
      const ranked = [...groups.values()].sort(
        (a, b) =>
          b.length - a.length ||
          Number(b.some((h) => h.nodeId === centralId)) - Number(a.some((h) => h.nodeId === centralId)),
      );
      const chosen = ranked[0] ?? [];
      const first = chosen[0];
      if (first === undefined) continue;
      const t = get(first);
      if (ranked.length > 1) {
        const seen = ranked.map(
          (group) =>
            `${JSON.stringify(get(group[0] as HostTranslation).value)} on ${group.map((h) => h.nodeId).join(", ")}`,
        );
        layers.items.push({
          kind: "note",
          file: t.file,
          line: t.line,
          variable: t.variable,
          why: `the nodes' chains disagree (${seen.join("; ")}); ${key} is one value for the build, the draft uses the first`,
        });
      }
      if (!isDefault(key, t, central ?? first, buildType)) layers.global.set(key, placed(t));
      continue;
    }

    if (spec.scope === "host" || present.some((host) => get(host).layer === "host")) {
      for (const host of present) {
        const t = get(host);
        if (ALWAYS_IN_HOST.has(key) || t.layer === "host" || !isDefault(key, t, host, buildType)) toHost(host, key, t);
      }
      continue;
    }

    // Set by shared files, local-settings.sh or nodespecs.py.
    const fromSpec = present.every((host) => get(host).layer === "nodespecs");
    const relevant = (group: readonly HostTranslation[]): HostTranslation[] =>
      fromSpec ? group.filter((host) => host.hasSpec) : [...group];
    const allDefault = (group: readonly HostTranslation[]): boolean =>
      group.every((host) => !host.values.has(key) || isDefault(key, get(host), host, buildType));
    const agree = (group: readonly HostTranslation[]): boolean =>
      group.length > 0 &&
      group.every((host) => host.values.has(key) && same(get(host).value, get(group[0] as HostTranslation).value));
    const shared = present.every((host) => ["version", "buildtype", "other"].includes(get(host).layer));
    if (shared && agree(hosts as HostTranslation[])) {
      const first = hosts[0] as HostTranslation;
      if (!allDefault(hosts)) layers.global.set(key, placed(get(first)));
      continue;
    }
    for (const [platform, values] of layers.platforms) {
      const members = hosts.filter((host) => host.platform === platform);
      const voters = relevant(members);
      if (agree(voters)) {
        if (!allDefault(voters)) values.set(key, placed(get(voters[0] as HostTranslation)));
      } else {
        for (const host of members)
          if (host.values.has(key) && !isDefault(key, get(host), host, buildType)) toHost(host, key, get(host));
      }
    }
  }
  return layers;
}
