// The configuration of one node after layering, reference resolution and
// rules: what every command works from. A module of its own so that modules
// load.ts depends on (rules, nodes) can name it without an import cycle.

import type { ConfigValues, KeyName } from "./schema.js";

export interface ResolvedConfig {
  /** Absolute path of the config directory. */
  configDir: string;
  nodeId: string;
  platformName: string;
  values: ConfigValues;
  /** Layer that set each value: a file relative to configDir, `env:NAME`, or `default`. */
  sources: Readonly<Record<KeyName, string>>;
}
