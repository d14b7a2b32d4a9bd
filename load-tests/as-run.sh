#!/usr/bin/env bash
# bench:bisect on the working tree as users run weft: Node 26 on this machine (no uWS
# build on npm loads there, so the node reactor, beside raw node:http and Fastify),
# then Node 24 with uWS 20.57 in a Debian 13 root (.ci/trixie.sh; needs root for
# chroot; skipped otherwise). Arguments go to bisect.ts (--rounds, --seconds, --routes).
#   npm run bench:as-run -- --rounds=5 --seconds=3
set -euo pipefail
cd "$(dirname "$0")/.."
node26="$(.ci/node-bin.sh 26)/node"
"$node26" --import tsx load-tests/bisect.ts --worktree --fastify --reactors=node "$@"
if [ "$(id -u)" = 0 ]; then
  .ci/trixie.sh "$(.ci/node-bin.sh 24)/node" --run "node --import tsx load-tests/bisect.ts --worktree --fastify $*"
else
  echo "Node 24 with uWS 20.57 skipped: the Debian 13 root needs root (sudo npm run bench:as-run)" >&2
fi
