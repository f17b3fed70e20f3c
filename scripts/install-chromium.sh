#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests when it is missing (root). playwright-core drives it; no browser is
# ever downloaded from elsewhere.
set -euo pipefail
if [[ -x /usr/bin/chromium ]]; then
  echo "chromium: already installed ($(/usr/bin/chromium --version 2>/dev/null || echo unknown version))"
  exit 0
fi
[[ "$(id -u)" == 0 ]] || { echo "chromium is missing; run 'bash scripts/install-chromium.sh' as root" >&2; exit 1; }
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
/usr/bin/chromium --version
