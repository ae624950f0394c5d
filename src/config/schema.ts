// Every configuration key of bbs, declared once: its kind, default, the layers
// that may set it, and the BBS variable it replaces. docs/config.md is generated
// from this table (`npm run docs:config`; a test fails when it is stale).
//
// Keys are dotted paths; in YAML they are written as nested maps
// (`slots: {install: 18}`) or, equivalently, never as dotted strings.

import { bool, int, list, map, oneOf, str, type KeySpec, type ValueOf } from "./kinds.js";
import { NODE_INFO_DIR, DEP_GRAPH_FILE } from "../layout/central.js";
import { SCHEDULE_KEYS } from "./schedule-keys.js";

export const BUILD_TYPES = [
  "bioc",
  "data-annotation",
  "data-experiment",
  "workflows",
  "books",
  "bioc-longtests",
  "bioc-testing",
  "cran",
] as const;
export type BuildType = (typeof BUILD_TYPES)[number];

export const PKG_TYPES = [
  "source",
  "win.binary",
  "mac.binary",
  "mac.binary.big-sur-x86_64",
  "mac.binary.big-sur-arm64",
] as const;
export type PkgType = (typeof PKG_TYPES)[number];

export const TRANSMISSION_MODES = ["synchronous", "asynchronous", "none"] as const;

export const SCHEDULES = ["pipeline", "barrier"] as const;
export type TransmissionMode = (typeof TRANSMISSION_MODES)[number];

const BBS_RSYNC_OPTIONS =
  "-rl --delete --delete-excluded --exclude='.svn' --exclude='.git' --exclude='.github' --exclude='.git_*'";

export const SCHEMA = {
  // ---- the build (global.yaml) -------------------------------------------------
  biocVersion: str({
    scope: "build",
    required: true,
    pattern: /^[0-9]+\.[0-9]+$/,
    patternHint: 'a Bioconductor version such as "3.21" (quote it in YAML)',
    doc: "Bioconductor version being built.",
    bbs: "BBS_BIOC_VERSION",
  }),
  buildType: oneOf({
    scope: "build",
    values: BUILD_TYPES,
    default: "bioc",
    doc: "Kind of build; switches timeouts, displayed stages and report layout.",
    bbs: "BBS_BUILDTYPE",
  }),
  gitBranch: str({
    scope: "build",
    default: "devel",
    doc: "Branch checked out for every package (`devel`, or `RELEASE_3_20` for a release build).",
    bbs: "BBS_BIOC_GIT_BRANCH",
  }),
  packageGitUrl: str({
    scope: "build",
    default: "https://git.bioconductor.org/packages/{package}",
    doc: "Git URL of a package; `{package}` is replaced by the package name.",
    bbs: "(hard-coded in BBS-prerun.py)",
  }),
  "manifest.gitUrl": str({
    scope: "build",
    doc: "Git repository holding the manifest; unset means `manifest.file` is a plain local file.",
    bbs: "BBS_BIOC_MANIFEST_GIT_REPO_URL",
  }),
  "manifest.gitBranch": str({
    scope: "build",
    default: "${gitBranch}",
    doc: "Branch of the manifest repository.",
    bbs: "BBS_BIOC_MANIFEST_GIT_BRANCH",
  }),
  "manifest.file": str({
    scope: "build",
    default: "software.txt",
    doc: "Manifest file: a path inside the manifest repository, or a local path when `manifest.gitUrl` is unset.",
    bbs: "BBS_BIOC_MANIFEST_FILE",
  }),
  nonTargetRepos: list({
    scope: "build",
    default: [],
    doc: "CRAN-style repositories for non-target packages (the literal BBS_BIOC_VERSION is replaced by the version).",
    bbs: "BBS_NON_TARGET_REPOS_FILE (its lines)",
  }),
  "central.nodeId": str({
    scope: "build",
    required: true,
    doc: "Node that runs prerun and postrun and holds the central directory.",
    bbs: "(the host whose config.sh sets the postrun variables)",
  }),
  "central.user": str({
    scope: "build",
    doc: "User owning the central directory, for rsync over ssh (`user@centralHost`). Unset: the ssh configuration decides (the `User` of the `centralHost` alias, else the local user name); set, it overrides that `User`.",
    bbs: "BBS_CENTRAL_RUSER",
  }),
  "central.dir": str({
    path: true,
    scope: "build",
    required: true,
    doc: "Central directory (path on the central node), served over HTTP at `central.baseUrl`.",
    bbs: "BBS_CENTRAL_RDIR",
  }),
  "central.baseUrl": str({
    scope: "build",
    default: "file://${central.dir}",
    doc: "URL of the central directory as builders and R see it.",
    bbs: "BBS_CENTRAL_BASEURL",
  }),
  "central.runsDir": str({
    scope: "build",
    path: true,
    default: "${central.dir}-runs",
    doc: "Where each run's central directory lives (`<runsDir>/<run-id>/`); `central.dir` is a symlink to the current run.",
  }),
  "central.keepRuns": int({
    scope: "build",
    default: 7,
    min: 1,
    doc: "How many previous runs of the central directory prerun keeps archived (BBS wiped it).",
  }),
  reportNodes: list({
    scope: "build",
    required: true,
    default: [],
    doc: "Nodes shown on the report, in column order: `node_id`, `node_id:bin` (builds binaries) or `node_id:foreign`.",
    bbs: "BBS_REPORT_NODES",
  }),
  outgoing: map({
    scope: "build",
    default: {},
    doc: "OUTGOING map: pkgType -> `node_id/stage` whose products propagate (empty: no OUTGOING, no propagation DB).",
    bbs: "BBS_OUTGOING_MAP",
  }),
  "report.path": str({
    path: true,
    scope: "build",
    default: "${central.dir}/report",
    doc: "Directory the report is generated into.",
    bbs: "BBS_REPORT_PATH",
  }),
  "report.motd": str({
    scope: "build",
    doc: "Optional banner shown on every report page.",
    bbs: "BBS_REPORT_MOTD",
  }),
  "report.publishDest": str({
    scope: "build",
    doc: "Where `bbs postrun` publishes the report: a local directory or an rsync target `user@host:/path`.",
    bbs: "BBS_PUBLISHED_REPORT_DEST_DIR",
  }),
  "report.publishedUrl": str({
    scope: "build",
    doc: "Public URL of the published report (used in emails).",
    bbs: "BBS_PUBLISHED_REPORT_URL",
  }),
  "report.simpleLayout": bool({
    scope: "build",
    default: true,
    doc: "index.html is the simple one-glyph-per-package list; the long layout goes to long-report.html.",
    bbs: "BBS-report.py simple-layout",
  }),
  "report.alphabetDispatch": bool({
    scope: "build",
    default: true,
    doc: "Letter separators and the A-Z dispatcher on report pages.",
    bbs: "BBS-report.py no-alphabet-dispatch (negated)",
  }),
  "report.rawResults": bool({
    scope: "build",
    default: true,
    doc: "Write `<pkg>/raw-results/` directories.",
    bbs: "BBS-report.py no-raw-results (negated)",
  }),
  "notify.nodes": list({
    scope: "build",
    default: [],
    doc: "Nodes whose INSTALL/BUILD/CHECK failures trigger maintainer emails.",
    bbs: "BBS_NOTIFY_NODES",
  }),
  "notify.from": str({
    scope: "build",
    default: "BBS-noreply@bioconductor.org",
    doc: "Sender of maintainer emails.",
    bbs: "(hard-coded in BBS-notify.py)",
  }),
  "notify.opsEmail": str({
    scope: "build",
    default: "maintainer@bioconductor.org",
    doc: "Where operator alerts go (missing node, failed postrun step).",
    bbs: "(hard-coded in BBSutils.kindly_notify_us)",
  }),
  "notify.digest": bool({
    scope: "build",
    default: false,
    doc: "Send each maintainer one email for all their packages instead of one per package.",
  }),
  "notify.smtp.host": str({
    scope: "build",
    doc: "SMTP server; unset means no mail is sent.",
    bbs: "~/.BBS/smtp_config.yaml host",
  }),
  "notify.smtp.port": int({
    scope: "build",
    default: 25,
    min: 1,
    doc: "SMTP port.",
    bbs: "~/.BBS/smtp_config.yaml port",
  }),
  "notify.smtp.tls": bool({
    scope: "build",
    default: false,
    doc: "Use STARTTLS.",
    bbs: "~/.BBS/smtp_config.yaml use_tls",
  }),
  "notify.smtp.user": str({ scope: "build", doc: "SMTP login.", bbs: "~/.BBS/smtp_config.yaml user" }),
  "notify.smtp.password": str({
    scope: "build",
    doc: "SMTP password (prefer the environment variable).",
    bbs: "~/.BBS/smtp_config.yaml password",
    env: "BBS_SMTP_PASSWORD",
  }),
  "propagation.finalRepo": str({
    scope: "build",
    doc: "Published repository that versions are compared with (`file:///...` or `https://...`).",
    bbs: "BBS_FINAL_REPO",
  }),
  "propagation.stagingDir": str({
    path: true,
    scope: "build",
    doc: "The internal repository `bbs propagate update/prepare` work in (biocpush's PACKAGES/<ver>/<repo>).",
    bbs: "(biocpush: ~/PACKAGES/<ver>/<repo>)",
  }),
  "propagation.destination": str({
    scope: "build",
    doc: "Where `bbs propagate push` publishes: a local directory or an rsync target `user@host:/path`.",
    bbs: "(biocpush: pushRepos-<repo>.sh destination)",
  }),
  "propagation.archive": bool({
    scope: "build",
    default: false,
    doc: "Keep superseded versions in src/contrib/Archive/ (release builds); false removes them (devel).",
    bbs: "(updateReposPkgs: release vs devel)",
  }),
  "propagation.rVersion": str({
    scope: "build",
    pattern: /^[0-9]+\.[0-9]+$/,
    patternHint: 'an R version major.minor such as "4.4" (quote it in YAML)',
    doc: "R version (x.y) in the binary contrib paths `bin/windows/contrib/<x.y>` and `bin/macosx/<flavour>/contrib/<x.y>`; required when the repository has binary package types.",
    bbs: "R_VERSION (propagation/X.Y/config.sh)",
  }),
  "propagation.pkgTypes": list({
    scope: "build",
    default: [],
    doc: "Package types the repository provides (REPOSITORY, VIEWS, one indexed contrib directory each, empty or not); empty: the types of `outgoing`.",
    bbs: "CONTRIB_PATHS (prepareRepos .config)",
  }),
  "propagation.manuals": bool({
    scope: "build",
    default: true,
    doc: "update copies the reference manual of each propagated package (OUTGOING/manuals/<pkg>.pdf) to manuals/<pkg>/man/<pkg>.pdf.",
    bbs: "updateReposPkgs (manuals, not gated by the DB there)",
  }),
  "propagation.landingPages": bool({
    scope: "build",
    default: true,
    doc: "prepare writes REPOSITORY and VIEWS and extracts vignettes, READMEs, NEWS, INSTALL, LICENSE and citations; false: package indexes only (books).",
    bbs: "prepareRepos.sh (false: prepareRepos-books.sh)",
  }),
  "propagation.keepReleases": int({
    scope: "build",
    default: 2,
    min: 2,
    doc: "Published snapshots kept at the destination: the current one and the ones before it (rollback targets).",
  }),
  "propagation.bandwidthLimit": int({
    scope: "build",
    default: 0,
    min: 0,
    doc: "Throttle of `bbs propagate push` in KiB/s (rsync --bwlimit); 0: no limit.",
  }),

  // ---- the Single Package Builder (bbs spb) ------------------------------------
  "spb.nodes": list({
    scope: "build",
    default: [],
    doc: "Expected nodes of every SPB job (node ids of host files): each must build it, or ends ABNORMAL.",
    bbs: "(SPB: builders= on staging, config.yaml active_devel_builders)",
  }),
  "spb.queue": oneOf({
    scope: "build",
    values: ["embedded", "rabbitmq"],
    default: "embedded",
    doc: "Queue back end: `embedded` (the coordinator's job table over its HTTP API) or `rabbitmq` (STOMP 1.2).",
  }),
  "spb.url": str({
    scope: "build",
    default: "http://127.0.0.1:8780",
    doc: "URL of the SPB coordinator (`bbs spb serve`) as workers and `bbs spb submit` reach it.",
    env: "BBS_SPB_URL",
  }),
  "spb.listen": str({
    scope: "build",
    default: "127.0.0.1:8780",
    doc: "Address and port `bbs spb serve` listens on (loopback unless set; port 0: any free port).",
  }),
  "spb.publicUrl": str({
    scope: "build",
    doc: "URL of the SPB web UI as contributors reach it (links in tracker comments; https: makes session cookies Secure). Default: the address `bbs spb serve` listens on.",
  }),
  "spb.tracker.repo": str({
    scope: "build",
    doc: "Tracker post-back: the GitHub repository (`owner/name`) whose issues submissions name (`--issue`); unset: nothing is posted.",
    bbs: "(SPB: github_issue_repo in spb.properties)",
  }),
  "spb.tracker.apiUrl": str({
    scope: "build",
    default: "https://api.github.com",
    doc: "Tracker post-back: base URL of the GitHub REST API (GitHub Enterprise: `https://<host>/api/v3`).",
  }),
  "spb.tracker.webUrl": str({
    scope: "build",
    default: "https://github.com",
    doc: "Tracker post-back: base URL of GitHub's web pages (the job page links to `<webUrl>/<repo>/issues/<n>`).",
  }),
  "spb.tracker.tokenFile": str({
    path: true,
    scope: "node",
    doc: "Tracker post-back: file holding the GitHub token (one line; needs issues: write). Read by `bbs spb serve` at start, never logged.",
  }),
  "spb.tracker.retryDelay": int({
    scope: "build",
    default: 5,
    min: 1,
    seconds: true,
    doc: "Tracker post-back: pause before the first retry of a failed post; it doubles at each failure, up to an hour.",
  }),
  "spb.claimTimeout": int({
    scope: "build",
    default: 3600,
    min: 1,
    seconds: true,
    doc: "A node that has not claimed a job this long after submission ends ABNORMAL.",
  }),
  "spb.heartbeatTimeout": int({
    scope: "build",
    default: 300,
    min: 1,
    seconds: true,
    doc: "A node building a job that sends no heartbeat this long ends ABNORMAL.",
  }),
  "spb.heartbeatInterval": int({
    scope: "build",
    default: 30,
    min: 1,
    seconds: true,
    doc: "How often a worker sends a heartbeat (keep it well under spb.heartbeatTimeout).",
  }),
  "spb.lease": int({
    scope: "build",
    default: 120,
    min: 1,
    seconds: true,
    doc: "Embedded queue: a delivered job not claimed within this time is delivered again.",
  }),
  "spb.rabbitmq.host": str({
    scope: "node",
    default: "127.0.0.1",
    doc: "RabbitMQ back end: the broker's host, as this node reaches it (STOMP plugin, rabbitmq_stomp).",
  }),
  "spb.rabbitmq.port": int({
    scope: "node",
    default: 61613,
    min: 1,
    doc: "RabbitMQ back end: the broker's STOMP port.",
  }),
  "spb.rabbitmq.vhost": str({
    scope: "build",
    default: "/",
    doc: "RabbitMQ back end: the virtual host of the SPB's queues (every SPB user needs permissions on it).",
  }),
  "spb.rabbitmq.prefix": str({
    scope: "build",
    default: "bbs.spb",
    pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    patternHint: "letters, digits, `.`, `_` and `-`, e.g. bbs.spb.devel",
    doc: "RabbitMQ back end: first part of every queue name (`<prefix>.work.<node>`, `<prefix>.coordinator`), so several sites share one broker.",
  }),
  "spb.rabbitmq.user": str({
    scope: "node",
    doc: "RabbitMQ back end: this host's broker user (set it in the host file; one user per node is best).",
  }),
  "spb.rabbitmq.passwordFile": str({
    path: true,
    scope: "node",
    doc: "RabbitMQ back end: file holding this host's broker password (one line, mode 0600); never logged.",
  }),
  "spb.rabbitmq.heartbeat": int({
    scope: "node",
    default: 10,
    min: 0,
    seconds: true,
    doc: "RabbitMQ back end: STOMP heart-beats both ways; a silent connection is dropped and reopened (0: none).",
  }),
  "spb.tokens": map({
    scope: "node",
    default: {},
    doc: "Coordinator: accepted credentials, principal (`submit:<name>`, `operator:<name>`, `node:<id>`) -> secret; prefer spb.tokensFile.",
  }),
  "spb.tokensFile": str({
    path: true,
    scope: "node",
    doc: "Coordinator: file of accepted credentials, one `<principal> <secret>` per line.",
  }),
  "spb.tokenFile": str({
    path: true,
    scope: "node",
    doc: "This host's own SPB credential (`<principal> <secret>`), read by `bbs spb worker` at start and by the client commands.",
  }),
  "spb.dir": str({
    path: true,
    scope: "node",
    default: "${workDir}/spb",
    doc: "SPB directory of this host: the coordinator's job store and tarballs, a worker's job directories.",
  }),
  "spb.timeouts.clone": int({
    scope: "node",
    default: 600,
    min: 1,
    seconds: true,
    doc: "SPB: git clone and checkout (or tarball fetch).",
  }),
  "spb.timeouts.deps": int({
    scope: "node",
    default: 3600,
    min: 1,
    seconds: true,
    doc: "SPB: installing the dependencies.",
  }),
  "spb.timeouts.install": int({ scope: "node", default: 900, min: 1, seconds: true, doc: "SPB: `R CMD INSTALL`." }),
  "spb.timeouts.build": int({ scope: "node", default: 900, min: 1, seconds: true, doc: "SPB: `R CMD build`." }),
  "spb.timeouts.check": int({ scope: "node", default: 900, min: 1, seconds: true, doc: "SPB: `R CMD check`." }),
  "spb.timeouts.bioccheck": int({
    scope: "node",
    default: 900,
    min: 1,
    seconds: true,
    doc: "SPB: BiocCheckGitClone and BiocCheck, each.",
  }),
  "spb.timeouts.buildbin": int({
    scope: "node",
    default: 900,
    min: 1,
    seconds: true,
    doc: "SPB: the binary build (macOS, Windows).",
  }),
  "spb.retries": int({
    scope: "node",
    default: 2,
    min: 0,
    doc: "SPB: retries of a step that failed for an infrastructure reason (clone, dependency install); then ABNORMAL.",
  }),
  "spb.retryDelay": int({ scope: "node", default: 30, min: 0, seconds: true, doc: "SPB: pause before such a retry." }),
  "spb.checkWarningMinutes": int({
    scope: "node",
    default: 10,
    min: 0,
    doc: "SPB: an `R CMD check` of a Software package longer than this many minutes is WARNINGS (0: no such rule).",
    bbs: "(SPB: hard-coded 10 min in builder.py)",
  }),
  "spb.secretEnv": list({
    scope: "node",
    default: [],
    doc: "Variables never passed to package code, even when allowed otherwise (e.g. BIOC_DEVEL_PASSWORD).",
  }),
  "spb.envAllow": list({
    scope: "node",
    default: [],
    doc: "Variables of the worker's environment passed on to builds, besides bbs's short allow-list (PATH, LANG...).",
  }),
  "spb.hidePaths": list({
    scope: "node",
    default: [],
    doc: "Files and directories package code must not read (besides the SPB credential files), hidden in a mount namespace.",
  }),
  "spb.sandbox": oneOf({
    scope: "node",
    values: ["namespace", "none"],
    default: "namespace",
    doc: "How builds are isolated: `namespace` (unshare: credential files and spb.hidePaths hidden) or `none`.",
  }),
  "spb.biocCheck": bool({
    scope: "node",
    default: true,
    doc: "SPB: run BiocCheckGitClone and BiocCheck when BiocCheck is installed.",
  }),
  "spb.biocCheckArgs": list({
    scope: "node",
    default: [],
    doc: "SPB: extra BiocCheck options, e.g. `--no-check-bioc-help` on a node without network.",
  }),

  // ---- per node: defaults in global.yaml, platform values, host overrides -------
  "timeouts.install": int({
    scope: "node",
    min: 1,
    seconds: true,
    doc: "INSTALL timeout per job (default 2400).",
    bbs: "BBS_INSTALL_TIMEOUT",
    env: "BBS_INSTALL_TIMEOUT",
  }),
  "timeouts.build": int({
    scope: "node",
    min: 1,
    seconds: true,
    doc: "BUILD timeout per job (default by build type: 2400; data-experiment 4800; workflows 10800; books 18000; bioc-longtests 21600).",
    bbs: "BBS_BUILD_TIMEOUT",
    env: "BBS_BUILD_TIMEOUT",
  }),
  "timeouts.check": int({
    scope: "node",
    min: 1,
    seconds: true,
    doc: "CHECK timeout per job (default: the BUILD default; books 300).",
    bbs: "BBS_CHECK_TIMEOUT",
    env: "BBS_CHECK_TIMEOUT",
  }),
  "timeouts.buildbin": int({
    scope: "node",
    min: 1,
    seconds: true,
    doc: "BUILD BIN timeout per job (default 2400).",
    bbs: "BBS_BUILDBIN_TIMEOUT",
    env: "BBS_BUILDBIN_TIMEOUT",
  }),
  "timeouts.buildnovig": int({
    scope: "node",
    default: 900,
    min: 1,
    seconds: true,
    doc: "Timeout of each target-repo tarball job in prerun.",
    bbs: "(hard-coded 900 in BBS-prerun.py)",
  }),
  "timeouts.git": int({
    scope: "node",
    default: 900,
    min: 1,
    seconds: true,
    doc: "Timeout of one git clone or fetch in prerun (the attempt is then retried).",
  }),
  "timeouts.killGrace": int({
    scope: "node",
    default: 10,
    min: 1,
    seconds: true,
    doc: "Seconds between SIGTERM and SIGKILL when a timed-out job's process group is killed.",
  }),
  "slots.default": int({
    scope: "node",
    default: 1,
    min: 1,
    doc: "Default parallelism; fallback for the per-stage slot counts.",
    bbs: "BBS_NB_CPU",
    env: "BBS_NB_CPU",
  }),
  "slots.install": int({
    scope: "node",
    default: "${slots.default}",
    min: 1,
    doc: "Parallel INSTALL jobs.",
    bbs: "BBS_INSTALL_NB_CPU",
    env: "BBS_INSTALL_NB_CPU",
  }),
  "slots.build": int({
    scope: "node",
    default: "${slots.default}",
    min: 1,
    doc: "Parallel BUILD jobs.",
    bbs: "BBS_BUILD_NB_CPU",
    env: "BBS_BUILD_NB_CPU",
  }),
  "slots.check": int({
    scope: "node",
    default: "${slots.default}",
    min: 1,
    doc: "Parallel CHECK jobs.",
    bbs: "BBS_CHECK_NB_CPU",
    env: "BBS_CHECK_NB_CPU",
  }),
  "slots.buildbin": int({
    scope: "node",
    default: "${slots.default}",
    min: 1,
    doc: "Parallel BUILD BIN jobs.",
    bbs: "BBS_NB_CPU (STAGE5)",
  }),
  "slots.total": int({
    scope: "node",
    default: 0,
    min: 0,
    doc: "Cap on jobs running at once over all stages, 0 for none. The pipeline schedule overlaps stages, so their slots add up (2 + 2 + 2 = 6 jobs on 2 cores): set it to the node's cores to keep overlapping stages from overcommitting them (docs/benchmarks.md, corpus).",
  }),
  "slots.prerun": int({
    scope: "node",
    default: 4,
    min: 1,
    doc: "Parallel git clones/updates and tarball jobs in prerun (BBS: sequential clones, 2 tarball slots).",
  }),
  "prerun.gitAttempts": int({
    scope: "node",
    default: 5,
    min: 1,
    doc: "Attempts to clone or update a package's git repository before prerun records it as skipped (BBS: 10, then abort).",
  }),
  "prerun.gitRetryDelay": int({
    scope: "node",
    default: 5,
    min: 0,
    seconds: true,
    doc: "Pause before the second attempt of a failed git clone or update; doubled before each further attempt (at most 5 minutes).",
    bbs: "(hard-coded 5 s in bbs/gitutils.py)",
  }),
  "run.schedule": oneOf({
    scope: "node",
    values: SCHEDULES,
    default: "pipeline",
    doc: "How `bbs run` orders stages: `pipeline` (a package's BUILD starts once it and its dependencies are installed, its CHECK once its BUILD is done) or `barrier` (BBS: each stage starts when the previous one has finished); `--schedule` overrides it.",
  }),
  "run.incremental": bool({
    scope: "node",
    default: false,
    doc: "Incremental runs: a job whose inputs (commit, dependency closure, R version, command, environment, timeout, bbs's job definition) are those of a finished job of an earlier run takes that result instead of running (docs/run.md#incremental-runs); `bbs run --incremental` turns it on for one run, `--force` re-runs anyway.",
  }),
  "run.fullRebuildEvery": int({
    scope: "node",
    default: 7,
    min: 0,
    doc: "With run.incremental, every Nth run of the node is a full rebuild (every job runs; 0: never): what an input bbs does not see (a system library, the compiler) changed is caught within N nights.",
  }),
  "run.targetRepoTimeout": int({
    scope: "node",
    default: 5400,
    min: 0,
    seconds: true,
    doc: "How long `bbs run` waits for the current run's target repo (`src/contrib/PACKAGES`) before giving up.",
    bbs: "(hard-coded: 30 attempts 180 s apart in BBS-run.py)",
  }),
  "run.targetRepoPoll": int({
    scope: "node",
    default: 180,
    min: 1,
    seconds: true,
    doc: "Pause between two looks for the target repo while `bbs run` waits for it.",
    bbs: "(hard-coded 180 s in BBS-run.py)",
  }),
  "run.heartbeatInterval": int({
    scope: "node",
    default: 60,
    min: 1,
    seconds: true,
    doc: "Seconds between two heartbeats `bbs run` sends to the central node (`heartbeats/<node>.json`: progress, stage, ETA); `bbs status` calls a node silent after 3 missed ones.",
  }),
  "run.deliveryAttempts": int({
    scope: "node",
    default: 5,
    min: 1,
    doc: `Attempts to send each finished job's files (and ${NODE_INFO_DIR}, ${DEP_GRAPH_FILE}...) to the central node before the delivery counts as failed.`,
    bbs: "(hard-coded: 5 attempts in BBSutils.Put)",
  }),
  "run.deliveryRetryDelay": int({
    scope: "node",
    default: 30,
    min: 0,
    seconds: true,
    doc: "Pause between two attempts of a delivery.",
    bbs: "(hard-coded 30 s in BBSutils.Put)",
  }),
  os: str({ scope: "node", default: "Linux", doc: "OS shown on the report.", bbs: "nodespecs.py OS" }),
  arch: str({
    scope: "node",
    default: "x86_64",
    doc: "Architecture (matched by UnsupportedPlatforms).",
    bbs: "nodespecs.py Arch",
  }),
  rPlatform: str({
    scope: "node",
    default: "x86_64-pc-linux-gnu",
    doc: "R platform triplet.",
    bbs: "nodespecs.py Platform",
  }),
  pkgType: oneOf({
    scope: "node",
    values: PKG_TYPES,
    default: "source",
    doc: "Package type this node produces in STAGE5 (`source`: no binaries).",
    bbs: "nodespecs.py pkgType",
  }),
  logEncoding: str({
    scope: "node",
    default: "utf-8",
    doc: "Encoding of this node's logs (Windows: iso8859-1).",
    bbs: "nodespecs.py encoding",
  }),
  reportNote: str({
    scope: "node",
    doc: "Note shown on this node's report pages, as text (BBS's displayOnHTMLReport was raw HTML).",
    bbs: "nodespecs.py displayOnHTMLReport",
  }),
  "r.cmd": str({ scope: "node", default: "${rHome}/bin/R", doc: "R command.", bbs: "BBS_R_CMD" }),
  "r.rscriptCmd": str({
    scope: "node",
    default: "${rHome}/bin/Rscript",
    doc: "Rscript command.",
    bbs: "BBS_RSCRIPT_CMD",
  }),
  "r.environUser": str({
    path: true,
    scope: "node",
    doc: "R_ENVIRON_USER file applied to every R process (BBS: Renviron.bioc); unset: bbs's bundled Renviron.bioc.",
    bbs: "R_ENVIRON_USER",
  }),
  "r.installOptions": str({ scope: "node", default: "", doc: "Extra options for `R CMD INSTALL` of target packages." }),
  "r.buildOptions": str({
    scope: "node",
    default: "",
    doc: "Extra options for `R CMD build` (e.g. `--no-build-vignettes` on a site without TeX).",
  }),
  "r.checkOptions": str({
    scope: "node",
    default: "",
    doc: "Extra options for `R CMD check` (e.g. `--no-vignettes`, `--no-manual`).",
    bbs: "BBS_EXTRA_CHECK_OPTIONS",
    env: "BBS_EXTRA_CHECK_OPTIONS",
  }),
  "r.environment": map({
    scope: "node",
    default: {},
    doc: 'Extra environment variables of every R job (e.g. `_R_CHECK_FORCE_SUGGESTS_: "false"` on a site that does not install every suggested package); a variable the R_ENVIRON_USER file also sets takes that file\'s value, as R reads it at startup.',
  }),
  "tools.git": str({ scope: "node", default: "git", doc: "git command.", bbs: "BBS_GIT_CMD", env: "BBS_GIT_CMD" }),
  "tools.tar": str({ scope: "node", default: "tar", doc: "tar command.", bbs: "BBS_TAR_CMD", env: "BBS_TAR_CMD" }),
  "tools.rsync": str({
    scope: "node",
    default: "rsync",
    doc: "rsync command.",
    bbs: "BBS_RSYNC_CMD",
    env: "BBS_RSYNC_CMD",
  }),
  "tools.ssh": str({
    scope: "node",
    default: "ssh",
    doc: "ssh command with its options.",
    bbs: "BBS_RSH_CMD",
    env: "BBS_RSH_CMD",
  }),
  "tools.rsyncOptions": str({
    scope: "node",
    default: BBS_RSYNC_OPTIONS,
    doc: "rsync options for directory syncs (Windows: `-r` instead of `-rl`).",
    bbs: "BBS_RSYNC_OPTIONS",
  }),
  meatDir: str({
    path: true,
    scope: "node",
    default: "${workDir}/meat",
    doc: "Per-node working copy of the package sources.",
    bbs: "BBS_MEAT_PATH",
  }),
  meat0Dir: str({
    path: true,
    scope: "node",
    default: "${workDir}/MEAT0",
    doc: "Git clones of every manifest package (central node).",
    bbs: "BBS_MEAT0_RDIR",
  }),
  prerunMeatDir: str({
    path: true,
    scope: "node",
    default: "${workDir}/prerun-meat",
    doc: "Injected source trees that prerun packs into the target repo (central node); apart from `meatDir`, so a prerun never touches the files of a `bbs run` still building on the same node.",
    bbs: "BBS_MEAT_PATH (BBS's prerun used the builder's meat)",
  }),
  gitlogDir: str({
    path: true,
    scope: "node",
    default: "${workDir}/gitlog",
    doc: "Local copy of the gitlog directory.",
    bbs: "BBS_GITLOG_PATH",
  }),
  manifestCloneDir: str({
    path: true,
    scope: "node",
    default: "${workDir}/manifest",
    doc: "Clone of the manifest repository (central node).",
    bbs: "BBS_BIOC_MANIFEST_CLONE_PATH",
  }),
  logDir: str({
    path: true,
    scope: "node",
    default: "${workDir}/log",
    doc: "Logs of bbs commands.",
    bbs: "$BBS_WORK_TOPDIR/log",
  }),
  historyDb: str({
    path: true,
    scope: "node",
    default: "${workDir}/history.sqlite",
    doc: "SQLite history of runs and jobs (durations feed the scheduler and the report).",
  }),

  // ---- when cron / Task Scheduler start each command (schedule-keys.ts) ---------
  ...SCHEDULE_KEYS,

  // ---- identity of one node (hosts/<node-id>.yaml only) --------------------------
  nodeId: str({
    scope: "host",
    required: true,
    doc: "Node id used in paths and on the report; must equal the host file's name.",
    bbs: "BBS_NODE_ID",
  }),
  hostname: str({
    scope: "host",
    doc: "Hostname matched by UnsupportedPlatforms (default: the node id up to its first `-`).",
    bbs: "BBS_NODE_HOSTNAME",
  }),
  user: str({
    scope: "host",
    doc: "Unix user bbs must run as on this node (checked when set).",
    bbs: "BBS_USER",
    env: "BBS_USER",
  }),
  platform: str({
    scope: "host",
    required: true,
    doc: "Name of the platform file `platforms/<name>.yaml` this node uses.",
  }),
  workDir: str({
    path: true,
    scope: "host",
    required: true,
    doc: "Work directory of this node.",
    bbs: "BBS_WORK_TOPDIR",
    env: "BBS_WORK_TOPDIR",
  }),
  rHome: str({
    path: true,
    scope: "host",
    required: true,
    doc: "R installation used by this node.",
    bbs: "BBS_R_HOME",
    env: "BBS_R_HOME",
  }),
  rLibs: str({
    path: true,
    scope: "host",
    doc: "Library that target and non-target packages are installed into (R_LIBS); unset: R's default library.",
    bbs: "R_LIBS",
    env: "R_LIBS",
  }),
  centralHost: str({
    scope: "host",
    default: "localhost",
    doc: "How this node reaches the central node: an ssh host alias, or `localhost` when it is the central node.",
    bbs: "BBS_CENTRAL_RHOST",
    env: "BBS_CENTRAL_RHOST",
  }),
  transmissionMode: oneOf({
    scope: "host",
    values: TRANSMISSION_MODES,
    default: "synchronous",
    doc: "How products reach central: after each job, in batches, or not at all (external node, central pulls).",
    bbs: "BBS_PRODUCT_TRANSMISSION_MODE",
    env: "BBS_PRODUCT_TRANSMISSION_MODE",
  }),
  dontPushSrcPkgs: bool({
    scope: "host",
    default: false,
    doc: "Do not send STAGE3 source tarballs to central (only logs and summaries).",
    bbs: "DONT_PUSH_SRCPKGS",
    env: "DONT_PUSH_SRCPKGS",
  }),
} as const satisfies Record<string, KeySpec>;

export type KeyName = keyof typeof SCHEMA;
export type ConfigValues = { readonly [K in KeyName]: ValueOf<(typeof SCHEMA)[K]> };

export const KEY_NAMES = Object.keys(SCHEMA) as KeyName[];

export function isKeyName(name: string): name is KeyName {
  return Object.hasOwn(SCHEMA, name);
}

/** Defaults that depend on the build type (BBSvars.py), applied when no layer sets the key. */
export function buildTypeDefault(key: KeyName, buildType: BuildType): number | undefined {
  const build = (): number => {
    switch (buildType) {
      case "data-experiment":
        return 4800;
      case "workflows":
        return 10800;
      case "books":
        return 18000;
      case "bioc-longtests":
        return 21600;
      default:
        return 2400;
    }
  };
  switch (key) {
    case "timeouts.install":
    case "timeouts.buildbin":
      return 2400;
    case "timeouts.build":
      return build();
    case "timeouts.check":
      return buildType === "books" ? 300 : build();
    default:
      return undefined;
  }
}

/** File extension of packages of a pkgType (nodespecs.py). */
export function pkgTypeExtension(pkgType: PkgType): "tar.gz" | "zip" | "tgz" {
  if (pkgType === "source") return "tar.gz";
  if (pkgType.startsWith("win")) return "zip";
  return "tgz";
}
