// What a config directory holds: its host files and platform files.

import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

export function listHostIds(configDir: string): string[] {
  const dir = join(configDir, "hosts");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.slice(0, -".yaml".length))
    .sort();
}

export function listPlatformNames(configDir: string): string[] {
  const dir = join(configDir, "platforms");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.slice(0, -".yaml".length))
    .sort();
}
