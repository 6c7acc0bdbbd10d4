#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs, from Debian 12's packages, everything needed to build libensclient,
# run its tests (unit, integration, sanitizers, valgrind) and its demo, plus
# the tools of the optional groups named as arguments:
#   tools/install-deps.sh [armhf] [aarch64] [cross] [bullseye] [deb]
#     armhf, aarch64  that target's cross compilers, qemu-user and mmdebstrap
#               (tools/cross-build.sh); cross: both
#     bullseye  mmdebstrap (tools/test-bullseye.sh)
#     deb       dpkg-dev, debhelper and lintian (tools/build-deb.sh)
# Runs apt-get as root, or through sudo when started by another user.
set -euo pipefail

packages=(
  meson ninja-build pkg-config gcc clang libclang-rt-14-dev libc6-dev
  libcurl4-openssl-dev libjansson-dev libsodium-dev
  libcmocka-dev libmicrohttpd-dev
  valgrind ca-certificates python3 git
  # C++ compiler: the public headers are also tested as C++ (test/headers).
  g++
  # API reference (ninja -C build docs) and the ABI guard (abidw, abidiff).
  doxygen abigail-tools
  # The -dev packages of libcurl's own dependencies, so that the link line of
  # `pkg-config --static --libs ensclient` (which includes libcurl's private
  # libraries) links: tested by test/install/check-install.sh.
  libnghttp2-dev libidn2-dev librtmp-dev libssh2-1-dev libpsl-dev libssl-dev
  libkrb5-dev libldap-dev libzstd-dev libbrotli-dev zlib1g-dev
  # The CMake consumers of the install test (find_package(ensclient)).
  cmake
)
for group in "$@"; do
  case $group in
    armhf) packages+=(mmdebstrap qemu-user gcc-arm-linux-gnueabihf g++-arm-linux-gnueabihf) ;;
    aarch64) packages+=(mmdebstrap qemu-user gcc-aarch64-linux-gnu g++-aarch64-linux-gnu) ;;
    cross) packages+=(mmdebstrap qemu-user gcc-arm-linux-gnueabihf g++-arm-linux-gnueabihf
                      gcc-aarch64-linux-gnu g++-aarch64-linux-gnu) ;;
    bullseye) packages+=(mmdebstrap) ;;
    deb) packages+=(dpkg-dev debhelper lintian fakeroot) ;;
    *) echo "unknown group '$group' (armhf, aarch64, cross, bullseye, deb)" >&2; exit 2 ;;
  esac
done

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${packages[@]}"
