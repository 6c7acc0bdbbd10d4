#!/usr/bin/env bash
# Installs the build into a temporary DESTDIR, then builds and runs an
# out-of-tree consumer with nothing but pkg-config's flags (shared, then static).
set -euo pipefail
build=$1
src=$2
cc=${CC:-cc}
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
meson install -C "$build" --destdir "$dest" --no-rebuild --quiet || { echo "meson install failed"; exit 1; }
pcdir=$(dirname "$(find "$dest" -name ensclient.pc | head -n 1)")
[ -f "$pcdir/ensclient.pc" ] || { echo "ensclient.pc not installed"; exit 1; }
export PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$dest"
libdir=$(find "$dest" -name 'libensclient.so.0' -printf '%h\n' | head -n 1)
[ -n "$libdir" ] || { echo "libensclient.so.0 not installed"; exit 1; }
[ -f "$libdir/libensclient.a" ] || { echo "libensclient.a not installed"; exit 1; }
soname=$(readelf -d "$libdir/libensclient.so.0" | sed -n 's/.*SONAME.*\[\(.*\)\].*/\1/p')
[ "$soname" = "libensclient.so.0" ] || { echo "unexpected soname '$soname'"; exit 1; }

# shellcheck disable=SC2046
"$cc" -std=c11 -Wall -Wextra -Werror -o "$dest/consumer" "$src/test/install/consumer.c" \
  $(pkg-config --cflags --libs ensclient)
LD_LIBRARY_PATH="$libdir" "$dest/consumer"
ldd_out=$(LD_LIBRARY_PATH="$libdir" ldd "$dest/consumer")
echo "$ldd_out" | grep -q "libensclient.so.0 => $libdir" || { echo "consumer not linked to the installed library"; exit 1; }

# shellcheck disable=SC2046
"$cc" -std=c11 -Wall -Wextra -Werror -o "$dest/consumer-static" "$src/test/install/consumer.c" \
  $(pkg-config --cflags ensclient) "$libdir/libensclient.a" \
  $(pkg-config --libs libcurl jansson libsodium) -pthread
if ldd "$dest/consumer-static" | grep -q libensclient; then
  echo "static consumer still needs libensclient.so"; exit 1
fi
"$dest/consumer-static"
echo "install check passed"
