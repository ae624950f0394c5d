// The parts of prepare only R can do, batched into one Rscript process per
// prepare (BBS started R once per repository too, through biocViews):
// NEWS.Rd / NEWS.md rendered as text by R's news readers, citations rendered
// as HTML (inst/CITATION evaluated, or generated from DESCRIPTION), and the
// Author / Maintainer of VIEWS placeholder rows derived from Authors@R.
// Each job succeeds or fails on its own; the caller decides what a failure
// means (a citation notice, a warning). R not starting at all, or dying, is
// BBS_COMMAND_FAILED.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTool } from "../util/tool.js";
import { BbsError } from "../util/errors.js";

export type RJob =
  /** Renders `file` (NEWS.Rd or NEWS.md) as text into `output`. */
  | { kind: "news"; pkg: string; file: string; output: string }
  /** Writes the HTML citation of `pkg` from `libDir/<pkg>/DESCRIPTION` and `libDir/<pkg>/inst/CITATION` into `output`. */
  | { kind: "citation"; pkg: string; libDir: string; output: string }
  /** Writes `Author:` and `Maintainer:` derived from the Authors@R of the DESCRIPTION `file` into `output` (DCF). */
  | { kind: "authors"; pkg: string; file: string; output: string };

export interface RJobResult {
  job: RJob;
  ok: boolean;
  /** R's error message when not ok. */
  message?: string;
}

const SCRIPT = String.raw`
args <- commandArgs(TRUE)
jobs <- read.delim(args[1], header = FALSE, sep = "\t", quote = "", colClasses = "character",
                   col.names = c("kind", "pkg", "input", "output"), encoding = "UTF-8")
results <- file(args[2], open = "w", encoding = "UTF-8")
one_line <- function(x) gsub("[\t\r\n]+", " ", paste(x, collapse = " "))
news_text <- function(file) {
  db <- if (grepl("[.]Rd$", file)) tools:::.build_news_db_from_package_NEWS_Rd(file)
        else tools:::.build_news_db_from_package_NEWS_md(file)
  if (is.null(db)) stop("no NEWS entries could be read")
  paste(capture.output(print(db)), collapse = "\n")
}
citation_html <- function(pkg, lib) {
  description <- packageDescription(pkg, lib.loc = lib)
  if (!is.list(description)) stop("cannot read DESCRIPTION")
  file <- file.path(lib, pkg, "inst", "CITATION")
  citation <- if (file.exists(file)) readCitationFile(file, description) else suppressWarnings(citation(pkg, lib.loc = lib))
  output <- capture.output(print(citation, style = "html"))
  output[grep("^\\\\Sexpr", output, invert = TRUE)]
}
authors_fields <- function(file) {
  db <- read.dcf(file, keep.white = "Authors@R")
  if (!("Authors@R" %in% colnames(db))) stop("no Authors@R field")
  authors <- utils:::.read_authors_at_R_field(db[1, "Authors@R"])
  c(Author = utils:::.format_authors_at_R_field_for_author(authors),
    Maintainer = utils:::.format_authors_at_R_field_for_maintainer(authors))
}
for (i in seq_len(nrow(jobs))) {
  job <- jobs[i, ]
  outcome <- tryCatch(withCallingHandlers({
    if (job$kind == "news") {
      writeLines(news_text(job$input), job$output, useBytes = TRUE)
    } else if (job$kind == "citation") {
      writeLines(citation_html(job$pkg, job$input), job$output, useBytes = TRUE)
    } else if (job$kind == "authors") {
      fields <- authors_fields(job$input)
      write.dcf(t(fields), job$output)
    } else stop("unknown job kind ", job$kind)
    "OK"
  }, warning = function(w) invokeRestart("muffleWarning")),
  error = function(e) paste0("FAILED\t", one_line(conditionMessage(e))))
  writeLines(paste0(i, "\t", outcome), results, useBytes = TRUE)
}
close(results)
`;

function inputOf(job: RJob): string {
  return job.kind === "citation" ? job.libDir : job.file;
}

function checkField(value: string, what: string): string {
  if (/[\t\r\n]/.test(value))
    throw new BbsError("BBS_INTERNAL", `${what} ${JSON.stringify(value)} contains a tab or newline`);
  return value;
}

/**
 * Runs the jobs in one Rscript process (`rscript`: `r.rscriptCmd`). Returns one
 * result per job, in order. Throws BBS_COMMAND_FAILED when R cannot run or
 * does not finish.
 */
export async function runRJobs(
  jobs: readonly RJob[],
  options: { rscript: string; timeoutMs?: number; signal?: AbortSignal },
): Promise<RJobResult[]> {
  if (jobs.length === 0) return [];
  const scratch = mkdtempSync(join(tmpdir(), "bbs-prepare-r-"));
  try {
    const script = join(scratch, "prepare.R");
    const jobsFile = join(scratch, "jobs.tsv");
    const resultsFile = join(scratch, "results.tsv");
    writeFileSync(script, SCRIPT);
    writeFileSync(
      jobsFile,
      jobs
        .map((job) =>
          [job.kind, job.pkg, inputOf(job), job.output].map((value) => checkField(value, "R job field")).join("\t"),
        )
        .join("\n") + "\n",
    );
    const run = await runTool(options.rscript, ["--vanilla", script, jobsFile, resultsFile], {
      timeoutMs: options.timeoutMs ?? 3_600_000,
      signal: options.signal,
      env: { LANG: "C.UTF-8", LC_ALL: "C.UTF-8", R_LIBS_USER: "" },
    });
    if (run.exitCode !== 0) {
      const why =
        run.spawnError ??
        (run.timedOut
          ? "timed out (process group killed)"
          : run.stderr.trim().split("\n").slice(-5).join("\n") || `exit ${run.exitCode ?? run.signal}`);
      throw new BbsError(
        "BBS_COMMAND_FAILED",
        `${options.rscript} failed while rendering NEWS, citations and authors for prepare: ${why}`,
        {
          hint: "check r.rscriptCmd (rHome) in the configuration; prepare needs R for NEWS.Rd/NEWS.md, citations and Authors@R",
        },
      );
    }
    const outcomes = new Map<number, RJobResult>();
    for (const line of readFileSync(resultsFile, "utf8").split("\n")) {
      if (line === "") continue;
      const [index, status, ...message] = line.split("\t");
      const job = jobs[Number(index) - 1];
      if (job === undefined) continue;
      outcomes.set(
        Number(index) - 1,
        status === "OK" ? { job, ok: true } : { job, ok: false, message: message.join("\t") || "failed" },
      );
    }
    return jobs.map(
      (job, index) => outcomes.get(index) ?? { job, ok: false, message: "R reported no result for this job" },
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
