// One error type for everything bbs reports to a user. Every error carries a
// stable code (documented in docs/errors.md, greppable in logs), a hint saying
// what to do, and the exit code the CLI ends with. Anything that is *not* a
// BbsError reaching the top level is a bug and exits with EXIT.INTERNAL.

/** Exit codes of the `bbs` command (documented in the README). */
export const EXIT = {
  OK: 0,
  /** The command ran but a step it is responsible for failed (push not verified, a node's run aborted...). */
  FAILED: 1,
  /** The user asked for something impossible: bad config, bad option, bad input file, lock held. */
  USER: 2,
  /** A bug in bbs: an unexpected exception. */
  INTERNAL: 3,
  /** Interrupted by SIGINT/SIGTERM. */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * The registry of error codes. Each code is stable once released: scripts and
 * operators match on it. Add new codes here, with the exit code they imply.
 */
export const ERROR_CODES = {
  BBS_USAGE: { exit: EXIT.USER, summary: "Invalid command line" },
  BBS_CONFIG_NOT_FOUND: { exit: EXIT.USER, summary: "Configuration directory or host file missing" },
  BBS_CONFIG_INVALID: { exit: EXIT.USER, summary: "Configuration has errors" },
  BBS_INPUT_INVALID: { exit: EXIT.USER, summary: "An input file (manifest, DCF, index...) is malformed" },
  BBS_LOCKED: { exit: EXIT.USER, summary: "Another bbs process holds the lock for this work" },
  BBS_PRECONDITION: { exit: EXIT.USER, summary: "A previous step has not produced what this step needs" },
  BBS_COMMAND_FAILED: { exit: EXIT.FAILED, summary: "An external command (git, R, rsync, ssh) failed" },
  BBS_STEP_FAILED: { exit: EXIT.FAILED, summary: "A pipeline step failed" },
  BBS_TRANSPORT_FAILED: { exit: EXIT.FAILED, summary: "Sending or fetching files to/from the central node failed" },
  BBS_BROKER_AUTH: { exit: EXIT.USER, summary: "The message broker refused the login (user, password or vhost)" },
  BBS_BROKER_FAILED: { exit: EXIT.FAILED, summary: "The message broker could not be reached or reported an error" },
  BBS_MAIL_FAILED: { exit: EXIT.FAILED, summary: "Some emails could not be delivered" },
  BBS_VERIFY_FAILED: { exit: EXIT.FAILED, summary: "A published result did not verify" },
  BBS_FILE_ACCESS: {
    exit: EXIT.USER,
    summary: "A file or directory cannot be used: permission denied, a directory or not a directory, a symlink loop",
  },
  BBS_DISK_FULL: { exit: EXIT.FAILED, summary: "No space left (or quota exhausted) on a file system bbs writes" },
  BBS_FS_READ_ONLY: { exit: EXIT.FAILED, summary: "A file system bbs writes is mounted read-only" },
  BBS_RESOURCE_LIMIT: { exit: EXIT.FAILED, summary: "A limit of the machine was reached (open files)" },
  BBS_INTERRUPTED: { exit: EXIT.INTERRUPTED, summary: "Stopped by SIGINT or SIGTERM before the work was done" },
  BBS_INTERNAL: { exit: EXIT.INTERNAL, summary: "Internal error (a bug in bbs)" },
} as const satisfies Record<string, { exit: ExitCode; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface BbsErrorOptions {
  /** What the user should do about it. */
  hint?: string;
  /** Several independent problems reported at once (e.g. every config error). */
  details?: readonly string[];
  cause?: unknown;
}

export class BbsError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, options: BbsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "BbsError";
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? [];
  }

  get exitCode(): ExitCode {
    return ERROR_CODES[this.code].exit;
  }
}

export function isBbsError(value: unknown): value is BbsError {
  return value instanceof BbsError;
}

/** Message of any thrown value, for logs. */
export function errorMessage(value: unknown): string {
  if (value instanceof Error) return value.message;
  return String(value);
}
