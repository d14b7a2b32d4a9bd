#!/usr/bin/env bash
# The realistic-routes bench as users of the uws reactor run it: Node 24 and
# uWS 20.57 (@btc-vision build, glibc >= 2.38) in a Debian 13 root (see
# .ci/trixie.sh; needs root for chroot). Arguments go to realistic.ts.
#   npm run bench:realistic:node24 -- --quick
set -euo pipefail
cd "$(dirname "$0")/.."
exec .ci/trixie.sh "$(.ci/node-bin.sh 24)/node" --run "node --import tsx load-tests/realistic.ts $*"
