// The command line of every job (docs/bbs-rules.md#command-lines), as BBS writes it into
// the out file header and the summary's `Command:` field: a shell command run
// with cwd = meat. `.BBSoptions` prepends are raw shell prefixes; the
// extra options of the platform or host (r.installOptions, r.buildOptions,
// r.checkOptions) go where BBS put BBS_EXTRA_CHECK_OPTIONS.
//
// The R part of each line is built as an argument vector first (`*Argv`):
// the Single Package Builder runs those without a shell and without the
// .BBSoptions prepends, `bbs run` joins them into BBS's shell lines.

import type { BuildType, PkgType } from "../config/schema.js";
import { outFileName } from "../layout/central.js";
import { noExamplesOn, prependFor, type BbsOptions, type BbsPlatform, type PrependStage } from "./bbsoptions.js";

/** What the command lines depend on, from the node's configuration. */
export interface CommandSettings {
  /** `r.cmd` */
  readonly rCmd: string;
  /** `r.rscriptCmd` */
  readonly rscriptCmd: string;
  readonly platform: BbsPlatform;
  readonly buildType: BuildType;
  readonly pkgType: PkgType;
  /** Architecture (macOS x86_64 non-target installs get --no-multiarch --no-test-load). */
  readonly arch: string;
  readonly installOptions: string;
  readonly buildOptions: string;
  readonly checkOptions: string;
  /** Where CHECK finds the STAGE2 installation: R_LIBS, else R's own library. */
  readonly checkLibrary: string;
  /** Non-target repositories (BBS_BIOC_VERSION already replaced). */
  readonly nonTargetRepos: readonly string[];
}

function words(...parts: ReadonlyArray<string | undefined>): string {
  return parts
    .filter((part): part is string => part !== undefined && part.trim() !== "")
    .map((part) => part.trim())
    .join(" ");
}

/**
 * The words of a configured command or option string (`r.cmd`,
 * `r.checkOptions`...): split on white space, no quoting interpreted (the
 * SPB runs them without a shell).
 */
export function configWords(text: string): string[] {
  return text.split(/\s+/).filter((word) => word !== "");
}

function withPrepend(options: BbsOptions, stage: PrependStage, platform: BbsPlatform, command: string): string {
  return words(prependFor(options, stage, platform), command);
}

/** `R CMD INSTALL <installOptions> <pkg>` as arguments. */
export function installArgv(settings: CommandSettings, pkg: string): string[] {
  return [...configWords(settings.rCmd), "CMD", "INSTALL", ...configWords(settings.installOptions), pkg];
}

/** STAGE2, a target package: `R CMD INSTALL <pkg>` on its source directory. */
export function installCommand(settings: CommandSettings, pkg: string, options: BbsOptions): string {
  return withPrepend(options, "INSTALL", settings.platform, installArgv(settings, pkg).join(" "));
}

function rString(text: string): string {
  return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/**
 * STAGE2, a non-target package missing from the library: install.packages()
 * from the non-target repositories, without dependencies (they have jobs of
 * their own). Binaries first on Windows and macOS, the source if the binary
 * did not install. Unlike BBS, a package that ends up not installed (e.g. "not
 * available") fails the job instead of passing silently.
 */
export function nonTargetInstallCommand(settings: CommandSettings, pkg: string): string {
  const repos = `c(${settings.nonTargetRepos.map(rString).join(",")})`;
  const installed = `(${rString(pkg)} %in% rownames(installed.packages(.libPaths()[1L])))`;
  const opts =
    settings.platform === "mac" && settings.arch === "x86_64"
      ? `,INSTALL_opts=c('--no-multiarch','--no-test-load')`
      : "";
  const steps: string[] = [];
  if (settings.pkgType !== "source") {
    steps.push(
      `install.packages(${rString(pkg)},repos=${repos},type=${rString(settings.pkgType)},dependencies=FALSE${opts})`,
    );
    steps.push(
      `if(!${installed})install.packages(${rString(pkg)},repos=${repos},type='source',dependencies=FALSE${opts})`,
    );
  } else {
    steps.push(`install.packages(${rString(pkg)},repos=${repos},dependencies=FALSE${opts})`);
  }
  steps.push(`if(!${installed})stop('package ',${rString(pkg)},' was not installed into ',.libPaths()[1L])`);
  return `${settings.rscriptCmd} -e "${steps.join(";")}"`;
}

/** `R CMD build --keep-empty-dirs --no-resave-data <buildOptions> <pkg>` as arguments. */
export function buildArgv(settings: CommandSettings, pkg: string): string[] {
  const longtests = settings.buildType === "bioc-longtests" ? ["--no-build-vignettes", "--no-manual"] : [];
  return [
    ...configWords(settings.rCmd),
    "CMD",
    "build",
    "--keep-empty-dirs",
    "--no-resave-data",
    ...longtests,
    ...configWords(settings.buildOptions),
    pkg,
  ];
}

/** STAGE3: `R CMD build --keep-empty-dirs --no-resave-data <pkg>` (Windows: `chmod a+r <pkg> -R && ` first). */
export function buildCommand(settings: CommandSettings, pkg: string, options: BbsOptions): string {
  const command = withPrepend(options, "BUILD", settings.platform, buildArgv(settings, pkg).join(" "));
  return settings.platform === "win" ? `chmod a+r ${pkg} -R && ${command}` : command;
}

export interface CheckCommandInput {
  readonly pkg: string;
  /** `<pkg>_<version>.tar.gz`, the BUILD's PackageFile. */
  readonly tarball: string;
  /** `<pkg>.install-out.txt` exists in meat (STAGE2 ran for it): reuse that installation. */
  readonly reuseInstall: boolean;
  readonly options: BbsOptions;
}

/**
 * STAGE4: `R CMD check [--install=check:<pkg>.install-out.txt --library=<lib>]
 * <extra options> --timings [--no-examples] <tarball>`; books deploy the book
 * instead; longtests run the longtests directory only.
 */
export function checkCommand(settings: CommandSettings, input: CheckCommandInput): string {
  const { pkg, tarball } = input;
  if (settings.buildType === "books") {
    const book = `${pkg}.book`;
    // BBS's utils/deploy_book.py: the book (inst/doc/book or vignettes/book/docs) into <pkg>.book/<pkg>.
    const deploy =
      `tar xzf ${tarball} -C ${book} && ` +
      `if [ -d ${book}/${pkg}/inst/doc/book ]; then mv ${book}/${pkg}/inst/doc/book ${book}/.book; ` +
      `elif [ -d ${book}/${pkg}/vignettes/book/docs ]; then mv ${book}/${pkg}/vignettes/book/docs ${book}/.book; ` +
      `else echo "${tarball} holds no book (inst/doc/book or vignettes/book/docs)"; exit 1; fi && ` +
      `rm -rf ${book}/${pkg} && mv ${book}/.book ${book}/${pkg}`;
    return withPrepend(input.options, "CHECK", settings.platform, `rm -rf ${book} && mkdir ${book} && ${deploy}`);
  }
  return withPrepend(input.options, "CHECK", settings.platform, checkArgv(settings, input).join(" "));
}

/** `R CMD check [--install=check:... --library=...] <checkOptions> --timings [--no-examples] <tarball>` as arguments (not books). */
export function checkArgv(settings: CommandSettings, input: CheckCommandInput): string[] {
  const argv = [...configWords(settings.rCmd), "CMD", "check"];
  if (settings.platform === "win") argv.push("--no-multiarch");
  if (input.reuseInstall)
    argv.push(`--install=check:${outFileName(input.pkg, "install")}`, `--library=${settings.checkLibrary}`);
  if (settings.buildType === "bioc-longtests") {
    argv.push(
      ...configWords(
        "--test-dir=longtests --no-stop-on-test-error --no-codoc --no-examples --no-manual --ignore-vignettes --check-subdirs=no",
      ),
    );
  } else {
    argv.push(...configWords(settings.checkOptions), "--timings");
    if (noExamplesOn(input.options, settings.platform)) argv.push("--no-examples");
  }
  argv.push(input.tarball);
  return argv;
}

/** STAGE5's product: `<pkg>_<version>.zip` (Windows) or `.tgz` (macOS). */
export function binaryFileName(pkg: string, version: string, pkgType: PkgType): string {
  return `${pkg}_${version}.${pkgType.startsWith("win") ? "zip" : "tgz"}`;
}

/**
 * STAGE5: `R CMD INSTALL --build` of the source tarball into a library of its
 * own. On macOS BBS ran utils/build-universal.sh (INSTALL --preclean
 * --no-multiarch, then dylib paths rewritten with install_name_tool); bbs
 * runs the INSTALL part, which makes the .tgz itself.
 */
export function buildbinCommand(settings: CommandSettings, pkg: string, tarball: string, options: BbsOptions): string {
  const libdir = buildbinLibdir(pkg);
  const install = buildbinArgv(settings, libdir, tarball).join(" ");
  return withPrepend(options, "BUILDBIN", settings.platform, `rm -rf ${libdir} && mkdir ${libdir} && ${install}`);
}

/** The library STAGE5 installs into (emptied and made before the command). */
export function buildbinLibdir(pkg: string): string {
  return `${pkg}.buildbin-libdir`;
}

/** `R CMD INSTALL --build [--preclean --no-multiarch] --library=<libdir> <tarball>` as arguments. */
export function buildbinArgv(settings: CommandSettings, libdir: string, tarball: string): string[] {
  const mac = settings.platform === "mac" ? ["--preclean", "--no-multiarch"] : [];
  return [...configWords(settings.rCmd), "CMD", "INSTALL", "--build", ...mac, `--library=${libdir}`, tarball];
}
