#!/usr/bin/env bash
# Installs Debian's Chromium for the viewer tests and the viewer benchmark, once (idempotent; runs as root on CI,
# without stdin). playwright-core drives it; no browser download of Playwright's own is used.
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
echo "setup-browser: apt-get install chromium (first time only, ~1 min)" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
$SUDO apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends chromium >&2
