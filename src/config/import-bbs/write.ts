// Writes the draft config directory: global.yaml, platforms/<name>.yaml and
// hosts/<node-id>.yaml, each value followed by the BBS file, line and variable
// it came from. The directory is assembled under a temporary name next to the
// target and renamed into place, so a reader never sees half a draft.

import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import type { RawValue } from "../layer-file.js";
import { KEY_NAMES, type KeyName } from "../schema.js";
import type { DraftLayers, Placed } from "./layers.js";

type Tree = Map<string, Tree | Placed>;

const HOST_FIRST: readonly KeyName[] = ["nodeId", "platform", "hostname", "user", "workDir", "rHome", "rLibs"];

function isPlaced(node: Tree | Placed): node is Placed {
  return !(node instanceof Map);
}

function scalar(value: string | number | boolean): string {
  return stringify(value, { lineWidth: 0 }).trimEnd();
}

function comment(placed: Placed): string {
  const { file, line, variable } = placed.from;
  return `  # ${file}${line > 0 ? `:${line}` : ""} ${variable}`;
}

function emit(tree: Tree, indent: string, out: string[]): void {
  for (const [name, node] of tree) {
    if (!isPlaced(node)) {
      out.push(`${indent}${name}:`);
      emit(node, `${indent}  `, out);
      continue;
    }
    const value: RawValue = node.value;
    if (Array.isArray(value)) {
      if (value.length === 0) out.push(`${indent}${name}: []${comment(node)}`);
      else {
        out.push(`${indent}${name}:${comment(node)}`);
        for (const item of value) out.push(`${indent}  - ${scalar(item)}`);
      }
    } else if (typeof value === "object") {
      const entries = Object.entries(value);
      if (entries.length === 0) out.push(`${indent}${name}: {}${comment(node)}`);
      else {
        out.push(`${indent}${name}:${comment(node)}`);
        for (const [key, item] of entries) out.push(`${indent}  ${scalar(key)}: ${scalar(item)}`);
      }
    } else out.push(`${indent}${name}: ${scalar(value)}${comment(node)}`);
  }
}

/** YAML text of one layer, keys nested and in the order of docs/config.md. */
export function layerYaml(values: ReadonlyMap<KeyName, Placed>, header: readonly string[]): string {
  const tree: Tree = new Map();
  // A host file starts with who the node is, as config/bioc-3.21-example's do.
  const order = [...HOST_FIRST, ...KEY_NAMES.filter((key) => !HOST_FIRST.includes(key))];
  for (const key of order) {
    const placed = values.get(key);
    if (placed === undefined) continue;
    const path = key.split(".");
    let node = tree;
    for (const part of path.slice(0, -1)) {
      let child = node.get(part);
      if (child === undefined || isPlaced(child)) {
        child = new Map();
        node.set(part, child);
      }
      node = child;
    }
    node.set(path[path.length - 1] ?? key, placed);
  }
  const out = header.map((line) => `# ${line}`);
  emit(tree, "", out);
  return `${out.join("\n")}\n`;
}

export interface DraftFiles {
  layers: DraftLayers;
  /** Header lines (without `#`) per file: "global", "platform:<name>", "host:<id>". */
  headers: (file: string) => string[];
  /** Files copied from the checkout: name in the draft -> absolute path. */
  copies: ReadonlyMap<string, string>;
}

/** Writes the draft into `dir` (which must not exist); removes it again if writing fails. */
export function writeDraftDir(dir: string, draft: DraftFiles): void {
  try {
    mkdirSync(join(dir, "platforms"), { recursive: true });
    mkdirSync(join(dir, "hosts"));
    writeFileSync(join(dir, "global.yaml"), layerYaml(draft.layers.global, draft.headers("global")));
    for (const [name, values] of draft.layers.platforms)
      writeFileSync(join(dir, "platforms", `${name}.yaml`), layerYaml(values, draft.headers(`platform:${name}`)));
    for (const [id, values] of draft.layers.hosts)
      writeFileSync(join(dir, "hosts", `${id}.yaml`), layerYaml(values, draft.headers(`host:${id}`)));
    for (const [name, from] of draft.copies) copyFileSync(from, join(dir, name));
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
