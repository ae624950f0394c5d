// What one STAGE2-5 job does once the engine gives it a slot: run its command
// (out file with BBS's header, 00LOCK re-runs for INSTALL, the whole process
// group killed on timeout), decide its status by BBS's textual rules, write
// `<pkg>.<stage>-summary.dcf`, and hand its files to the delivery. Files are
// written in meat/ (the jobs' cwd), exactly as BBS writes them.

import { appendFileSync, existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { runCommandJob, type CommandJobResult } from "../../jobs/command-job.js";
import { filesToDeliver, jobFiles, type JobFiles } from "../../jobs/outfile.js";
import { readLastLines } from "../../jobs/tail.js";
import type { RecordableOutcome } from "../../jobs/recording.js";
import { checkExtras, packageFileExtras, readSummary, writeSummary, type DateOptions } from "../../results/summary.js";
import type { JobContext } from "../../jobs/types.js";
import type { Stage } from "../../layout/stages.js";
import type { BbsOptions } from "../../rpkg/bbsoptions.js";
import { errorMessage } from "../../util/errors.js";
import {
  binaryFileName,
  buildbinCommand,
  buildCommand,
  checkCommand,
  installCommand,
  nonTargetInstallCommand,
  type CommandSettings,
} from "../../rpkg/r-commands.js";
import type { Delivery, JobDelivery } from "./delivery.js";
import { pruneCheckDir } from "../../rpkg/rcheck.js";
import {
  CHECK_TAIL_LINES,
  checkResult,
  INSTALL_TAIL_LINES,
  installStatus,
  lockedBy,
  productStatus,
} from "../../rpkg/status-rules.js";
import { rcheckDirName, missingFileName, outFileName } from "../../layout/central.js";

/** A job's result, as the engine, the history and the NDJSON log see it. */
export interface StageOutcome extends RecordableOutcome {
  readonly status: string;
  readonly retCode: number | null;
  /** buildsrc / buildbin: the product's file name (`PackageFile`), when it exists. */
  readonly packageFile?: string;
  /** Incremental runs: the result was not produced tonight but taken from this run (docs/run.md#incremental-runs). */
  readonly reusedFrom?: string;
}

/** What every job of a run shares. */
export interface StageJobSettings {
  readonly meatDir: string;
  readonly commands: CommandSettings;
  /** Variables added to the jobs' environment (R_ENVIRON_USER, R_LIBS). */
  readonly env: Readonly<Record<string, string>>;
  /** Per-stage timeout, milliseconds. */
  readonly timeoutsMs: Readonly<Record<Stage, number>>;
  readonly killGraceMs: number;
  /** Pause before a 00LOCK re-run (BBS: 5 s). */
  readonly rerunDelayMs: number;
  readonly dontPushSrcPkgs: boolean;
  readonly dates: DateOptions;
  readonly delivery: Delivery;
}

/** A target package as its jobs need it. */
export interface TargetPackage {
  readonly name: string;
  /** DESCRIPTION's Version in meat (products are named after it). */
  readonly version: string;
  /** git_last_commit injected by prerun, if any. */
  readonly commit: string | null;
  readonly options: BbsOptions;
}

/** The file a stage's job produces in meat, or null (INSTALL). */
export function productName(stage: Stage, target: TargetPackage, settings: StageJobSettings): string | null {
  switch (stage) {
    case "install":
      return null;
    case "buildsrc":
      return `${target.name}_${target.version}.tar.gz`;
    case "checksrc":
      return settings.commands.buildType === "books" ? `${target.name}.book` : rcheckDirName(target.name);
    case "buildbin":
      return binaryFileName(target.name, target.version, settings.commands.pkgType);
  }
}

/**
 * The files delivered for a finished job (product or -MISSING marker, out
 * file, summary) and the names they make stale. A product that is not
 * delivered on purpose (dontPushSrcPkgs) gets no marker either.
 */
export function jobDelivery(
  stage: Stage,
  pkg: string,
  product: string | null,
  settings: StageJobSettings,
): JobDelivery {
  const files = jobFiles(settings.meatDir, pkg, stage);
  const withheld = stage === "buildsrc" && settings.dontPushSrcPkgs;
  const productPath = product === null || withheld ? null : join(settings.meatDir, product);
  const deliver = filesToDeliver(files, productPath);
  const missing = missingFileName(pkg, stage);
  const stale = productPath === null ? [] : existsSync(productPath) ? [missing] : [product as string];
  return { stage, pkg, files: deliver, stale };
}

interface CommandSpec {
  readonly stage: Stage;
  readonly pkg: string;
  /** Written as `Version:` (null: `None`, non-target installs). */
  readonly version: string | null;
  readonly commit: string | null;
  readonly command: string;
  readonly product: string | null;
  /** Asked after each in-time run: re-run (00LOCK)? */
  readonly rerun?: (files: JobFiles) => Promise<boolean>;
  /** Status and summary extras from the finished command. */
  readonly judge: (
    result: CommandJobResult,
    files: JobFiles,
  ) => Promise<{ status: string; extras: ReadonlyArray<readonly [string, string]> }>;
}

function cancelledOutcome(result: CommandJobResult, spec: CommandSpec): StageOutcome {
  return {
    status: "cancelled",
    retCode: null,
    survivors: result.survivors,
    elapsedSeconds: result.elapsedSeconds,
    command: spec.command,
    version: spec.version,
    commit: spec.commit,
  };
}

/** Runs one job's command and records it the way BBS does. */
async function runCommandSpec(
  spec: CommandSpec,
  settings: StageJobSettings,
  context: JobContext<StageOutcome>,
): Promise<StageOutcome> {
  const files = jobFiles(settings.meatDir, spec.pkg, spec.stage);
  // A product of an earlier run must not pass for this one's (BUILD is OK only if the tarball exists).
  if (spec.product !== null) rmSync(join(settings.meatDir, spec.product), { recursive: true, force: true });
  rmSync(files.summaryFile, { force: true });
  const result = await runCommandJob({
    command: spec.command,
    outputFile: files.outFile,
    cwd: settings.meatDir,
    env: settings.env,
    timeoutMs: settings.timeoutsMs[spec.stage],
    killGraceMs: settings.killGraceMs,
    rerunDelayMs: settings.rerunDelayMs,
    signal: context.signal,
    sweeper: context.sweeper,
    ...(spec.rerun === undefined
      ? {}
      : { rerunIf: () => (spec.rerun as (files: JobFiles) => Promise<boolean>)(files) }),
  });
  // Cancelled (SIGINT/SIGTERM): no summary, so that `bbs run --resume` runs it again.
  if (result.cancelled) return cancelledOutcome(result, spec);
  const { status, extras } = await spec.judge(result, files);
  writeSummary(
    files.summaryFile,
    {
      package: spec.pkg,
      version: spec.version,
      command: spec.command,
      startedAt: result.startedAt,
      endedAt: result.endedAt,
      elapsedSeconds: result.elapsedSeconds,
      retCode: result.retCode,
      status,
      extras,
    },
    settings.dates,
  );
  // Delivery happens off the slot; the stage's end waits for it.
  void settings.delivery.job(jobDelivery(spec.stage, spec.pkg, spec.product, settings));
  const packageFile = extras.find(([field]) => field === "PackageFile")?.[1];
  return {
    status,
    retCode: result.retCode,
    survivors: result.survivors,
    elapsedSeconds: result.elapsedSeconds,
    command: spec.command,
    version: spec.version,
    commit: spec.commit,
    ...(packageFile === undefined || packageFile === "None" ? {} : { packageFile }),
  };
}

/** The out file's last lines for the status rules (none when it cannot be read). */
async function lastLines(path: string, count: number): Promise<string[]> {
  try {
    return await readLastLines(path, count);
  } catch {
    return [];
  }
}

function commandEnd(result: CommandJobResult): { retCode: number | null; timedOut: boolean } {
  return { retCode: result.retCode, timedOut: result.timedOut };
}

/** STAGE2 for a target package: `R CMD INSTALL <pkg>` from meat, with the 00LOCK re-run. */
export function installTargetJob(target: TargetPackage, settings: StageJobSettings) {
  const spec: CommandSpec = {
    stage: "install",
    pkg: target.name,
    version: target.version,
    commit: target.commit,
    command: installCommand(settings.commands, target.name, target.options),
    product: null,
    rerun: async (files) => lockedBy(await lastLines(files.outFile, INSTALL_TAIL_LINES), target.name) !== undefined,
    judge: async (result, files) => ({
      status: installStatus(commandEnd(result), await lastLines(files.outFile, INSTALL_TAIL_LINES), target.name),
      extras: [],
    }),
  };
  return (context: JobContext<StageOutcome>) => runCommandSpec(spec, settings, context);
}

/** STAGE2 for a non-target package missing from the library: install.packages() from the non-target repositories. */
export function installNonTargetJob(pkg: string, settings: StageJobSettings) {
  const spec: CommandSpec = {
    stage: "install",
    pkg,
    version: null,
    commit: null,
    command: nonTargetInstallCommand(settings.commands, pkg),
    product: null,
    rerun: async (files) => lockedBy(await lastLines(files.outFile, INSTALL_TAIL_LINES), pkg) !== undefined,
    judge: async (result, files) => ({
      status: installStatus(commandEnd(result), await lastLines(files.outFile, INSTALL_TAIL_LINES), pkg),
      extras: [],
    }),
  };
  return (context: JobContext<StageOutcome>) => runCommandSpec(spec, settings, context);
}

/** STAGE3: `R CMD build`; OK iff return code 0 and `<pkg>_<version>.tar.gz` exists. */
export function buildJob(target: TargetPackage, settings: StageJobSettings) {
  const product = productName("buildsrc", target, settings) as string;
  const spec: CommandSpec = {
    stage: "buildsrc",
    pkg: target.name,
    version: target.version,
    commit: target.commit,
    command: buildCommand(settings.commands, target.name, target.options),
    product,
    judge: (result) => {
      const path = join(settings.meatDir, product);
      return Promise.resolve({
        status: productStatus(commandEnd(result), existsSync(path)),
        extras: packageFileExtras(path, product),
      });
    },
  };
  return (context: JobContext<StageOutcome>) => runCommandSpec(spec, settings, context);
}

/** The source tarball a CHECK or BUILD BIN job works on: its BUILD's PackageFile. */
function tarballOf(target: TargetPackage, context: JobContext<StageOutcome>): string {
  return context.previous?.outcome?.packageFile ?? `${target.name}_${target.version}.tar.gz`;
}

/** STAGE4: `R CMD check` of the BUILD's tarball, reusing the STAGE2 installation; the check directory is pruned before delivery. */
export function checkJob(target: TargetPackage, settings: StageJobSettings) {
  const product = productName("checksrc", target, settings) as string;
  const books = settings.commands.buildType === "books";
  return (context: JobContext<StageOutcome>) => {
    const tarball = tarballOf(target, context);
    // R CMD check of a missing tarball says "neither a file nor directory, skipping" and exits 0.
    const tarballMissing = !existsSync(join(settings.meatDir, tarball));
    const reuseInstall = existsSync(join(settings.meatDir, outFileName(target.name, "install")));
    const spec: CommandSpec = {
      stage: "checksrc",
      pkg: target.name,
      version: target.version,
      commit: target.commit,
      command: checkCommand(settings.commands, { pkg: target.name, tarball, reuseInstall, options: target.options }),
      product,
      judge: async (result, files) => {
        const dir = join(settings.meatDir, product);
        const present = existsSync(dir);
        if (present && !books) pruneCheckDir(dir, target.name);
        const { status, warnings, nothingChecked } = checkResult(
          commandEnd(result),
          await lastLines(files.outFile, CHECK_TAIL_LINES),
          {
            ...(tarballMissing
              ? {
                  tarballMissing: `the source tarball ${tarball} was not in ${settings.meatDir} when the CHECK started`,
                }
              : {}),
            checkDirMade: present,
            books,
            checkDirName: product,
          },
        );
        if (nothingChecked !== undefined)
          appendFileSync(files.outFile, `\nbbs: ${nothingChecked}: nothing was checked, the CHECK is an ERROR\n`);
        return {
          status,
          extras: checkExtras(present ? product : null, warnings, books ? "DeployDestDir" : "CheckDir"),
        };
      },
    };
    return runCommandSpec(spec, settings, context);
  };
}

/** STAGE5: a binary package from the BUILD's tarball; OK iff return code 0 and the .zip/.tgz exists. */
export function buildbinJob(target: TargetPackage, settings: StageJobSettings) {
  const product = productName("buildbin", target, settings) as string;
  return (context: JobContext<StageOutcome>) => {
    const spec: CommandSpec = {
      stage: "buildbin",
      pkg: target.name,
      version: target.version,
      commit: target.commit,
      command: buildbinCommand(settings.commands, target.name, tarballOf(target, context), target.options),
      product,
      judge: (result) => {
        const path = join(settings.meatDir, product);
        return Promise.resolve({
          status: productStatus(commandEnd(result), existsSync(path)),
          extras: packageFileExtras(path, product),
        });
      },
    };
    return runCommandSpec(spec, settings, context);
  };
}

/** A job's outcome read back from its summary in meat (resume, earlier stages); undefined when absent or unreadable. */
export function outcomeFromSummary(
  meatDir: string,
  pkg: string,
  stage: Stage,
  onProblem?: (message: string) => void,
): StageOutcome | undefined {
  const path = jobFiles(meatDir, pkg, stage).summaryFile;
  try {
    const summary = readSummary(path);
    if (summary === undefined) return undefined;
    const packageFile = summary.fields.get("PackageFile");
    return {
      status: summary.status,
      retCode: summary.retCode,
      ...(summary.elapsedSeconds === undefined ? {} : { elapsedSeconds: summary.elapsedSeconds }),
      command: summary.command,
      version: summary.version,
      ...(packageFile === undefined || packageFile === "None" ? {} : { packageFile }),
    };
  } catch (error) {
    onProblem?.(`${path}: ${errorMessage(error)} (the job runs again)`);
    return undefined;
  }
}
