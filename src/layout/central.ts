// The central layout (docs/formats.md#central-directory-layout): every file and directory name of a run's central
// directory (BBS's layout, plus bbs's own run.json, postrun.json, jobs.ndjson,
// outgoing.json...) and of the per-job files builders deliver into it. Prerun
// writes some of these, builders others, postrun, the report, notify and
// propagate read them: each name is spelled here once. Names keep BBS's odd
// spellings; readers outside bbs (BBS's own scripts, people's) depend on them.
//
// Paths are relative to the run directory and use `/` (what transports take;
// `path.join(runDir, ...)` accepts them on every OS).
//
//   <run dir>/
//     run.json  meat-index.dcf  skipped-index.dcf  gitlog/  src/contrib/
//     products-in/<node>/{BBS_EndOfRun.txt,pkg_dep_graph.txt,jobs.ndjson,NodeInfo/}
//     products-in/<node>/<stage>/<pkg>.<stage>-{summary.dcf,out.txt,MISSING}
//     products-in/.<node>.incoming/   (a delivery being assembled)   heartbeats/<node>.json
//     BUILD_STATUS_DB.txt  OUTGOING/  PROPAGATION_STATUS_DB.txt
//     postrun.json  postrun.log  outgoing.json  alerts/

// ---- written by prerun ---------------------------------------------------------

/** What prerun learnt about the run (id, snapshot date, status); bbs's own, BBS had none. */
export const RUN_INFO_FILE = "run.json";
/** The packages of the build, one DCF record each (docs/formats.md#meat-indexdcf). */
export const MEAT_INDEX_FILE = "meat-index.dcf";
/** Packages left out of the build (bad DESCRIPTION, failed clone), `Package:` records. */
export const SKIPPED_INDEX_FILE = "skipped-index.dcf";
/** bbs's own: why each package of skipped-index.dcf was skipped (JSON, written by prerun's index step). */
export const SKIPPED_REASONS_FILE = "skipped-reasons.json";
/** Directory of the git facts of the run and of each package (docs/formats.md#gitlog). */
export const GITLOG_DIR = "gitlog";
/** `gitlog/git-log.dcf`: the run's `Snapshot Date`. */
export const SNAPSHOT_GITLOG_FILE = "git-log.dcf";
/** `gitlog/git-log-<pkg>.dcf`: a package's git_url, git_branch, git_last_commit, git_last_commit_date. */
export function gitLogFileName(pkg: string): string {
  return `git-log-${pkg}.dcf`;
}
/** The run's target repository of source tarballs (a CRAN-style source contrib directory). */
export const TARGET_REPO_DIR = "src/contrib";
/** The target repository's index, published last by prerun (builders wait for it). */
export const TARGET_REPO_PACKAGES_FILE = `${TARGET_REPO_DIR}/PACKAGES`;
/** The prerun job that makes the target repository's tarballs (`<pkg>.buildnovig-out.txt` in it). */
export const BUILDNOVIG_STAGE = "buildnovig";

// ---- delivered by builders -----------------------------------------------------

/** Where builders deliver, one directory per node. */
export const PRODUCTS_IN_DIR = "products-in";

/** `products-in/<node>`: everything one node delivered. */
export function nodeProductsDir(nodeId: string): string {
  return `${PRODUCTS_IN_DIR}/${nodeId}`;
}

/**
 * `products-in/.<node>.incoming`: where a node's delivery of this run is
 * assembled; renamed to `products-in/<node>` once it holds everything
 * (BBS_EndOfRun.txt included), so that directory is complete or absent.
 */
export function nodeIncomingDir(nodeId: string): string {
  return `${PRODUCTS_IN_DIR}/.${nodeId}.incoming`;
}

/** `heartbeats/<node>.json`: a builder's progress during the run (src/site/heartbeat.ts), beside products-in. */
export function heartbeatPath(nodeId: string): string {
  return `${HEARTBEATS_DIR}/${nodeId}.json`;
}

/** Where builders send their heartbeat files. */
export const HEARTBEATS_DIR = "heartbeats";

/** `products-in/<node>/<stage>`: a node's per-job files and products of one stage. */
export function stageProductsDir(nodeId: string, stage: string): string {
  return `${PRODUCTS_IN_DIR}/${nodeId}/${stage}`;
}

/** `products-in/<node>/<file>`: a node-level file (END_OF_RUN_FILE, DEP_GRAPH_FILE, JOBS_LOG_FILE, NODE_INFO_DIR). */
export function nodeProductsPath(nodeId: string, file: string): string {
  return `${nodeProductsDir(nodeId)}/${file}`;
}

/** A node's end-of-run marker, one line per stage run (docs/formats.md#bbs_endofruntxt); its presence means the node finished. */
export const END_OF_RUN_FILE = "BBS_EndOfRun.txt";
/** A node's package dependency graph, `<pkg>: <dep> <dep>` per line (docs/formats.md#pkg_dep_graphtxt). */
export const DEP_GRAPH_FILE = "pkg_dep_graph.txt";
/** A node's job events (bbs's own, NDJSON), delivered after each stage; the report's timeline reads it. */
export const JOBS_LOG_FILE = "jobs.ndjson";
/** A node's facts for the report (R version, compilers, installed packages; docs/formats.md#nodeinfo). */
export const NODE_INFO_DIR = "NodeInfo";
/** The files of NodeInfo/ with fixed names (besides the `<tool>-version.txt` files). */
export const NODE_INFO_FILES = {
  /** `R --version`. */
  rVersion: "R-version.txt",
  /** `VAR: value` lines of R's configuration. */
  rConfig: "R-config.txt",
  /** `sessionInfo()`. */
  sessionInfo: "R-sessionInfo.txt",
  /** `installed.packages()`. */
  instPkgs: "R-instpkgs.txt",
} as const;
/** The suffix of `NodeInfo/<tool>-version.txt`. */
const VERSION_FILE_SUFFIX = "-version.txt";
/** `NodeInfo/<tool>-version.txt`: a tool's `--version` (CC, CXX, JAVA, java, pandoc, R...). */
export function versionFileName(tool: string): string {
  return `${tool}${VERSION_FILE_SUFFIX}`;
}
/** The tool a `<tool>-version.txt` name is of; undefined for any other name. */
export function toolOfVersionFile(name: string): string | undefined {
  return name.length > VERSION_FILE_SUFFIX.length && name.endsWith(VERSION_FILE_SUFFIX)
    ? name.slice(0, -VERSION_FILE_SUFFIX.length)
    : undefined;
}

// ---- per-job files (in a builder's meat, then in products-in/<node>/<stage>/) ----

/** Suffix of a job's output: command header plus merged stdout/stderr (docs/formats.md#out-files). */
export const OUT_FILE_SUFFIX = "-out.txt";
/** Suffix of a job's summary: Package, Version, Command, StartedAt, ..., Status (docs/formats.md#summary-files). */
export const SUMMARY_FILE_SUFFIX = "-summary.dcf";
/** Suffix of the empty marker delivered instead of a product that does not exist. */
export const MISSING_FILE_SUFFIX = "-MISSING";

/** `<pkg>.<stage>-out.txt` */
export function outFileName(pkg: string, stage: string): string {
  return `${pkg}.${stage}${OUT_FILE_SUFFIX}`;
}
/** `<pkg>.<stage>-summary.dcf` */
export function summaryFileName(pkg: string, stage: string): string {
  return `${pkg}.${stage}${SUMMARY_FILE_SUFFIX}`;
}
/** `<pkg>.<stage>-MISSING` */
export function missingFileName(pkg: string, stage: string): string {
  return `${pkg}.${stage}${MISSING_FILE_SUFFIX}`;
}
/** Suffix of the check directory `<pkg>.Rcheck` (CHECK's product). */
export const RCHECK_DIR_SUFFIX = ".Rcheck";
/** `<pkg>.Rcheck` */
export function rcheckDirName(pkg: string): string {
  return `${pkg}${RCHECK_DIR_SUFFIX}`;
}
/** `<pkg>.Rcheck/<pkg>-manual.pdf`: the reference manual R CMD check made. */
export function manualFileName(pkg: string): string {
  return `${pkg}-manual.pdf`;
}

// ---- written by postrun ----------------------------------------------------------

/** Every (package, node, stage) status, `<pkg>#<node>#<stage>: <status>` (docs/formats.md#build_status_dbtxt). */
export const BUILD_STATUS_DB_FILE = "BUILD_STATUS_DB.txt";
/** The packages to propagate, one directory per package type (docs/formats.md#outgoing). */
export const OUTGOING_DIR = "OUTGOING";
/** `OUTGOING/manuals/<pkg>.pdf`: reference manuals from the source node's check directories. */
export const OUTGOING_MANUALS_DIR = "manuals";
/** What went into OUTGOING and why the rest did not (bbs's own). */
export const OUTGOING_REPORT_FILE = "outgoing.json";
/** Whether each package of OUTGOING may propagate, `<pkg>#<type>#propagate: <explanation>`. */
export const PROPAGATION_STATUS_DB_FILE = "PROPAGATION_STATUS_DB.txt";
/** What postrun found and did: node presence, step outcomes, alerts (bbs's own). */
export const POSTRUN_STATE_FILE = "postrun.json";
/** Postrun's log, one timestamped line per event. */
export const POSTRUN_LOG_FILE = "postrun.log";
/** Operator alerts, one file each. */
export const ALERTS_DIR = "alerts";

// ---- in the runs directory, beside the run directories --------------------------

/** Held by a prerun while it works on `central.runsDir`. */
export const PRERUN_LOCK_FILE = "prerun.lock";
/** Held by a postrun while it works on `central.runsDir`. */
export const POSTRUN_LOCK_FILE = "postrun.lock";
