// Real R commands for the fixture tests, invoked the way BBS invokes them
// (spec 4.1-4.3) plus the options of a machine without TeX, with outputs kept
// in <pkg>.<stage>-out.txt files for post-mortems.

import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";

export interface RRun {
  exitCode: number | undefined;
  output: string;
}

/** Environment of every R command: a private library first, English messages, absent Suggests tolerated. */
export function rEnv(library: string): Record<string, string> {
  return {
    R_LIBS: library,
    R_LIBS_USER: library,
    LANGUAGE: "en",
    LC_ALL: "C.UTF-8",
    _R_CHECK_FORCE_SUGGESTS_: "false",
  };
}

/**
 * Runs `R CMD <args>` with stdout and stderr on one file descriptor, as BBS's
 * `> out 2>&1` does: merging two pipes afterwards could reorder the lines the
 * status rules read.
 */
async function run(args: readonly string[], cwd: string, library: string, outFile: string): Promise<RRun> {
  const path = join(cwd, outFile);
  const child = spawnToFile(args, cwd, library, path, false);
  const exitCode = await new Promise<number | undefined>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code ?? undefined));
  });
  return { exitCode, output: await readFile(path, "utf8") };
}

function spawnToFile(
  args: readonly string[],
  cwd: string,
  library: string,
  path: string,
  detached: boolean,
): ChildProcess {
  const fd = openSync(path, "w");
  try {
    return spawn("R", ["CMD", ...args], {
      cwd,
      env: { ...process.env, ...rEnv(library) },
      stdio: ["ignore", fd, fd],
      detached,
    });
  } finally {
    closeSync(fd); // the child has its own copy
  }
}

/** `R CMD INSTALL --library=<lib> <pkgDir>` from the source directory, as STAGE2 does. */
export function rInstall(pkgDir: string, name: string, library: string, cwd: string): Promise<RRun> {
  return run(["INSTALL", `--library=${library}`, pkgDir], cwd, library, `${name}.install-out.txt`);
}

/** `R CMD build --keep-empty-dirs --no-resave-data [--no-build-vignettes] <pkgDir>` in cwd, as STAGE3 does. */
export function rBuild(
  pkgDir: string,
  name: string,
  library: string,
  cwd: string,
  options: { vignettes?: boolean } = {},
): Promise<RRun> {
  const vignettes = options.vignettes === true ? [] : ["--no-build-vignettes"];
  const suffix = options.vignettes === true ? "buildsrc-vignettes" : "buildsrc";
  return run(
    ["build", "--keep-empty-dirs", "--no-resave-data", ...vignettes, pkgDir],
    cwd,
    library,
    `${name}.${suffix}-out.txt`,
  );
}

/** `R CMD check --install=check:<pkg>.install-out.txt --library=<lib> --no-manual --timings <tarball>`, as STAGE4 does. */
export function rCheck(tarball: string, name: string, library: string, cwd: string): Promise<RRun> {
  return run(checkArgs(tarball, name, library), cwd, library, `${name}.checksrc-out.txt`);
}

export function checkArgs(tarball: string, name: string, library: string): string[] {
  return [
    "check",
    `--install=check:${name}.install-out.txt`,
    `--library=${library}`,
    "--no-manual",
    "--timings",
    tarball,
  ];
}

/** Starts R CMD check in its own process group, output to `<name>.checksrc-out.txt` (the caller kills the group). */
export function startDetachedCheck(
  tarball: string,
  name: string,
  library: string,
  cwd: string,
): { child: ChildProcess; exited: Promise<void>; outFile: string } {
  const outFile = join(cwd, `${name}.checksrc-out.txt`);
  const child = spawnToFile(checkArgs(tarball, name, library), cwd, library, outFile, true);
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
  return { child, exited, outFile };
}

/** An Rscript expression's stdout (throws with stderr when R fails). */
export async function rscript(expression: string, library: string): Promise<string> {
  const result = await execa("Rscript", ["--vanilla", "-e", expression], { env: rEnv(library), stdin: "ignore" });
  return result.stdout.trim();
}

/** Lines of an output as Python's readlines() sees them (no empty line after the final newline). */
export function outputLines(output: string): string[] {
  return output.replace(/\n$/, "").split("\n");
}

/** Last lines of an output, for assertion messages. */
export function tail(output: string, lines = 25): string {
  return outputLines(output).slice(-lines).join("\n");
}

/** BBS's INSTALL rule (spec 4.1): return code 0 and none of the last 12 lines says the install was undone. */
export function installStatus(run: RRun, name: string): "OK" | "ERROR" {
  const last = outputLines(run.output).slice(-12);
  const failed = last.some(
    (line) =>
      /^\* removing/.test(line) ||
      /installation of package .* had non-zero exit status/.test(line) ||
      line.includes(`Error in install.packages("${name}"`) ||
      line.includes("Error in download.file("),
  );
  return run.exitCode === 0 && !failed ? "OK" : "ERROR";
}

/** BBS's CHECK rule (spec 4.3) for a check that ended: non-zero -> ERROR, else WARNINGS when the last 6 lines count warnings. */
export function checkStatus(run: RRun): "OK" | "WARNINGS" | "ERROR" {
  if (run.exitCode !== 0) return "ERROR";
  for (const line of outputLines(run.output).slice(-6)) {
    const match =
      /^WARNING: There (?:was|were) (\d+) (?:warning|warnings)/.exec(line) ?? /^Status: (\d+) WARNING/.exec(line);
    if (match) return match[1] === "0" ? "OK" : "WARNINGS";
  }
  return "OK";
}
