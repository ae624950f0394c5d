// One node's build of one submission (docs/spb.md, "the pipeline on a
// node"): sources at the submitted commit, DESCRIPTION and .BBSoptions,
// dependencies into this submission's own library, R CMD INSTALL, build and
// check with `bbs run`'s command lines and status rules, BiocCheckGitClone
// and BiocCheck as their own column, the binary build on macOS and Windows.
// Each step reports its start (exact argv), its log as it grows, and its end.
// What the build system cannot do (sources, dependencies, a missing tool) is
// ABNORMAL with the reason, never the package's ERROR.

import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { readBbsOptions, unsupportedPlatformsOption, type BbsOptions } from "../../rpkg/bbsoptions.js";
import { Description } from "../../rpkg/description.js";
import {
  binaryFileName,
  buildArgv,
  buildbinArgv,
  buildbinLibdir,
  checkArgv,
  installArgv,
  type CommandSettings,
} from "../../rpkg/r-commands.js";
import {
  CHECK_TAIL_LINES,
  checkResult,
  INSTALL_TAIL_LINES,
  installStatus,
  productStatus,
} from "../../rpkg/status-rules.js";
import { unsupportedBecause, type NodeIdentity } from "../../rpkg/support.js";
import { errorMessage } from "../../util/errors.js";
import type { NodeOutcome, Step, StepStatus, WorkItem } from "../model.js";
import { biocCheckArgv, biocCheckCounts, biocCheckGitCloneArgv, depsArgv, lastRError } from "./r-scripts.js";
import { fetchSources, sourceCommand } from "./source.js";
import { RunningStep, skipStep, type StepContext } from "./step-runner.js";

export interface PipelineSettings {
  readonly commands: CommandSettings;
  readonly identity: NodeIdentity;
  readonly gitCmd: string;
  readonly gitBranch: string;
  /** Per step kind, milliseconds. */
  readonly timeoutsMs: {
    readonly clone: number;
    readonly deps: number;
    readonly install: number;
    readonly build: number;
    readonly check: number;
    readonly bioccheck: number;
    readonly buildbin: number;
  };
  readonly retries: number;
  readonly retryDelayMs: number;
  /** A Software package's R CMD check longer than this is WARNINGS (0: no such rule). */
  readonly checkWarningMinutes: number;
  /** BiocCheck runs (enabled and installed); else why not, for the skipped cells. */
  readonly biocCheck: true | string;
  readonly biocCheckArgs: readonly string[];
  /** Libraries builds may read after their own (the nightly's, never written). */
  readonly readLibraries: string | undefined;
  /** Variables of the build environment besides R_LIBS (R_ENVIRON_USER, r.environment, the allow-list). */
  readonly env: Readonly<Record<string, string>>;
}

export interface PipelineResult {
  readonly outcome: NodeOutcome;
  readonly reason?: string;
}

/** Columns' steps after `from`, reported skipped with `why`. */
function skipRest(context: StepContext, steps: readonly Step[], why: string): void {
  for (const step of steps) skipStep(context.events, step, why);
}

/** Software unless DESCRIPTION says otherwise (the 10-minute rule applies to Software only). */
function isSoftware(description: Description): boolean {
  const type = description.get("BiocType")?.trim().toLowerCase();
  if (type !== undefined && type !== "" && type !== "software") return false;
  const views = (description.get("biocViews") ?? "").split(/[\s,]+/);
  return !views.some((view) => ["ExperimentData", "AnnotationData", "Workflow"].includes(view));
}

/** The 10-minute rule: an OK or clean check longer than the limit is WARNINGS, with why. */
export function longCheckRule(
  status: StepStatus,
  elapsedSeconds: number,
  limitMinutes: number,
  software: boolean,
): { status: StepStatus; detail?: string } {
  if (status !== "OK" || limitMinutes <= 0 || !software || elapsedSeconds < limitMinutes * 60) return { status };
  return {
    status: "WARNINGS",
    detail: `R CMD check took ${(elapsedSeconds / 60).toFixed(1)} min, over the ${limitMinutes} min of spb.checkWarningMinutes (the time of R CMD check alone: INSTALL ran before it)`,
  };
}

export async function runPipeline(
  item: WorkItem,
  context: StepContext,
  settings: PipelineSettings,
  fetchTarball: (signal: AbortSignal) => Promise<Buffer>,
): Promise<PipelineResult> {
  const pkg = item.package;
  const dir = context.dir;
  const events = context.events;
  const library = join(dir, "library");
  mkdirSync(library, { recursive: true });
  const rLibs = [library, ...(settings.readLibraries ? [settings.readLibraries] : [])].join(":");
  const stepContext: StepContext = { ...context, env: { ...settings.env, ...context.env, R_LIBS: rLibs } };
  const commands: CommandSettings = { ...settings.commands, checkLibrary: library };

  // ---- source: sources, DESCRIPTION, .BBSoptions ----
  const source = new RunningStep(
    "source",
    stepContext,
    settings.timeoutsMs.clone,
    sourceCommand(item.source, settings, pkg),
  );
  const got = await fetchSources(source, dir, pkg, item.source, {
    gitCmd: settings.gitCmd,
    gitBranch: settings.gitBranch,
    retries: settings.retries,
    retryDelayMs: settings.retryDelayMs,
    timeoutMs: settings.timeoutsMs.clone,
    fetchTarball,
    signal: context.signal,
  });
  if (!got.ok) {
    source.note(got.reason);
    source.finish("ABNORMAL", null, got.reason, got.attempts);
    return { outcome: "abnormal", reason: got.reason };
  }
  // The sources are not the submitted package: the package's ERROR, and no later step runs.
  const refuse = (why: string, skipReason: string): { outcome: "completed" } => {
    source.note(why);
    source.finish("ERROR", 1, why, got.attempts);
    skipRest(context, ["deps", "install", "buildsrc", "checksrc", "biocgitclone", "bioccheck", "buildbin"], skipReason);
    return { outcome: "completed" };
  };
  let description: Description;
  try {
    description = Description.read(join(dir, pkg, "DESCRIPTION"));
  } catch (error) {
    return refuse(`DESCRIPTION cannot be read: ${errorMessage(error)}`, "the sources are not a package");
  }
  const version = description.version ?? "";
  events.emit({ type: "source", commit: got.commit, version, maintainer: description.maintainer ?? null });
  if (description.package !== pkg) {
    return refuse(
      `DESCRIPTION's Package is ${JSON.stringify(description.package ?? "")}, not the submitted ${pkg}: refused`,
      "Package mismatch",
    );
  }
  const options: BbsOptions = readBbsOptions(join(dir, pkg));
  const excludedBy = unsupportedBecause(unsupportedPlatformsOption(options), settings.identity);
  if (excludedBy !== undefined) {
    const why = `.BBSoptions UnsupportedPlatforms lists ${excludedBy}: not built on this node`;
    source.note(why);
    source.finish("OK", 0, why, got.attempts);
    return { outcome: "unsupported", reason: why };
  }
  source.finish("OK", 0, got.commit === null ? undefined : `commit ${got.commit}`, got.attempts);

  // ---- deps: into the submission's library, retried as an infrastructure step ----
  const deps = new RunningStep(
    "deps",
    stepContext,
    settings.timeoutsMs.deps,
    depsArgv(commands.rscriptCmd, pkg, library, commands.nonTargetRepos),
  );
  for (let attempt = 1; ; attempt += 1) {
    const run = await deps.run(depsArgv(commands.rscriptCmd, pkg, library, commands.nonTargetRepos));
    if (run.retCode === 0) {
      deps.finish("OK", 0, undefined, attempt);
      break;
    }
    const why = run.cancelled
      ? "the worker stopped during the dependency install"
      : run.timedOut
        ? `the dependency install timed out (spb.timeouts.deps)`
        : run.spawnError !== undefined
          ? `cannot run ${commands.rscriptCmd}: ${run.spawnError}`
          : `the dependencies could not be installed: ${lastRError(deps.text()) ?? (await deps.lastLines(1)).join("")}`;
    if (attempt > settings.retries || run.cancelled || run.spawnError !== undefined) {
      deps.note(why);
      deps.finish("ABNORMAL", run.retCode, why, attempt);
      return { outcome: "abnormal", reason: why };
    }
    deps.note(`${why}; attempt ${attempt + 1} of ${settings.retries + 1} (spb.retries)`);
    await sleep(settings.retryDelayMs, undefined, { signal: context.signal }).catch(() => undefined);
    deps.restartClock(settings.timeoutsMs.deps);
  }

  // ---- install ----
  const installCommand = installArgv(commands, pkg);
  const install = new RunningStep("install", stepContext, settings.timeoutsMs.install, installCommand);
  const installed = await install.run(installCommand);
  if (installed.cancelled) return stopped(install);
  if (installed.spawnError !== undefined) return missingTool(install, installed.spawnError);
  const installStatusOf = installStatus(installed, await install.lastLines(INSTALL_TAIL_LINES), pkg);
  install.finish(installStatusOf, installed.retCode);
  if (installStatusOf !== "OK") {
    skipRest(
      context,
      ["buildsrc", "checksrc", "biocgitclone", "bioccheck", "buildbin"],
      `INSTALL is ${installStatusOf}`,
    );
    return { outcome: "completed" };
  }

  // ---- build ----
  const tarball = `${pkg}_${version}.tar.gz`;
  const buildCommand = buildArgv(commands, pkg);
  const build = new RunningStep("buildsrc", stepContext, settings.timeoutsMs.build, buildCommand);
  const built = await build.run(buildCommand);
  if (built.cancelled) return stopped(build);
  const buildStatus = productStatus(built, existsSync(join(dir, tarball)));
  build.finish(
    buildStatus,
    built.retCode,
    buildStatus === "ERROR" && !existsSync(join(dir, tarball)) ? `no ${tarball}` : undefined,
  );

  // ---- check ----
  if (buildStatus === "OK") {
    const checkCommand = checkArgv(commands, { pkg, tarball, reuseInstall: true, options });
    const check = new RunningStep("checksrc", stepContext, settings.timeoutsMs.check, checkCommand);
    const checked = await check.run(checkCommand);
    if (checked.cancelled) return stopped(check);
    const checkDirName = `${pkg}.Rcheck`;
    const judged = checkResult(checked, await check.lastLines(CHECK_TAIL_LINES), {
      checkDirMade: existsSync(join(dir, checkDirName)),
      books: false,
      checkDirName,
    });
    if (judged.nothingChecked !== undefined)
      check.note(`${judged.nothingChecked}: nothing was checked, the CHECK is an ERROR`);
    const rule = longCheckRule(
      judged.status,
      checked.elapsedSeconds,
      settings.checkWarningMinutes,
      isSoftware(description),
    );
    if (rule.detail !== undefined) check.note(rule.detail);
    check.finish(rule.status, checked.retCode, rule.detail ?? judged.nothingChecked);
  } else skipStep(events, "checksrc", `BUILD is ${buildStatus}`);

  // ---- BiocCheckGitClone, BiocCheck ----
  if (settings.biocCheck !== true) {
    skipRest(context, ["biocgitclone", "bioccheck"], settings.biocCheck);
  } else {
    const gitCloneCommand = biocCheckGitCloneArgv(commands.rscriptCmd, pkg);
    const gitClone = new RunningStep("biocgitclone", stepContext, settings.timeoutsMs.bioccheck, gitCloneCommand);
    const gitCloneRun = await gitClone.run(gitCloneCommand);
    if (gitCloneRun.cancelled) return stopped(gitClone);
    finishBiocCheck(gitClone, gitCloneRun.retCode, gitCloneRun.timedOut);
    if (buildStatus === "OK") {
      const biocCommand = biocCheckArgv(commands.rscriptCmd, tarball, {
        newPackage: item.newPackage,
        extra: settings.biocCheckArgs,
      });
      const bioc = new RunningStep("bioccheck", stepContext, settings.timeoutsMs.bioccheck, biocCommand);
      const biocRun = await bioc.run(biocCommand);
      if (biocRun.cancelled) return stopped(bioc);
      finishBiocCheck(bioc, biocRun.retCode, biocRun.timedOut);
    } else skipStep(events, "bioccheck", `BUILD is ${buildStatus}`);
  }

  // ---- BUILD BIN (macOS, Windows), even after a failed check ----
  if (commands.pkgType === "source") {
    skipStep(events, "buildbin", "this node builds no binaries (pkgType: source)");
  } else if (buildStatus !== "OK") {
    skipStep(events, "buildbin", `BUILD is ${buildStatus}`);
  } else {
    const libdir = buildbinLibdir(pkg);
    mkdirSync(join(dir, libdir), { recursive: true });
    const binCommand = buildbinArgv(commands, libdir, tarball);
    const bin = new RunningStep("buildbin", stepContext, settings.timeoutsMs.buildbin, binCommand);
    const binRun = await bin.run(binCommand);
    if (binRun.cancelled) return stopped(bin);
    bin.finish(
      productStatus(binRun, existsSync(join(dir, binaryFileName(pkg, version, commands.pkgType)))),
      binRun.retCode,
    );
  }
  return { outcome: "completed" };
}

/** BiocCheck's status from its summary line; no summary: it did not finish (network, a missing package), ABNORMAL. */
function finishBiocCheck(step: RunningStep, retCode: number | null, timedOut: boolean): void {
  if (timedOut) {
    step.finish("TIMEOUT", retCode, "killed after spb.timeouts.bioccheck");
    return;
  }
  const output = step.text();
  const counts = biocCheckCounts(output);
  if (counts === undefined) {
    const why = `${step.step === "bioccheck" ? "BiocCheck" : "BiocCheckGitClone"} did not finish (exit ${retCode}): ${lastRError(output) ?? "no summary"}`;
    step.note(`${why}; the build system's failure, not the package's`);
    step.finish("ABNORMAL", retCode, why);
    return;
  }
  const status: StepStatus = counts.errors > 0 ? "ERROR" : counts.warnings > 0 ? "WARNINGS" : "OK";
  step.finish(status, retCode, `${counts.errors} ERRORS | ${counts.warnings} WARNINGS | ${counts.notes} NOTES`);
}

function stopped(step: RunningStep): PipelineResult {
  const why = `the worker was stopped during ${step.step}`;
  step.finish("ABNORMAL", null, why);
  return { outcome: "abnormal", reason: why };
}

function missingTool(step: RunningStep, error: string): PipelineResult {
  const why = `cannot run ${step.step}'s command: ${error}`;
  step.note(why);
  step.finish("ABNORMAL", 127, why);
  return { outcome: "abnormal", reason: why };
}
