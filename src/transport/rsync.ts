// The central directory on another machine, reached by rsync over ssh as BBS
// does (`rsync -e '<tools.ssh>' ... user@host:/dir`). Small operations (mkdir,
// rm, test, cat) are one ssh round trip each; `list` asks the remote rsync, which
// works wherever rsync does. Every remote command goes through `sh -c`, with each
// path single-quoted, so paths with spaces or quotes reach the remote intact
// whatever the login shell is.

import { posix } from "node:path";
import { BbsError } from "../util/errors.js";
import { diagnose, TransportError, type Diagnosis, type Peer } from "./errors.js";
import { runTool, type ToolResult } from "../util/tool.js";
import { resolvePolicy, withRetries, type AttemptOutcome } from "./retry.js";
import { resolveUnder, RsyncTransport, unescapeRsyncName, type RsyncSettings } from "./rsync-base.js";
import { quoteForShell, rsyncRemoteShell, shellCommand, splitShellWords } from "./shell.js";
import {
  RETRY_POLICIES,
  type CallOptions,
  type EntryType,
  type OperationName,
  type RemoteEntry,
  type RunOptions,
} from "./transport.js";

export interface SshSettings extends RsyncSettings {
  /** `centralHost`: an ssh host name or alias. */
  host: string;
  /** `central.user`; empty or undefined lets the ssh configuration choose. */
  user?: string;
  /** `tools.ssh`: the ssh command with its options (e.g. `ssh -F ~/.ssh/bbs_config`). */
  ssh: string;
  /** ssh's ConnectTimeout (default 30 s), so a dead host fails well before the transfer's time limit. */
  connectTimeoutSeconds?: number;
}

/** Exit status the remote `readText` script uses for "no such file" (ssh itself uses 255). */
const MISSING = 44;

/** One line of `rsync --list-only`: mode, size (with thousands separators), date, time, name. */
const LIST_LINE = /^([-dlcbps])\S{9}\s+([0-9.,]+)\s+(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d) (.*)$/;

export function parseRsyncListing(stdout: string): RemoteEntry[] {
  const entries: RemoteEntry[] = [];
  for (const line of stdout.split("\n")) {
    const match = LIST_LINE.exec(line);
    if (match === null) continue;
    const [, mode, size, year, month, day, hour, minute, second, rawName] = match as unknown as string[] as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const type: EntryType = mode === "-" ? "file" : mode === "d" ? "directory" : mode === "l" ? "symlink" : "other";
    const shown = type === "symlink" ? (rawName.split(" -> ")[0] ?? rawName) : rawName;
    const name = unescapeRsyncName(shown);
    if (name === ".") continue;
    entries.push({
      name,
      type,
      size: Number(size.replace(/[.,]/g, "")),
      mtime: new Date(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)),
    });
  }
  return entries.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
}

export class RsyncSshTransport extends RsyncTransport {
  readonly kind = "rsync-ssh" as const;
  readonly host: string;
  /** `user@host`, or `host` when the ssh configuration chooses the user. */
  readonly login: string;
  private readonly sshArgv: readonly [string, ...string[]];

  constructor(settings: SshSettings) {
    super(settings);
    if (settings.host.trim() === "") {
      throw new BbsError("BBS_CONFIG_INVALID", "centralHost is empty", {
        hint: "set centralHost to the central node's ssh host name, or localhost",
      });
    }
    if (!settings.root.startsWith("/")) {
      throw new BbsError(
        "BBS_CONFIG_INVALID",
        `central.dir ${settings.root} must be an absolute path on ${settings.host}`,
        {
          hint: "write the central directory as the central node sees it, e.g. /home/biocbuild/public_html/BBS/3.21/bioc",
        },
      );
    }
    const ssh = splitShellWords(settings.ssh, "tools.ssh");
    if (ssh.length === 0)
      throw new BbsError("BBS_CONFIG_INVALID", "tools.ssh is empty", {
        hint: 'set tools.ssh to the ssh command, e.g. "ssh"',
      });
    this.host = settings.host;
    this.login =
      settings.user === undefined || settings.user === "" ? settings.host : `${settings.user}@${settings.host}`;
    // Never prompt (cron has no terminal; a prompt would hang the run) and give
    // up on a dead host in seconds. Options already in tools.ssh come first and win.
    this.sshArgv = [
      ...(ssh as [string, ...string[]]),
      "-o",
      "BatchMode=yes",
      "-o",
      `ConnectTimeout=${settings.connectTimeoutSeconds ?? 30}`,
    ];
  }

  describe(): string {
    return `${this.login}:${this.root}`;
  }

  location(remotePath: string): string {
    return `${this.login}:${this.resolveRemote(remotePath)}`;
  }

  protected resolveRemote(remotePath: string): string {
    return resolveUnder(this.root, remotePath, posix);
  }

  protected rsyncRemote(absolutePath: string): string {
    return `${this.login}:${absolutePath}`;
  }

  protected parentOf(absolutePath: string): string {
    return posix.dirname(absolutePath);
  }

  /** The remote rsync is started by a shell that first makes the directory (works with any rsync version). */
  protected makeDestinationDir(absoluteDir: string): Promise<string[]> {
    return Promise.resolve([`--rsync-path=mkdir -p -- ${quoteForShell(absoluteDir)} && rsync`]);
  }

  protected peerOptions(): string[] {
    // -z: logs and summaries compress well (rsync skips already compressed
    // tarballs); --timeout: a connection that stalls for 5 minutes is dead.
    return ["-e", rsyncRemoteShell(this.sshArgv), "-z", "--timeout=300"];
  }

  protected peer(): Peer {
    return { login: this.login, ssh: this.sshArgv };
  }

  /** Runs `script` with `sh -c` on the remote; `interpret` judges an exit other than ssh's own 255. */
  private async remote<T>(
    operation: OperationName,
    remotePath: string,
    script: string,
    options: CallOptions,
    interpret: (result: ToolResult) => AttemptOutcome<T>,
  ): Promise<T> {
    const policy = resolvePolicy(RETRY_POLICIES.command, options.retry);
    const [program, ...args] = this.sshArgv;
    const { value } = await withRetries({ operation, source: this.location(remotePath) }, policy, options, async () => {
      const result = await runTool(program, [...args, "--", this.login, shellCommand(["sh", "-c", script])], {
        timeoutMs: policy.timeoutMs,
        signal: options.signal,
        killGraceMs: this.killGraceMs,
      });
      if (result.exitCode === undefined || result.exitCode === 255) {
        return {
          ok: false,
          diagnosis: diagnose(result, this.peer(), policy.timeoutMs),
          stderr: result.stderr,
          exitCode: result.exitCode,
        };
      }
      return interpret(result);
    });
    return value;
  }

  /** A remote command that ran and failed: retrying the same command cannot help. */
  private commandFailed(result: ToolResult): AttemptOutcome<never> {
    const diagnosis: Diagnosis = { ...diagnose(result, this.peer(), undefined), permanent: true };
    return { ok: false, diagnosis, stderr: result.stderr, exitCode: result.exitCode };
  }

  private quoted(remotePath: string): string {
    return quoteForShell(this.resolveRemote(remotePath));
  }

  async mkdirs(remotePath: string, options: CallOptions = {}): Promise<void> {
    await this.remote("mkdirs", remotePath, `mkdir -p -- ${this.quoted(remotePath)}`, options, (result) =>
      result.exitCode === 0 ? { ok: true, value: undefined } : this.commandFailed(result),
    );
  }

  async remove(remotePath: string, options: CallOptions = {}): Promise<void> {
    this.refuseRoot("remove", remotePath);
    await this.remote("remove", remotePath, `rm -rf -- ${this.quoted(remotePath)}`, options, (result) =>
      result.exitCode === 0 ? { ok: true, value: undefined } : this.commandFailed(result),
    );
  }

  async remake(remotePath: string, options: CallOptions = {}): Promise<void> {
    this.refuseRoot("remake", remotePath);
    const target = this.quoted(remotePath);
    await this.remote("remake", remotePath, `rm -rf -- ${target} && mkdir -p -- ${target}`, options, (result) =>
      result.exitCode === 0 ? { ok: true, value: undefined } : this.commandFailed(result),
    );
  }

  async exists(remotePath: string, options: CallOptions = {}): Promise<boolean> {
    const target = this.quoted(remotePath);
    return this.remote("exists", remotePath, `test -e ${target} || test -L ${target}`, options, (result) =>
      result.exitCode === 0 || result.exitCode === 1
        ? { ok: true, value: result.exitCode === 0 }
        : this.commandFailed(result),
    );
  }

  async readTextIfExists(remotePath: string, options: CallOptions = {}): Promise<string | undefined> {
    const target = this.quoted(remotePath);
    return this.remote(
      "readText",
      remotePath,
      `test -e ${target} || exit ${MISSING}; exec cat -- ${target}`,
      options,
      (result) => {
        if (result.exitCode === 0) return { ok: true, value: result.stdout };
        if (result.exitCode === MISSING) return { ok: true, value: undefined };
        return this.commandFailed(result);
      },
    );
  }

  async readText(remotePath: string, options: CallOptions = {}): Promise<string> {
    const text = await this.readTextIfExists(remotePath, options);
    if (text !== undefined) return text;
    throw new TransportError({
      operation: "readText",
      source: this.location(remotePath),
      attempts: 1,
      reason: "no such file",
      permanent: true,
      hint: "the file does not exist on the central node: the step that produces it did not run or failed",
    });
  }

  async list(remotePath: string, options: CallOptions = {}): Promise<RemoteEntry[]> {
    const policy = resolvePolicy(RETRY_POLICIES.command, options.retry);
    const [program, ...programArgs] = this.rsyncArgv as [string, ...string[]];
    const args = [
      ...programArgs,
      "--list-only",
      "-l",
      "-e",
      rsyncRemoteShell(this.sshArgv),
      `${this.rsyncRemote(this.resolveRemote(remotePath))}/`,
    ];
    const { value } = await withRetries(
      { operation: "list", source: this.location(remotePath) },
      policy,
      options,
      async () => {
        const result = await runTool(program, args, {
          timeoutMs: policy.timeoutMs,
          signal: options.signal,
          killGraceMs: this.killGraceMs,
        });
        if (result.exitCode === 0) return { ok: true, value: parseRsyncListing(result.stdout) };
        return {
          ok: false,
          diagnosis: diagnose(result, this.peer(), policy.timeoutMs),
          stderr: result.stderr,
          exitCode: result.exitCode,
        };
      },
    );
    return value;
  }

  async run(command: string, options: RunOptions = {}): Promise<ToolResult> {
    const cwd = options.cwd ?? "";
    const script = `cd -- ${this.quoted(cwd)} || exit 1\n${command}`;
    return this.remote("run", cwd, script, options, (result) => {
      if (result.exitCode === 0 || options.allowFailure === true) return { ok: true, value: result };
      const stderr = result.stderr.trim();
      return {
        ok: false,
        diagnosis: {
          reason: `\`${command}\` exited with code ${result.exitCode}${stderr === "" ? "" : `: ${stderr}`}`,
          permanent: true,
          hint: `the command failed on ${this.host}; its message is above`,
        },
        stderr: result.stderr,
        exitCode: result.exitCode,
      };
    });
  }
}
