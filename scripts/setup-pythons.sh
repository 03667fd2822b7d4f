#!/usr/bin/env bash
# Installs CPython 3.14 and 3.15 from Debian unstable (sid) into a private tree and writes wrapper commands
# python3.14 / python3.15 that run them on this machine (Debian bookworm) as if they were installed here; and
# Debian's python3-uvloop and python3-aiohttp for the machine's own /usr/bin/python3.
#
#   scripts/setup-pythons.sh [DIR]   DIR defaults to $ASYNC_LANES_PYTHONS_DIR or ~/.cache/debian-pythons; prints the bin
#                                    folder to put on PATH (progress goes to stderr; ~1.5-4.5 min the first time)
#
# How it works: debootstrap makes a minimal sid tree in DIR/sid (~1 min, ~400 MB with the packages below);
# apt inside it installs the interpreters, their test suites (CPython's own test_asyncio), headers + gcc (for
# C extensions), uvloop and aiohttp. Each wrapper enters a private mount namespace in which /usr is sid's and
# every other path (/tmp, the repository, $HOME) is this machine's, then execs the interpreter: same PID (signals
# work), same cwd and environment, nothing changes outside the wrapped process. Needs root (mount namespaces).
# Idempotent: a second run with everything in place does nothing. The mirror is the one apt already uses here.
set -euo pipefail
DIR=${1:-${ASYNC_LANES_PYTHONS_DIR:-$HOME/.cache/debian-pythons}}
ROOT=$DIR/sid
BIN=$DIR/bin
PKGS="python3.14 python3.15 libpython3.14-testsuite libpython3.15-testsuite python3.14-dev python3.15-dev gcc
      python3-uvloop python3-aiohttp python3-debugpy"
mirror() {  # the Debian mirror configured on this machine (deb822 or one-line format)
  { awk '/^URIs:/ {print $2}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true
    awk '$1 == "deb" {print $2}' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } |
    grep -v -- '-security' | grep '/debian' | head -1 || true
}
if [ ! -x "$ROOT/usr/bin/python3.15" ] || [ ! -d "$ROOT/usr/lib/python3.15/test/test_asyncio" ]; then
  echo "setup-pythons: installing CPython 3.14 and 3.15 from Debian unstable into $DIR (first time only, ~2-5 min)" >&2
  command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq -o DPkg::Lock::Timeout=600 debootstrap >/dev/null; }
  M=$(mirror); [ -n "$M" ] || { echo "setup-pythons: no Debian mirror found in /etc/apt" >&2; exit 1; }
  if [ ! -x "$ROOT/usr/bin/apt-get" ]; then
    rm -rf "$ROOT"; mkdir -p "$DIR"
    echo "setup-pythons: debootstrap sid (log: $DIR/debootstrap.log)" >&2
    debootstrap --variant=minbase sid "$ROOT" "$M" >"$DIR/debootstrap.log" 2>&1 \
      || { echo "setup-pythons: debootstrap failed, see $DIR/debootstrap.log" >&2; exit 1; }
  fi
  echo "setup-pythons: apt-get install in the sid tree: $(echo $PKGS) (log: $DIR/apt.log)" >&2
  chroot "$ROOT" apt-get install -y -qq --no-install-recommends $PKGS >"$DIR/apt.log" 2>&1 \
    || { echo "setup-pythons: apt-get install in the sid tree failed, see $DIR/apt.log" >&2; exit 1; }
fi
# The machine's own /usr/bin/python3 (Debian bookworm's 3.11) with uvloop and aiohttp from Debian: uvloop under
# an older CPython, and the realistic aiohttp example; debugpy 1.6 for the debug-session tests.
if ! /usr/bin/python3 -c 'import uvloop, aiohttp, debugpy' 2>/dev/null; then
  echo "setup-pythons: apt-get install python3-uvloop python3-aiohttp python3-debugpy (for /usr/bin/python3)" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends python3-uvloop python3-aiohttp python3-debugpy >&2
fi
mkdir -p "$BIN"
for v in 3.14 3.15; do
  cat >"$BIN/python$v" <<WRAP
#!/bin/sh
# CPython $v from $ROOT: /usr is the sid tree's inside this process's own mount namespace; all else is this machine's.
exec unshare --mount --propagation private sh -c 'mount --bind "\$0/usr" /usr && mount --bind "\$0/etc/alternatives" /etc/alternatives && exec /usr/bin/python$v "\$@"' "$ROOT" "\$@"
WRAP
  chmod +x "$BIN/python$v"
done
"$BIN/python3.14" -c 'import asyncio, uvloop, aiohttp' && "$BIN/python3.15" -c 'import asyncio' \
  || { echo "setup-pythons: the wrapped interpreters do not start" >&2; exit 1; }
echo "$BIN"
