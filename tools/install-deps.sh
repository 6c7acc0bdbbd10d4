#!/usr/bin/env bash
# Installs, from Debian 12's packages, everything needed to build libensclient,
# run its tests (unit, integration, sanitizers, valgrind) and its demo.
# Runs apt-get as root, or through sudo when started by another user.
set -euo pipefail

packages=(
  meson ninja-build pkg-config gcc clang libclang-rt-14-dev libc6-dev
  libcurl4-openssl-dev libjansson-dev libsodium-dev
  libcmocka-dev libmicrohttpd-dev
  valgrind ca-certificates python3 git
)

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${packages[@]}"
