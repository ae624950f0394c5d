// Global options shared by every command (--config, --host, --debug).

import type { Command } from "commander";
import { defaultConfigDir, defaultNodeId, loadConfig, type ResolvedConfig } from "../config/load.js";

export interface GlobalOptions {
  configDir: string;
  nodeId: string;
  debug: boolean;
}

export function globalOptions(command: Command): GlobalOptions {
  const opts = command.optsWithGlobals<{ config?: string; host?: string; debug?: boolean }>();
  return {
    configDir: defaultConfigDir(opts.config),
    nodeId: defaultNodeId(opts.host),
    debug: opts.debug === true,
  };
}

/** The resolved configuration of the node selected by the global options. */
export function nodeConfig(command: Command): ResolvedConfig {
  const { configDir, nodeId } = globalOptions(command);
  return loadConfig(configDir, nodeId);
}
