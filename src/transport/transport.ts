// The one way every stage moves files to and from the central node (or any
// other destination: the published report, the published repository). Nothing
// above this layer may assume the central directory is on this machine: paths
// given to a Transport are relative to its root, and the implementation decides
// whether that root is a local directory or `user@host:/dir` reached by rsync
// over ssh.
//
// Guarantees shared by every implementation:
// - put/get/sync move files with rsync's default "write a temporary file in the
//   destination directory, then rename" per file, so a reader never sees a
//   half-written file under its final name, even when the transfer is killed.
//   A directory put is NOT atomic as a whole: files appear one by one (byte-wise
//   sorted order); a reader may see some new files next to old ones.
// - get is atomic on the local side for files *and* directories: it downloads
//   into a hidden staging path next to the target and renames it into place.
// - Every failure is a TransportError (code BBS_TRANSPORT_FAILED) naming the
//   operation, source, destination, the tool's stderr and the attempts made,
//   with a hint. Whether a failure is fatal is the caller's decision.

import type { ToolResult } from "../util/tool.js";

/** Attempts, spacing and time limit of one operation (docs/bbs-rules.md#transport). */
export interface RetryPolicy {
  /** Total attempts, at least 1. */
  attempts: number;
  /** Pause between attempts. */
  delayMs: number;
  /** Time limit of each attempt (before the size allowance). */
  timeoutMs: number;
  /** When set, each attempt also gets size / bytesPerSecond (BBS: 100 KB/s for Put). */
  bytesPerSecond?: number;
}

/** BBS's policies (docs/bbs-rules.md#transport), the default of each operation. */
export const RETRY_POLICIES = {
  /** Put: 5 attempts, 30 s apart, 120 s + size / 100 KB/s each. */
  put: { attempts: 5, delayMs: 30_000, timeoutMs: 120_000, bytesPerSecond: 100_000 },
  /** Get: 5 attempts of 60 s, 20 s apart. */
  get: { attempts: 5, delayMs: 20_000, timeoutMs: 60_000 },
  /** syncLocalDir: 3 attempts of 2400 s, 30 s apart. */
  sync: { attempts: 3, delayMs: 30_000, timeoutMs: 2_400_000 },
  /** MakeMe / RemoveMe / RemakeMe / Call and the small reads: one attempt. */
  command: { attempts: 1, delayMs: 0, timeoutMs: 120_000 },
  /** downloadFile over HTTP: 3 attempts of 600 s, 5 s apart. */
  download: { attempts: 3, delayMs: 5_000, timeoutMs: 600_000 },
} as const satisfies Record<string, RetryPolicy>;

export type OperationName =
  "put" | "get" | "sync" | "mkdirs" | "remove" | "remake" | "exists" | "readText" | "list" | "run" | "download";

/** A failed attempt, given to `onRetry` before the pause that precedes the next one. */
export interface AttemptFailure {
  operation: OperationName;
  attempt: number;
  attempts: number;
  message: string;
  /** The pause before the next attempt. */
  delayMs: number;
}

export interface CallOptions {
  /** Overrides parts of the operation's default policy (tests use `{ delayMs: 0 }`). */
  retry?: Partial<RetryPolicy>;
  /** Cancels the operation: the running process group is killed, pauses end. */
  signal?: AbortSignal;
  /** Called after each failed attempt that will be retried (for logs). */
  onRetry?: (failure: AttemptFailure) => void | Promise<void>;
}

export interface TransferOptions extends CallOptions {
  /** rsync patterns (`--exclude`) left out of the transfer. */
  exclude?: readonly string[];
  /** Throttle in KiB/s (`--bwlimit`), for builders sharing a slow link. */
  bandwidthLimit?: number;
}

export interface PutOptions extends TransferOptions {
  /** Also delete files under the destination directory that the source lacks (mirror). */
  delete?: boolean;
  /**
   * A directory under the root holding a previous copy (rsync `--link-dest`):
   * files unchanged there (same size and time) are hard-linked instead of sent,
   * so a full new copy of a large tree costs only what changed.
   */
  linkDest?: string;
  /** Only report what would be transferred and deleted (rsync `--dry-run`); nothing changes. */
  dryRun?: boolean;
}

export type SyncOptions = TransferOptions;

export interface TransferResult {
  operation: "put" | "get" | "sync";
  /** As written in messages: a local path, or `user@host:/path`. */
  source: string;
  destination: string;
  /** Files written on the receiving side, relative to the destination (rsync's itemized list). */
  transferred: string[];
  /** Files deleted on the receiving side (mirror). */
  deleted: string[];
  /** The command of the successful attempt, shell-quoted. */
  command: string;
  attempts: number;
  durationMs: number;
}

export type EntryType = "file" | "directory" | "symlink" | "other";

export interface RemoteEntry {
  name: string;
  type: EntryType;
  size: number;
  mtime: Date;
}

export interface RunOptions extends CallOptions {
  /** Directory, relative to the root, the command runs in (default: the root). */
  cwd?: string;
  /** Return the result of a non-zero exit instead of throwing. */
  allowFailure?: boolean;
}

export interface Transport {
  readonly kind: "local" | "rsync-ssh";
  /** The root directory on the node that holds it. */
  readonly root: string;
  /** `user@host:/root`, or the local root. */
  describe(): string;
  /** How `remotePath` is written in messages (`user@host:/root/remotePath`). */
  location(remotePath: string): string;

  /**
   * Sends a file (named `remotePath` on arrival) or the contents of a directory
   * (into `remotePath`, created with its parents; existing files that the source
   * lacks stay unless `delete`).
   */
  put(localPath: string, remotePath: string, options?: PutOptions): Promise<TransferResult>;
  /** Writes `text` as the file `remotePath` (sent like put: temporary name, then rename). */
  putText(text: string, remotePath: string, options?: TransferOptions): Promise<TransferResult>;
  /** Fetches a file or a directory to `localPath`, replacing it as a whole. */
  get(remotePath: string, localPath: string, options?: TransferOptions): Promise<TransferResult>;
  /** Makes `localDir` a mirror of `remoteDir` (deletes extra local files), with `tools.rsyncOptions`. */
  sync(remoteDir: string, localDir: string, options?: SyncOptions): Promise<TransferResult>;

  mkdirs(remotePath: string, options?: CallOptions): Promise<void>;
  /** Removes a file or a directory tree; a missing path is not an error. Refuses the root. */
  remove(remotePath: string, options?: CallOptions): Promise<void>;
  /** remove, then mkdirs, in one round trip (BBS RemakeMe). Refuses the root. */
  remake(remotePath: string, options?: CallOptions): Promise<void>;
  exists(remotePath: string, options?: CallOptions): Promise<boolean>;
  /** Contents of a small text file (meat-index.dcf, PACKAGES); a missing file is an error. */
  readText(remotePath: string, options?: CallOptions): Promise<string>;
  /** Like readText, but a missing file gives undefined. */
  readTextIfExists(remotePath: string, options?: CallOptions): Promise<string | undefined>;
  /** Entries of a directory, sorted by name (byte-wise); a missing directory is an error. */
  list(remotePath: string, options?: CallOptions): Promise<RemoteEntry[]>;
  /** Runs a POSIX shell command in the root (or `cwd` under it) on the node holding it. */
  run(command: string, options?: RunOptions): Promise<ToolResult>;
}
