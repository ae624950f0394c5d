import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  bbsPlatformOf,
  noExamplesOn,
  parseBbsOptions,
  platformFromName,
  prependFor,
  readBbsOptions,
  runsLongTests,
  unsupportedPlatformsOption,
} from "../../src/rpkg/bbsoptions.js";

describe(".BBSoptions", () => {
  const options = parseBbsOptions(
    [
      "# options for the build system",
      "UnsupportedPlatforms: win, mac.binary.big-sur-arm64",
      "CHECKprepend: _R_CHECK_FORCE_SUGGESTS_=0",
      "CHECKprepend.win: set FOO=1 &&",
      "INSTALLprepend: ulimit -s 16384 &&",
      "INSTALLprepend.mac:",
      "BUILDprepend.mac: export X=1 &&",
      "RunLongTests: True",
      "NoExamplesOnPlatforms: linux2, win64",
      "",
    ].join("\n"),
  );

  it("reads the prepends, the platform variant replacing the generic value", () => {
    expect(prependFor(options, "CHECK", "linux")).toBe("_R_CHECK_FORCE_SUGGESTS_=0");
    expect(prependFor(options, "CHECK", "mac")).toBe("_R_CHECK_FORCE_SUGGESTS_=0");
    expect(prependFor(options, "CHECK", "win")).toBe("set FOO=1 &&");
    expect(prependFor(options, "INSTALL", "linux")).toBe("ulimit -s 16384 &&");
    expect(prependFor(options, "INSTALL", "mac")).toBeUndefined(); // an empty variant means "no prefix here"
    expect(prependFor(options, "BUILD", "linux")).toBeUndefined();
    expect(prependFor(options, "BUILD", "mac")).toBe("export X=1 &&");
    expect(prependFor(options, "BUILDBIN", "win")).toBeUndefined();
  });

  it("reads UnsupportedPlatforms and RunLongTests", () => {
    expect(unsupportedPlatformsOption(options)).toBe("win, mac.binary.big-sur-arm64");
    expect(runsLongTests(options)).toBe(true);
    expect(runsLongTests(parseBbsOptions("RunLongTests: no\n"))).toBe(false);
    expect(runsLongTests(parseBbsOptions(""))).toBe(false);
  });

  it("maps NoExamplesOnPlatforms names to platforms, linux2 included", () => {
    expect(noExamplesOn(options, "linux")).toBe(true);
    expect(noExamplesOn(options, "win")).toBe(true);
    expect(noExamplesOn(options, "mac")).toBe(false);
    expect(noExamplesOn(parseBbsOptions("NoExamplesOnPlatforms: mac\n"), "mac")).toBe(true);
    expect(noExamplesOn(parseBbsOptions("NoExamplesOnPlatforms: darwin,win32\n"), "mac")).toBe(true);
    expect(noExamplesOn(parseBbsOptions("Other: 1\n"), "linux")).toBe(false);
    expect(platformFromName(" Linux ")).toBe("linux");
    expect(platformFromName("solaris")).toBeUndefined();
    expect(bbsPlatformOf("darwin")).toBe("mac");
    expect(bbsPlatformOf("win32")).toBe("win");
    expect(bbsPlatformOf("linux")).toBe("linux");
  });

  it("treats an absent or unparseable file as no options, saying why", () => {
    const dir = mkdtempSync(join(tmpdir(), "bbs-opts-"));
    const absent = readBbsOptions(dir);
    expect(absent.fields.size).toBe(0);
    expect(absent.problem).toBeUndefined();
    writeFileSync(join(dir, ".BBSoptions"), "UnsupportedPlatforms: win\nthis is not DCF\n");
    const broken = readBbsOptions(dir);
    expect(broken.fields.size).toBe(0);
    expect(unsupportedPlatformsOption(broken)).toBeUndefined();
    expect(broken.problem).toMatch(/\.BBSoptions:2: the line has no "Field:" name.*ignored/);
    writeFileSync(join(dir, ".BBSoptions"), "UnsupportedPlatforms: win\n");
    expect(unsupportedPlatformsOption(readBbsOptions(dir))).toBe("win");
  });
});
