// Reads BBS's nodes/nodespecs.py without Python: the `allnodes = {...}`
// literal, whose entries are either dicts ('OS', 'Arch', 'Platform', 'pkgType',
// 'encoding', optional 'displayOnHTMLReport') or, in older checkouts, tuples of
// the first five in that order. Everything else in the file is ignored.

import type { ImportItem } from "./items.js";

export interface NodeSpec {
  line: number;
  fields: Record<string, string>;
}

type Token = { kind: "str" | "punct" | "name"; text: string; line: number };

const TUPLE_FIELDS = ["OS", "Arch", "Platform", "pkgType", "encoding"] as const;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let at = 0;
  while (at < text.length) {
    const char = text[at] ?? "";
    if (char === "\n") {
      line += 1;
      at += 1;
    } else if (/\s/.test(char)) at += 1;
    else if (char === "#") {
      while (at < text.length && text[at] !== "\n") at += 1;
    } else if (char === "'" || char === '"') {
      const start = line;
      let value = "";
      at += 1;
      while (at < text.length && text[at] !== char) {
        if (text[at] === "\\" && at + 1 < text.length) {
          const next = text[at + 1] ?? "";
          value += next === "n" ? "\n" : next === "t" ? "\t" : next;
          at += 2;
        } else {
          if (text[at] === "\n") line += 1;
          value += text[at];
          at += 1;
        }
      }
      at += 1;
      const previous = tokens[tokens.length - 1];
      // Adjacent literals concatenate, as in Python.
      if (previous?.kind === "str") previous.text += value;
      else tokens.push({ kind: "str", text: value, line: start });
    } else if (/[A-Za-z_]/.test(char)) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(at));
      tokens.push({ kind: "name", text: match?.[0] ?? char, line });
      at += match?.[0].length ?? 1;
    } else {
      tokens.push({ kind: "punct", text: char, line });
      at += 1;
    }
  }
  return tokens;
}

class SpecError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** The node specs by hostname; what cannot be read is returned as items. */
export function parseNodeSpecs(text: string, file: string): { specs: Map<string, NodeSpec>; items: ImportItem[] } {
  const specs = new Map<string, NodeSpec>();
  const items: ImportItem[] = [];
  const tokens = tokenize(text);
  let at = tokens.findIndex((t, i) => t.kind === "name" && t.text === "allnodes" && tokens[i + 1]?.text === "=");
  if (at < 0) {
    items.push({
      kind: "needs-user",
      file,
      why: "no `allnodes = {...}` found: os, arch, pkgType... of every node need you",
    });
    return { specs, items };
  }
  at += 2;
  const peek = (): Token | undefined => tokens[at];
  const take = (text?: string): Token => {
    const token = tokens[at];
    if (token === undefined) throw new SpecError("the file ends inside allnodes", tokens[tokens.length - 1]?.line ?? 1);
    if (text !== undefined && token.text !== text)
      throw new SpecError(`expected "${text}", found "${token.text}"`, token.line);
    at += 1;
    return token;
  };
  const str = (): Token => {
    const token = take();
    if (token.kind !== "str") throw new SpecError(`expected a string, found "${token.text}"`, token.line);
    return token;
  };
  try {
    take("{");
    while (peek()?.text !== "}") {
      const name = str();
      take(":");
      const fields: Record<string, string> = {};
      const open = take();
      if (open.text === "{") {
        while (peek()?.text !== "}") {
          const key = str().text;
          take(":");
          fields[key] = str().text;
          if (peek()?.text === ",") take(",");
        }
        take("}");
      } else if (open.text === "(") {
        let index = 0;
        while (peek()?.text !== ")") {
          const value = str().text;
          const field = TUPLE_FIELDS[index];
          if (field !== undefined) fields[field] = value;
          index += 1;
          if (peek()?.text === ",") take(",");
        }
        take(")");
      } else throw new SpecError(`the entry of '${name.text}' is neither a dict nor a tuple`, open.line);
      specs.set(name.text, { line: name.line, fields });
      if (peek()?.text === ",") take(",");
    }
  } catch (error) {
    if (!(error instanceof SpecError)) throw error;
    items.push({
      kind: "unparsed",
      file,
      line: error.line,
      why: `${error.message}; entries after this line were not read`,
    });
  }
  return { specs, items };
}

/** BBS's raw-HTML note as text: a link becomes `text (url)`, other tags are dropped. */
export function htmlToText(html: string): string {
  return html
    .replace(/<a\b[^>]*\bhref\s*=\s*["']([^"']*)["'][^>]*>(.*?)<\/a>/gis, "$2 ($1)")
    .replace(/<[^>]+>/g, "")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&amp;", "&")
    .replace(/\s+/g, " ")
    .trim();
}

/** Python codec names as bbs's log decoder takes them (`utf_8` -> `utf-8`, `iso8859` -> `iso8859-1`). */
export function normalizeEncoding(encoding: string): string {
  const name = encoding.trim().toLowerCase().replaceAll("_", "-");
  if (name === "utf8" || name === "utf-8") return "utf-8";
  if (name === "iso8859" || name === "latin1" || name === "latin-1" || name === "iso8859-1") return "iso8859-1";
  return name;
}
