// Quoting for the three places a command line crosses a shell-like parser:
// config values such as `tools.ssh: ssh -F "/x y/config"` (split into argv once,
// POSIX rules), commands sent through ssh (the remote login shell re-parses the
// whole string, so every word is single-quoted), and rsync's `-e` option (rsync
// splits it itself: spaces separate, single or double quotes group, no backslashes).

import { BbsError } from "../util/errors.js";

// Splitting lives in util (config rules split tools.rsync the same way).
export { splitShellWords } from "../util/shell-words.js";

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
