// Quoting for the three places a command line crosses a shell-like parser:
// config values such as `tools.ssh: ssh -F "/x y/config"` (split into argv once,
// POSIX rules), commands sent through ssh (the remote login shell re-parses the
// whole string, so every word is single-quoted), and rsync's `-e` option (rsync
// splits it itself: spaces separate, single or double quotes group, no backslashes).

import { BbsError } from "../util/errors.js";

/**
 * Splits a command line into words the way a POSIX shell does for plain words
 * and quotes (no expansions). `what` names the config key in error messages.
 */
export function splitShellWords(text: string, what: string): string[] {
  const words: string[] = [];
  let current = "";
  let inWord = false;
  let i = 0;
  const unterminated = (quote: string): never => {
    throw new BbsError("BBS_CONFIG_INVALID", `${what}: unterminated ${quote} in ${JSON.stringify(text)}`, {
      hint: "close the quote, or quote paths with spaces as 'like this'",
    });
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (c === " " || c === "\t" || c === "\n") {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
      i += 1;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) unterminated("single quote");
      current += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i += 1;
      for (;;) {
        if (i >= text.length) unterminated("double quote");
        const d = text[i] as string;
        if (d === '"') break;
        if (d === "\\" && i + 1 < text.length && '"\\$`'.includes(text[i + 1] as string)) {
          current += text[i + 1];
          i += 2;
        } else {
          current += d;
          i += 1;
        }
      }
      inWord = true;
      i += 1;
    } else if (c === "\\" && i + 1 < text.length) {
      current += text[i + 1];
      inWord = true;
      i += 2;
    } else {
      current += c;
      inWord = true;
      i += 1;
    }
  }
  if (inWord) words.push(current);
  return words;
}

const SAFE_WORD = /^[A-Za-z0-9_/.,:=@%+-]+$/;

/** One word for a POSIX shell (the remote login shell of an ssh command). */
export function quoteForShell(word: string): string {
  if (word !== "" && SAFE_WORD.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A command line for a POSIX shell, every word quoted as needed. */
export function shellCommand(words: readonly string[]): string {
  return words.map(quoteForShell).join(" ");
}

/**
 * A command for rsync's `-e`: rsync splits it on spaces and honours single and
 * double quotes but not backslashes, so a word holding both quote kinds cannot
 * be passed.
 */
export function rsyncRemoteShell(words: readonly string[]): string {
  return words
    .map((word) => {
      if (word !== "" && SAFE_WORD.test(word)) return word;
      if (!word.includes("'")) return `'${word}'`;
      if (!word.includes('"')) return `"${word}"`;
      throw new BbsError(
        "BBS_CONFIG_INVALID",
        `tools.ssh: the word ${word} holds both quote characters, which rsync -e cannot pass`,
        {
          hint: "rename the file or directory, or move the option into an ssh config file (-F)",
        },
      );
    })
    .join(" ");
}
