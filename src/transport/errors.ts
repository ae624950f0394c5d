// What went wrong in a transfer, in words an operator can act on. rsync and ssh
// report through exit codes and English stderr (the processes run with LC_ALL=C);
// a failure is classified as permanent (a retry cannot help: unknown host,
// refused key, missing source, full disk) or transient (connection refused or
// reset, timeout), and retries are spent only on transient ones.

import { BbsError } from "../util/errors.js";
import type { ToolResult } from "../util/tool.js";
import type { OperationName } from "./transport.js";
import { shellCommand } from "./shell.js";

export interface TransportErrorInit {
  operation: OperationName;
  /** Source as written in messages; for one-path operations, the path acted on. */
  source: string;
  destination?: string;
  attempts: number;
  reason: string;
  hint: string;
  permanent: boolean;
  stderr?: string;
  exitCode?: number;
  /** Reasons of earlier attempts, when they differed from the last one. */
  earlier?: readonly string[];
}

/** A failed transport operation (code BBS_TRANSPORT_FAILED) with its parts as data. */
export class TransportError extends BbsError {
  readonly operation: OperationName;
  readonly source: string;
  readonly destination: string | undefined;
  readonly attempts: number;
  readonly reason: string;
  readonly permanent: boolean;
  readonly stderr: string;
  /** Exit status of the tool (rsync, ssh) in the last attempt. */
  readonly toolExitCode: number | undefined;

  constructor(init: TransportErrorInit) {
    const what =
      init.destination === undefined
        ? `${init.operation} ${init.source}`
        : `${init.operation} ${init.source} -> ${init.destination}`;
    const tries = init.attempts > 1 ? ` after ${init.attempts} attempts` : "";
    super("BBS_TRANSPORT_FAILED", `${what} failed${tries}: ${init.reason}`, {
      hint: init.hint,
      details: init.earlier?.map((reason, i) => `attempt ${i + 1}: ${reason}`),
    });
    this.name = "TransportError";
    this.operation = init.operation;
    this.source = init.source;
    this.destination = init.destination;
    this.attempts = init.attempts;
    this.reason = init.reason;
    this.permanent = init.permanent;
    this.stderr = init.stderr ?? "";
    this.toolExitCode = init.exitCode;
  }
}

export function isTransportError(value: unknown): value is TransportError {
  return value instanceof TransportError;
}

export interface Diagnosis {
  reason: string;
  permanent: boolean;
  hint: string;
}

/** Who is at the other end, for hints: how to test the connection by hand. */
export interface Peer {
  /** `user@host`, or undefined for the local filesystem. */
  login?: string;
  /** The ssh command (argv) used to reach it. */
  ssh?: readonly string[];
}

const MAX_REASON_CHARS = 2_000;

/** The last lines of a tool's stderr, for a one-paragraph message. */
export function stderrTail(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line) => line !== "");
  let text = lines.slice(-12).join("\n");
  if (text.length > MAX_REASON_CHARS) text = `...${text.slice(-MAX_REASON_CHARS)}`;
  return text;
}

function testConnection(peer: Peer): string {
  if (peer.login === undefined || peer.ssh === undefined) return "";
  return ` Test the connection by hand: ${shellCommand([...peer.ssh, peer.login, "true"])}`;
}

/** Classifies a failed rsync or ssh run. */
export function diagnose(result: ToolResult, peer: Peer, timeoutMs: number | undefined): Diagnosis {
  const tool = result.argv[0] ?? "the command";
  const host = peer.login ?? "this machine";
  if (result.spawnError !== undefined) {
    return {
      reason: `could not start ${tool}: ${result.spawnError}`,
      permanent: true,
      hint: "install rsync and OpenSSH, or point tools.rsync / tools.ssh at them",
    };
  }
  if (result.aborted)
    return { reason: "cancelled", permanent: true, hint: "the operation was cancelled before it finished" };
  const stderr = stderrTail(result.stderr);
  if (result.timedOut) {
    const limit = timeoutMs === undefined ? "" : ` after ${Math.round(timeoutMs / 1000)} s`;
    return {
      reason: `timed out${limit} (process group killed)${stderr === "" ? "" : `: ${stderr}`}`,
      permanent: false,
      hint: `the link to ${host} is slow or stalled; check the network and the load of ${host}`,
    };
  }
  const status =
    result.exitCode === undefined ? `killed by ${result.signal ?? "a signal"}` : `exited with code ${result.exitCode}`;
  const reason = `${tool} ${status}${stderr === "" ? "" : `: ${stderr}`}`;
  const match = (pattern: RegExp): boolean => pattern.test(result.stderr);

  if (
    match(
      /Could not resolve hostname|Name or service not known|nodename nor servname|Temporary failure in name resolution/,
    )
  ) {
    return {
      reason,
      permanent: true,
      hint: `${host} does not resolve: check centralHost (an ssh host alias or a name this node can resolve) and tools.ssh.${testConnection(peer)}`,
    };
  }
  if (match(/Permission denied \((publickey|password|keyboard|gssapi|hostbased)/)) {
    return {
      reason,
      permanent: true,
      hint: `ssh refused the login to ${host}: add this user's public key to the authorized keys of that account, or fix central.user.${testConnection(peer)}`,
    };
  }
  if (match(/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/)) {
    return {
      reason,
      permanent: true,
      hint: `the host key of ${host} is unknown or changed: verify it and accept it once.${testConnection(peer)}`,
    };
  }
  if (match(/No space left on device|Disk quota exceeded/)) {
    return { reason, permanent: true, hint: `the receiving side is full: free space there, then re-run the step` };
  }
  if (match(/(link_stat|change_dir|opendir) .* failed: No such file or directory/)) {
    return {
      reason,
      permanent: true,
      hint: "the source does not exist: the step that produces it did not run or failed",
    };
  }
  if (match(/failed: Permission denied \(13\)|Read-only file system/)) {
    return {
      reason,
      permanent: true,
      hint: `the user running the transfer may not write there: check owner and permissions on ${host}`,
    };
  }
  if (match(/unknown option|syntax or usage error|protocol version mismatch|protocol incompatibility/)) {
    return {
      reason,
      permanent: true,
      hint: "check tools.rsync and tools.rsyncOptions (`rsync --version` on both ends: bbs needs rsync 2.6.9 or newer, or openrsync)",
    };
  }
  if (match(/rsync: (command )?not found|rsync: No such file or directory/)) {
    return { reason, permanent: true, hint: `rsync is missing on ${host}: install rsync 3.2.3 or newer there` };
  }
  if (
    match(
      /Connection refused|Connection timed out|No route to host|Network is unreachable|Connection reset|Connection closed|connection unexpectedly closed|Broken pipe/,
    )
  ) {
    return { reason, permanent: false, hint: `is ${host} up, and its sshd running?${testConnection(peer)}` };
  }
  return { reason, permanent: false, hint: `see the ${tool} message above; re-run the step once the cause is fixed` };
}
