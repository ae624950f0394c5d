// Which transport a node uses, from its resolved configuration. `centralHost:
// localhost` (or empty) means the central directory is on this machine (BBS's
// RemoteDir rule); anything else is an ssh host reached with `tools.ssh`.
// Destinations written as rsync targets (`report.publishDest`,
// `propagation.destination`) get the same treatment.

import type { ResolvedConfig } from "../config/load.js";
import { BbsError } from "../util/errors.js";
import { HttpReader } from "./http.js";
import { LocalTransport } from "./local.js";
import type { RsyncSettings } from "./rsync-base.js";
import { RsyncSshTransport } from "./rsync.js";
import type { Transport } from "./transport.js";

/** BBS: a RemoteDir is local when its host is unset or `localhost`. */
export function isLocalHost(host: string | undefined): boolean {
  return host === undefined || host.trim() === "" || host.trim().toLowerCase() === "localhost";
}

function rsyncSettings(cfg: ResolvedConfig, root: string): RsyncSettings {
  return {
    root,
    rsync: cfg.values["tools.rsync"],
    rsyncOptions: cfg.values["tools.rsyncOptions"],
    killGraceMs: cfg.values["timeouts.killGrace"] * 1000,
  };
}

/**
 * The transport to this node's central directory (`central.dir` on
 * `centralHost`), or to another directory of the central node (`root`, e.g. a
 * run's directory under `central.runsDir`).
 */
export function centralTransport(cfg: ResolvedConfig, root: string = cfg.values["central.dir"]): Transport {
  const host = cfg.values.centralHost;
  const settings = rsyncSettings(cfg, root);
  if (isLocalHost(host)) return new LocalTransport(settings);
  return new RsyncSshTransport({ ...settings, host, user: cfg.values["central.user"], ssh: cfg.values["tools.ssh"] });
}

/** Read-only HTTP (or file://) access to the central directory at `central.baseUrl`. */
export function centralReader(cfg: ResolvedConfig): HttpReader {
  return new HttpReader(cfg.values["central.baseUrl"]);
}

export type Destination =
  { kind: "local"; path: string } | { kind: "remote"; host: string; user: string | undefined; path: string };

/**
 * Parses a destination the way rsync does: `[user@]host:/path` is remote (a
 * colon before any slash), anything else a local path. `key` names the config
 * key in messages.
 */
export function parseDestination(destination: string, key: string): Destination {
  const value = destination.trim();
  if (value === "")
    throw new BbsError("BBS_CONFIG_INVALID", `${key} is empty`, { hint: "give a local directory or user@host:/path" });
  if (/^[A-Za-z]:[\\/]/.test(value)) return { kind: "local", path: value };
  const colon = value.indexOf(":");
  const slash = value.indexOf("/");
  if (colon < 0 || (slash >= 0 && slash < colon)) return { kind: "local", path: value };
  const login = value.slice(0, colon);
  const path = value.slice(colon + 1);
  if (path.startsWith(":")) {
    throw new BbsError("BBS_CONFIG_INVALID", `${key}: rsync daemon destinations (${value}) are not supported`, {
      hint: "use rsync over ssh: user@host:/absolute/path",
    });
  }
  if (!path.startsWith("/")) {
    throw new BbsError("BBS_CONFIG_INVALID", `${key}: the remote path in ${value} must be absolute`, {
      hint: "write it as user@host:/absolute/path (a relative path would depend on the remote home directory)",
    });
  }
  const at = login.lastIndexOf("@");
  const user = at < 0 ? undefined : login.slice(0, at);
  const host = at < 0 ? login : login.slice(at + 1);
  if (host === "")
    throw new BbsError("BBS_CONFIG_INVALID", `${key}: no host in ${value}`, {
      hint: "write it as user@host:/absolute/path",
    });
  return { kind: "remote", host, user, path };
}

/** A transport rooted at a destination such as `report.publishDest` or `propagation.destination`. */
export function destinationTransport(destination: string, key: string, cfg: ResolvedConfig): Transport {
  const parsed = parseDestination(destination, key);
  if (parsed.kind === "local" || isLocalHost(parsed.host)) return new LocalTransport(rsyncSettings(cfg, parsed.path));
  return new RsyncSshTransport({
    ...rsyncSettings(cfg, parsed.path),
    host: parsed.host,
    user: parsed.user,
    ssh: cfg.values["tools.ssh"],
  });
}
