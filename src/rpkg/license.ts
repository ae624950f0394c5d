// R's license standardization (`tools:::analyze_license`), as
// `tools::write_PACKAGES` applies it to the License field: a license that R
// can put in canonical form is written in that form ("GPL(>=2)" becomes
// "GPL (>= 2)", "GPL version 2 or later" becomes "GPL (>= 2)"), any other
// license is dropped from PACKAGES. The license database (the regular
// expression of canonical components and the table of known non-canonical
// spellings) is R's own, dumped into license-db.generated.ts.

import { R_LICENSE_DB } from "./license-db.generated.js";

/** Converts the POSIX character classes of R's (TRE) regular expression to JavaScript. */
export function posixRegexToJs(pattern: string): string {
  const classes: Record<string, string> = {
    space: "\\s",
    digit: "0-9",
    alpha: "A-Za-z",
    alnum: "A-Za-z0-9",
    blank: " \\t",
  };
  return pattern.replace(/\[:([a-z]+):\]/g, (whole, name: string) => {
    const replacement = classes[name];
    if (replacement === undefined) throw new Error(`license-db: unsupported POSIX class ${whole}`);
    return replacement;
  });
}

const CANONICAL_COMPONENT = new RegExp(posixRegexToJs(R_LICENSE_DB.reComponent));
const KNOWN_SPELLINGS = new Map<string, string>();
for (const [input, output] of R_LICENSE_DB.standardizableSpecs)
  if (!KNOWN_SPELLINGS.has(input)) KNOWN_SPELLINGS.set(input, output);
const NUMERIC_VERSION = new RegExp(`\\s*(${posixRegexToJs(R_LICENSE_DB.validNumericVersion)})`, "g");

/** R's `trimws(x)`: strips spaces, tabs, CR and LF at both ends. */
function trimws(text: string): string {
  return text.replace(/^[\t\r\n ]+/, "").replace(/[\t\r\n ]+$/, "");
}

/** R's `strsplit(x, "|", fixed = TRUE)`: no trailing empty piece. */
function splitAlternatives(text: string): string[] {
  const parts = text.split("|");
  if (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return parts;
}

/** The spacing R normalises inside a canonical component with a version specification. */
function normaliseVersionSpec(component: string): string {
  let s = component.replace(/\s*\(\s*/, " (");
  s = s.replace(/\s*\)/, ")");
  s = s.replace(/\s*,\s*/g, ", ");
  s = s.replace(/\s+(<=?|>=?|==|!=)/g, " $1");
  return s.replace(NUMERIC_VERSION, " $1");
}

/**
 * The License value write_PACKAGES writes for `license` (R's standardization),
 * or undefined when R cannot standardize it and drops the field.
 */
export function standardizeLicense(license: string | undefined): string | undefined {
  if (license === undefined) return undefined;
  const text = trimws(license);
  if (text === "") return undefined;
  const components = splitAlternatives(text.replace(/\s*\+\s*/g, " + ")).map(trimws);
  const canonical = components.map((component) => CANONICAL_COMPONENT.test(component));
  const known = components.map((component) => KNOWN_SPELLINGS.has(component));
  if (!canonical.every(Boolean) && !known.every(Boolean)) return undefined;
  return components
    .map((component, i) => {
      if (!canonical[i]) return known[i] ? KNOWN_SPELLINGS.get(component)! : component;
      return component.includes("(") ? normaliseVersionSpec(component) : component;
    })
    .join(" | ");
}
