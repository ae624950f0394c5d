// Turns one node's evaluated BBS chain (and its nodespecs.py entry) into bbs
// key values, each remembering the file and line it came from. Values of a
// node's own keys keep references to other translated keys (`${workDir}/meat`),
// so the defaults of bbs are recognised; keys of the build are spelled out, as
// every node must see the same value.

import { existsSync, readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import type { RawValue } from "../layer-file.js";
import { parseOutgoingEntry } from "../nodes.js";
import { PKG_TYPES, SCHEMA, type KeyName } from "../schema.js";
import type { Binding, ChainResult, FileLayer, Val } from "./chain.js";
import type { ImportItem } from "./items.js";
import { CENTRAL_ONLY_KEYS, DROPPED, LEGACY, REQUIRED_VALUES, VARIABLES, type Mapping } from "./mapping.js";
import { htmlToText, normalizeEncoding, type NodeSpec } from "./nodespecs.js";

export type OriginLayer = FileLayer | "nodespecs";

export interface Translated {
  value: RawValue;
  /** The value with every reference spelled out, to compare with bbs's defaults. */
  literal: RawValue;
  file: string;
  line: number;
  variable: string;
  layer: OriginLayer;
}

export interface HostTranslation {
  dir: string;
  nodeId: string;
  platform: string;
  values: Map<KeyName, Translated>;
  items: ImportItem[];
  /** Files of the checkout the draft carries: draft file name -> absolute path. */
  copies: Map<string, string>;
  /** Whether nodes/nodespecs.py describes the node. */
  hasSpec: boolean;
}

/** Keys a node's value may refer to (`${workDir}`): plain strings that every host has. */
function referable(mapping: Mapping | undefined): KeyName | undefined {
  if (mapping === undefined || mapping.as !== "string") return undefined;
  const spec = SCHEMA[mapping.key];
  if (spec.scope === "build" || spec.kind !== "string" || CENTRAL_ONLY_KEYS.has(mapping.key)) return undefined;
  // The loader derives `hostname` after resolving references, and `nodeId` is the file name.
  return mapping.key === "hostname" || mapping.key === "nodeId" ? undefined : mapping.key;
}

function render(val: Val, vars: ReadonlyMap<string, Binding>, keepReferences: boolean): string {
  return val.parts
    .map((part) => {
      if ("lit" in part) return keepReferences ? part.lit.replaceAll("${", "$${") : part.lit;
      const key = keepReferences ? referable(VARIABLES[part.ref]) : undefined;
      const current = vars.get(part.ref)?.val.text;
      if (key !== undefined && part.val !== undefined && current === part.val.text) return `\${${key}}`;
      return render(part.val ?? { text: "", parts: [] }, vars, keepReferences);
    })
    .join("");
}

export interface TranslateContext {
  checkout: string;
  isCentral: boolean;
  spec: NodeSpec | undefined;
  specFile: string;
}

export function translateHost(dir: string, chain: ChainResult, context: TranslateContext): HostTranslation {
  const values = new Map<KeyName, Translated>();
  const items: ImportItem[] = [...chain.items];
  const copies = new Map<string, string>();
  const { vars } = chain;

  const set = (key: KeyName, binding: Binding, variable: string, value: RawValue, literal: RawValue = value): void => {
    values.set(key, { value, literal, file: binding.file, line: binding.line, variable, layer: binding.layer });
  };
  const need = (binding: Binding, variable: string, why: string): void => {
    items.push({ kind: "needs-user", file: binding.file, line: binding.line, variable, why });
  };
  /** A path of the node's BBS checkout ($BBS_HOME/...) as a file of the checkout read here. */
  const inCheckout = (text: string): string | undefined => {
    const home = vars.get("BBS_HOME")?.val.text;
    const normalized = text.replaceAll("\\", "/");
    if (home !== undefined && home !== "") {
      const prefix = home.replaceAll("\\", "/").replace(/\/+$/, "");
      if (normalized.startsWith(`${prefix}/`)) return join(context.checkout, normalized.slice(prefix.length + 1));
    }
    return relative(context.checkout, normalized).startsWith("..") ? undefined : normalized;
  };

  for (const [name, binding] of vars) {
    const text = binding.val.text;
    const mapping = VARIABLES[name];
    if (mapping === undefined) {
      // Without BBS_RSH_CMD, the ssh binary is what tools.ssh gets (below).
      if (name === "BBS_SSH_CMD" && !vars.has("BBS_RSH_CMD")) continue;
      if (DROPPED[name] !== undefined) {
        items.push({ kind: "dropped", file: binding.file, line: binding.line, variable: name, why: DROPPED[name] });
      } else if (REQUIRED_VALUES[name] !== undefined) {
        const required = REQUIRED_VALUES[name];
        if (text !== required.value) need(binding, name, `is "${text}": ${required.why}`);
      } else if (LEGACY[name] !== undefined) {
        if (text !== "") need(binding, name, `is "${text}": ${LEGACY[name]}`);
      } else if (binding.exported && !/[a-z]/.test(name)) {
        need(
          binding,
          name,
          "no bbs key replaces this variable (docs/config.md lists every key and the BBS variable it replaces)",
        );
      }
      continue;
    }
    const { key } = mapping;
    if (CENTRAL_ONLY_KEYS.has(key) && !context.isCentral) continue;
    const spec = SCHEMA[key];
    switch (mapping.as) {
      case "string": {
        const keep = spec.scope !== "build";
        set(key, binding, name, render(binding.val, vars, keep), text);
        break;
      }
      case "int":
        if (/^\s*[0-9]+\s*$/.test(text)) set(key, binding, name, Number(text.trim()));
        else need(binding, name, `"${text}" is not a whole number (${key})`);
        break;
      case "bool01":
        if (["1", "true", "yes"].includes(text.toLowerCase())) set(key, binding, name, true);
        else if (["", "0", "false", "no"].includes(text.toLowerCase())) set(key, binding, name, false);
        else need(binding, name, `"${text}" is neither 1 nor 0 (${key})`);
        break;
      case "enum": {
        const allowed = spec.kind === "enum" ? (spec.values as readonly string[]) : [];
        if (allowed.includes(text)) set(key, binding, name, text);
        else need(binding, name, `"${text}" has no bbs equivalent: ${key} is one of ${allowed.join(", ")}`);
        break;
      }
      case "words":
        set(
          key,
          binding,
          name,
          text.split(/\s+/).filter((word) => word !== ""),
        );
        break;
      case "outgoing": {
        const map: Record<string, string> = {};
        for (const word of text.split(/\s+/).filter((w) => w !== "")) {
          const colon = word.indexOf(":");
          const parsed = colon < 0 ? undefined : parseOutgoingEntry(word.slice(0, colon), word.slice(colon + 1));
          if (parsed?.ok === true) map[parsed.value.pkgType] = `${parsed.value.nodeId}/${parsed.value.stage}`;
          else
            need(
              binding,
              name,
              `"${word}" is not pkgType:node_id/stage${parsed?.ok === false ? ` (${parsed.message})` : ""}`,
            );
        }
        set(key, binding, name, map);
        break;
      }
      case "url": {
        // BBS writes file://home/..., which names a host "home"; it meant the path /home/...
        const fixed = /^file:\/\/[^/]/.test(text) ? `file:///${text.slice("file://".length)}` : text;
        if (fixed !== text) {
          items.push({
            kind: "note",
            file: binding.file,
            line: binding.line,
            variable: name,
            why: `"${text}" written as "${fixed}" (a file URL's path starts after three slashes)`,
          });
        }
        set(key, binding, name, fixed);
        break;
      }
      case "linesOfFile": {
        const path = inCheckout(text);
        if (path === undefined || !existsSync(path)) {
          need(binding, name, `${text} is not a file of this checkout: list the repositories in ${key} by hand`);
          break;
        }
        const lines = readFileSync(path, "utf8")
          .split(/\r?\n/)
          .map((line) => line.trim())
          .filter((line) => line !== "" && !line.startsWith("#"));
        set(key, binding, name, lines);
        break;
      }
      case "copiedFile": {
        const path = inCheckout(text);
        if (path === undefined || !existsSync(path)) {
          need(binding, name, `${text} is not a file of this checkout: copy it next to global.yaml and set ${key}`);
          break;
        }
        copies.set(basename(path), path);
        set(key, binding, name, basename(path));
        break;
      }
      case "environment": {
        const previous = values.get(key);
        const map = { ...((previous?.value as Record<string, string> | undefined) ?? {}), [name]: text };
        // A variable the node's own file sets keeps the whole map in the node's host file.
        const layer: OriginLayer = previous?.layer === "host" ? "host" : binding.layer;
        values.set(key, { value: map, literal: map, file: binding.file, line: binding.line, variable: name, layer });
        break;
      }
    }
  }
  if (vars.get("BBS_RSH_CMD") === undefined && vars.get("BBS_SSH_CMD") !== undefined) {
    const binding = vars.get("BBS_SSH_CMD") as Binding;
    set("tools.ssh", binding, "BBS_SSH_CMD", binding.val.text);
  }

  const hostname = (values.get("hostname")?.literal as string | undefined) ?? dir;
  const nodeId = (values.get("nodeId")?.literal as string | undefined) ?? hostname;
  // bbs derives the hostname from the node id (up to its first `-`): state it only when it differs.
  if (hostname === (nodeId.split("-")[0] ?? nodeId)) values.delete("hostname");
  if (nodeId !== dir) {
    items.push({
      kind: "note",
      file: chain.files[0] ?? dir,
      why: `the directory ${dir} holds node "${nodeId}": its host file is hosts/${nodeId}.yaml`,
    });
  }
  const platform = applySpec(values, context, hostname, items, chain);
  return { dir, nodeId, platform, values, items, copies, hasSpec: context.spec !== undefined };
}

/** nodespecs.py's fields as keys; returns the platform name the node belongs to. */
function applySpec(
  values: Map<KeyName, Translated>,
  context: TranslateContext,
  hostname: string,
  items: ImportItem[],
  chain: ChainResult,
): string {
  const { spec, specFile } = context;
  const windowsChain = (chain.files[0] ?? "").endsWith(".bat");
  if (spec === undefined) {
    return windowsChain ? "windows" : "linux-x86_64";
  }
  const at = { file: specFile, line: spec.line, layer: "nodespecs" as const };
  const put = (key: KeyName, field: string, value: string): void => {
    values.set(key, { value, literal: value, variable: `'${hostname}' ${field}`, ...at });
  };
  const fields = spec.fields;
  if (fields.OS !== undefined) put("os", "OS", fields.OS);
  if (fields.Arch !== undefined) put("arch", "Arch", fields.Arch);
  // BBS showed "mingw32 / x86_64-w64-mingw32"; bbs's rPlatform is R's triplet.
  if (fields.Platform !== undefined)
    put("rPlatform", "Platform", fields.Platform.split(" / ").pop()?.trim() ?? fields.Platform);
  const pkgType = fields.pkgType;
  if (pkgType !== undefined) {
    if ((PKG_TYPES as readonly string[]).includes(pkgType)) put("pkgType", "pkgType", pkgType);
    else
      items.push({
        kind: "needs-user",
        file: specFile,
        line: spec.line,
        variable: `'${hostname}' pkgType`,
        why: `"${pkgType}" has no bbs equivalent: pkgType is one of ${PKG_TYPES.join(", ")}`,
      });
  }
  if (fields.encoding !== undefined) put("logEncoding", "encoding", normalizeEncoding(fields.encoding));
  const html = fields.displayOnHTMLReport;
  if (html !== undefined) {
    const text = htmlToText(html);
    put("reportNote", "displayOnHTMLReport", text);
    if (text !== html)
      items.push({
        kind: "note",
        file: specFile,
        line: spec.line,
        variable: `'${hostname}' displayOnHTMLReport`,
        why: "raw HTML written as text (bbs's reportNote is not HTML)",
      });
  }
  for (const field of Object.keys(fields))
    if (!["OS", "Arch", "Platform", "pkgType", "encoding", "displayOnHTMLReport"].includes(field))
      items.push({
        kind: "needs-user",
        file: specFile,
        line: spec.line,
        variable: `'${hostname}' ${field}`,
        why: "no bbs key replaces this field",
      });
  return platformName(fields, windowsChain);
}

/** `linux-x86_64`, `linux-aarch64`, `macos-arm64`, `macos-x86_64`, `windows`, as in config/bioc-3.21-example. */
export function platformName(fields: Readonly<Record<string, string>>, windowsChain: boolean): string {
  const arch = (fields.Arch ?? "x86_64").toLowerCase().replace(/[^a-z0-9_]+/g, "-");
  const pkgType = fields.pkgType ?? "";
  const os = `${fields.OS ?? ""} ${fields.Platform ?? ""}`;
  const arm = /arm64|aarch64/.test(arch);
  if (pkgType.startsWith("win") || /windows|mingw/i.test(os) || windowsChain) return arm ? "windows-arm64" : "windows";
  if (pkgType.startsWith("mac") || /macos|os x|darwin|apple/i.test(os)) return arm ? "macos-arm64" : "macos-x86_64";
  return `linux-${arch}`;
}
