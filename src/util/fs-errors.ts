// File-system failures a user or the machine causes (a file bbs may not read,
// a directory where a file belongs, a symlink loop, a full or read-only disk,
// too many open files) are not bugs of bbs: they become BbsErrors naming the
// path and saying what to do. Node's own messages ("EISDIR: illegal operation
// on a directory, read") name no path for errors raised on an open file, so
// callers that know which file they were working on pass it in.

import { userInfo } from "node:os";
import { BbsError, isBbsError, type ErrorCode } from "./errors.js";

interface FsErrorClass {
  code: ErrorCode;
  /** What is wrong with the path, completing "<path> ...". */
  problem: string;
  /** What to do; `{path}` is replaced by the path. */
  hint: string;
}

const CLASSES: Readonly<Record<string, FsErrorClass>> = {
  EACCES: {
    code: "BBS_FILE_ACCESS",
    problem: "cannot be used: permission denied",
    hint: `check the owner and mode of {path} and of its parent directories (ls -ld); bbs runs as user ${currentUser()}`,
  },
  EPERM: {
    code: "BBS_FILE_ACCESS",
    problem: "cannot be used: operation not permitted",
    hint: `check the owner, mode and attributes (lsattr) of {path}; bbs runs as user ${currentUser()}`,
  },
  EISDIR: {
    code: "BBS_FILE_ACCESS",
    problem: "is a directory where a file is expected",
    hint: "replace {path} by a file, or point the setting that names it elsewhere",
  },
  ENOTDIR: {
    code: "BBS_FILE_ACCESS",
    problem: "has a component that is not a directory",
    hint: "a file stands where a directory of {path} is expected: move it away or fix the setting",
  },
  ELOOP: {
    code: "BBS_FILE_ACCESS",
    problem: "is a symbolic link loop (or a chain of too many links)",
    hint: "fix or remove the link: `ls -l {path}` shows where it points",
  },
  ENAMETOOLONG: {
    code: "BBS_FILE_ACCESS",
    problem: "has a name too long for the file system",
    hint: "use a shorter directory in the configuration",
  },
  ENOSPC: {
    code: "BBS_DISK_FULL",
    problem: "could not be written: no space left on the device",
    hint: "free space on the file system holding {path} (df -h {path}), then run the command again; bbs removed its temporary files",
  },
  EDQUOT: {
    code: "BBS_DISK_FULL",
    problem: "could not be written: the disk quota is exhausted",
    hint: "free space or raise the quota of this user on the file system holding {path} (quota -s), then run the command again",
  },
  EROFS: {
    code: "BBS_FS_READ_ONLY",
    problem: "is on a read-only file system",
    hint: "remount the file system holding {path} read-write (findmnt -T {path}) or point the setting at a writable directory",
  },
  EMFILE: {
    code: "BBS_RESOURCE_LIMIT",
    problem: "could not be opened: this process has too many open files",
    hint: "raise the open-file limit of the bbs user (ulimit -n, /etc/security/limits.conf) or lower the slots",
  },
  ENFILE: {
    code: "BBS_RESOURCE_LIMIT",
    problem: "could not be opened: the system has too many open files",
    hint: "raise fs.file-max (sysctl) or lower the slots of the builds sharing this machine",
  },
};

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? "?"}`;
  }
}

function errnoOf(error: unknown): NodeJS.ErrnoException | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === "string" ? (error as NodeJS.ErrnoException) : undefined;
}

export interface FsErrorContext {
  /** The file or directory bbs was working on, when the error does not name one (errors of read/write on an open file). */
  path?: string;
  /** What bbs was doing, completing "while ...", e.g. "preparing the staging repository /srv/staging". */
  doing?: string;
  /** `path` wins over the one the error names (a temporary name the user never chose). */
  preferContextPath?: boolean;
}

/**
 * The BbsError for a classified file-system failure, or undefined for any
 * other value (a BbsError, a bug). The path the error names wins over
 * `context.path`, which is only the best guess of the caller.
 */
export function classifyFsError(error: unknown, context: FsErrorContext = {}): BbsError | undefined {
  if (isBbsError(error)) return undefined;
  const errno = errnoOf(error);
  if (errno === undefined) return undefined;
  const errorClass = CLASSES[errno.code ?? ""];
  if (errorClass === undefined) return undefined;
  const path = context.preferContextPath === true ? (context.path ?? errno.path) : (errno.path ?? context.path);
  const dest = (errno as { dest?: unknown }).dest;
  const subject =
    path === undefined ? "a file" : typeof dest === "string" && dest !== path ? `${path} (to ${dest})` : path;
  const operation = errno.syscall === undefined ? "" : ` [${errno.syscall}]`;
  const doing = context.doing === undefined ? "" : ` while ${context.doing}`;
  const hint = errorClass.hint.replaceAll("{path}", path ?? "the file");
  return new BbsError(
    errorClass.code,
    `${subject} ${errorClass.problem}${doing} (${errno.code}${operation})`,
    path === undefined
      ? { hint: `${hint}; re-run with --debug to see which file`, cause: error }
      : { hint, cause: error },
  );
}

/** Rethrows `error` as its classified BbsError when it is a file-system failure, else unchanged. */
export function rethrowFsError(error: unknown, context: FsErrorContext = {}): never {
  throw classifyFsError(error, context) ?? error;
}

/** Runs `work`, turning a file-system failure into its BbsError with `context`. */
export function withFsContext<T>(context: FsErrorContext, work: () => T): T {
  try {
    return work();
  } catch (error) {
    rethrowFsError(error, context);
  }
}
