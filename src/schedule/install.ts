// `bbs schedule --install`: puts a node's crontab block into a user's crontab
// with the real `crontab` program (`-u <user>` for another user, as root),
// keeping every other line. The new crontab is handed to `crontab <file>`,
// which replaces the old one in one step: cron never sees half of it.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BbsError } from "../util/errors.js";
import { runTool, type ToolResult } from "../util/tool.js";
import { mergeCrontab } from "./crontab.js";

export interface CrontabTarget {
  /** Whose crontab (`crontab -u`); undefined: the current user's. */
  user?: string;
  /** The crontab program (default `crontab`). */
  program?: string;
}

export interface InstallResult {
  /** The crontab before and after. */
  before: string;
  after: string;
  changed: boolean;
}

const CRONTAB_TIMEOUT_MS = 60_000;

function userArgs(target: CrontabTarget): string[] {
  return target.user === undefined ? [] : ["-u", target.user];
}

function failure(what: string, result: ToolResult, target: CrontabTarget): BbsError {
  const output = (result.spawnError ?? result.stderr).trim();
  return new BbsError("BBS_COMMAND_FAILED", `${what} failed: ${output || `exit status ${String(result.exitCode)}`}`, {
    hint:
      result.spawnError !== undefined
        ? "install cron (Debian: apt-get install cron) or pass the crontab program's path"
        : target.user !== undefined
          ? `\`crontab -u ${target.user}\` needs root, and the user must exist and be allowed to use cron (/etc/cron.allow, /etc/cron.deny)`
          : "check that you may use cron (/etc/cron.allow, /etc/cron.deny)",
  });
}

/** The user's crontab; empty when they have none yet. */
export async function readCrontab(target: CrontabTarget): Promise<string> {
  const program = target.program ?? "crontab";
  const result = await runTool(program, [...userArgs(target), "-l"], { timeoutMs: CRONTAB_TIMEOUT_MS });
  if (result.exitCode === 0) return result.stdout;
  // crontab -l exits 1 with "no crontab for <user>" when there is none: that is an empty crontab.
  if (result.exitCode === 1 && /no crontab for/i.test(result.stderr)) return "";
  throw failure(`${[program, ...userArgs(target), "-l"].join(" ")}`, result, target);
}

export async function writeCrontab(target: CrontabTarget, text: string): Promise<void> {
  const program = target.program ?? "crontab";
  const dir = mkdtempSync(join(tmpdir(), "bbs-crontab-"));
  try {
    const file = join(dir, "crontab");
    writeFileSync(file, text);
    const result = await runTool(program, [...userArgs(target), file], { timeoutMs: CRONTAB_TIMEOUT_MS });
    if (result.exitCode !== 0)
      throw failure(`${[program, ...userArgs(target)].join(" ")} <new crontab>`, result, target);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Replaces (or, with `block` undefined, removes) the block `blockId` in the target's crontab. */
export async function installCrontabBlock(
  target: CrontabTarget,
  blockId: string,
  block: string | undefined,
): Promise<InstallResult> {
  const before = await readCrontab(target);
  const after = mergeCrontab(before, blockId, block);
  if (after !== before) await writeCrontab(target, after);
  return { before, after, changed: after !== before };
}
