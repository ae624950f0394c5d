// The central directory on this machine: the central node itself, or tests.
// Transfers still go through rsync (same semantics as over ssh: temporary name
// then rename, excludes, mirror); the small operations use the filesystem.

import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { TransportError, type Peer } from "./errors.js";
import { runTool, type ToolResult } from "../util/tool.js";
import { resolvePolicy } from "./retry.js";
import { resolveUnder, rsyncLocalPath, RsyncTransport, type RsyncSettings } from "./rsync-base.js";
import { RETRY_POLICIES, type EntryType, type OperationName, type RemoteEntry, type RunOptions } from "./transport.js";

function fsHint(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOENT":
      return "the file or directory does not exist: the step that produces it did not run or failed";
    case "EACCES":
    case "EPERM":
      return "the user running bbs may not access it: check owner and permissions";
    case "ENOSPC":
      return "the disk is full: free space, then re-run the step";
    default:
      return "see the system error above";
  }
}

export function entryType(stat: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): EntryType {
  if (stat.isSymbolicLink()) return "symlink";
  if (stat.isDirectory()) return "directory";
  if (stat.isFile()) return "file";
  return "other";
}

export class LocalTransport extends RsyncTransport {
  readonly kind = "local" as const;

  constructor(settings: RsyncSettings) {
    super({ ...settings, root: path.resolve(settings.root) });
  }

  describe(): string {
    return this.root;
  }

  location(remotePath: string): string {
    return this.resolveRemote(remotePath);
  }

  protected resolveRemote(remotePath: string): string {
    return resolveUnder(this.root, remotePath, path);
  }

  protected rsyncRemote(absolutePath: string): string {
    return rsyncLocalPath(absolutePath);
  }

  protected parentOf(absolutePath: string): string {
    return path.dirname(absolutePath);
  }

  protected makeDestinationDir(absoluteDir: string): Promise<string[]> {
    mkdirSync(absoluteDir, { recursive: true });
    return Promise.resolve([]);
  }

  protected peerOptions(): string[] {
    return [];
  }

  protected peer(): Peer {
    return {};
  }

  private fsOperation<T>(operation: OperationName, remotePath: string, action: (absolute: string) => T): T {
    const absolute = this.resolveRemote(remotePath);
    try {
      return action(absolute);
    } catch (error) {
      throw new TransportError({
        operation,
        source: absolute,
        attempts: 1,
        reason: (error as Error).message,
        permanent: true,
        hint: fsHint(error),
      });
    }
  }

  async mkdirs(remotePath: string): Promise<void> {
    this.fsOperation("mkdirs", remotePath, (absolute) => mkdirSync(absolute, { recursive: true }));
  }

  async remove(remotePath: string): Promise<void> {
    this.refuseRoot("remove", remotePath);
    this.fsOperation("remove", remotePath, (absolute) => rmSync(absolute, { recursive: true, force: true }));
  }

  async remake(remotePath: string): Promise<void> {
    this.refuseRoot("remake", remotePath);
    this.fsOperation("remake", remotePath, (absolute) => {
      rmSync(absolute, { recursive: true, force: true });
      mkdirSync(absolute, { recursive: true });
    });
  }

  async exists(remotePath: string): Promise<boolean> {
    return this.fsOperation("exists", remotePath, (absolute) => {
      if (existsSync(absolute)) return true;
      try {
        lstatSync(absolute);
        return true; // a dangling symlink exists
      } catch {
        return false;
      }
    });
  }

  async readText(remotePath: string): Promise<string> {
    return this.fsOperation("readText", remotePath, (absolute) => readFileSync(absolute, "utf8"));
  }

  async readTextIfExists(remotePath: string): Promise<string | undefined> {
    return this.fsOperation("readText", remotePath, (absolute) => {
      try {
        return readFileSync(absolute, "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }
    });
  }

  async list(remotePath: string): Promise<RemoteEntry[]> {
    return this.fsOperation("list", remotePath, (absolute) =>
      readdirSync(absolute)
        .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
        .map((name) => {
          const stat = lstatSync(path.join(absolute, name));
          return { name, type: entryType(stat), size: stat.size, mtime: stat.mtime };
        }),
    );
  }

  async run(command: string, options: RunOptions = {}): Promise<ToolResult> {
    const cwd = this.resolveRemote(options.cwd ?? "");
    const policy = resolvePolicy(RETRY_POLICIES.command, options.retry);
    const result = await runTool("sh", ["-c", command], {
      cwd,
      timeoutMs: policy.timeoutMs,
      signal: options.signal,
      killGraceMs: this.killGraceMs,
    });
    if (result.exitCode === 0 || (options.allowFailure === true && result.exitCode !== undefined)) return result;
    throw commandFailure(command, cwd, result, policy.timeoutMs);
  }
}

/** A shell command that failed on the node holding the root. */
export function commandFailure(command: string, where: string, result: ToolResult, timeoutMs: number): TransportError {
  const stderr = result.stderr.trim();
  let reason: string;
  if (result.spawnError !== undefined) reason = `could not start: ${result.spawnError}`;
  else if (result.timedOut) reason = `timed out after ${Math.round(timeoutMs / 1000)} s (process group killed)`;
  else if (result.aborted) reason = "cancelled";
  else
    reason = `exited with ${result.exitCode === undefined ? `signal ${result.signal}` : `code ${result.exitCode}`}${stderr === "" ? "" : `: ${stderr}`}`;
  return new TransportError({
    operation: "run",
    source: `\`${command}\` in ${where}`,
    attempts: 1,
    reason,
    permanent: true,
    stderr: result.stderr,
    exitCode: result.exitCode,
    hint: "the command failed on the node holding the directory; its message is above",
  });
}
