// What a config directory holds: its host files and platform files.

import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** Names (without `.yaml`) of the YAML files of a subdirectory, sorted. */
function yamlNames(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.slice(0, -".yaml".length))
    .sort();
}

export function listHostIds(configDir: string): string[] {
  return yamlNames(join(configDir, "hosts"));
}

export function listPlatformNames(configDir: string): string[] {
  return yamlNames(join(configDir, "platforms"));
}
