#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Cross-builds libensclient for a Debian ARM target and runs the whole test
# suite under qemu-user:
#   1. prepares a target sysroot from Debian's archive (mmdebstrap, variant
#      'extract': the target's -dev packages and their dependencies unpacked,
#      nothing run), reused when it is complete;
#   2. configures with cross/ARCH.ini (the sysroot's path in a machine file
#      written beside the sysroot), builds, and runs `meson test`, each test
#      program through qemu-user.
#
#   tools/cross-build.sh armhf|aarch64 [BUILD_DIR] [-- MESON_SETUP_ARGS...]
#
# BUILD_DIR defaults to build-ARCH; the sysroot goes to
# ${ENS_SYSROOT_DIR:-/var/tmp}/ensclient-sysroot-ARCH-SUITE.  SUITE, the Debian
# release of the sysroot, is ${ENS_SYSROOT_SUITE:-bookworm}.  Host packages
# (Debian 12): mmdebstrap qemu-user gcc-TRIPLET g++-TRIPLET (tools/install-deps.sh
# cross installs them).  mmdebstrap needs root, or user namespaces for its
# 'unshare' mode.  Environment: ENS_TEST_TIMEOUT_MULTIPLIER (default 5)
# stretches test timeouts for emulation; ENS_CROSS_NO_TEST=1 builds only.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
arch=${1:-}
case "$arch" in
  armhf) triplet=arm-linux-gnueabihf qemu=qemu-arm ;;
  aarch64 | arm64) arch=aarch64 triplet=aarch64-linux-gnu qemu=qemu-aarch64 ;;
  *) echo "usage: $0 armhf|aarch64 [BUILD_DIR] [-- MESON_SETUP_ARGS...]" >&2; exit 2 ;;
esac
shift
build=build-$arch
if [ $# -gt 0 ] && [ "$1" != "--" ]; then build=$1; shift; fi
if [ $# -gt 0 ] && [ "$1" = "--" ]; then shift; fi
debarch=$arch
[ "$arch" = aarch64 ] && debarch=arm64
suite=${ENS_SYSROOT_SUITE:-bookworm}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
sysroot=${ENS_SYSROOT_DIR:-/var/tmp}/ensclient-sysroot-$arch-$suite

missing=()
for tool in mmdebstrap "$qemu" "$triplet-gcc" pkg-config; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "missing on this machine: ${missing[*]} (Debian: tools/install-deps.sh cross)" >&2
  exit 2
fi

# The target's libraries: what the library links, what the tests and the mock
# server link, and what a static link of libcurl needs (the install test's
# static consumer).
packages=(
  libc6-dev libcurl4-openssl-dev libjansson-dev libsodium-dev libmicrohttpd-dev libcmocka-dev
  libnghttp2-dev libidn2-dev librtmp-dev libssh2-1-dev libpsl-dev libssl-dev
  libkrb5-dev libldap2-dev libzstd-dev libbrotli-dev zlib1g-dev
)
stamp=$sysroot/.ensclient-packages
want=$(printf '%s\n' "$suite" "${packages[@]}")
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  rm -rf "$sysroot"
  echo "== preparing the $debarch sysroot ($suite) in $sysroot"
  mmdebstrap --variant=extract --architectures="$debarch" \
    --include="$(IFS=,; echo "${packages[*]}")" "$suite" "$sysroot" "deb $mirror $suite main"
  echo "$want" >"$stamp"
fi
# The machine file that cross/ARCH.ini reads the sysroot's path from.
printf "[constants]\nsysroot = '%s'\n" "$sysroot" >"$sysroot.ini"

echo "== configuring $build for $arch"
cd "$src"
if [ -d "$build" ]; then
  meson setup --reconfigure "$build" --cross-file "$sysroot.ini" --cross-file "cross/$arch.ini" "$@"
else
  meson setup "$build" --cross-file "$sysroot.ini" --cross-file "cross/$arch.ini" "$@"
fi
ninja -C "$build"
"$triplet-readelf" -h "$build"/lib/libensclient.so* 2>/dev/null | sed -n "s/^ *Machine: */built for: /p" | head -n 1 || true
if [ "${ENS_CROSS_NO_TEST:-}" = 1 ]; then
  echo "$arch: build done (tests not run: ENS_CROSS_NO_TEST=1)"
  exit 0
fi
echo "== test suite under $qemu"
ALIBABA_CLOUD_ECS_METADATA_DISABLED=true \
  meson test -C "$build" --print-errorlogs --timeout-multiplier "${ENS_TEST_TIMEOUT_MULTIPLIER:-5}"
echo "$arch: build and test suite under $qemu passed"
