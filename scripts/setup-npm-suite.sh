#!/usr/bin/env bash
# Fetches hwp@0.5.0 (Matteo Collina's async-iterator and promise utilities: map, forEach, batch with a concurrency
# limit) from the npm registry into a cache folder, for the Node recorder's npm-suite test: its npm tarball ships its
# own node:test suite (test/*.js) and it has no dependencies, so the suite runs offline with plain `node --test`.
# Idempotent: a complete unpacked copy is kept. Prints the package folder.
set -euo pipefail
PKG=hwp
VERSION=0.5.0
CACHE="${ASYNC_LANES_NPM_SUITE_CACHE:-$HOME/.cache/async-lanes-npm-suite}"
dir="$CACHE/$PKG-$VERSION"
if [ ! -f "$dir/.complete" ]; then
  echo "setup-npm-suite: npm pack $PKG@$VERSION" >&2
  mkdir -p "$CACHE"
  tmp="$(mktemp -d "$CACHE/.fetch.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent --loglevel=error "$PKG@$VERSION" >/dev/null && tar xzf "$PKG-$VERSION.tgz")
  if [ ! -d "$tmp/package/test" ]; then
    echo "setup-npm-suite: $PKG@$VERSION's tarball has no test folder" >&2
    exit 1
  fi
  touch "$tmp/package/.complete"
  rm -rf "$dir"
  mv "$tmp/package" "$dir"
fi
echo "$dir"
