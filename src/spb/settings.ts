// The SPB's settings, from the layered configuration (the `spb.*` keys of
// docs/config.md): the coordinator's, a worker's, and a client's credential.

import type { ResolvedConfig } from "../config/load.js";
import { BbsError } from "../util/errors.js";
import { parseCredentials, readCredentialsFile, type Credential } from "./auth.js";
import type { CoordinatorSettings } from "./coordinator/coordinator.js";
import { isNodeId } from "./ids.js";

export function spbDbPath(config: ResolvedConfig): string {
  return `${config.values["spb.dir"]}/spb.db`;
}

export function coordinatorSettings(config: ResolvedConfig): CoordinatorSettings {
  const v = config.values;
  for (const node of v["spb.nodes"]) {
    if (!isNodeId(node))
      throw new BbsError("BBS_CONFIG_INVALID", `spb.nodes: ${JSON.stringify(node)} is not a node id`, {
        hint: "list node ids of host files",
      });
  }
  return {
    nodes: v["spb.nodes"],
    biocVersion: v.biocVersion,
    claimTimeoutMs: v["spb.claimTimeout"] * 1000,
    heartbeatTimeoutMs: v["spb.heartbeatTimeout"] * 1000,
    dir: v["spb.dir"],
  };
}

/** The credentials the coordinator accepts: spb.tokensFile, then spb.tokens. */
export function coordinatorCredentials(config: ResolvedConfig): Credential[] {
  const file = config.values["spb.tokensFile"];
  const fromFile = file === undefined ? [] : readCredentialsFile(file);
  const inline = Object.entries(config.values["spb.tokens"])
    .map(([principal, secret]) => `${principal} ${secret}`)
    .join("\n");
  return [...fromFile, ...parseCredentials(inline, "spb.tokens")];
}

/** This host's own credential (spb.tokenFile), or undefined when none is configured. */
export function clientCredential(config: ResolvedConfig): Credential | undefined {
  const file = config.values["spb.tokenFile"];
  if (file === undefined) return undefined;
  const [credential, ...more] = readCredentialsFile(file);
  if (credential === undefined || more.length > 0)
    throw new BbsError("BBS_CONFIG_INVALID", `${file} must hold exactly one \`<principal> <secret>\` line`, {
      hint: "see docs/spb.md, credentials",
    });
  return credential;
}

/** `host:port` of spb.listen. */
export function listenAddress(text: string): { host: string; port: number } {
  const match = /^(.*):([0-9]{1,5})$/.exec(text.trim());
  const port = match === null ? NaN : Number(match[2]);
  if (match === null || port > 65535 || match[1] === "")
    throw new BbsError("BBS_CONFIG_INVALID", `spb.listen: ${JSON.stringify(text)} is not <address>:<port>`, {
      hint: 'e.g. "127.0.0.1:8780" (port 0: any free port)',
    });
  return { host: (match[1] as string).replace(/^\[(.*)\]$/, "$1"), port };
}
