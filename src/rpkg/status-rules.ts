// BBS's textual status rules (docs/bbs-rules.md#status-rules), exactly: they decide a
// package's status from the return code and the last lines of its output
// file, so bbs and BBS give the same status for the same output.

/** What a finished command looked like, as the rules see it. */
export interface CommandEnd {
  /** null: timed out (RetCode None). */
  readonly retCode: number | null;
  readonly timedOut: boolean;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** INSTALL looks at the last 12 lines; CHECK at the last 6. */
export const INSTALL_TAIL_LINES = 12;
export const CHECK_TAIL_LINES = 6;

/** The patterns that make an INSTALL an ERROR even with return code 0. */
export function installFailurePatterns(pkg: string): RegExp[] {
  return [
    /^\* removing/,
    /installation of package .* had non-zero exit status/,
    new RegExp(`Error in install\\.packages\\("${escapeRegExp(pkg)}"`),
    /Error in download\.file\(/,
  ];
}

/** INSTALL: OK iff return code 0 and none of the last 12 lines matches a failure pattern; TIMEOUT on timeout. */
export function installStatus(end: CommandEnd, lastLines: readonly string[], pkg: string): "OK" | "ERROR" | "TIMEOUT" {
  if (end.timedOut) return "TIMEOUT";
  if (end.retCode !== 0) return "ERROR";
  const patterns = installFailurePatterns(pkg);
  const tail = lastLines.slice(-INSTALL_TAIL_LINES);
  return tail.some((line) => patterns.some((pattern) => pattern.test(line))) ? "ERROR" : "OK";
}

/**
 * The 00LOCK rule: the package whose lock stopped this install, when one of
 * the last 12 lines reads `Try removing <lib>/00LOCK-<name>` and `name` is
 * another package (the install is then re-run after 5 s); undefined otherwise
 * (no lock, or the package's own stale lock: a real error).
 */
export function lockedBy(lastLines: readonly string[], pkg: string): string | undefined {
  for (const line of lastLines.slice(-INSTALL_TAIL_LINES)) {
    // R quotes the path with ‘’ (UTF-8) or '' (C locale): the name stops at the quote.
    const match = /^Try removing .*\/00LOCK-([A-Za-z0-9.]+)/.exec(line);
    if (match && match[1] !== pkg) return match[1];
  }
  return undefined;
}

/** BUILD and BUILD BIN: OK iff return code 0 and the product exists; TIMEOUT on timeout. */
export function productStatus(end: CommandEnd, productExists: boolean): "OK" | "ERROR" | "TIMEOUT" {
  if (end.timedOut) return "TIMEOUT";
  return end.retCode === 0 && productExists ? "OK" : "ERROR";
}

const WARNING_PATTERNS = [/^WARNING: There (?:was|were) (\d+) (?:warning|warnings)/, /^Status: (\d+) WARNING/];

/**
 * The warning count of a CHECK that returned 0: the first of the last 6
 * lines matching `WARNING: There was/were N warning(s)` or `Status: N
 * WARNING(S)`; "0" when none does (NOTEs do not count).
 */
export function checkWarnings(lastLines: readonly string[]): string {
  for (const line of lastLines.slice(-CHECK_TAIL_LINES)) {
    for (const pattern of WARNING_PATTERNS) {
      const match = pattern.exec(line);
      if (match) return match[1] as string;
    }
  }
  return "0";
}

/** CHECK: ERROR on a non-zero return code, else OK or WARNINGS by the warning count; TIMEOUT on timeout. */
export function checkStatus(
  end: CommandEnd,
  lastLines: readonly string[],
): { status: "OK" | "WARNINGS" | "ERROR" | "TIMEOUT"; warnings: string | null } {
  if (end.timedOut) return { status: "TIMEOUT", warnings: null };
  if (end.retCode !== 0) return { status: "ERROR", warnings: null };
  const warnings = checkWarnings(lastLines);
  return { status: warnings === "0" ? "OK" : "WARNINGS", warnings };
}

/** What CHECK's status also depends on besides the command's end and its last lines. */
export interface CheckFacts {
  /** Why there was nothing to check (the source tarball was missing when it started), if so. */
  readonly tarballMissing?: string;
  /** The `<pkg>.Rcheck` directory (or the book) exists after the command. */
  readonly checkDirMade: boolean;
  readonly books: boolean;
  /** The directory's name, for the message. */
  readonly checkDirName: string;
}

/**
 * CHECK's status: checkStatus, except that a check that checked nothing is an
 * ERROR whatever R's exit code said (R CMD check of a missing tarball says
 * "neither a file nor directory, skipping" and exits 0). `nothingChecked`
 * says why, for the out file.
 */
export function checkResult(
  end: CommandEnd,
  lastLines: readonly string[],
  facts: CheckFacts,
): { status: "OK" | "WARNINGS" | "ERROR" | "TIMEOUT"; warnings: string | null; nothingChecked?: string } {
  const judged = checkStatus(end, lastLines);
  const nothingChecked =
    facts.tarballMissing ??
    (!facts.checkDirMade && !facts.books && judged.status !== "TIMEOUT" && judged.status !== "ERROR"
      ? `R CMD check made no ${facts.checkDirName} directory`
      : undefined);
  if (nothingChecked === undefined || judged.status === "TIMEOUT") return judged;
  return { status: "ERROR", warnings: null, nothingChecked };
}
