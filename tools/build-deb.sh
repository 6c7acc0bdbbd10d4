#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the Debian packages (debian/) from this source tree and checks them:
#   1. dpkg-buildpackage -b in a copy of the tree (WORK_DIR/ensclient-VERSION;
#      the checkout is never written to): libensclient0, libensclient-dev,
#      ens-peer-connections, with the symbols file checked exactly;
#   2. lintian on the result: any error fails;
#   3. with --install (as root): installs the three packages with apt-get,
#      builds test/install/consumer.c against the installed -dev package with
#      pkg-config and with CMake (shared and static), runs them and the
#      installed CLI's --demo, then purges the packages again.
#
#   tools/build-deb.sh [--install] [WORK_DIR]     (default /var/tmp/ensclient-deb)
#
# DEB_BUILD_OPTIONS is passed on (nocheck skips the test suite in the build).
# Needs: dpkg-dev debhelper lintian and the Build-Depends of debian/control
# (tools/install-deps.sh deb installs them).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
install=
if [ "${1:-}" = --install ]; then install=1; shift; fi
work=${1:-/var/tmp/ensclient-deb}
version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
fail() { echo "FAIL: $*" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work/ensclient-$version"
(cd "$src" && git ls-files -z | xargs -0 cp --parents -t "$work/ensclient-$version")

echo "== dpkg-buildpackage (DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-})"
(cd "$work/ensclient-$version" && dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1 ||
  { tail -n 80 "$work/build.log"; fail "dpkg-buildpackage failed (log: $work/build.log)"; }
changes=$(ls "$work"/ensclient_"$version"_*.changes)
for deb in "$work"/*.deb; do
  echo "$(basename "$deb"):"
  dpkg-deb -c "$deb" | awk '{print "  " $6 ($7 ? " " $7 " " $8 : "")}' | grep -v '/$' || true
done

echo "== lintian"
lintian --fail-on error --info "$changes" | tee "$work/lintian.log" || fail "lintian found errors"
echo "lintian: no errors ($(grep -c '^W:' "$work/lintian.log" || true) warnings, $(grep -c '^I:' "$work/lintian.log" || true) notes)"

[ -n "$install" ] || { echo "packages built in $work"; exit 0; }

echo "== installing the packages"
[ "$(id -u)" -eq 0 ] || fail "--install needs root"
pkgs=(libensclient0 libensclient-dev ens-peer-connections)
purge() { DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "${pkgs[@]}" >/dev/null 2>&1 || true; }
trap 'purge; rm -rf "$work/consumer"' EXIT
debs=()
for p in "${pkgs[@]}"; do debs+=("$work/${p}_${version}_$(dpkg --print-architecture).deb"); done
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${debs[@]}" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; fail "apt-get install of the packages failed"; }
dpkg -L libensclient-dev | grep -q '/cmake/ensclient/ensclientConfig.cmake$' || fail "-dev has no CMake package"

echo "== consumers of the installed packages"
c=$work/consumer
mkdir -p "$c"
export ALIBABA_CLOUD_ECS_METADATA_DISABLED=true
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Wpedantic -Werror -o "$c/consumer-pc" "$src/test/install/consumer.c" \
  $(pkg-config --cflags --libs ensclient) || fail "pkg-config consumer did not build"
"$c/consumer-pc" || fail "pkg-config consumer failed"
for kind in shared static; do
  use_static=OFF; [ $kind = static ] && use_static=ON
  { cmake -G Ninja -S "$src/test/install/cmake" -B "$c/cmake-$kind" -DCONSUMER_KIND=$kind \
      -DENSCLIENT_USE_STATIC=$use_static && cmake --build "$c/cmake-$kind"; } >"$c/cmake-$kind.log" 2>&1 ||
    { cat "$c/cmake-$kind.log"; fail "CMake $kind consumer did not build against the installed package"; }
  "$c/cmake-$kind/consumer" || fail "CMake $kind consumer failed"
done
readelf -d "$c/cmake-shared/consumer" | grep -q 'NEEDED.*libensclient.so.0' || fail "shared consumer does not link libensclient.so.0"
if readelf -d "$c/cmake-static/consumer" | grep -q 'NEEDED.*libensclient'; then fail "static consumer links libensclient.so"; fi
rows=$(ens-peer-connections --demo --json-lines 2>/dev/null | wc -l)
[ "$rows" -gt 0 ] || fail "the installed ens-peer-connections --demo listed nothing"
man -w ens_describe_peer_connections >/dev/null 2>&1 || [ -f /usr/share/man/man3/ens_describe_peer_connections.3.gz ] ||
  fail "manual page not installed"
echo "installed packages: pkg-config and CMake (shared, static) consumers built and ran; ens-peer-connections --demo listed $rows connections"
