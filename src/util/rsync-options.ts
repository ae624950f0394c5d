// The one set of rules for the rsync options bbs is given (`tools.rsync`,
// `tools.rsyncOptions`): `bbs config check` reports what the transport would
// refuse at run time, with the same words.

import { splitShellWords } from "./shell-words.js";

/** Options that would let a reader see a half-written file under its final name. */
const NON_ATOMIC_OPTIONS = /^--(inplace|partial|partial-dir|append|append-verify)(=|$)/;

export interface RsyncOptionProblem {
  readonly message: string;
  readonly hint: string;
}

/**
 * What is wrong with the value of `key` (messages leave the key to the caller) (a command or options line), or
 * undefined. A quoting error is reported too (the value could not be split).
 */
export function rsyncOptionProblem(value: string, key: string): RsyncOptionProblem | undefined {
  let words: string[];
  try {
    words = splitShellWords(value, key);
  } catch (error) {
    return {
      message: (error as Error).message.replace(`${key}: `, ""),
      hint: "close the quote, or quote paths with spaces as 'like this'",
    };
  }
  return rsyncWordsProblem(words);
}

export function rsyncWordsProblem(words: readonly string[]): RsyncOptionProblem | undefined {
  for (const word of words) {
    // -P is --partial --progress, also inside a cluster such as -avP.
    const cluster = /^-[A-Za-z]+$/.test(word) && word.includes("P");
    if (NON_ATOMIC_OPTIONS.test(word) || cluster) {
      return {
        message: `${word} makes rsync write files in place, so readers could see half-written files`,
        hint: `remove ${word}; bbs relies on rsync's default of writing a temporary file and renaming it`,
      };
    }
  }
  return undefined;
}
