// The R code the SPB pipeline runs besides R CMD INSTALL/build/check: fixed
// text given to `Rscript -e`, with everything that comes from a submission
// or the configuration passed as trailing arguments (commandArgs(TRUE)),
// never pasted into the code. And how their output is read.

import { configWords } from "../../rpkg/r-commands.js";

// args: <package dir> <library> <repository>... Installs the missing
// dependencies (Depends, Imports, LinkingTo; Suggests too, best effort) into
// the submission's own library, the first of .libPaths(); fails when a hard
// dependency is still missing.
const DEPS_CODE = [
  "a <- commandArgs(TRUE); pkgdir <- a[1L]; lib <- a[2L]; repos <- a[-(1:2)]",
  'd <- read.dcf(file.path(pkgdir, "DESCRIPTION"))',
  'field <- function(f) if (f %in% colnames(d)) d[1L, f] else ""',
  'deps <- function(x) { x <- trimws(unlist(strsplit(gsub("\\\\([^)]*\\\\)", "", x), ","))); unique(x[x != "" & x != "R"]) }',
  'hard <- unique(unlist(lapply(c("Depends", "Imports", "LinkingTo"), function(f) deps(field(f)))))',
  'soft <- setdiff(deps(field("Suggests")), hard)',
  "have <- rownames(installed.packages())",
  'cat("library:", lib, "\\nhard dependencies:", if (length(hard)) hard else "none", "\\nsuggested:", if (length(soft)) soft else "none", "\\n")',
  "todo <- setdiff(c(hard, soft), have)",
  'cat("to install:", if (length(todo)) todo else "nothing", "\\n")',
  'if (length(todo) && !length(repos)) { cat("no repositories configured (nonTargetRepos)\\n"); quit(status = 1L) }',
  'if (length(todo)) install.packages(todo, lib = lib, repos = repos, dependencies = c("Depends", "Imports", "LinkingTo"))',
  "still <- setdiff(hard, rownames(installed.packages()))",
  'if (length(still)) { cat("still missing:", still, "\\n"); quit(status = 1L) }',
  'miss <- setdiff(soft, rownames(installed.packages())); if (length(miss)) cat("suggested packages not available:", miss, "\\n")',
].join("\n");

/** `Rscript -e <deps code> <pkgdir> <lib> <repos...>` */
export function depsArgv(rscriptCmd: string, pkgDir: string, library: string, repos: readonly string[]): string[] {
  return [...configWords(rscriptCmd), "-e", DEPS_CODE, pkgDir, library, ...repos];
}

/** Whether BiocCheck is installed: `Rscript -e <this>` exits 0 when it is. */
export function hasBiocCheckArgv(rscriptCmd: string): string[] {
  return [
    ...configWords(rscriptCmd),
    "-e",
    'quit(status = if (nzchar(system.file(package = "BiocCheck"))) 0L else 1L)',
  ];
}

// args: <clone>
const GIT_CLONE_CODE = "BiocCheck::BiocCheckGitClone(commandArgs(TRUE)[1L], `quit-with-status` = TRUE)";

export function biocCheckGitCloneArgv(rscriptCmd: string, cloneDir: string): string[] {
  return [...configWords(rscriptCmd), "-e", GIT_CLONE_CODE, cloneDir];
}

// args: <tarball> [--option[=value]]...: BiocCheck's own command-line options, as its script reads them.
const BIOCCHECK_CODE = [
  "a <- commandArgs(TRUE); opts <- list()",
  'for (x in a[-1L]) { kv <- strsplit(sub("^--", "", x), "=", fixed = TRUE)[[1L]]; opts[[kv[1L]]] <- if (length(kv) > 1L) paste(kv[-1L], collapse = "=") else TRUE }',
  "do.call(BiocCheck::BiocCheck, c(list(a[1L]), opts))",
].join("\n");

/** BiocCheck of the tarball; `--new-package` only for a new submission (the real SPB always showed it). */
export function biocCheckArgv(
  rscriptCmd: string,
  tarball: string,
  options: { newPackage: boolean; extra: readonly string[] },
): string[] {
  return [
    ...configWords(rscriptCmd),
    "-e",
    BIOCCHECK_CODE,
    tarball,
    ...(options.newPackage ? ["--new-package"] : []),
    "--quit-with-status",
    ...options.extra.filter((option) => /^--[A-Za-z][A-Za-z0-9-]*(=.*)?$/.test(option)),
  ];
}

export interface BiocCheckCounts {
  readonly errors: number;
  readonly warnings: number;
  readonly notes: number;
}

/**
 * BiocCheck's summary line (`1 ERRORS | 0 WARNINGS | 2 NOTES`), the last one
 * of the output; undefined when there is none (BiocCheck did not finish).
 */
export function biocCheckCounts(output: string): BiocCheckCounts | undefined {
  const matches = [...output.matchAll(/^\s*(\d+) ERRORS? \| (\d+) WARNINGS? \| (\d+) NOTES?\s*$/gm)];
  const last = matches.at(-1);
  if (last === undefined) return undefined;
  return { errors: Number(last[1]), warnings: Number(last[2]), notes: Number(last[3]) };
}

/** The last `Error...` line of an R output (why an R script stopped), for a step's detail. */
export function lastRError(output: string): string | undefined {
  const lines = output.split("\n").filter((line) => /^Error\b/.test(line.trim()));
  return lines.at(-1)?.trim();
}
