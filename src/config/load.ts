// The layered loader: global.yaml -> platforms/<p>.yaml -> hosts/<node>.yaml,
// then BBS_* environment overrides, then defaults, then `${...}` references,
// then rules across keys. Every resolved value remembers the layer that set it.

import { existsSync, lstatSync, statSync } from "node:fs";
import { homedir, hostname as osHostname } from "node:os";
import { isAbsolute, join, resolve, win32 } from "node:path";
import { BbsError } from "../util/errors.js";
import type { LayerName } from "./kinds.js";
import { position, readLayerFile, type Entry, type LayerFile, type RawValue } from "./layer-file.js";
import { listHostIds, listPlatformNames } from "./dir.js";
import { configInvalidError, uniqueStrings, formatProblem, type ConfigProblem } from "./problems.js";
import { resolveReferences } from "./references.js";
import { checkRules } from "./rules.js";
import type { ResolvedConfig } from "./resolved.js";
import { checkSiteKeys, type HostValues } from "./build-scope.js";
import { buildTypeDefault, KEY_NAMES, SCHEMA, type BuildType, type ConfigValues, type KeyName } from "./schema.js";

export { listHostIds, listPlatformNames };
export type { ResolvedConfig };

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
}

/** The config directory chosen by `--config`, else `$BBS_CONFIG`, else `./config/local`. */
export function defaultConfigDir(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(option ?? nonEmpty(env.BBS_CONFIG) ?? "config/local");
}

/** The node chosen by `--host`, else `$BBS_NODE_ID`, else this machine's hostname (as BBS does). */
export function defaultNodeId(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return option ?? nonEmpty(env.BBS_NODE_ID) ?? osHostname().toLowerCase().split(".")[0] ?? "localhost";
}

function assertConfigDir(configDir: string): void {
  if (!existsSync(configDir) || !statSync(configDir).isDirectory()) {
    throw new BbsError("BBS_CONFIG_NOT_FOUND", `configuration directory ${configDir} does not exist`, {
      hint: "pass --config <dir> or set BBS_CONFIG; a config directory holds global.yaml, platforms/ and hosts/",
    });
  }
  // lstat: a global.yaml that is a dangling link or a loop is there (and reported when read), not missing.
  if (!present(join(configDir, "global.yaml"))) {
    throw new BbsError("BBS_CONFIG_NOT_FOUND", `${configDir} has no global.yaml`, {
      hint: "a config directory holds global.yaml, platforms/<name>.yaml and hosts/<node-id>.yaml (see docs/config.md)",
    });
  }
}

/** Loads and resolves the configuration of one node; throws BBS_CONFIG_INVALID with every problem found. */
export function loadConfig(configDirOption: string, nodeId: string, options: LoadOptions = {}): ResolvedConfig {
  const configDir = resolve(configDirOption);
  assertConfigDir(configDir);
  const hosts = listHostIds(configDir);
  if (!hosts.includes(nodeId)) {
    throw new BbsError("BBS_CONFIG_NOT_FOUND", `no host file hosts/${nodeId}.yaml in ${configDir}`, {
      hint:
        hosts.length === 0
          ? "create hosts/<node-id>.yaml for this node"
          : `known nodes: ${hosts.join(", ")}; choose one with --host <node-id> or BBS_NODE_ID`,
    });
  }
  const { config, problems } = resolveHost(configDir, nodeId, options.env ?? process.env);
  if (problems.length > 0 || config === undefined) throw configInvalidError(configDir, problems);
  return config;
}

export interface CheckResult {
  configDir: string;
  hosts: string[];
  /** Formatted problems, each reported once even when several hosts share the file. */
  problems: string[];
  /**
   * Keys of the build that resolve differently per host (build-scope.ts): reported by
   * `bbs config check`; postrun and the report, which use the central node's values, go on.
   */
  siteProblems: string[];
  configs: Map<string, ResolvedConfig>;
}

/** Validates every host of a config directory, collecting all problems at once. */
export function checkConfigDir(configDirOption: string, options: LoadOptions = {}): CheckResult {
  const configDir = resolve(configDirOption);
  assertConfigDir(configDir);
  const hosts = listHostIds(configDir);
  const problems: ConfigProblem[] = [];
  const configs = new Map<string, ResolvedConfig>();
  if (hosts.length === 0)
    problems.push({ file: "hosts/", message: "no host files", hint: "create hosts/<node-id>.yaml for each node" });
  const resolved: HostValues[] = [];
  for (const host of hosts) {
    const result = resolveHost(configDir, host, options.env ?? process.env);
    problems.push(...result.problems);
    if (result.config) {
      configs.set(host, result.config);
      resolved.push({ host, values: result.config.values, sources: result.config.sources, written: result.written });
    }
  }
  return {
    configDir,
    hosts,
    problems: uniqueStrings(problems.map(formatProblem)),
    siteProblems: uniqueStrings(
      checkSiteKeys(resolved, resolved[0]?.values["central.nodeId"] as string | undefined).map(formatProblem),
    ),
    configs,
  };
}

/** Loads every host of the build (postrun and the report need every node's platform). */
export function loadAllHosts(configDirOption: string, options: LoadOptions = {}): Map<string, ResolvedConfig> {
  const result = checkConfigDir(configDirOption, options);
  if (result.problems.length > 0) {
    throw new BbsError(
      "BBS_CONFIG_INVALID",
      `${result.problems.length} problem(s) in configuration ${result.configDir}`,
      {
        details: result.problems,
        hint: "fix the places listed above; `bbs config check` validates every host at once",
      },
    );
  }
  return result.configs;
}

function resolveHost(
  configDir: string,
  nodeId: string,
  env: NodeJS.ProcessEnv,
): { config?: ResolvedConfig; problems: ConfigProblem[]; written: Map<KeyName, string> } {
  const problems: ConfigProblem[] = [];
  const read = (relative: string, layer: LayerName): LayerFile => {
    const file = readLayerFile(join(configDir, relative), relative, layer);
    problems.push(...file.problems);
    return file;
  };
  const global = read("global.yaml", "global");
  const hostFile = `hosts/${nodeId}.yaml`;
  const host = read(hostFile, "host");

  const platformEntry = host.entries.get("platform");
  const platformName = typeof platformEntry?.value === "string" ? platformEntry.value : undefined;
  let platform: LayerFile | undefined;
  if (platformName !== undefined) {
    const relative = `platforms/${platformName}.yaml`;
    if (present(join(configDir, relative))) platform = read(relative, "platform");
    else {
      const known = listPlatformNames(configDir);
      problems.push({
        file: hostFile,
        ...position(platformEntry),
        key: "platform",
        message: `names platform "${platformName}", but ${relative} does not exist`,
        hint: known.length > 0 ? `known platforms: ${known.join(", ")}` : "create platforms/<name>.yaml",
      });
    }
  }

  // Merge: later layers override earlier ones key by key.
  const merged = new Map<KeyName, Entry>();
  for (const layer of [global, platform, host]) {
    if (layer === undefined) continue;
    for (const [key, entry] of layer.entries) merged.set(key, { ...entry });
  }
  problems.push(...applyEnvironment(merged, env));
  const missing = new Set<KeyName>();
  const buildType = (merged.get("buildType")?.value ?? SCHEMA.buildType.default) as BuildType;
  for (const key of KEY_NAMES) {
    if (merged.has(key)) continue;
    const spec = SCHEMA[key];
    const derived = buildTypeDefault(key, buildType);
    if (derived !== undefined) merged.set(key, { value: derived, source: `default (buildType ${buildType})` });
    else if ("default" in spec && spec.default !== undefined)
      merged.set(key, { value: cloneDefault(spec.default), source: "default" });
    else if ("required" in spec && spec.required === true) {
      const file = spec.scope === "build" ? "global.yaml" : hostFile;
      missing.add(key);
      problems.push({ file, key, message: "required key is missing", hint: `add \`${key}\` (${spec.doc})` });
    }
  }
  const written = new Map<KeyName, string>();
  for (const [key, entry] of merged)
    if (typeof entry.value === "string" && entry.value.includes("${")) written.set(key, entry.value);
  problems.push(...resolveReferences(merged, missing));
  if (!merged.has("hostname")) {
    const id = merged.get("nodeId")?.value;
    if (typeof id === "string") merged.set("hostname", { value: id.split("-")[0] ?? id, source: "default (node id)" });
  }
  problems.push(...checkValues(merged));
  problems.push(...checkRules(configDir, nodeId, hostFile, merged));
  if (problems.length > 0) return { problems, written };

  const values: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  for (const key of KEY_NAMES) {
    const entry = merged.get(key);
    values[key] = entry === undefined ? undefined : finalValue(key, entry.value, configDir);
    sources[key] = entry?.source ?? "default";
  }
  return {
    config: {
      configDir,
      nodeId,
      platformName: platformName ?? "",
      values: values as unknown as ConfigValues,
      sources: sources as Record<KeyName, string>,
    },
    problems,
    written,
  };
}

function cloneDefault(value: RawValue | readonly string[] | Readonly<Record<string, string>>): RawValue {
  if (Array.isArray(value)) return [...(value as string[])];
  if (typeof value === "object") return { ...(value as Record<string, string>) };
  return value as RawValue;
}

/** `~` expansion and config-dir-relative paths for path keys. */
function finalValue(key: KeyName, value: RawValue, configDir: string): RawValue {
  const spec = SCHEMA[key];
  if (spec.kind !== "string" || !("path" in spec) || spec.path !== true || typeof value !== "string") return value;
  if (value.includes("://")) return value;
  const expanded = value === "~" ? homedir() : value.startsWith("~/") ? join(homedir(), value.slice(2)) : value;
  // A Windows node's paths (F:/biocbuild/...) are absolute too, even when resolved on Linux.
  return isAbsolute(expanded) || win32.isAbsolute(expanded) ? expanded : resolve(configDir, expanded);
}

/** BBS_* variables a node could set in its own config.sh still override (empty = unset, as in BBS). */
function applyEnvironment(merged: Map<KeyName, Entry>, env: NodeJS.ProcessEnv): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const key of KEY_NAMES) {
    const spec = SCHEMA[key];
    if (!("env" in spec) || spec.env === undefined) continue;
    const text = nonEmpty(env[spec.env]);
    if (text === undefined) continue;
    const source = `env:${spec.env}`;
    let value: RawValue | undefined;
    switch (spec.kind) {
      case "string":
        value = text;
        break;
      case "int":
        value = /^[0-9]+$/.test(text.trim()) ? Number(text.trim()) : undefined;
        break;
      case "bool":
        value = ["1", "true", "yes"].includes(text.toLowerCase())
          ? true
          : ["0", "false", "no"].includes(text.toLowerCase())
            ? false
            : undefined;
        break;
      case "enum":
        value = (spec.values as readonly string[]).includes(text) ? text : undefined;
        break;
    }
    if (value === undefined) {
      problems.push({
        file: source,
        key,
        message: `invalid value "${text}" in environment variable ${spec.env}`,
        hint: `expected ${spec.kind === "enum" ? spec.values.join(", ") : spec.kind === "bool" ? "1 or 0" : spec.kind === "int" ? "a whole number" : "a string"}; unset it to use the configuration files`,
      });
      continue;
    }
    merged.set(key, { value, source });
  }
  return problems;
}

/** Checks that need the resolved value: ranges, patterns, types produced by references. */
function checkValues(merged: Map<KeyName, Entry>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [key, entry] of merged) {
    const spec = SCHEMA[key];
    const at = { file: entry.source, ...position(entry), key };
    if (spec.kind === "int") {
      if (typeof entry.value !== "number" || !Number.isInteger(entry.value)) {
        problems.push({ ...at, message: `must be a whole number, but resolves to ${JSON.stringify(entry.value)}` });
      } else if (entry.value < spec.min) {
        const what = key.startsWith("slots.") ? "slot count" : key.startsWith("timeouts.") ? "timeout" : "value";
        problems.push({
          ...at,
          message: `${what} must be at least ${spec.min}, got ${entry.value}`,
          hint: key.startsWith("slots.") ? "a node needs at least one slot per stage" : `use a value >= ${spec.min}`,
        });
      }
    }
    if (
      spec.kind === "string" &&
      "pattern" in spec &&
      spec.pattern &&
      typeof entry.value === "string" &&
      !spec.pattern.test(entry.value)
    ) {
      problems.push({
        ...at,
        message: `"${entry.value}" is not valid`,
        ...(spec.patternHint ? { hint: `expected ${spec.patternHint}` } : {}),
      });
    }
  }
  return problems;
}

/** Whether a directory entry exists at `path`, even one stat(2) cannot follow. */
function present(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
