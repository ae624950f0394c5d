// The R side of a builder without starting R: the environment every job
// gets (docs/bbs-rules.md#r-environment: R_ENVIRON_USER, R_LIBS), the library paths R will use, and
// the packages installed in them (BBS asked R's installed.packages()).
//
// R's library paths, in R's order: R_LIBS, R_LIBS_USER, R_LIBS_SITE, then
// R's own library (`.Library`). The user and site defaults come from
// `<rHome>/etc/Renviron` (`R_LIBS_SITE=${R_LIBS_SITE:-'/usr/local/lib/R/site-library:%S'}`),
// with R's `%S` (R_HOME/site-library), `%U` (~/R/<platform>-library/<x.y>),
// `%v`, `%p` expansions. Directories that do not exist are left out, as R does.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import type { ResolvedConfig } from "../config/load.js";
import { Description, HARD_DEPENDENCY_FIELDS, isRDependency } from "./description.js";
import { RENVIRON_BIOC, RENVIRON_BIOC_FILE } from "./renviron.js";
import { errorMessage } from "../util/errors.js";
import { writeFileAtomic } from "../util/fs.js";

/** The R_ENVIRON_USER file of the node: `r.environUser`, else bbs's Renviron.bioc written into the work directory. */
export function environUserFile(config: ResolvedConfig): string {
  const configured = config.values["r.environUser"];
  if (configured !== undefined && configured !== null && configured !== "") return configured;
  const path = join(config.values.workDir, RENVIRON_BIOC_FILE);
  let current: string | undefined;
  try {
    current = readFileSync(path, "utf8");
  } catch {
    current = undefined;
  }
  if (current !== RENVIRON_BIOC) writeFileAtomic(path, RENVIRON_BIOC);
  return path;
}

/** R_LIBS of the jobs: `rLibs`, else whatever this process inherited (undefined: none). */
export function rLibsOf(config: ResolvedConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = config.values.rLibs;
  if (configured !== undefined && configured !== null && configured !== "") return configured;
  const inherited = env.R_LIBS;
  return inherited === undefined || inherited === "" ? undefined : inherited;
}

/** Variables every R job gets on top of bbs's own environment (docs/bbs-rules.md#r-environment), then the site's `r.environment`. */
export function jobEnvironment(config: ResolvedConfig, environUser: string): Record<string, string> {
  const env: Record<string, string> = { ...config.values["r.environment"], R_ENVIRON_USER: environUser };
  const libs = rLibsOf(config);
  if (libs !== undefined) env.R_LIBS = libs;
  return env;
}

/** The library CHECK reuses the STAGE2 installation from (`--library=`): the first of R_LIBS, else R's own. */
export function checkLibrary(config: ResolvedConfig): string {
  const libs = rLibsOf(config);
  const first = libs?.split(delimiter).find((entry) => entry !== "");
  return first ?? join(config.values.rHome, "library");
}

/** `x.y` of the R installation, from its base package (undefined if unreadable). */
export function rMajorMinor(rHome: string): string | undefined {
  try {
    const version = Description.read(join(rHome, "library", "base")).version;
    const match = version === undefined ? null : /^(\d+)\.(\d+)/.exec(version);
    return match ? `${match[1]}.${match[2]}` : undefined;
  } catch {
    return undefined;
  }
}

/** A value of R's Renviron: `${NAME:-'default'}`, `${NAME-default}` or a literal. */
function renvironValue(value: string, env: NodeJS.ProcessEnv): string {
  const reference = /^\$\{(\w+)(:?-)(.*)\}$/.exec(value.trim());
  const unquote = (text: string): string =>
    text
      .trim()
      .replace(/^'(.*)'$/, "$1")
      .replace(/^"(.*)"$/, "$1");
  if (!reference) return unquote(value);
  const current = env[reference[1] as string];
  const set = reference[2] === ":-" ? current !== undefined && current !== "" : current !== undefined;
  return set ? (current as string) : unquote(reference[3] as string);
}

/** NAME=value lines of `<rHome>/etc/Renviron` (empty when unreadable). */
function readRenviron(rHome: string, env: NodeJS.ProcessEnv): Map<string, string> {
  const values = new Map<string, string>();
  let text: string;
  try {
    text = readFileSync(join(rHome, "etc", "Renviron"), "utf8");
  } catch {
    return values;
  }
  for (const line of text.split("\n")) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(line);
    if (match) values.set(match[1] as string, renvironValue(match[2] as string, env));
  }
  return values;
}

/** R's library paths for the jobs' environment, in R's order, existing directories only. */
export function libraryPaths(
  rHome: string,
  rLibs: string | undefined,
  rPlatform: string,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const renviron = readRenviron(rHome, env);
  const version = rMajorMinor(rHome);
  const expand = (entry: string): string | undefined => {
    let unknown = false;
    const expanded = entry.replace(/%([A-Za-z%])/g, (_all, code: string) => {
      switch (code) {
        case "S":
          return join(rHome, "site-library");
        case "U":
          if (version === undefined) unknown = true;
          return join(homedir(), "R", `${rPlatform}-library`, version ?? "");
        case "v":
          if (version === undefined) unknown = true;
          return version ?? "";
        case "p":
          return rPlatform;
        case "%":
          return "%";
        default:
          unknown = true;
          return "";
      }
    });
    return unknown ? undefined : expanded.replace(/^~(?=$|\/)/, homedir());
  };
  const lists = [
    rLibs ?? "",
    env.R_LIBS_USER ?? renviron.get("R_LIBS_USER") ?? "",
    env.R_LIBS_SITE ?? renviron.get("R_LIBS_SITE") ?? "",
    join(rHome, "library"),
  ];
  const paths: string[] = [];
  for (const list of lists) {
    for (const raw of list.split(delimiter)) {
      if (raw.trim() === "") continue;
      const path = expand(raw.trim());
      if (path === undefined || paths.includes(path)) continue;
      try {
        if (statSync(path).isDirectory()) paths.push(path);
      } catch {
        // R drops library paths that do not exist
      }
    }
  }
  return paths;
}

export interface InstalledPackage {
  readonly name: string;
  readonly version: string | undefined;
  readonly libPath: string;
  /** Depends, Imports, LinkingTo (names, `R` removed). */
  readonly deps: readonly string[];
}

/** Hard dependencies of a DESCRIPTION, in field order, each once, without `R`. */
export function hardDependencies(description: Description): string[] {
  const names = description
    .dependenciesOf(HARD_DEPENDENCY_FIELDS)
    .map((dependency) => dependency.name)
    .filter((name) => !isRDependency(name));
  return [...new Set(names)];
}

/**
 * The packages installed in `libPaths` (the first library holding a package
 * wins, as in R). Unreadable DESCRIPTION files are reported in `problems`.
 */
export function installedPackages(libPaths: readonly string[]): {
  packages: Map<string, InstalledPackage>;
  problems: string[];
} {
  const packages = new Map<string, InstalledPackage>();
  const problems: string[] = [];
  for (const libPath of libPaths) {
    let entries: string[];
    try {
      entries = readdirSync(libPath);
    } catch (error) {
      problems.push(`${libPath}: ${errorMessage(error)}`);
      continue;
    }
    for (const name of entries) {
      if (packages.has(name) || name.startsWith("00LOCK")) continue;
      const file = join(libPath, name, "DESCRIPTION");
      if (!existsSync(file)) continue;
      try {
        const description = Description.read(file);
        // An installed package's DESCRIPTION has a `Built:` field; anything else is not an installation.
        if (description.get("Built") === undefined) continue;
        packages.set(name, { name, version: description.version, libPath, deps: hardDependencies(description) });
      } catch (error) {
        problems.push(errorMessage(error));
      }
    }
  }
  return { packages, problems };
}
