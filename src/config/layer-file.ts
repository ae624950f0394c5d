// Reads one layer file (global.yaml, platforms/<p>.yaml or hosts/<n>.yaml) into
// typed entries with their positions, reporting syntax errors, unknown keys,
// keys set in the wrong layer and values of the wrong kind.

import { readFileSync } from "node:fs";
import { BbsError } from "../util/errors.js";
import { withFsContext } from "../util/fs-errors.js";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from "yaml";
import { describeKind, layersAllowed, type KeySpec, type LayerName } from "./kinds.js";
import { closest, type ConfigProblem } from "./problems.js";
import { isKeyName, KEY_NAMES, SCHEMA, type KeyName } from "./schema.js";

/** A value as written in a file, before references are resolved. */
export type RawValue = string | number | boolean | string[] | Record<string, string>;

export interface Entry {
  value: RawValue;
  /** File (relative to the config dir), or `env:NAME`. */
  source: string;
  line?: number;
  column?: number;
  /** Positions of list items, for rules about single items (duplicate node ids). */
  itemPositions?: { line: number; column: number }[];
  /** Positions of the keys of a map value (OUTGOING entries). */
  keyPositions?: Record<string, { line: number; column: number }>;
}

export interface LayerFile {
  layer: LayerName;
  file: string;
  entries: Map<KeyName, Entry>;
  problems: ConfigProblem[];
}

const SECTIONS = new Set(
  KEY_NAMES.flatMap((k) =>
    k
      .split(".")
      .slice(0, -1)
      .map((_, i, parts) => parts.slice(0, i + 1).join(".")),
  ),
);

const LAYER_FILE: Record<LayerName, string> = {
  global: "global.yaml",
  platform: "platforms/<name>.yaml",
  host: "hosts/<node-id>.yaml",
};

export function readLayerFile(absolutePath: string, relativeFile: string, layer: LayerName): LayerFile {
  const result: LayerFile = { layer, file: relativeFile, entries: new Map(), problems: [] };
  // An unreadable file, a directory or a link loop is the operator's to fix, never "a bug in bbs".
  const text = withFsContext({ path: absolutePath, doing: "reading the configuration" }, () => {
    try {
      return readFileSync(absolutePath, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      // The directory listed it, so it is a symbolic link to nothing.
      throw new BbsError("BBS_CONFIG_NOT_FOUND", `${absolutePath} is a symbolic link to a file that does not exist`, {
        hint: `fix the link (ls -l ${absolutePath}) or replace it by the file`,
        cause: error,
      });
    }
  });
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (node: Node | null | undefined): { line?: number; column?: number } => {
    const offset = node?.range?.[0];
    if (offset === undefined) return {};
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };

  for (const error of doc.errors) {
    const pos = lineCounter.linePos(error.pos[0]);
    result.problems.push({
      file: relativeFile,
      ...(pos ? { line: pos.line, column: pos.col } : {}),
      message: `YAML syntax error: ${firstLine(error.message)}`,
      hint: "check indentation, colons and quoting around this position",
    });
  }
  if (doc.errors.length > 0) return result;
  if (doc.contents === null) return result; // empty file: no settings
  if (!isMap(doc.contents)) {
    result.problems.push({
      file: relativeFile,
      ...at(doc.contents),
      message: "the file must be a YAML map of settings",
    });
    return result;
  }

  const walk = (pairs: Pair[], prefix: string): void => {
    for (const pair of pairs) {
      const keyNode = pair.key as Node | null;
      const keyText = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      const path = prefix === "" ? keyText : `${prefix}.${keyText}`;
      const valueNode = pair.value as Node | null;
      const keyPos = at(keyNode);
      if (isKeyName(path)) {
        readEntry(path, valueNode, keyPos);
      } else if (SECTIONS.has(path)) {
        if (isMap(valueNode)) walk(valueNode.items as Pair[], path);
        else if (valueNode !== null && !(isScalar(valueNode) && valueNode.value === null)) {
          result.problems.push({
            file: relativeFile,
            ...at(valueNode),
            key: path,
            message: "must be a map of settings",
          });
        }
      } else {
        result.problems.push({
          file: relativeFile,
          ...keyPos,
          key: path,
          message: "unknown key",
          hint: unknownKeyHint(keyText, prefix),
        });
      }
    }
  };

  const readEntry = (key: KeyName, node: Node | null, keyPos: { line?: number; column?: number }): void => {
    const spec: KeySpec = SCHEMA[key];
    const pos = node ? at(node) : keyPos;
    if (!layersAllowed(spec.scope).includes(layer)) {
      const allowed = layersAllowed(spec.scope)
        .map((l) => LAYER_FILE[l])
        .join(" or ");
      result.problems.push({
        file: relativeFile,
        ...keyPos,
        key,
        message: `may not be set in ${LAYER_FILE[layer]}`,
        hint: `set it in ${allowed}`,
      });
      return;
    }
    const converted = convert(key, spec, node);
    if (typeof converted === "string" && converted.startsWith("\u0000")) {
      result.problems.push({ file: relativeFile, ...pos, key, message: converted.slice(1), ...hintFor(spec) });
      return;
    }
    const entry: Entry = { value: converted as RawValue, source: relativeFile, ...pos };
    if (isSeq(node)) entry.itemPositions = node.items.map((item) => linePosition(at(item as Node)));
    if (isMap(node)) {
      entry.keyPositions = {};
      for (const pair of node.items as Pair[]) {
        const keyNode = pair.key as Node | null;
        entry.keyPositions[isScalar(keyNode) ? String(keyNode.value) : String(keyNode)] = linePosition(at(keyNode));
      }
    }
    result.entries.set(key, entry);
  };

  walk(doc.contents.items as Pair[], "");
  return result;
}

/** Converts a YAML node to the key's kind; a string starting with NUL is an error message. */
function convert(key: KeyName, spec: KeySpec, node: Node | null): RawValue | string {
  const fail = (message: string): string => `\u0000${message}`;
  const js: unknown = node === null ? null : node.toJSON();
  if (js === null) return fail(`has no value; remove the line to use the default, or give a ${describeKind(spec)}`);
  switch (spec.kind) {
    case "string":
      if (typeof js === "string") return js;
      if (typeof js === "number" || typeof js === "boolean") {
        return fail(
          `must be a string, but YAML read ${String(js)} as a ${typeof js}; put it in quotes: "${String(js)}"`,
        );
      }
      return fail(`must be a string, not a ${kindOf(js)}`);
    case "int":
      if (typeof js === "number" && Number.isInteger(js)) return js;
      if (typeof js === "string" && /^\$\{[^}]+\}$/.test(js.trim())) return js.trim();
      if (typeof js === "string" && spec.seconds) {
        return fail(`must be a whole number of seconds, not the text "${js}"`);
      }
      if (typeof js === "number") return fail(`must be a whole number, not ${js}`);
      return fail(`must be a whole number, not ${kindOf(js)} ${JSON.stringify(js)}`);
    case "bool":
      if (typeof js === "boolean") return js;
      return fail(`must be true or false, not ${JSON.stringify(js)}`);
    case "enum":
      if (typeof js === "string" && spec.values.includes(js)) return js;
      return fail(`must be one of ${spec.values.join(", ")}; got ${JSON.stringify(js)}`);
    case "list":
      if (Array.isArray(js) && js.every((x) => typeof x === "string")) return js as string[];
      if (Array.isArray(js)) return fail("must be a list of strings (quote numbers)");
      return fail(`must be a YAML list (- item per line), not ${kindOf(js)} ${JSON.stringify(js)}`);
    case "map":
      if (
        typeof js === "object" &&
        !Array.isArray(js) &&
        Object.values(js as object).every((v) => typeof v === "string")
      ) {
        return js as Record<string, string>;
      }
      return fail(`must be a map of strings (${key}: {name: value})`);
  }
}

function unknownKeyHint(keyText: string, prefix: string): string {
  const full = prefix === "" ? keyText : `${prefix}.${keyText}`;
  const siblings = [...KEY_NAMES, ...SECTIONS]
    .filter((k) =>
      prefix === "" ? !k.includes(".") : k.startsWith(`${prefix}.`) && !k.slice(prefix.length + 1).includes("."),
    )
    .map((k) => (prefix === "" ? k : k.slice(prefix.length + 1)));
  const nearSibling = closest(keyText, siblings);
  const suggestion =
    nearSibling === undefined ? closest(full, KEY_NAMES) : prefix === "" ? nearSibling : `${prefix}.${nearSibling}`;
  if (suggestion !== undefined) return `did you mean \`${suggestion}\`?`;
  return `known keys here: ${[...new Set(siblings)].sort().join(", ")} (see docs/config.md)`;
}

function linePosition(pos: { line?: number; column?: number }): { line: number; column: number } {
  return { line: pos.line ?? 0, column: pos.column ?? 0 };
}

function hintFor(spec: KeySpec): { hint?: string } {
  if (spec.kind === "int" && spec.seconds) return { hint: "write the number of seconds, e.g. 2400 for 40 minutes" };
  if (spec.kind === "string" && spec.patternHint) return { hint: `expected ${spec.patternHint}` };
  return { hint: `expected ${describeKind(spec).replaceAll("\\|", "|")}` };
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object" && value !== null) return "a map";
  return `a ${typeof value}`;
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}

export function position(entry: Entry | undefined): { line?: number; column?: number } {
  if (entry?.line === undefined) return {};
  return { line: entry.line, ...(entry.column === undefined ? {} : { column: entry.column }) };
}
