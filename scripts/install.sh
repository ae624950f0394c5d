#!/usr/bin/env bash
# Installs everything bbs needs on Debian/Ubuntu with Node 20 already present:
# system packages with apt-get (through sudo when not root), then the npm
# dependencies (npm ci builds bbs). Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi

SYSTEM_PACKAGES=(
  # R and the CRAN packages the Bioconductor corpus imports or tests with
  r-base-core r-base-dev r-cran-rcurl r-cran-runit r-cran-knitr r-cran-rmarkdown r-cran-testthat
  pandoc qpdf
  # git server, transport, publishing
  git rsync openssh-client openssh-server
  # the report is tested in a real browser; notify against a real SMTP server
  chromium python3-aiosmtpd
  # tools the scripts use
  ca-certificates procps
)

if ! command -v node >/dev/null 2>&1; then
  echo "error: Node.js 20 is required (https://nodejs.org/)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${SYSTEM_PACKAGES[@]}"

npm ci
