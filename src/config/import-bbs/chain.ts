// Follows one node's BBS config chain as BBS's wrappers source it:
// <ver>/<buildtype>/<node>/config.sh sets the node's variables, `cd ..; . ./config.sh`
// brings in the build type's file, which brings in the version's file, which
// sources nodes/<host>/local-settings.sh. Statements are applied in order, so a
// variable keeps its last value, as in the shell. Values remember how they were
// written (which variables they referred to), so the translation can keep
// `${workDir}/meat` instead of a spelled-out path.

import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join, posix, relative, resolve } from "node:path";
import { dialectOf, parseConfigFile, type Dialect, type Statement, type WordPart } from "./shell.js";
import type { ImportItem } from "./items.js";

/** Which level of BBS's layering a file belongs to. */
export type FileLayer = "host" | "buildtype" | "version" | "local" | "other";

/** A value with the references it was built from (each with the referenced value at that time). */
export interface Val {
  text: string;
  parts: ValPart[];
}
export type ValPart = { lit: string } | { ref: string; val: Val | undefined };

export interface Binding {
  val: Val;
  /** File relative to the checkout, and line of the assignment that set the last value. */
  file: string;
  line: number;
  layer: FileLayer;
  exported: boolean;
}

export interface ChainResult {
  vars: Map<string, Binding>;
  files: string[];
  items: ImportItem[];
}

const MAX_DEPTH = 12;

export function layerOf(relativeFile: string): FileLayer {
  const parts = relativeFile.split("/");
  if (parts[0] === "nodes" && parts.length === 3) return "local";
  if (parts.length === 2) return "version";
  if (parts.length === 3) return "buildtype";
  if (parts.length === 4) return "host";
  return "other";
}

function concat(parts: ValPart[]): Val {
  return { text: parts.map((p) => ("lit" in p ? p.lit : (p.val?.text ?? ""))).join(""), parts };
}

/** Evaluates the chain starting at `startFile` (absolute), with the current directory at its directory. */
export function evaluateChain(checkout: string, startFile: string): ChainResult {
  const vars = new Map<string, Binding>();
  const files: string[] = [];
  const items: ImportItem[] = [];
  let cwd = resolve(startFile, "..");

  const rel = (path: string): string => relative(checkout, path).split("\\").join("/");
  const expand = (word: WordPart[]): Val =>
    concat(
      word.map((part): ValPart => {
        if (part.kind === "lit") return { lit: part.text };
        if (part.kind === "pwd") return { lit: cwd };
        return { ref: part.name, val: vars.get(part.name)?.val };
      }),
    );
  const pathOf = (word: WordPart[], dialect: Dialect): string => {
    let text = expand(word).text;
    if (dialect === "bat") text = text.replaceAll("\\", "/");
    return isAbsolute(text) ? posix.normalize(text) : resolve(cwd, text);
  };

  const run = (file: string, depth: number): void => {
    const relFile = rel(file);
    files.push(relFile);
    const dialect = dialectOf(file);
    const layer = layerOf(relFile);
    const statements: Statement[] = parseConfigFile(readFileSync(file, "utf8"), dialect);
    // Guards of `if [ -z "$VAR" ]; then ... fi`: whether the block applies.
    const guards: boolean[] = [];
    for (const statement of statements) {
      const active = guards.every(Boolean);
      const at = { file: relFile, line: statement.line };
      switch (statement.kind) {
        case "ifUnset":
          guards.push((vars.get(statement.name)?.val.text ?? "") === "");
          break;
        case "endIf":
          if (guards.length > 0) guards.pop();
          else items.push({ ...at, kind: "unparsed", why: "`fi` without a matching `if`" });
          break;
        case "unsupported":
          items.push({ ...at, kind: "unparsed", text: statement.text, why: statement.why });
          break;
        case "assign":
          if (active)
            vars.set(statement.name, { val: expand(statement.word), ...at, layer, exported: statement.exported });
          break;
        case "cd":
          if (active) cwd = pathOf(statement.word, dialect);
          break;
        case "source": {
          if (!active) break;
          const target = pathOf(statement.word, dialect);
          const inside = !relative(checkout, target).startsWith("..");
          if (!inside) {
            items.push({ ...at, kind: "unparsed", text: target, why: "sources a file outside the BBS checkout" });
          } else if (!existsSync(target)) {
            items.push({ ...at, kind: "unparsed", text: rel(target), why: "sources a file that does not exist" });
          } else if (depth >= MAX_DEPTH) {
            items.push({ ...at, kind: "unparsed", text: rel(target), why: "sources files too deeply (a loop?)" });
          } else {
            // Like `.` and `call`, the sourced file's `cd`s stay in effect (BBS's files cd back themselves).
            run(target, depth + 1);
          }
          break;
        }
      }
    }
    if (guards.length > 0) items.push({ file: relFile, kind: "unparsed", why: "an `if` without its `fi`" });
  };
  run(startFile, 0);
  return { vars, files, items };
}

/** The config file of a directory of the chain: config.sh, else config.bat. */
export function configFileIn(dir: string): string | undefined {
  for (const name of ["config.sh", "config.bat"]) if (existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}
