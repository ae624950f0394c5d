// The one R process stage6c needs: the central node's R tells what its
// available.packages() would compare with (getRversion(), OS type,
// sub-architecture) and reads the repositories' PACKAGES.rds files, which R
// prefers to PACKAGES and which tools::write_PACKAGES compresses with xz.
// Each .rds is written back as DCF by write.dcf(); one R can't read is
// reported per file (the caller falls back to PACKAGES, as R does over http).

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProcess } from "../../jobs/process.js";
import type { RPlatform } from "../../rpkg/available-filters.js";
import { BbsError } from "../../util/errors.js";
import { shellCommand } from "../../transport/shell.js";

const SCRIPT = `args <- commandArgs(trailingOnly = TRUE)
writeLines(c(as.character(getRversion()), .Platform$OS.type, .Platform$r_arch), args[[1L]])
for (i in seq_len((length(args) - 1L) %/% 2L)) {
  rds <- args[[2L * i]]
  dcf <- args[[2L * i + 1L]]
  problem <- tryCatch({
    db <- readRDS(rds)
    if (!is.matrix(db) || !is.character(db) || !("Package" %in% colnames(db))) stop("not a character matrix of packages")
    write.dcf(db, dcf, width = 1e6)
    NULL
  }, error = conditionMessage)
  if (!is.null(problem)) writeLines(problem, paste0(dcf, ".error"))
}
`;

export interface RdsConversion {
  /** The records as DCF text, or why R could not read the file. */
  dcf?: string;
  problem?: string;
}

export interface RRepositoryReading {
  platform: RPlatform;
  /** One entry per .rds file given, in order. */
  conversions: RdsConversion[];
}

/** Runs R once (`rscript`: config `r.rscriptCmd`, shell text) over the given local .rds files. */
export async function readWithR(rscript: string, rdsFiles: readonly string[]): Promise<RRepositoryReading> {
  const work = mkdtempSync(join(tmpdir(), "bbs-propagation-r-"));
  try {
    const script = join(work, "read-repositories.R");
    writeFileSync(script, SCRIPT);
    const info = join(work, "platform.txt");
    const outputs = rdsFiles.map((_, index) => join(work, `index-${index}.dcf`));
    const args = [script, info, ...rdsFiles.flatMap((rds, index) => [rds, outputs[index]!])];
    const log = join(work, "R.log");
    const run = await runProcess({
      command: `${rscript} --vanilla ${shellCommand(args)}`,
      cwd: work,
      env: { LANG: "C.UTF-8", LC_ALL: "C.UTF-8" },
      outputFile: log,
      timeoutMs: 600_000,
    });
    if (run.exitCode !== 0 || !existsSync(info)) {
      const last = existsSync(log) ? (readFileSync(log, "utf8").trim().split("\n").pop() ?? "") : "";
      throw new BbsError(
        "BBS_COMMAND_FAILED",
        `${rscript} could not run to read the published repositories: ${run.spawnError ?? (last || `exit ${run.exitCode ?? run.signal ?? "none"}`)}`,
        {
          hint: "check r.rscriptCmd (rHome) on the central node: the propagation DB reads the repositories as the central node's R does",
        },
      );
    }
    const [version = "", osType = "", rArch = ""] = readFileSync(info, "utf8").split("\n");
    const conversions = outputs.map((output): RdsConversion => {
      if (existsSync(`${output}.error`)) return { problem: readFileSync(`${output}.error`, "utf8").trim() };
      return { dcf: existsSync(output) ? readFileSync(output, "utf8") : "" };
    });
    return { platform: { version, osType, rArch }, conversions };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
