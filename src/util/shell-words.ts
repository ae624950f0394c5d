// Splitting a command-line config value (`tools.ssh: ssh -F "/x y/config"`)
// into argv once, with POSIX rules: used by the transport that runs the
// command and by the config rules that check it, so both see the same words.

import { BbsError } from "./errors.js";

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
