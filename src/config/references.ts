// `${key.path}` references between configuration values, resolved after the
// layers are merged (so a host's workDir shows up in a platform's default paths).
// `$${` writes a literal `${`.

import type { ConfigProblem } from "./problems.js";
import { closest } from "./problems.js";
import { isKeyName, KEY_NAMES, type KeyName } from "./schema.js";
import type { Entry, RawValue } from "./layer-file.js";

const REFERENCE = /\$\$\{|\$\{([^}]*)\}/g;

export function referencesIn(value: RawValue): string[] {
  if (typeof value !== "string") return [];
  const names: string[] = [];
  for (const match of value.matchAll(REFERENCE)) if (match[1] !== undefined) names.push(match[1].trim());
  return names;
}

/**
 * Resolves every reference in `merged` in place. Problems: reference to an
 * unknown key, to a key that has no value, and cycles (each cycle reported once).
 */
export function resolveReferences(
  merged: Map<KeyName, Entry>,
  alreadyReported: ReadonlySet<KeyName> = new Set(),
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const state = new Map<KeyName, "visiting" | "done" | "failed">();
  const reportedCycles = new Set<string>();

  const problemAt = (key: KeyName, message: string, hint?: string): void => {
    const entry = merged.get(key);
    problems.push({
      file: entry?.source ?? "default",
      ...(entry?.line === undefined ? {} : { line: entry.line }),
      ...(entry?.column === undefined ? {} : { column: entry.column }),
      key,
      message,
      ...(hint === undefined ? {} : { hint }),
    });
  };

  const visit = (key: KeyName, stack: KeyName[]): boolean => {
    const s = state.get(key);
    if (s === "done") return true;
    if (s === "failed") return false;
    if (s === "visiting") {
      const cycle = [...stack.slice(stack.indexOf(key)), key];
      const id = [...cycle.slice(0, -1)].sort().join(",");
      if (!reportedCycles.has(id)) {
        reportedCycles.add(id);
        problemAt(
          cycle[0] ?? key,
          `reference cycle: ${cycle.map((k) => `\${${k}}`).join(" -> ")}`,
          "one of these values must be written out instead of referring to the next",
        );
      }
      return false;
    }
    const entry = merged.get(key);
    if (entry === undefined || typeof entry.value !== "string" || !entry.value.includes("${")) {
      state.set(key, "done");
      return true;
    }
    state.set(key, "visiting");
    let ok = true;
    const raw = entry.value;
    const wholeReference = /^\$\{([^}]*)\}$/.exec(raw.trim());
    let typed: RawValue | undefined;
    const text = raw.replace(REFERENCE, (match, name: string | undefined) => {
      if (name === undefined) return "${"; // `$${` escape
      const target = name.trim();
      if (!isKeyName(target)) {
        const near = closest(target, KEY_NAMES);
        problemAt(
          key,
          `refers to \${${target}}, which is not a configuration key`,
          near ? `did you mean \${${near}}?` : "see docs/config.md for the key names",
        );
        ok = false;
        return match;
      }
      if (!visit(target, [...stack, key])) {
        ok = false;
        return match;
      }
      const targetValue = merged.get(target)?.value;
      if (targetValue === undefined) {
        // A missing required key is reported once, not again by every value built from it.
        if (alreadyReported.has(target)) {
          ok = false;
          return match;
        }
        problemAt(key, `refers to \${${target}}, which has no value`, `set ${target}, or write this value out`);
        ok = false;
        return match;
      }
      if (wholeReference) typed = targetValue;
      return Array.isArray(targetValue)
        ? targetValue.join(" ")
        : typeof targetValue === "object"
          ? JSON.stringify(targetValue)
          : String(targetValue);
    });
    if (!ok) {
      state.set(key, "failed");
      return false;
    }
    entry.value = typed !== undefined && typeof typed !== "string" ? typed : text;
    // A default built from other keys says where those came from: "default (slots.default: hosts/x.yaml)".
    if (entry.source === "default") {
      const via = referencesIn(raw).map(
        (name) => `${name}: ${isKeyName(name) ? (merged.get(name)?.source ?? "default") : "?"}`,
      );
      entry.source = `default (${via.join(", ")})`;
    }
    state.set(key, "done");
    return true;
  };

  for (const key of merged.keys()) visit(key, []);
  return problems;
}
