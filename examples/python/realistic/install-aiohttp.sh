#!/bin/sh
# Installs Debian's aiohttp for the system Python (/usr/bin/python3), used by aiohttp_local.py.
set -e
if /usr/bin/python3 -c 'import aiohttp' 2>/dev/null; then
  echo "python3-aiohttp already installed"
  exit 0
fi
SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-aiohttp
