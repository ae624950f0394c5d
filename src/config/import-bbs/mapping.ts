// Which bbs key each BBS variable becomes, and how its value is converted; and
// why the variables bbs has no use for are left out. The keys' own `bbs`
// field in schema.ts names the same variables (a test keeps the two in step).

import type { KeyName } from "../schema.js";

export type Conversion =
  /** The value as written (references to other translated variables kept as `${key}`). */
  | "string"
  | "int"
  /** BBS's `1`/`0` switches. */
  | "bool01"
  /** One of the key's values. */
  | "enum"
  /** Space-separated words (BBS_REPORT_NODES, BBS_NOTIFY_NODES). */
  | "words"
  /** `pkgType:node_id/stage` words (BBS_OUTGOING_MAP). */
  | "outgoing"
  /** A `file://` URL, with BBS's `file://home/...` (a host named "home") fixed. */
  | "url"
  /** A file of the checkout whose lines are the value (non_target_repos.txt). */
  | "linesOfFile"
  /** A file of the checkout copied into the draft (Renviron.bioc). */
  | "copiedFile"
  /** One variable of the R jobs' environment (`r.environment`). */
  | "environment";

export interface Mapping {
  key: KeyName;
  as: Conversion;
}

export const VARIABLES: Readonly<Record<string, Mapping>> = {
  BBS_BIOC_VERSION: { key: "biocVersion", as: "string" },
  BBS_BUILDTYPE: { key: "buildType", as: "enum" },
  BBS_BIOC_GIT_BRANCH: { key: "gitBranch", as: "string" },
  BBS_BIOC_MANIFEST_GIT_REPO_URL: { key: "manifest.gitUrl", as: "string" },
  BBS_BIOC_MANIFEST_GIT_BRANCH: { key: "manifest.gitBranch", as: "string" },
  BBS_BIOC_MANIFEST_FILE: { key: "manifest.file", as: "string" },
  BBS_NON_TARGET_REPOS_FILE: { key: "nonTargetRepos", as: "linesOfFile" },
  BBS_CENTRAL_RUSER: { key: "central.user", as: "string" },
  BBS_CENTRAL_RDIR: { key: "central.dir", as: "string" },
  BBS_CENTRAL_BASEURL: { key: "central.baseUrl", as: "string" },
  BBS_REPORT_NODES: { key: "reportNodes", as: "words" },
  BBS_OUTGOING_MAP: { key: "outgoing", as: "outgoing" },
  BBS_FINAL_REPO: { key: "propagation.finalRepo", as: "url" },
  BBS_REPORT_PATH: { key: "report.path", as: "string" },
  BBS_REPORT_MOTD: { key: "report.motd", as: "string" },
  BBS_PUBLISHED_REPORT_DEST_DIR: { key: "report.publishDest", as: "string" },
  BBS_PUBLISHED_REPORT_URL: { key: "report.publishedUrl", as: "string" },
  BBS_NOTIFY_NODES: { key: "notify.nodes", as: "words" },
  BBS_INSTALL_TIMEOUT: { key: "timeouts.install", as: "int" },
  BBS_BUILD_TIMEOUT: { key: "timeouts.build", as: "int" },
  BBS_CHECK_TIMEOUT: { key: "timeouts.check", as: "int" },
  BBS_BUILDBIN_TIMEOUT: { key: "timeouts.buildbin", as: "int" },
  BBS_NB_CPU: { key: "slots.default", as: "int" },
  BBS_INSTALL_NB_CPU: { key: "slots.install", as: "int" },
  BBS_BUILD_NB_CPU: { key: "slots.build", as: "int" },
  BBS_CHECK_NB_CPU: { key: "slots.check", as: "int" },
  BBS_R_CMD: { key: "r.cmd", as: "string" },
  BBS_RSCRIPT_CMD: { key: "r.rscriptCmd", as: "string" },
  R_ENVIRON_USER: { key: "r.environUser", as: "copiedFile" },
  BBS_EXTRA_CHECK_OPTIONS: { key: "r.checkOptions", as: "string" },
  BBS_GIT_CMD: { key: "tools.git", as: "string" },
  BBS_TAR_CMD: { key: "tools.tar", as: "string" },
  BBS_RSYNC_CMD: { key: "tools.rsync", as: "string" },
  BBS_RSH_CMD: { key: "tools.ssh", as: "string" },
  BBS_RSYNC_OPTIONS: { key: "tools.rsyncOptions", as: "string" },
  BBS_MEAT_PATH: { key: "meatDir", as: "string" },
  BBS_MEAT0_RDIR: { key: "meat0Dir", as: "string" },
  BBS_GITLOG_PATH: { key: "gitlogDir", as: "string" },
  BBS_BIOC_MANIFEST_CLONE_PATH: { key: "manifestCloneDir", as: "string" },
  BBS_NODE_ID: { key: "nodeId", as: "string" },
  BBS_NODE_HOSTNAME: { key: "hostname", as: "string" },
  BBS_USER: { key: "user", as: "string" },
  BBS_WORK_TOPDIR: { key: "workDir", as: "string" },
  BBS_R_HOME: { key: "rHome", as: "string" },
  R_LIBS: { key: "rLibs", as: "string" },
  BBS_CENTRAL_RHOST: { key: "centralHost", as: "string" },
  BBS_PRODUCT_TRANSMISSION_MODE: { key: "transmissionMode", as: "enum" },
  DONT_PUSH_SRCPKGS: { key: "dontPushSrcPkgs", as: "bool01" },
  // Variables BBS exported for every process of the node; bbs passes them to the R jobs.
  LANG: { key: "r.environment", as: "environment" },
  TMP: { key: "r.environment", as: "environment" },
  TMPDIR: { key: "r.environment", as: "environment" },
};

/** Keys that only the central node uses: translated from its chain alone. */
export const CENTRAL_ONLY_KEYS: ReadonlySet<KeyName> = new Set(["meat0Dir", "manifestCloneDir"]);

/**
 * Variables bbs has no use for, and why. Helper variables that only build
 * other values (BBS_CENTRAL_ROOT_URL...) are carried over through those values.
 */
export const DROPPED: Readonly<Record<string, string>> = {
  BBS_DEBUG: "bbs has no such switch: pass --debug to a command",
  BBS_HOME: "bbs does not need the BBS checkout; the files it pointed to were read from this checkout",
  BBS_PYTHON_CMD: "bbs runs on Node.js, not Python",
  BBS_CURL_CMD: "bbs downloads over HTTP itself",
  BBS_SSH_CMD: "bbs runs `tools.ssh` (from BBS_RSH_CMD) for ssh and rsync",
  BBS_SVN_CMD: "bbs has no Subversion meat (BBS_MEAT0_TYPE 1)",
  BBS_RSYNC_RSH_CMD: "bbs builds the rsync command from tools.rsync and tools.ssh",
  BBS_BIOC_VERSIONED_REPO_PATH: "helper variable: the values built from it were translated",
  BBS_CENTRAL_ROOT_URL: "helper variable: central.baseUrl was built from it",
  BBS_PUBLISHED_REPORT_RELATIVEURL: "helper variable: report.publishDest and report.publishedUrl were built from it",
  BBS_MEAT0_RHOST: "bbs keeps MEAT0 on the central node (meat0Dir)",
  BBS_MEAT0_RUSER: "bbs keeps MEAT0 on the central node (meat0Dir)",
  BBS_GITLOG_RHOST: "bbs keeps the gitlog in the central directory",
  BBS_GITLOG_RUSER: "bbs keeps the gitlog in the central directory",
  BBS_GITLOG_RDIR: "bbs keeps the gitlog in the central directory (<central.dir>/gitlog)",
  BBS_REPORT_CSS: "the bbs report has its own stylesheet",
  BBS_REPORT_JS: "the bbs report has its own scripts",
  BBS_REPORT_BGIMG: "the bbs report has its own images",
};

/** Variables that only hold a supported value in bbs; anything else needs the user. */
export const REQUIRED_VALUES: Readonly<Record<string, { value: string; why: string }>> = {
  BBS_MEAT0_TYPE: { value: "3", why: "bbs gets the packages from git only (BBS_MEAT0_TYPE 3)" },
  BBS_UPDATE_MEAT0: { value: "1", why: "bbs's prerun always updates MEAT0 from git (BBS_UPDATE_MEAT0 1)" },
};

/** Variables of legacy modes bbs does not have. */
export const LEGACY: Readonly<Record<string, string>> = {
  BBS_STAGE2_MODE: "bbs does not build multiarch (i386 + x64) Windows packages",
  BBS_STAGE4_MODE: "bbs does not check multiarch (i386 + x64) Windows packages",
  BBS_STAGE5_MODE: "bbs does not build multiarch (i386 + x64) Windows binaries",
};
