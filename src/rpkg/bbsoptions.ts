// A package's `.BBSoptions` file (package root, DCF): per-package knobs for
// the build system.
//
//   INSTALLprepend, BUILDprepend, CHECKprepend, BUILDBINprepend   raw shell prefixes of the
//       stage's command; the `.win` / `.mac` variant (e.g. `CHECKprepend.win`), when present,
//       replaces the generic value on that platform, even when it is empty
//   UnsupportedPlatforms     comma-separated: win, mac, an arch, a pkgType or a hostname (support.ts)
//   NoExamplesOnPlatforms    comma-separated platforms where `R CMD check` runs with --no-examples
//   RunLongTests             TRUE: the package takes part in the bioc-longtests build
//
// The file is read as BBS reads it (comment lines skipped, records merged). A
// file that does not parse is treated as absent, as BBS does, and the problem
// is reported in `problem` for the log.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { errorMessage } from "../util/errors.js";
import { mergeDcfRecords, parseDcf } from "./dcf.js";

/** The three platform families BBS distinguishes. */
export type BbsPlatform = "linux" | "mac" | "win";

export type PrependStage = "INSTALL" | "BUILD" | "CHECK" | "BUILDBIN";

export const BBSOPTIONS_FILE = ".BBSoptions";

export interface BbsOptions {
  /** Every field of the file (empty when the file is absent or unparseable). */
  readonly fields: ReadonlyMap<string, string>;
  /** Why the file was ignored, when it exists but does not parse. */
  readonly problem?: string;
}

const NO_OPTIONS: BbsOptions = { fields: new Map() };

/** Parses `.BBSoptions` content; unparseable content gives no options and a `problem`. */
export function parseBbsOptions(content: string | Uint8Array, source = BBSOPTIONS_FILE): BbsOptions {
  try {
    return { fields: mergeDcfRecords(parseDcf(content, { source, comments: true, continuation: "space" })).fields };
  } catch (error) {
    return { fields: new Map(), problem: `${errorMessage(error)} (file ignored, as BBS does)` };
  }
}

/** Reads `<packageDir>/.BBSoptions`; an absent file gives no options. */
export function readBbsOptions(packageDir: string): BbsOptions {
  const path = join(packageDir, BBSOPTIONS_FILE);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return NO_OPTIONS;
    return { fields: new Map(), problem: `${path} cannot be read: ${errorMessage(error)} (file ignored)` };
  }
  return parseBbsOptions(bytes, path);
}

/**
 * The shell prefix for a stage's command on a platform: the `.win`/`.mac`
 * variant if the file has it (an empty variant means no prefix), else the
 * generic field. Undefined or empty means no prefix.
 */
export function prependFor(options: BbsOptions, stage: PrependStage, platform: BbsPlatform): string | undefined {
  const generic = `${stage}prepend`;
  if (platform !== "linux") {
    const variant = options.fields.get(`${generic}.${platform}`);
    if (variant !== undefined) return variant === "" ? undefined : variant;
  }
  const value = options.fields.get(generic);
  return value === "" ? undefined : value;
}

/** The raw `UnsupportedPlatforms` value, if any (see support.ts for its meaning). */
export function unsupportedPlatformsOption(options: BbsOptions): string | undefined {
  return options.fields.get("UnsupportedPlatforms");
}

/** `RunLongTests: TRUE` (case-insensitive). */
export function runsLongTests(options: BbsOptions): boolean {
  return options.fields.get("RunLongTests")?.trim().toLowerCase() === "true";
}

const PLATFORM_NAMES: Readonly<Record<string, BbsPlatform>> = {
  linux: "linux",
  linux2: "linux", // Python 2's sys.platform: never matched in BBS on Python 3
  mac: "mac",
  macos: "mac",
  osx: "mac",
  darwin: "mac",
  win: "win",
  windows: "win",
  win32: "win",
  win64: "win",
};

/** A platform name as written in .BBSoptions (`linux2`, `mac`, `darwin`, `win64`...), or undefined if unknown. */
export function platformFromName(name: string): BbsPlatform | undefined {
  return PLATFORM_NAMES[name.trim().toLowerCase()];
}

/** The platform family of a Node.js `process.platform` value (default: this process's). */
export function bbsPlatformOf(nodePlatform: NodeJS.Platform = process.platform): BbsPlatform {
  if (nodePlatform === "darwin") return "mac";
  if (nodePlatform === "win32") return "win";
  return "linux";
}

/**
 * Whether `R CMD check` must skip examples on `platform`. Every spelling BBS
 * users wrote works: `linux`/`linux2` (BBS never matched `linux2` on Python 3),
 * `mac`/`darwin`, `win`/`win32`/`win64`.
 */
export function noExamplesOn(options: BbsOptions, platform: BbsPlatform): boolean {
  const value = options.fields.get("NoExamplesOnPlatforms");
  if (value === undefined) return false;
  return value.split(",").some((entry) => platformFromName(entry) === platform);
}
