#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds libensclient and runs its whole test suite against Debian 11
# (bullseye)'s own packages: gcc 10, meson 0.56, libcurl 7.74, jansson 2.13,
# libsodium 1.0.18, libmicrohttpd 0.9.72, cmocka 1.1.5 -- the oldest versions
# meson.build accepts.  They live in a bullseye root made with mmdebstrap from
# Debian's archive; the build runs in it through chroot.
#
#   tools/test-bullseye.sh [ROOT]     (as root; ROOT defaults to
#                                      /var/tmp/ensclient-bullseye, reused when
#                                      it is complete)
#
# Needs: mmdebstrap (apt-get install mmdebstrap) and network access to
# deb.debian.org.  The source tree is copied into ROOT/src: the checkout is
# never written to.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
root=${1:-/var/tmp/ensclient-bullseye}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

[ "$(id -u)" -eq 0 ] || { echo "run as root (chroot and mount need it)" >&2; exit 2; }
command -v mmdebstrap >/dev/null || { echo "mmdebstrap is missing: apt-get install mmdebstrap" >&2; exit 2; }

packages=(
  gcc g++ libc6-dev binutils meson ninja-build pkg-config python3 cmake
  libcurl4-openssl-dev libjansson-dev libsodium-dev libmicrohttpd-dev libcmocka-dev
  # the manual-page test renders the pages with man(1)
  man-db
  # the static consumer of the install test links libcurl's own dependencies
  libnghttp2-dev libidn2-dev librtmp-dev libssh2-1-dev libpsl-dev libssl-dev
  libkrb5-dev libldap2-dev libzstd-dev libbrotli-dev zlib1g-dev
)
stamp=$root/.ensclient-packages
want=$(printf '%s\n' "${packages[@]}")
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  rm -rf "$root"
  echo "== creating the bullseye root in $root"
  mmdebstrap --variant=minbase --include="$(IFS=,; echo "${packages[*]}")" bullseye "$root" \
    "deb $mirror bullseye main" "deb $security bullseye-security main"
  echo "$want" >"$stamp"
fi

mounted=()
cleanup() {
  local m
  for m in "${mounted[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
}
trap cleanup EXIT
# /dev/pts too: the CLI's terminal test opens a pseudo-terminal.
for m in proc dev dev/pts; do
  mountpoint -q "$root/$m" && continue
  if [ "$m" = proc ]; then mount -t proc proc "$root/proc"; else mount --bind "/$m" "$root/$m"; fi
  mounted=("$root/$m" "${mounted[@]}")
done

# The tests and the mock server name localhost (TLS with a certificate for
# it): a minbase root has no /etc/hosts.
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"

echo "== copying the source tree into $root/src"
rm -rf "$root/src"
mkdir -p "$root/src"
(cd "$src" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$root/src")

echo "== versions"
chroot "$root" dpkg-query -W -f '  ${Package} ${Version}\n' meson gcc libcurl4-openssl-dev libjansson-dev \
  libsodium-dev libmicrohttpd-dev libcmocka-dev cmake

# env -i: nothing of the host's environment leaks in, but the switch that keeps
# the credentials chain away from a metadata service.
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
  ALIBABA_CLOUD_ECS_METADATA_DISABLED=true /bin/bash -euc '
    cd /src
    meson setup build-bullseye -Dwerror=true
    ninja -C build-bullseye
    meson test -C build-bullseye --print-errorlogs
  '
echo "bullseye: build and test suite passed"
