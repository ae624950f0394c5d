// A resolved configuration as rows of (key, value, source), for `bbs config show`.

import type { ResolvedConfig } from "./load.js";
import { KEY_NAMES, SCHEMA, type KeyName } from "./schema.js";

export interface DescribedValue {
  value: unknown;
  source: string;
  bbs?: string;
}

export interface ConfigDescription {
  configDir: string;
  nodeId: string;
  platform: string;
  values: Record<string, DescribedValue>;
}

const SECRET_KEYS: ReadonlySet<KeyName> = new Set(["notify.smtp.password"]);

export function describeConfig(config: ResolvedConfig): ConfigDescription {
  const values: Record<string, DescribedValue> = {};
  for (const key of KEY_NAMES) {
    const spec = SCHEMA[key];
    const raw = config.values[key];
    const value = SECRET_KEYS.has(key) && raw !== undefined ? "********" : (raw ?? null);
    values[key] = { value, source: config.sources[key], ...("bbs" in spec && spec.bbs ? { bbs: spec.bbs } : {}) };
  }
  return { configDir: config.configDir, nodeId: config.nodeId, platform: config.platformName, values };
}

export function formatConfigTable(description: ConfigDescription): string {
  const rows = Object.entries(description.values).map(([key, v]) => [key, formatValue(v.value), v.source] as const);
  const keyWidth = Math.max(...rows.map((r) => r[0].length));
  const valueWidth = Math.min(60, Math.max(...rows.map((r) => r[1].length)));
  const lines = [
    `# node ${description.nodeId} (platform ${description.platform}) from ${description.configDir}`,
    ...rows.map(([key, value, source]) => `${key.padEnd(keyWidth)}  ${value.padEnd(valueWidth)}  [${source}]`),
  ];
  return `${lines.join("\n")}\n`;
}

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return "(unset)";
  if (value === "") return '""';
  if (Array.isArray(value)) return value.length === 0 ? "[]" : value.join(", ");
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, string>);
    return entries.length === 0 ? "{}" : entries.map(([k, v]) => `${k}=${v}`).join(", ");
  }
  return String(value);
}
