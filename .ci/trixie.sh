#!/usr/bin/env bash
# Run the suite under Node 24 in a Debian 13 (trixie, glibc 2.41) root, where the
# @btc-vision uWS 20.57 build loads natively: `auto` must choose uws there.
# Usage: .ci/trixie.sh NODE_BINARY [vitest args...]
#        .ci/trixie.sh NODE_BINARY --run 'COMMAND'   (any command in the tree there, e.g. a bench)
# The root is made once with debootstrap (Debian's packages only) and kept in
# $WEFT_TRIXIE_ROOT; the project tree (installed on the host with npm ci) is
# copied in fresh each run. /proc is mounted for the run and unmounted after.
set -euo pipefail
cd "$(dirname "$0")/.."
NODE_BIN=$1; shift
ROOT=${WEFT_TRIXIE_ROOT:-/var/tmp/weft-trixie}
if ! [ -f "$ROOT/etc/debian_version" ] || ! grep -q '^13' "$ROOT/etc/debian_version"; then
  command -v debootstrap >/dev/null || { apt-get update; DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap; }
  rm -rf "$ROOT"
  debootstrap --variant=minbase trixie "$ROOT"
fi
cleanup() { umount "$ROOT/proc" 2>/dev/null || true; umount "$ROOT/dev" 2>/dev/null || true; }
trap cleanup EXIT
mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
mountpoint -q "$ROOT/dev" || mount --bind /dev "$ROOT/dev"
# The scale-out tests start a real redis-server (Debian's package) inside the root too,
# and the TLS test makes its certificate with openssl.
if ! [ -x "$ROOT/usr/bin/redis-server" ] || ! [ -x "$ROOT/usr/bin/openssl" ]; then
  cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
  chroot "$ROOT" /bin/sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server openssl' >/dev/null
fi
rm -rf "$ROOT/work/weft"
mkdir -p "$ROOT/work/weft"
tar --exclude=./.git --exclude=./test-artifacts -cf - . | tar -xf - -C "$ROOT/work/weft"
install -m 0755 "$NODE_BIN" "$ROOT/usr/local/bin/node"
if [ "${1:-}" = "--run" ]; then
  # wrk for the benches (Debian's package, inside the root too).
  [ -x "$ROOT/usr/bin/wrk" ] || chroot "$ROOT" /bin/sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk' >/dev/null
  chroot "$ROOT" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root /bin/sh -c "cd /work/weft && node --version && $2"
  exit $?
fi
status=0
chroot "$ROOT" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root CI="${CI:-}" \
  WEFT_BROWSER=0 WEFT_NETNS=0 WEFT_EXPECT_AUTO=uws WEFT_TEST_REACTORS=uws,node \
  /bin/sh -c 'cd /work/weft && node --version && node node_modules/vitest/vitest.mjs run "$@"' sh "$@" || status=$?
mkdir -p test-artifacts
cp "$ROOT/work/weft/test-artifacts/vitest.json" test-artifacts/vitest-node24-trixie.json 2>/dev/null || true
exit $status
