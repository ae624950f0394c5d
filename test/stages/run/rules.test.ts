// BBS's textual status rules and command lines (spec 4.1-4.4), on texts and
// settings, without R.

import { describe, expect, it } from "vitest";
import { parseBbsOptions } from "../../../src/rpkg/bbsoptions.js";
import {
  binaryFileName,
  buildbinCommand,
  buildCommand,
  checkCommand,
  installCommand,
  nonTargetInstallCommand,
  type CommandSettings,
} from "../../../src/rpkg/r-commands.js";
import { parseStageList } from "../../../src/stages/run/layout.js";
import { checkStatus, checkWarnings, installStatus, lockedBy, productStatus } from "../../../src/rpkg/status-rules.js";
import { linuxCommandSettings } from "./helpers.js";

const ok = { retCode: 0, timedOut: false };
const failed = { retCode: 1, timedOut: false };
const timedOut = { retCode: null, timedOut: true };

describe("INSTALL status", () => {
  const tail = (...lines: string[]) => [...Array.from({ length: 20 }, (_, index) => `line ${index}`), ...lines];

  it("is OK for return code 0 without a failure pattern in the last 12 lines", () => {
    expect(installStatus(ok, tail("* DONE (IRanges)"), "IRanges")).toBe("OK");
  });

  it("is ERROR for a non-zero return code, or a failure pattern in the last 12 lines despite return code 0", () => {
    expect(installStatus(failed, tail("* DONE (IRanges)"), "IRanges")).toBe("ERROR");
    expect(installStatus(ok, tail("* removing ‘/lib/IRanges’"), "IRanges")).toBe("ERROR");
    expect(
      installStatus(
        ok,
        tail(
          "Warning message:",
          'In install.packages("RCurl") :',
          "  installation of package ‘RCurl’ had non-zero exit status",
        ),
        "RCurl",
      ),
    ).toBe("ERROR");
    expect(installStatus(ok, tail('Error in install.packages("RCurl", repos = r) : x'), "RCurl")).toBe("ERROR");
    expect(installStatus(ok, tail('Error in install.packages("RCurlX", repos = r) : x'), "RCurl")).toBe("OK");
    expect(installStatus(ok, tail('Error in install.packages("Other", repos = r) : x'), "RCurl")).toBe("OK");
    expect(installStatus(ok, tail("Error in download.file(url, destfile) :"), "x")).toBe("ERROR");
  });

  it("looks at the last 12 lines only, and says TIMEOUT on timeout", () => {
    const early = ["* removing ‘/lib/IRanges’", ...Array.from({ length: 12 }, (_, index) => `later ${index}`)];
    expect(installStatus(ok, early, "IRanges")).toBe("OK");
    expect(installStatus(timedOut, tail("* DONE (IRanges)"), "IRanges")).toBe("TIMEOUT");
  });

  it("re-runs on another package's 00LOCK, not on its own", () => {
    const locked = (name: string, quote = "‘") => [
      "ERROR: failed to lock directory ‘/lib’ for modifying",
      `Try removing ${quote}/home/b/R/lib/00LOCK-${name}${quote === "‘" ? "’" : quote}`,
    ];
    expect(lockedBy(locked("S4Vectors"), "IRanges")).toBe("S4Vectors");
    expect(lockedBy(locked("S4Vectors", "'"), "IRanges")).toBe("S4Vectors");
    expect(lockedBy(locked("IRanges"), "IRanges")).toBeUndefined();
    expect(lockedBy(["* DONE (IRanges)"], "IRanges")).toBeUndefined();
  });
});

describe("BUILD and CHECK status", () => {
  it("BUILD is OK iff return code 0 and the tarball exists", () => {
    expect(productStatus(ok, true)).toBe("OK");
    expect(productStatus(ok, false)).toBe("ERROR");
    expect(productStatus(failed, true)).toBe("ERROR");
    expect(productStatus(timedOut, true)).toBe("TIMEOUT");
  });

  it("CHECK counts warnings from the last 6 lines, the first match winning; NOTEs do not count", () => {
    expect(checkWarnings(["Status: 2 WARNINGs, 1 NOTE", "See", "  ‘/x/00check.log’"])).toBe("2");
    expect(checkWarnings(["WARNING: There were 3 warnings.", "Status: 1 WARNING"])).toBe("3");
    expect(checkWarnings(["WARNING: There was 1 warning."])).toBe("1");
    expect(checkWarnings(["Status: 2 NOTEs"])).toBe("0");
    expect(checkWarnings(["Status: 1 WARNING", ...Array.from({ length: 6 }, () => "x")])).toBe("0");
    expect(checkStatus(ok, ["Status: 1 WARNING"])).toEqual({ status: "WARNINGS", warnings: "1" });
    expect(checkStatus(ok, ["Status: OK"])).toEqual({ status: "OK", warnings: "0" });
    expect(checkStatus(failed, ["Status: 1 WARNING"])).toEqual({ status: "ERROR", warnings: null });
    expect(checkStatus(timedOut, [])).toEqual({ status: "TIMEOUT", warnings: null });
  });
});

const linux = linuxCommandSettings();
const none = parseBbsOptions("");

describe("command lines", () => {
  it("are BBS's on Linux (the spec's IRanges example)", () => {
    expect(installCommand(linux, "IRanges", none)).toBe("/home/biocbuild/bbs-3.21-bioc/R/bin/R CMD INSTALL IRanges");
    expect(buildCommand(linux, "IRanges", none)).toBe(
      "/home/biocbuild/bbs-3.21-bioc/R/bin/R CMD build --keep-empty-dirs --no-resave-data IRanges",
    );
    expect(
      checkCommand(linux, { pkg: "IRanges", tarball: "IRanges_2.41.0.tar.gz", reuseInstall: true, options: none }),
    ).toBe(
      "/home/biocbuild/bbs-3.21-bioc/R/bin/R CMD check --install=check:IRanges.install-out.txt --library=/home/biocbuild/bbs-3.21-bioc/R/site-library --timings IRanges_2.41.0.tar.gz",
    );
    expect(
      checkCommand(linux, { pkg: "IRanges", tarball: "IRanges_2.41.0.tar.gz", reuseInstall: false, options: none }),
    ).toBe("/home/biocbuild/bbs-3.21-bioc/R/bin/R CMD check --timings IRanges_2.41.0.tar.gz");
  });

  it("put .BBSoptions prepends in front (the .win/.mac variant replacing the generic one) and honour NoExamplesOnPlatforms", () => {
    const options = parseBbsOptions(
      "INSTALLprepend: _R_INSTALL_X_=1\nCHECKprepend: _R_CHECK_FORCE_SUGGESTS_=0\nCHECKprepend.win: WIN=1\nNoExamplesOnPlatforms: linux2, win64\n",
    );
    expect(installCommand(linux, "a", options)).toBe(
      "_R_INSTALL_X_=1 /home/biocbuild/bbs-3.21-bioc/R/bin/R CMD INSTALL a",
    );
    expect(checkCommand(linux, { pkg: "a", tarball: "a_1.0.tar.gz", reuseInstall: false, options })).toBe(
      "_R_CHECK_FORCE_SUGGESTS_=0 /home/biocbuild/bbs-3.21-bioc/R/bin/R CMD check --timings --no-examples a_1.0.tar.gz",
    );
    const windows: CommandSettings = {
      ...linux,
      platform: "win",
      rCmd: "R.exe",
      pkgType: "win.binary",
      checkOptions: "--no-vignettes",
    };
    expect(checkCommand(windows, { pkg: "a", tarball: "a_1.0.tar.gz", reuseInstall: true, options })).toBe(
      `WIN=1 R.exe CMD check --no-multiarch --install=check:a.install-out.txt --library=${linux.checkLibrary} --no-vignettes --timings --no-examples a_1.0.tar.gz`,
    );
    expect(buildCommand(windows, "a", options)).toBe(
      "chmod a+r a -R && R.exe CMD build --keep-empty-dirs --no-resave-data a",
    );
  });

  it("add the extra options of the platform or host where BBS put them", () => {
    const site: CommandSettings = {
      ...linux,
      installOptions: "--no-test-load",
      buildOptions: "--no-build-vignettes",
      checkOptions: "--no-manual",
    };
    expect(installCommand(site, "a", none)).toMatch(/CMD INSTALL --no-test-load a$/);
    expect(buildCommand(site, "a", none)).toMatch(
      /CMD build --keep-empty-dirs --no-resave-data --no-build-vignettes a$/,
    );
    expect(checkCommand(site, { pkg: "a", tarball: "a_1.tar.gz", reuseInstall: false, options: none })).toMatch(
      /CMD check --no-manual --timings a_1\.tar\.gz$/,
    );
    const longtests: CommandSettings = { ...site, buildType: "bioc-longtests" };
    expect(
      checkCommand(longtests, {
        pkg: "a",
        tarball: "a_1.tar.gz",
        reuseInstall: false,
        options: parseBbsOptions("NoExamplesOnPlatforms: linux\n"),
      }),
    ).toBe(
      `${linux.rCmd} CMD check --test-dir=longtests --no-stop-on-test-error --no-codoc --no-examples --no-manual --ignore-vignettes --check-subdirs=no a_1.tar.gz`,
    );
  });

  it("install non-target packages from the non-target repositories, binaries first where there are binaries", () => {
    const command = nonTargetInstallCommand(linux, "RCurl");
    expect(command).toMatch(/^\/home\/biocbuild\/bbs-3\.21-bioc\/R\/bin\/Rscript -e "/);
    expect(command).toContain(
      "install.packages('RCurl',repos=c('https://bioconductor.org/packages/3.21/data/annotation','https://cran.rstudio.com'),dependencies=FALSE)",
    );
    expect(command).toContain("stop('package ','RCurl',' was not installed into '");
    const mac: CommandSettings = { ...linux, platform: "mac", pkgType: "mac.binary.big-sur-x86_64" };
    expect(nonTargetInstallCommand(mac, "RCurl")).toContain(
      "type='mac.binary.big-sur-x86_64',dependencies=FALSE,INSTALL_opts=c('--no-multiarch','--no-test-load')",
    );
  });

  it("make binary packages as BBS's STAGE5", () => {
    const windows: CommandSettings = { ...linux, platform: "win", rCmd: "R.exe", pkgType: "win.binary" };
    expect(binaryFileName("a", "1.0", "win.binary")).toBe("a_1.0.zip");
    expect(binaryFileName("a", "1.0", "mac.binary.big-sur-arm64")).toBe("a_1.0.tgz");
    expect(buildbinCommand(windows, "a", "a_1.0.tar.gz", none)).toBe(
      "rm -rf a.buildbin-libdir && mkdir a.buildbin-libdir && R.exe CMD INSTALL --build --library=a.buildbin-libdir a_1.0.tar.gz",
    );
  });

  it("deploy a book instead of checking it (books builds)", () => {
    const books: CommandSettings = { ...linux, buildType: "books" };
    const command = checkCommand(books, {
      pkg: "abook",
      tarball: "abook_1.0.tar.gz",
      reuseInstall: true,
      options: none,
    });
    expect(command.startsWith("rm -rf abook.book && mkdir abook.book && tar xzf abook_1.0.tar.gz -C abook.book")).toBe(
      true,
    );
    expect(command).toContain("inst/doc/book");
    expect(command).toContain("vignettes/book/docs");
  });
});

describe("stage lists", () => {
  it("parse --stages / --stage values, sorted and unique", () => {
    expect(parseStageList("4,2,3")).toEqual([2, 3, 4]);
    expect(parseStageList("STAGE3")).toEqual([3]);
    expect(parseStageList("3,3")).toEqual([3]);
    expect(() => parseStageList("1")).toThrow(/"1" is not a stage/);
    expect(() => parseStageList(",")).toThrow(/names no stage/);
  });
});
