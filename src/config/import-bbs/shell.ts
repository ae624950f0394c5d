// Parses BBS's config.sh and config.bat files into statements, without running
// them: only the subset BBS's files are written in (assignments with variable
// references, sourcing the next file of the chain, `cd` to reach it, and the
// `if [ -z "$VAR" ]` guard of local-settings.sh). Anything else is returned as
// an `unsupported` statement so the import can list it with file and line.

export type Dialect = "sh" | "bat";

/** A piece of a value as written: literal text, a variable reference, or the current directory. */
export type WordPart = { kind: "lit"; text: string } | { kind: "ref"; name: string } | { kind: "pwd" };

export type Statement =
  | { kind: "assign"; line: number; name: string; word: WordPart[]; exported: boolean }
  | { kind: "source"; line: number; word: WordPart[] }
  | { kind: "cd"; line: number; word: WordPart[] }
  | { kind: "ifUnset"; line: number; name: string }
  | { kind: "endIf"; line: number }
  | { kind: "unsupported"; line: number; text: string; why: string };

export function dialectOf(path: string): Dialect {
  return path.toLowerCase().endsWith(".bat") ? "bat" : "sh";
}

export function parseConfigFile(text: string, dialect: Dialect): Statement[] {
  const statements: Statement[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const statement = dialect === "sh" ? parseShLine(raw, index + 1) : parseBatLine(raw, index + 1);
    if (statement !== undefined) statements.push(statement);
  });
  return statements;
}

class WordError extends Error {}

const NAME = "[A-Za-z_][A-Za-z0-9_]*";

function parseShLine(raw: string, line: number): Statement | undefined {
  const text = raw.trim();
  if (text === "" || text.startsWith("#")) return undefined;
  try {
    let match = new RegExp(`^(export\\s+)?(${NAME})=(.*)$`).exec(text);
    if (match) {
      return { kind: "assign", line, name: match[2] ?? "", word: shWord(match[3] ?? ""), exported: !!match[1] };
    }
    if (new RegExp(`^export\\s+${NAME}(\\s+${NAME})*\\s*(#.*)?$`).test(text)) return undefined;
    match = /^(?:\.|source)\s+(.+)$/.exec(text);
    if (match) return { kind: "source", line, word: shWord(match[1] ?? "") };
    match = /^cd\s+(.+)$/.exec(text);
    if (match) return { kind: "cd", line, word: shWord(match[1] ?? "") };
    match = new RegExp(`^if\\s+\\[\\s+-z\\s+"?\\$\\{?(${NAME})\\}?"?\\s+\\]\\s*;\\s*then\\s*(#.*)?$`).exec(text);
    if (match) return { kind: "ifUnset", line, name: match[1] ?? "" };
    if (/^fi\s*(#.*)?$/.test(text)) return { kind: "endIf", line };
    // Shell options (`set -x`, `set -e`) change how the script runs, not what it sets.
    if (/^set\s+[-+][A-Za-z]+\s*(#.*)?$/.test(text)) return undefined;
  } catch (error) {
    if (error instanceof WordError) return { kind: "unsupported", line, text, why: error.message };
    throw error;
  }
  return { kind: "unsupported", line, text, why: unsupportedWhy(text) };
}

function unsupportedWhy(text: string): string {
  if (/^(if|elif|else|case|for|while|until)\b/.test(text)) return "a conditional or loop bbs does not evaluate";
  if (/^[A-Za-z_][A-Za-z0-9_]*\s*\(\)/.test(text) || /^function\b/.test(text)) return "a shell function";
  return "a command, not an assignment bbs can translate";
}

/** One shell word (`"$A/b"`, `'x'`, `$A`, `$(pwd)`), followed by nothing but a comment. */
function shWord(input: string): WordPart[] {
  const parts: WordPart[] = [];
  const lit = (text: string): void => {
    const last = parts[parts.length - 1];
    if (last?.kind === "lit") last.text += text;
    else parts.push({ kind: "lit", text });
  };
  let at = 0;
  const reference = (): void => {
    // at points just after `$`.
    if (input.startsWith("(pwd)", at)) {
      parts.push({ kind: "pwd" });
      at += "(pwd)".length;
      return;
    }
    if (input[at] === "(") throw new WordError("a command substitution other than $(pwd)");
    if (input[at] === "{") {
      const close = input.indexOf("}", at);
      const name = close < 0 ? "" : input.slice(at + 1, close);
      if (!new RegExp(`^${NAME}$`).test(name)) {
        throw new WordError(`the expansion \${${close < 0 ? input.slice(at + 1) : name}} (only plain \${VAR} is read)`);
      }
      parts.push({ kind: "ref", name });
      at = close + 1;
      return;
    }
    const match = new RegExp(`^${NAME}`).exec(input.slice(at));
    if (!match) {
      lit("$");
      return;
    }
    parts.push({ kind: "ref", name: match[0] });
    at += match[0].length;
  };
  while (at < input.length) {
    const char = input[at] ?? "";
    if (char === " " || char === "\t" || char === ";") break;
    if (char === "`") throw new WordError("a backquoted command");
    if (char === "'") {
      const close = input.indexOf("'", at + 1);
      if (close < 0) throw new WordError("an unterminated single quote");
      lit(input.slice(at + 1, close));
      at = close + 1;
    } else if (char === '"') {
      at += 1;
      for (;;) {
        if (at >= input.length) throw new WordError("an unterminated double quote");
        const inner = input[at] ?? "";
        if (inner === '"') {
          at += 1;
          break;
        }
        if (inner === "\\" && at + 1 < input.length && '"\\$`'.includes(input[at + 1] ?? "")) {
          lit(input[at + 1] ?? "");
          at += 2;
        } else if (inner === "$") {
          at += 1;
          reference();
        } else if (inner === "`") throw new WordError("a backquoted command");
        else {
          lit(inner);
          at += 1;
        }
      }
    } else if (char === "\\") {
      lit(input[at + 1] ?? "");
      at += 2;
    } else if (char === "$") {
      at += 1;
      reference();
    } else {
      lit(char);
      at += 1;
    }
  }
  const rest = input.slice(at).trim();
  if (rest !== "" && !rest.startsWith("#")) throw new WordError(`more than one word or command ("${rest}")`);
  if (parts.length === 0) parts.push({ kind: "lit", text: "" });
  return parts;
}

function parseBatLine(raw: string, line: number): Statement | undefined {
  const text = raw.trim();
  if (text === "" || /^@?rem(\s|$)/i.test(text) || text.startsWith("::")) return undefined;
  if (/^@?echo\s+(off|on)$/i.test(text) || /^@?setlocal\b/i.test(text)) return undefined;
  let match =
    new RegExp(`^set\\s+"(${NAME})=(.*)"$`, "i").exec(text) ?? new RegExp(`^set\\s+(${NAME})=(.*)$`, "i").exec(text);
  if (match) return { kind: "assign", line, name: match[1] ?? "", word: batWord(match[2] ?? ""), exported: true };
  match = /^call\s+(.+)$/i.exec(text);
  if (match) return { kind: "source", line, word: batWord((match[1] ?? "").replace(/^"(.*)"$/, "$1")) };
  match = /^cd\s+(?:\/d\s+)?(.+)$/i.exec(text);
  if (match) return { kind: "cd", line, word: batWord((match[1] ?? "").replace(/^"(.*)"$/, "$1")) };
  const why = /^if\b/i.test(text)
    ? "a conditional bbs does not evaluate"
    : "a command, not an assignment bbs can translate";
  return { kind: "unsupported", line, text, why };
}

/** A batch value: literal text with `%VAR%` references (`%cd%` is the current directory). */
function batWord(input: string): WordPart[] {
  const parts: WordPart[] = [];
  const pattern = new RegExp(`%(${NAME})%`, "g");
  let last = 0;
  for (const match of input.matchAll(pattern)) {
    if (match.index > last) parts.push({ kind: "lit", text: input.slice(last, match.index) });
    const name = match[1] ?? "";
    parts.push(name.toLowerCase() === "cd" ? { kind: "pwd" } : { kind: "ref", name });
    last = match.index + match[0].length;
  }
  if (last < input.length || parts.length === 0) parts.push({ kind: "lit", text: input.slice(last) });
  return parts;
}
