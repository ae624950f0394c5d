// The SPB's settings, from the layered configuration (the `spb.*` keys of
// docs/config.md): the coordinator's, a worker's, and a client's credential.

import { readFileSync } from "node:fs";
import type { ResolvedConfig } from "../config/load.js";
import { BbsError, errorMessage } from "../util/errors.js";
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

/** How this host reaches the RabbitMQ broker (spb.queue: rabbitmq). */
export interface BrokerSettings {
  readonly host: string;
  readonly port: number;
  readonly vhost: string;
  readonly user: string;
  /** Read from spb.rabbitmq.passwordFile; never logged, never in a message. */
  readonly password: string;
  /** First part of every queue name. */
  readonly prefix: string;
  readonly heartbeatMs: number;
}

/** The spb.rabbitmq.* keys of this host; BBS_CONFIG_INVALID naming the key that is missing or unreadable. */
export function brokerSettings(config: ResolvedConfig): BrokerSettings {
  const v = config.values;
  const where = `hosts/${config.nodeId}.yaml`;
  const user = v["spb.rabbitmq.user"];
  if (user === undefined || user.trim() === "")
    throw new BbsError(
      "BBS_CONFIG_INVALID",
      `spb.rabbitmq.user is not set for node ${config.nodeId} (spb.queue is rabbitmq)`,
      {
        hint: `set spb.rabbitmq.user (and spb.rabbitmq.passwordFile) in ${where}: the broker user of this host`,
      },
    );
  const file = v["spb.rabbitmq.passwordFile"];
  if (file === undefined)
    throw new BbsError(
      "BBS_CONFIG_INVALID",
      `spb.rabbitmq.passwordFile is not set for node ${config.nodeId} (spb.queue is rabbitmq)`,
      { hint: `set spb.rabbitmq.passwordFile in ${where}: a file (mode 0600) holding the password of ${user}` },
    );
  let password: string;
  try {
    password = readFileSync(file, "utf8").replace(/\r?\n$/, "");
  } catch (error) {
    // The error names the file, never its content.
    throw new BbsError("BBS_CONFIG_INVALID", `spb.rabbitmq.passwordFile: cannot read ${file}: ${errorMessage(error)}`, {
      hint: "check the path in the config and the file's permissions (readable by the user running bbs)",
    });
  }
  if (password === "" || /[\r\n]/.test(password))
    throw new BbsError("BBS_CONFIG_INVALID", `spb.rabbitmq.passwordFile: ${file} must hold the password on one line`, {
      hint: "write the password and a newline, nothing else",
    });
  if (v["spb.rabbitmq.port"] > 65535)
    throw new BbsError("BBS_CONFIG_INVALID", `spb.rabbitmq.port: ${v["spb.rabbitmq.port"]} is not a TCP port`, {
      hint: "the broker's STOMP port, 61613 unless configured otherwise",
    });
  return {
    host: v["spb.rabbitmq.host"],
    port: v["spb.rabbitmq.port"],
    vhost: v["spb.rabbitmq.vhost"],
    user: user.trim(),
    password,
    prefix: v["spb.rabbitmq.prefix"],
    heartbeatMs: v["spb.rabbitmq.heartbeat"] * 1000,
  };
}
