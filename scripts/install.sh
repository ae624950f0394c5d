#!/usr/bin/env bash
# Installs everything bbs needs on Debian 12 (or Ubuntu) with Node 20 already
# present: the system packages with apt-get (through sudo when not root), then
# the npm dependencies (`npm ci`, which also builds bbs). apt-get is skipped
# only when every package is already installed. Safe to re-run.
# Used by the README's first command and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(
  # R, a compiler for packages with C code, and the CRAN packages the corpus
  # imports or tests with (test/corpus/README.md)
  r-base-core r-base-dev
  r-cran-rcurl r-cran-runit r-cran-knitr r-cran-rmarkdown r-cran-testthat
  pandoc qpdf
  # the git server of the tests, transport to the central node
  git rsync openssh-client openssh-server
  # the report in a real browser, notification against a real SMTP server
  chromium python3-aiosmtpd
  # npm over TLS; ps for tests that inspect process trees
  ca-certificates procps
  # the message broker between the SPB's web side and its builders (tests
  # start their own rabbitmq-server with the rabbitmq_stomp plugin on loopback)
  rabbitmq-server
  # BiocCheck, the review checks the SPB runs on a submitted package
  r-bioc-bioccheck
  # xmllint: tests validate the report's HTML and feeds against a real parser
  libxml2-utils
  # crontab: tests install `bbs schedule` lines into a throwaway user's crontab
  cron
)

log() { printf '==> %s\n' "$*"; }

if ! command -v node >/dev/null 2>&1; then
  echo "error: Node.js 20 is required on PATH" >&2
  exit 1
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
  echo "error: Node.js 20 or later is required, found $(node --version)" >&2
  exit 1
fi

missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
  [ "$status" = "install ok installed" ] || missing+=("$pkg")
done

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  log "apt-get install (missing: ${missing[*]})"
  "${SUDO[@]}" apt-get update
  "${SUDO[@]}" apt-get install -y --no-install-recommends "${SYSTEM_PACKAGES[@]}"
else
  log "all ${#SYSTEM_PACKAGES[@]} system packages already installed; skipping apt-get"
fi

log "R: $(R --version | head -n 1)"
log "git: $(git --version)"
log "node: $(node --version), npm: $(npm --version)"

log "npm ci"
npm ci
