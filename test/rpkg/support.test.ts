import { describe, expect, it } from "vitest";
import {
  isSupportedOn,
  legacyPlatformEntries,
  mergeOsType,
  parseUnsupportedPlatforms,
  unsupportedBecause,
  type NodeIdentity,
} from "../../src/rpkg/support.js";

const linux: NodeIdentity = { hostname: "nebbiolo1", arch: "x86_64", pkgType: "source" };
const windows: NodeIdentity = { hostname: "palomino3", arch: "x64", pkgType: "win.binary" };
const macIntel: NodeIdentity = { hostname: "merida1", arch: "x86_64", pkgType: "mac.binary.big-sur-x86_64" };
const macArm: NodeIdentity = { hostname: "kjohnson3", arch: "arm64", pkgType: "mac.binary.big-sur-arm64" };
const linuxArm: NodeIdentity = { hostname: "taishan", arch: "aarch64", pkgType: "source" };

function supportedNodes(value: string | undefined): string[] {
  return [linux, windows, macIntel, macArm, linuxArm]
    .filter((node) => isSupportedOn(value, node))
    .map((n) => n.hostname);
}

describe("UnsupportedPlatforms rule (spec 6.2)", () => {
  it("parses entries, ignoring '', None and NA", () => {
    expect(parseUnsupportedPlatforms(" win,  mac ,,None, NA")).toEqual(["win", "mac"]);
    expect(parseUnsupportedPlatforms(undefined)).toEqual([]);
  });

  it("matches win, mac, arch, pkgType and hostname entries", () => {
    expect(supportedNodes(undefined)).toEqual(["nebbiolo1", "palomino3", "merida1", "kjohnson3", "taishan"]);
    expect(supportedNodes("win")).toEqual(["nebbiolo1", "merida1", "kjohnson3", "taishan"]);
    expect(supportedNodes("mac")).toEqual(["nebbiolo1", "palomino3", "taishan"]);
    expect(supportedNodes("arm64")).toEqual(["nebbiolo1", "palomino3", "merida1", "taishan"]);
    expect(supportedNodes("aarch64")).toEqual(["nebbiolo1", "palomino3", "merida1", "kjohnson3"]);
    expect(supportedNodes("x86_64")).toEqual(["palomino3", "kjohnson3", "taishan"]);
    expect(supportedNodes("mac.binary.big-sur-arm64")).toEqual(["nebbiolo1", "palomino3", "merida1", "taishan"]);
    expect(supportedNodes("win, mac")).toEqual(["nebbiolo1", "taishan"]);
  });

  it("ignores linux, win32 and win64 (legacy) on every node, and pkgTypes on source nodes", () => {
    expect(supportedNodes("linux, win32, win64")).toHaveLength(5);
    expect(supportedNodes("source")).toHaveLength(5);
    expect(unsupportedBecause("foo, win", windows)).toBe("win");
    expect(unsupportedBecause("foo", windows)).toBeUndefined();
  });

  it("compares hostnames and arches exactly, as BBS does", () => {
    expect(supportedNodes("nebbiolo1")).toEqual(["palomino3", "merida1", "kjohnson3", "taishan"]);
    expect(supportedNodes("Nebbiolo1")).toHaveLength(5);
    expect(supportedNodes("X86_64")).toHaveLength(5);
  });
});

describe("legacy entries (issue 14: BBS's readers crash when bbs honours them)", () => {
  // Knowing their R platform does not make a node drop a package BBS builds there.
  const withPlatform: NodeIdentity[] = [
    { ...linux, rPlatform: "x86_64-pc-linux-gnu" },
    { ...windows, rPlatform: "x86_64-w64-mingw32" },
    { ...macArm, rPlatform: "aarch64-apple-darwin20" },
    { ...linuxArm, rPlatform: "aarch64-unknown-linux-gnu" },
  ];
  const supported = (value: string): string[] =>
    withPlatform.filter((n) => isSupportedOn(value, n)).map((n) => n.hostname);

  it("keeps Linux nodes for linux and Windows nodes for win32 and win64", () => {
    expect(supported("linux")).toEqual(["nebbiolo1", "palomino3", "kjohnson3", "taishan"]);
    expect(supported("win32")).toEqual(["nebbiolo1", "palomino3", "kjohnson3", "taishan"]);
    expect(supported("win64, linux")).toEqual(["nebbiolo1", "palomino3", "kjohnson3", "taishan"]);
    expect(supported("win32, win")).toEqual(["nebbiolo1", "kjohnson3", "taishan"]);
  });

  it("names them so prerun can warn", () => {
    expect(legacyPlatformEntries("win32, mac, Linux,win64")).toEqual(["win32", "Linux", "win64"]);
    expect(legacyPlatformEntries("win, nebbiolo1")).toEqual([]);
  });
});

describe("mergeOsType (spec 3.3)", () => {
  it("adds win for OS_type unix", () => {
    expect(mergeOsType(undefined, "unix")).toBe("win");
    expect(mergeOsType("", "UNIX")).toBe("win");
    expect(mergeOsType("mac", "unix")).toBe("mac, win");
    expect(mergeOsType("win", "unix")).toBe("win");
    expect(mergeOsType("mac,win", "unix")).toBe("mac,win");
    expect(mergeOsType("win64", "unix")).toBe("win64, win");
  });

  it("keeps the option as is otherwise, and omits an empty result", () => {
    expect(mergeOsType("mac", undefined)).toBe("mac");
    expect(mergeOsType("mac", "windows")).toBe("mac");
    expect(mergeOsType(undefined, undefined)).toBeUndefined();
    expect(mergeOsType("  ", undefined)).toBeUndefined();
  });
});
