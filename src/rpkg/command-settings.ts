// What the R command lines of a node depend on (r-commands.ts's
// CommandSettings), read from its configuration: shared by `bbs run` and the
// Single Package Builder's worker, so both run R the same way.

import type { ResolvedConfig } from "../config/load.js";
import { bbsPlatformOf, type BbsPlatform } from "./bbsoptions.js";
import type { CommandSettings } from "./r-commands.js";
import { checkLibrary } from "./r-env.js";
import { osFamilyOf } from "./support.js";

/** The node's OS family: from its R platform, else the one bbs runs on. */
export function platformOf(config: ResolvedConfig): BbsPlatform {
  return osFamilyOf(config.values.rPlatform) ?? bbsPlatformOf();
}

/** `nonTargetRepos` with BBS_BIOC_VERSION replaced, without trailing slashes. */
export function nonTargetRepositories(config: ResolvedConfig): string[] {
  return config.values.nonTargetRepos.map((url) =>
    url.replaceAll("BBS_BIOC_VERSION", config.values.biocVersion).replace(/\/+$/, ""),
  );
}

export function commandSettings(config: ResolvedConfig): CommandSettings {
  const v = config.values;
  return {
    rCmd: v["r.cmd"],
    rscriptCmd: v["r.rscriptCmd"],
    platform: platformOf(config),
    buildType: v.buildType,
    pkgType: v.pkgType,
    arch: v.arch,
    installOptions: v["r.installOptions"],
    buildOptions: v["r.buildOptions"],
    checkOptions: v["r.checkOptions"],
    checkLibrary: checkLibrary(config),
    nonTargetRepos: nonTargetRepositories(config),
  };
}
