// Which nodes build a package: the `UnsupportedPlatforms` rule (docs/bbs-rules.md#support-rule) and
// how prerun derives that field from .BBSoptions and DESCRIPTION's OS_type
// (docs/bbs-rules.md#meat-index-rules).

/** What the support rule looks at on a node. */
export interface NodeIdentity {
  /** Hostname (BBS_NODE_HOSTNAME), compared case-insensitively. */
  hostname: string;
  /** nodespecs Arch: `x86_64`, `x64`, `arm64`, `aarch64`. */
  arch: string;
  /** `source`, `win.binary`, `mac.binary.big-sur-arm64`, ... */
  pkgType: string;
  /** R platform triplet (`x86_64-pc-linux-gnu`); tells which OS family the node runs. */
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

/** Entries BBS silently ignored but whose intent is plain: they name an OS family. */
const OS_FAMILY_ENTRIES: Readonly<Record<string, OsFamily>> = { linux: "linux", win32: "win", win64: "win" };

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
 * the package is supported there. An entry excludes a node when it equals its
 * hostname or its arch, or, on a node building binaries, its pkgType, or is
 * `win`/`mac` and the pkgType starts with it. So `win`, `mac`, `x86_64`,
 * `arm64`, `mac.binary.big-sur-arm64` or a hostname work. BBS ignored `linux`,
 * `win32` and `win64`, building such packages anyway; bbs honours the intent and
 * matches them against the node's OS family (from its R platform triplet).
 */
export function unsupportedBecause(unsupportedPlatforms: string | undefined, node: NodeIdentity): string | undefined {
  const hostname = node.hostname.toLowerCase();
  for (const entry of parseUnsupportedPlatforms(unsupportedPlatforms)) {
    if (entry.toLowerCase() === hostname || entry === node.arch) return entry;
    const family = OS_FAMILY_ENTRIES[entry.toLowerCase()];
    if (family !== undefined && family === osFamilyOf(node.rPlatform)) return entry;
    if (node.pkgType === "source") continue;
    if (entry === node.pkgType) return entry;
    if ((entry === "win" || entry === "mac") && node.pkgType.startsWith(entry)) return entry;
  }
  return undefined;
}

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
