#!/usr/bin/env bash
# Prints the path of a Node.js 24 binary (Maintenance LTS, the oldest line csirt-intake
# supports: package.json engines) for the Node 24 tier of `npm test`. The npm package
# node@VERSION is installed once into a cache directory outside the checkout, so that
# `npm ci` does not wipe it; INTAKE_NODE24_DIR and INTAKE_NODE24_VERSION override both.
set -euo pipefail
version="${INTAKE_NODE24_VERSION:-24.21.0}"
dir="${INTAKE_NODE24_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/csirt-intake/node-$version}"
bin="$dir/node_modules/node/bin/node"
if [ ! -x "$bin" ] || [ "$("$bin" -p process.version 2>/dev/null)" != "v$version" ]; then
  echo "node24: installing node@$version into $dir" >&2
  mkdir -p "$dir"
  # A project of its own, so that npm runs the package's install script (it fetches the
  # binary) under this project's allowScripts.
  printf '{ "name": "csirt-intake-node24", "private": true, "dependencies": { "node": "%s" }, "allowScripts": { "node": true } }\n' "$version" >"$dir/package.json"
  (cd "$dir" && npm install --no-audit --no-fund --no-package-lock --loglevel=error >&2)
  [ "$("$bin" -p process.version)" = "v$version" ] || { echo "node24: $bin is not Node $version" >&2; exit 1; }
fi
echo "$bin"
