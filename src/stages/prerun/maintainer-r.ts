// The maintainer of packages whose DESCRIPTION has `Authors@R` but no
// `Maintainer` field: R evaluates `Authors@R` (BBS's utils/getMaintainer.R:
// tools:::.read_description, then .expand_package_description_db_R_fields).
// BBS started one Rscript per package; here one R process evaluates them all.
//
// The R script writes one line per package as soon as it has it, so a
// DESCRIPTION whose Authors@R makes R exit or hang costs only that package:
// the package R was on is marked failed and a new R process goes on with the
// rest.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProcess } from "../../jobs/process.js";
import { shellCommand } from "../../transport/shell.js";
import { BbsError } from "../../util/errors.js";

/** The maintainer R derived (`Name <email>`), or why there is none. */
export type MaintainerResult = { ok: true; maintainer: string } | { ok: false; reason: string };

const SCRIPT = String.raw`
args <- commandArgs(trailingOnly = TRUE)
paths <- readLines(args[[1L]], encoding = "UTF-8")
out <- file(args[[2L]], open = "ab")
first <- as.integer(args[[3L]])
one_line <- function(x) gsub("[[:space:]]+", " ", enc2utf8(x))
for (i in seq.int(first, length.out = max(0L, length(paths) - first + 1L))) {
  line <- tryCatch({
    desc <- tools:::.read_description(paths[[i]])
    value <- if ("Maintainer" %in% names(desc)) desc[["Maintainer"]] else
      suppressWarnings(tools:::.expand_package_description_db_R_fields(desc))[["Maintainer"]]
    if (is.null(value) || length(value) != 1L || is.na(value) || !nzchar(trimws(value)))
      "NA\tAuthors@R names no maintainer (no person with role \"cre\")"
    else paste0("OK\t", one_line(value))
  }, error = function(e) paste0("NA\tevaluating Authors@R failed: ", one_line(conditionMessage(e))))
  writeBin(charToRaw(paste0(i, "\t", line, "\n")), out)
  flush(out)
}
close(out)
`;

export interface EvaluateMaintainersOptions {
  /** Rscript (config `r.rscriptCmd`, shell text). */
  rscript: string;
  /** Time allowed to one R process before the package it is on counts as hanging. */
  timeoutMs?: number;
}

/**
 * Evaluates the maintainer of each DESCRIPTION file (absolute paths) in one R
 * process; returns the results by path. Throws BBS_COMMAND_FAILED when R
 * cannot run at all.
 */
export async function evaluateMaintainers(
  paths: readonly string[],
  options: EvaluateMaintainersOptions,
): Promise<Map<string, MaintainerResult>> {
  const results = new Map<string, MaintainerResult>();
  if (paths.length === 0) return results;
  const work = mkdtempSync(join(tmpdir(), "bbs-maintainers-"));
  try {
    const script = join(work, "maintainers.R");
    const list = join(work, "descriptions.txt");
    const output = join(work, "maintainers.tsv");
    writeFileSync(script, SCRIPT);
    writeFileSync(list, `${paths.join("\n")}\n`);
    writeFileSync(output, "");
    const log = join(work, "R.log");
    let first = 1;
    while (first <= paths.length) {
      const run = await runProcess({
        command: `${options.rscript} --vanilla ${shellCommand([script, list, output, String(first)])}`,
        cwd: work,
        env: { LANG: "C.UTF-8", LC_ALL: "C.UTF-8" },
        outputFile: log,
        truncateOutput: true,
        timeoutMs: options.timeoutMs ?? 600_000,
      });
      for (const [index, result] of parseOutput(readFileSync(output, "utf8"))) {
        const path = paths[index - 1];
        if (path !== undefined) results.set(path, result);
      }
      const next = paths.findIndex((path) => !results.has(path));
      if (next === -1) break;
      const lastLine = readFileSync(log, "utf8").trim().split("\n").pop() ?? "";
      if (run.spawnError !== undefined || run.exitCode === 126 || run.exitCode === 127) {
        // R could not start: R itself is missing or broken, not a package.
        throw new BbsError(
          "BBS_COMMAND_FAILED",
          `${options.rscript} could not run to evaluate Authors@R fields: ${run.spawnError ?? lastLine}`,
          {
            hint: "check r.rscriptCmd (rHome) in the configuration: prerun needs R to derive maintainers from Authors@R",
          },
        );
      }
      const why = run.timedOut
        ? "R did not finish evaluating Authors@R (timed out)"
        : `R exited while evaluating Authors@R (${lastLine || `exit ${run.exitCode ?? run.signal ?? "none"}`})`;
      results.set(paths[next]!, { ok: false, reason: why });
      first = next + 2;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return results;
}

function parseOutput(text: string): Array<[number, MaintainerResult]> {
  const parsed: Array<[number, MaintainerResult]> = [];
  for (const line of text.split("\n")) {
    const [index, status, ...rest] = line.split("\t");
    if (index === undefined || status === undefined || !/^\d+$/.test(index)) continue;
    const value = rest.join("\t");
    parsed.push([
      Number(index),
      status === "OK" ? { ok: true, maintainer: value.trim() } : { ok: false, reason: value },
    ]);
  }
  return parsed;
}
