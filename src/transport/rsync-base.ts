// put / get / sync, shared by the local and the ssh transport: both run rsync,
// so a file moves with the same semantics (temporary name then rename, times
// kept, symlinks as symlinks) whether the central directory is on this machine
// or across the network. Subclasses say how a path under the root is named for
// rsync (`/abs` or `user@host:/abs`) and which extra options reach the peer.

import { lstatSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve, type posix } from "node:path";
import { BbsError } from "../util/errors.js";
import { diagnose, TransportError, type Peer } from "./errors.js";
import { runTool, type ToolResult } from "../util/tool.js";
import { attemptTimeoutMs, resolvePolicy, withRetries, type AttemptOutcome } from "./retry.js";
import { shellCommand, splitShellWords } from "./shell.js";
import { rsyncWordsProblem } from "../util/rsync-options.js";
import {
  RETRY_POLICIES,
  type CallOptions,
  type PutOptions,
  type RemoteEntry,
  type RunOptions,
  type SyncOptions,
  type TransferOptions,
  type TransferResult,
  type Transport,
} from "./transport.js";
import { stageProductsDir } from "../layout/central.js";

export interface RsyncSettings {
  /** Root directory on the node that holds it (absolute). */
  root: string;
  /** `tools.rsync`: the rsync command, possibly with options. */
  rsync: string;
  /** `tools.rsyncOptions`: options of `sync` (excludes, `--delete-excluded`...). */
  rsyncOptions: string;
  /** Between SIGTERM and SIGKILL of a timed-out transfer (default 5 s). */
  killGraceMs?: number;
}

function checkAtomicOptions(words: readonly string[], key: string): void {
  const problem = rsyncWordsProblem(words);
  if (problem !== undefined)
    throw new BbsError("BBS_CONFIG_INVALID", `${key}: ${problem.message}`, { hint: problem.hint });
}

let stagingCounter = 0;

/**
 * Absolute path of `remotePath` under `root`, with the path rules of the node
 * holding the root. Paths are relative to the root and may not leave it.
 */
export function resolveUnder(root: string, remotePath: string, paths: typeof posix): string {
  if (paths.isAbsolute(remotePath) || /^[A-Za-z]:/.test(remotePath)) {
    throw new BbsError("BBS_INTERNAL", `transport path ${remotePath} must be relative to the root ${root}`, {
      hint: `pass paths relative to the central directory (e.g. ${stageProductsDir("<node>", "install")})`,
    });
  }
  const base = paths.resolve(root);
  const joined = paths.resolve(base, remotePath);
  const prefix = base.endsWith(paths.sep) ? base : base + paths.sep;
  if (joined !== base && !joined.startsWith(prefix)) {
    throw new BbsError("BBS_INTERNAL", `transport path ${remotePath} leaves the root ${root}`, {
      hint: "paths given to a transport must stay inside its root",
    });
  }
  return joined;
}

/** A local path as rsync sees it: absolute, and on Windows in cygwin form (/cygdrive/f/...). */
export function rsyncLocalPath(path: string, platform: NodeJS.Platform = process.platform): string {
  if (platform !== "win32") return resolve(path);
  const match = /^([A-Za-z]):[\\/]?(.*)$/.exec(path);
  if (match === null) return path.replaceAll("\\", "/");
  return `/cygdrive/${(match[1] as string).toLowerCase()}/${(match[2] as string).replaceAll("\\", "/")}`;
}

/** Undoes rsync's `\#ooo` escapes of unprintable bytes in file names. */
export function unescapeRsyncName(name: string): string {
  if (!name.includes("\\#")) return name;
  const bytes: number[] = [];
  for (let i = 0; i < name.length;) {
    const octal = /^\\#([0-7]{3})/.exec(name.slice(i, i + 5));
    if (octal !== null) {
      bytes.push(parseInt(octal[1] as string, 8));
      i += 5;
    } else {
      const code = name.codePointAt(i) as number;
      const char = String.fromCodePoint(code);
      bytes.push(...Buffer.from(char, "utf8"));
      i += char.length;
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** Files written and deleted, from rsync's `--out-format='%i %n'` lines. */
export function parseItemized(stdout: string): { transferred: string[]; deleted: string[] } {
  const transferred: string[] = [];
  const deleted: string[] = [];
  for (const line of stdout.split("\n")) {
    const deletion = /^\*deleting +(.*)$/.exec(line);
    if (deletion !== null) {
      deleted.push(unescapeRsyncName(deletion[1] as string).replace(/\/$/, ""));
      continue;
    }
    const item = /^[<>][f]\S{9} (.*)$/.exec(line);
    if (item !== null) transferred.push(unescapeRsyncName(item[1] as string));
  }
  return { transferred, deleted };
}

/** Total bytes under a local path (the size allowance of put's timeout). */
function localSize(path: string): number {
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const entry of readdirSync(path)) total += localSize(join(path, entry));
  return total;
}

export abstract class RsyncTransport implements Transport {
  abstract readonly kind: "local" | "rsync-ssh";
  readonly root: string;
  protected readonly rsyncArgv: readonly string[];
  protected readonly syncOptions: readonly string[];
  protected readonly killGraceMs: number | undefined;

  constructor(settings: RsyncSettings) {
    this.root = settings.root;
    this.rsyncArgv = splitShellWords(settings.rsync, "tools.rsync");
    if (this.rsyncArgv.length === 0) {
      throw new BbsError("BBS_CONFIG_INVALID", "tools.rsync is empty", {
        hint: 'set tools.rsync to the rsync command, e.g. "rsync"',
      });
    }
    checkAtomicOptions(this.rsyncArgv, "tools.rsync");
    this.syncOptions = splitShellWords(settings.rsyncOptions, "tools.rsyncOptions");
    checkAtomicOptions(this.syncOptions, "tools.rsyncOptions");
    this.killGraceMs = settings.killGraceMs;
  }

  abstract describe(): string;
  abstract location(remotePath: string): string;
  /** Absolute path of `remotePath` on the node holding the root; refuses paths leaving it. */
  protected abstract resolveRemote(remotePath: string): string;
  /** How rsync names an absolute path on the node holding the root. */
  protected abstract rsyncRemote(absolutePath: string): string;
  /** Options reaching the peer (`-e ssh...`, compression); none locally. */
  protected abstract peerOptions(): string[];
  protected abstract peer(): Peer;
  /** The directory holding an absolute path of the node holding the root. */
  protected abstract parentOf(absolutePath: string): string;
  /**
   * Makes sure `absoluteDir` will exist on the receiving side when rsync
   * writes into it: made now (local), or rsync options that make the remote
   * side make it first.
   */
  protected abstract makeDestinationDir(absoluteDir: string): Promise<string[]>;

  abstract mkdirs(remotePath: string, options?: CallOptions): Promise<void>;
  abstract remove(remotePath: string, options?: CallOptions): Promise<void>;
  abstract remake(remotePath: string, options?: CallOptions): Promise<void>;
  abstract exists(remotePath: string, options?: CallOptions): Promise<boolean>;
  abstract readText(remotePath: string, options?: CallOptions): Promise<string>;
  abstract readTextIfExists(remotePath: string, options?: CallOptions): Promise<string | undefined>;
  abstract list(remotePath: string, options?: CallOptions): Promise<RemoteEntry[]>;
  abstract run(command: string, options?: RunOptions): Promise<ToolResult>;

  /** `--link-dest` takes a path on the receiving side, absolute (cygwin form for a local Windows root). */
  private rsyncLinkDest(remotePath: string): string {
    const absolute = this.resolveRemote(remotePath);
    return this.kind === "local" ? rsyncLocalPath(absolute) : absolute;
  }

  protected refuseRoot(operation: string, remotePath: string): void {
    if (this.resolveRemote(remotePath) === this.resolveRemote("")) {
      throw new BbsError("BBS_INTERNAL", `${operation} of the transport root ${this.describe()} refused`, {
        hint: "remove or remake a subdirectory instead",
      });
    }
  }

  async put(localPath: string, remotePath: string, options: PutOptions = {}): Promise<TransferResult> {
    const source = resolve(localPath);
    const target = this.resolveRemote(remotePath);
    const destination = this.location(remotePath);
    let size: number;
    let directory: boolean;
    try {
      const stat = lstatSync(source);
      directory = stat.isDirectory();
      size = localSize(source);
    } catch (error) {
      throw new TransportError({
        operation: "put",
        source,
        destination,
        attempts: 0,
        reason: `cannot read the source: ${(error as Error).message}`,
        permanent: true,
        hint: "the source does not exist: the step that produces it did not run or failed",
      });
    }
    if (directory && options.delete === true) this.refuseRoot("put with delete", remotePath);
    // The destination directory is made by the receiving side itself rather than
    // with --mkpath, which needs rsync 3.2.3 on both ends (stock macOS has 2.6.9
    // or openrsync).
    const destinationDir = directory ? target : this.parentOf(target);
    const args = [
      directory ? "-rlt" : "-lt",
      ...(options.dryRun === true ? [] : await this.makeDestinationDir(destinationDir)),
      ...(directory && options.delete === true ? ["--delete"] : []),
      ...(options.linkDest === undefined ? [] : [`--link-dest=${this.rsyncLinkDest(options.linkDest)}`]),
      ...(options.dryRun === true ? ["--dry-run"] : []),
      ...this.commonOptions(options),
      directory ? `${rsyncLocalPath(source)}/` : rsyncLocalPath(source),
      directory ? `${this.rsyncRemote(target)}/` : this.rsyncRemote(target),
    ];
    const policy = resolvePolicy(RETRY_POLICIES.put, options.retry);
    const result = await this.transfer(
      "put",
      source,
      destination,
      args,
      attemptTimeoutMs(policy, size),
      policy,
      options,
    );
    if (!directory && result.transferred.length > 0) result.transferred = [basename(target)];
    return result;
  }

  async putText(text: string, remotePath: string, options: TransferOptions = {}): Promise<TransferResult> {
    const scratch = mkdtempSync(join(tmpdir(), "bbs-put-"));
    try {
      const file = join(scratch, basename(this.resolveRemote(remotePath)) || "file");
      writeFileSync(file, text);
      return await this.put(file, remotePath, options);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }

  async get(remotePath: string, localPath: string, options: TransferOptions = {}): Promise<TransferResult> {
    const source = this.resolveRemote(remotePath);
    const target = resolve(localPath);
    mkdirSync(dirname(target), { recursive: true });
    stagingCounter += 1;
    // rsync fills a hidden staging directory next to the target; one rename then
    // puts the complete file or tree in place.
    const staging = join(dirname(target), `.${basename(target)}.bbs-get-${process.pid}-${stagingCounter}`);
    mkdirSync(staging);
    try {
      const args = ["-rlt", ...this.commonOptions(options), this.rsyncRemote(source), `${rsyncLocalPath(staging)}/`];
      const policy = resolvePolicy(RETRY_POLICIES.get, options.retry);
      const result = await this.transfer(
        "get",
        this.location(remotePath),
        target,
        args,
        policy.timeoutMs,
        policy,
        options,
      );
      const received = join(staging, basename(source));
      replaceWith(received, target);
      result.transferred = result.transferred.map((name) => name.split("/").slice(1).join("/") || basename(target));
      return result;
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }

  async sync(remoteDir: string, localDir: string, options: SyncOptions = {}): Promise<TransferResult> {
    const source = this.resolveRemote(remoteDir);
    const target = resolve(localDir);
    mkdirSync(target, { recursive: true });
    const args = [
      ...this.syncOptions,
      "-rlpt",
      "--delete",
      ...this.commonOptions(options),
      `${this.rsyncRemote(source)}/`,
      `${rsyncLocalPath(target)}/`,
    ];
    const policy = resolvePolicy(RETRY_POLICIES.sync, options.retry);
    return this.transfer("sync", this.location(remoteDir), target, args, policy.timeoutMs, policy, options);
  }

  private commonOptions(options: TransferOptions): string[] {
    return [
      "--out-format=%i %n",
      ...this.peerOptions(),
      ...(options.bandwidthLimit === undefined ? [] : [`--bwlimit=${options.bandwidthLimit}`]),
      ...(options.exclude ?? []).map((pattern) => `--exclude=${pattern}`),
    ];
  }

  private async transfer(
    operation: "put" | "get" | "sync",
    source: string,
    destination: string,
    args: readonly string[],
    timeoutMs: number,
    policy: { attempts: number; delayMs: number; timeoutMs: number },
    options: CallOptions,
  ): Promise<TransferResult> {
    const started = performance.now();
    const [program, ...programArgs] = this.rsyncArgv as [string, ...string[]];
    let command = "";
    const { value, attempts } = await withRetries(
      { operation, source, destination },
      policy,
      options,
      async (): Promise<AttemptOutcome<ToolResult>> => {
        const result = await runTool(program, [...programArgs, ...args], {
          timeoutMs,
          signal: options.signal,
          killGraceMs: this.killGraceMs,
        });
        command = shellCommand(result.argv);
        // 24: some source files vanished while being sent; what exists was sent.
        if (result.exitCode === 0 || result.exitCode === 24) return { ok: true, value: result };
        return {
          ok: false,
          diagnosis: diagnose(result, this.peer(), timeoutMs),
          stderr: result.stderr,
          exitCode: result.exitCode,
        };
      },
    );
    return {
      operation,
      source,
      destination,
      ...parseItemized(value.stdout),
      command,
      attempts,
      durationMs: performance.now() - started,
    };
  }
}

/** Moves `received` to `target`, replacing a file atomically, a directory with two renames. */
function replaceWith(received: string, target: string): void {
  let existing: "none" | "file" | "directory" = "none";
  try {
    existing = lstatSync(target).isDirectory() ? "directory" : "file";
  } catch {
    existing = "none";
  }
  if (existing !== "directory") {
    if (lstatSync(received).isDirectory() && existing === "file") rmSync(target, { force: true });
    renameSync(received, target);
    return;
  }
  const old = join(dirname(target), `.${basename(target)}.bbs-old-${process.pid}-${stagingCounter}`);
  renameSync(target, old);
  renameSync(received, target);
  rmSync(old, { recursive: true, force: true });
}
