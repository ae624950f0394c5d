// A package's DESCRIPTION file: typed access to its fields, dependency
// fields parsed into name + version constraint, the maintainer split into name
// and email, and the field injection BBS does before building.

import { statSync } from "node:fs";
import { join } from "node:path";
import { BbsError } from "../util/errors.js";
import { readInputFile, writeFileAtomic } from "../util/fs.js";
import { injectDcfFields, mergeDcfRecords, parseDcf } from "./dcf.js";
import { isBbsValidVersion, isVersionOperator, tryParseVersion, type VersionOperator } from "./version.js";

export { isBbsValidVersion };

/** R's base packages (`Priority: base`, shipped with R itself): never installed, never looked up in a repository. */
export const BASE_PACKAGES: ReadonlySet<string> = new Set([
  "base",
  "compiler",
  "datasets",
  "graphics",
  "grDevices",
  "grid",
  "methods",
  "parallel",
  "splines",
  "stats",
  "stats4",
  "tcltk",
  "tools",
  "utils",
]);

/** R's recommended packages (`Priority: recommended`): installed with R, but published on CRAN. */
export const RECOMMENDED_PACKAGES: ReadonlySet<string> = new Set([
  "KernSmooth",
  "MASS",
  "Matrix",
  "boot",
  "class",
  "cluster",
  "codetools",
  "foreign",
  "lattice",
  "mgcv",
  "nlme",
  "nnet",
  "rpart",
  "spatial",
  "survival",
]);

export const DEPENDENCY_FIELDS = ["Depends", "Imports", "LinkingTo", "Suggests", "Enhances"] as const;
export type DependencyField = (typeof DEPENDENCY_FIELDS)[number];

/** The fields whose packages must be installed for a package to install (BBS's dependency graph). */
export const HARD_DEPENDENCY_FIELDS: readonly DependencyField[] = ["Depends", "Imports", "LinkingTo"];

/** One entry of a dependency field, e.g. `IRanges (>= 2.41.0)`. */
export interface Dependency {
  name: string;
  /** The text inside the parentheses, trimmed, runs of whitespace as one space (`>= 2.41.0`), if any. */
  constraint?: string;
  /** Operator and version when the constraint parses (`>=`, `2.41.0`); absent for an unparsable constraint. */
  op?: VersionOperator;
  version?: string;
}

export function isBasePackage(name: string): boolean {
  return BASE_PACKAGES.has(name);
}

export function isRecommendedPackage(name: string): boolean {
  return RECOMMENDED_PACKAGES.has(name);
}

/** True for the pseudo-dependency `R` (a constraint on R's version, not a package). */
export function isRDependency(dependency: Dependency | string): boolean {
  return (typeof dependency === "string" ? dependency : dependency.name) === "R";
}

const DEPENDENCY_RE = /^([A-Za-z0-9.]+)\s*(?:\(([^)]*)\))?\s*$/;
const CONSTRAINT_RE = /^(<=|>=|==|!=|<|>)\s*(\S+)$/;

/**
 * Parses a dependency field value as R's `tools:::.split_dependencies` does:
 * entries separated by commas (empty ones ignored, identical ones once), each
 * a package name optionally followed by `(op version)`. Whitespace, newlines
 * included, may appear anywhere between the parts. Throws BBS_INPUT_INVALID
 * naming `where` (e.g. "IRanges/DESCRIPTION, field Imports") for an entry with
 * no package name; an unparsable constraint is kept as `constraint` only.
 */
export function parseDependencies(value: string, where = "dependency field"): Dependency[] {
  const seen = new Set<string>();
  const dependencies: Dependency[] = [];
  for (const piece of value.split(",")) {
    const entry = piece.trim().replace(/\s+/g, " ");
    if (entry === "" || seen.has(entry)) continue;
    seen.add(entry);
    const match = DEPENDENCY_RE.exec(entry);
    if (match === null) {
      throw new BbsError("BBS_INPUT_INVALID", `${where}: cannot parse dependency "${entry}"`, {
        hint: 'write dependencies as "name" or "name (>= version)", separated by commas',
      });
    }
    const dependency: Dependency = { name: match[1]! };
    const constraintText = match[2]?.trim();
    if (constraintText !== undefined) {
      dependency.constraint = constraintText;
      const constraint = CONSTRAINT_RE.exec(constraintText);
      if (constraint !== null && isVersionOperator(constraint[1]!) && tryParseVersion(constraint[2]!) !== undefined) {
        dependency.op = constraint[1];
        dependency.version = constraint[2]!;
      }
    }
    dependencies.push(dependency);
  }
  return dependencies;
}

/** The maintainer as BBS shows it: the name part, and the email between `<` and `>` if present. */
export interface MaintainerParts {
  name: string;
  email?: string;
}

/**
 * Splits a `Maintainer` value ("Jane Doe <jane@example.org>") into name and
 * email as BBS does (regex `(.*\S)\s*<(.*)>`): the name is the text before the
 * last `<...>`; without one, the whole value is the name and there is no email.
 * Line breaks and runs of spaces become one space.
 */
export function splitMaintainer(value: string): MaintainerParts {
  const text = value.replace(/\s+/g, " ").trim();
  const match = /^(.*\S)\s*<(.*)>/.exec(text);
  if (match === null) return { name: text };
  const email = match[2]!.trim();
  return email === "" ? { name: match[1]! } : { name: match[1]!, email };
}

/** A parsed DESCRIPTION file (records merged, as BBS tolerates blank lines inside). */
export class Description {
  /** Where it was read from (for messages). */
  readonly source: string;
  readonly fields: ReadonlyMap<string, string>;

  constructor(fields: ReadonlyMap<string, string>, source = "DESCRIPTION") {
    this.fields = fields;
    this.source = source;
  }

  /** Parses DESCRIPTION bytes or text; BBS_INPUT_INVALID (file and line) if it is not DCF. */
  static parse(content: string | Uint8Array, source = "DESCRIPTION"): Description {
    return new Description(mergeDcfRecords(parseDcf(content, { source })).fields, source);
  }

  /** Reads `<dir>/DESCRIPTION`, or the file itself when given a file path. */
  static read(path: string): Description {
    const file = descriptionPath(path);
    return Description.parse(readInputFile(file), file);
  }

  get(field: string): string | undefined {
    return this.fields.get(field);
  }

  get package(): string | undefined {
    return this.get("Package");
  }

  get version(): string | undefined {
    return this.get("Version");
  }

  /** The `Maintainer` field as written (packages with only `Authors@R` need R to derive it). */
  get maintainer(): string | undefined {
    return this.get("Maintainer");
  }

  /** e.g. `Deprecated`. */
  get packageStatus(): string | undefined {
    return this.get("PackageStatus");
  }

  get osType(): string | undefined {
    return this.get("OS_type");
  }

  /** Parsed entries of one dependency field (empty when absent). */
  dependencies(field: DependencyField): Dependency[] {
    const value = this.get(field);
    return value === undefined ? [] : parseDependencies(value, `${this.source}, field ${field}`);
  }

  /** Entries of several fields, in field order (default: Depends, Imports, LinkingTo). */
  dependenciesOf(fields: readonly DependencyField[] = HARD_DEPENDENCY_FIELDS): Dependency[] {
    return fields.flatMap((field) => this.dependencies(field));
  }

  /** Names of the packages these fields depend on, without `R` and base packages, each once. */
  packageDependencies(fields: readonly DependencyField[] = HARD_DEPENDENCY_FIELDS): string[] {
    const names = this.dependenciesOf(fields)
      .map((dependency) => dependency.name)
      .filter((name) => !isRDependency(name) && !isBasePackage(name));
    return [...new Set(names)];
  }

  /** Whether `Version` passes BBS's check (`^[0-9]+([.-][0-9]+)*$`). */
  hasValidVersion(): boolean {
    const version = this.version;
    return version !== undefined && isBbsValidVersion(version);
  }
}

function descriptionPath(path: string): string {
  try {
    if (statSync(path).isDirectory()) return join(path, "DESCRIPTION");
  } catch {
    // not there: report the path as given
  }
  return path;
}

/**
 * Injects fields into a DESCRIPTION file in place (atomically): existing lines
 * of these fields (with their continuation lines) and blank lines are removed,
 * then `Field: value` lines appended in order (see `injectDcfFields`).
 */
export function injectDescriptionFields(path: string, fields: readonly (readonly [string, string])[]): void {
  const file = descriptionPath(path);
  writeFileAtomic(file, injectDcfFields(readInputFile(file), fields, file));
}
