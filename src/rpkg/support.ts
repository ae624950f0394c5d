// Which nodes build a package: the `UnsupportedPlatforms` rule (docs/bbs-rules.md#support-rule) and
// how prerun derives that field from .BBSoptions and DESCRIPTION's OS_type
// (docs/bbs-rules.md#meat-index-rules).

/** What the support rule looks at on a node. */
export interface NodeIdentity {
  /** Hostname (BBS_NODE_HOSTNAME), compared exactly as BBS does. */
  hostname: string;
  /** nodespecs Arch: `x86_64`, `x64`, `arm64`, `aarch64`. */
  arch: string;
  /** `source`, `win.binary`, `mac.binary.big-sur-arm64`, ... */
  pkgType: string;
  /** R platform triplet (`x86_64-pc-linux-gnu`): the OS family for display; the support rule ignores it. */
  rPlatform?: string;
}

export type OsFamily = "linux" | "mac" | "win";

/** The OS family of an R platform triplet, if recognisable. */
export function osFamilyOf(rPlatform: string | undefined): OsFamily | undefined {
  if (rPlatform === undefined) return undefined;
  if (/linux/i.test(rPlatform)) return "linux";
  if (/darwin|apple/i.test(rPlatform)) return "mac";
  if (/mingw|windows|cygwin/i.test(rPlatform)) return "win";
  return undefined;
}

const IGNORED_ENTRIES = new Set(["", "None", "NA"]);

/** Entries of an `UnsupportedPlatforms` value: split on commas, trimmed, without `''`, `None` and `NA`. */
export function parseUnsupportedPlatforms(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => !IGNORED_ENTRIES.has(entry));
}

/**
 * The entry of `UnsupportedPlatforms` that excludes the node, or undefined if
 * the package is supported there: BBS's rule exactly (`_is_supported()` in
 * BBS's bbs/parse.py; docs/bbs-rules.md#support-rule), because BBS's own readers
 * (BBS-report.py, BBS-notify.py) look up a status line for every package that
 * rule calls supported and stop with a KeyError when one is missing. An entry
 * excludes a node when it equals its hostname or its arch (exact, case
 * included), or, on a node building binaries, its pkgType, or is `win`/`mac`
 * and the pkgType starts with it. Anything else is ignored: `linux`, `win32`
 * and `win64` are legacy (in BBS 3.14 `win32` only meant "no i386
 * sub-architecture"), and a Linux node is excluded by its hostname.
 */
export function unsupportedBecause(unsupportedPlatforms: string | undefined, node: NodeIdentity): string | undefined {
  for (const entry of parseUnsupportedPlatforms(unsupportedPlatforms)) {
    if (entry === node.hostname || entry === node.arch) return entry;
    if (node.pkgType === "source") continue;
    if (entry === node.pkgType) return entry;
    if ((entry === "win" || entry === "mac") && node.pkgType.startsWith(entry)) return entry;
  }
  return undefined;
}

/** Entries of an `UnsupportedPlatforms` value that BBS's rule never matches on any node (legacy OS names). */
export function legacyPlatformEntries(unsupportedPlatforms: string | undefined): string[] {
  return parseUnsupportedPlatforms(unsupportedPlatforms).filter((entry) => LEGACY_ENTRIES.has(entry.toLowerCase()));
}

const LEGACY_ENTRIES = new Set(["linux", "win32", "win64"]);

/** Whether a package with this `UnsupportedPlatforms` value is built on the node. */
export function isSupportedOn(unsupportedPlatforms: string | undefined, node: NodeIdentity): boolean {
  return unsupportedBecause(unsupportedPlatforms, node) === undefined;
}

/**
 * The `UnsupportedPlatforms` value prerun writes to the meat index: the
 * .BBSoptions value, plus `win` when DESCRIPTION's OS_type mentions `unix`
 * (case-insensitive) and the value does not already list `win`. Undefined
 * when the result is empty (the field is then not written).
 */
export function mergeOsType(unsupportedPlatforms: string | undefined, osType: string | undefined): string | undefined {
  const option = unsupportedPlatforms?.trim() ?? "";
  const unixOnly = osType !== undefined && osType.toLowerCase().includes("unix");
  if (!unixOnly) return option === "" ? undefined : option;
  if (option === "") return "win";
  return parseUnsupportedPlatforms(option).includes("win") ? option : `${option}, win`;
}
