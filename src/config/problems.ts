// A configuration problem: where (file, line, column, key path), what, and what to do.
// The loader collects every problem it can find before failing, so an operator
// fixes a broken config directory in one pass instead of one error per run.

import { BbsError } from "../util/errors.js";

export interface ConfigProblem {
  /** Path of the file, relative to the config directory (or an `env:` label). */
  file: string;
  line?: number;
  column?: number;
  /** Dotted key path the problem is about, when there is one. */
  key?: string;
  message: string;
  hint?: string;
}

export function formatProblem(p: ConfigProblem): string {
  let where = p.file;
  if (p.line !== undefined) where += `:${p.line}`;
  if (p.line !== undefined && p.column !== undefined) where += `:${p.column}`;
  const key = p.key === undefined ? "" : `${p.key}: `;
  const hint = p.hint === undefined ? "" : `\n  hint: ${p.hint}`;
  return `${where}: ${key}${p.message}${hint}`;
}

export function configInvalidError(configDir: string, problems: readonly ConfigProblem[]): BbsError {
  const n = problems.length;
  return new BbsError("BBS_CONFIG_INVALID", `${n} problem${n === 1 ? "" : "s"} in configuration ${configDir}`, {
    details: uniqueStrings(problems.map(formatProblem)),
    hint: "fix the places listed above; `bbs config check` validates every host at once",
  });
}

export function uniqueStrings(items: readonly string[]): string[] {
  return [...new Set(items)];
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = prev[j] ?? 0;
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1;
      prev[j] = Math.min(above + 1, (prev[j - 1] ?? 0) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return prev[b.length] ?? 0;
}

/** The closest candidate, if it is close enough to be a plausible typo. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const tolerance = Math.max(2, Math.floor(name.length / 3));
  return bestDistance <= tolerance ? best : undefined;
}
