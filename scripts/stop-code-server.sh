#!/usr/bin/env bash
# Stops the code-server that scripts/start-code-server.sh STATE started: its whole process group.
# Usage: scripts/stop-code-server.sh STATE
STATE=$1
[ -f "$STATE/code-server.pid" ] || exit 0
PG=$(cat "$STATE/code-server.pid")
kill -TERM -- "-$PG" 2>/dev/null
for _ in $(seq 1 50); do kill -0 -- "-$PG" 2>/dev/null || break; sleep 0.1; done
kill -KILL -- "-$PG" 2>/dev/null
rm -f "$STATE/code-server.pid"
exit 0
