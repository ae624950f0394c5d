// BBS's Renviron.bioc (docs/bbs-rules.md#r-environment, Bioconductor 3.21): the R_ENVIRON_USER file
// every R process of a build reads, unless `r.environUser` names another one.
// `bbs run` writes it into the work directory; the report copies the file in
// use as `Renviron.bioc`.

export const RENVIRON_BIOC_FILE = "Renviron.bioc";

export const RENVIRON_BIOC = `# R_ENVIRON_USER of bbs builds: BBS's Renviron.bioc (Bioconductor 3.21).
# Set r.environUser in the configuration to use another file.

_R_CHECK_EXECUTABLES_=false
_R_CHECK_EXECUTABLES_EXCLUSIONS_=false
_R_CHECK_LENGTH_1_CONDITION_=package:_R_CHECK_PACKAGE_NAME_,abort,verbose
_R_CHECK_LENGTH_1_LOGIC2_=package:_R_CHECK_PACKAGE_NAME_,abort,verbose
_R_CHECK_NEWS_IN_PLAIN_TEXT_=true
_R_CHECK_S3_METHODS_NOT_REGISTERED_=true
_R_CHECK_XREFS_NOTE_MISSING_PACKAGE_ANCHORS_=true
_R_CHECK_SUGGESTS_ONLY_=true
_R_COMPARE_LANG_OBJECTS=eqonly
R_DEFAULT_INTERNET_TIMEOUT=600
IS_BIOC_BUILD_MACHINE=true
BIOCPARALLEL_WORKER_NUMBER=4
OMP_THREAD_LIMIT=2
OMP_NUM_THREADS=2
KMP_DEVICE_THREAD_LIMIT=2
KMP_TEAMS_THREAD_LIMIT=2
R_USE_STRICT_R_HEADERS=true
R_CXX_USE_NO_REMAP=true
`;
