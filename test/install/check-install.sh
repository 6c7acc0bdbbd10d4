#!/usr/bin/env bash
# Installs the build into a temporary directory, checks what was installed,
# then builds two out-of-tree consumers with nothing but pkg-config's flags:
#   shared: pkg-config --cflags --libs ensclient
#   static: pkg-config --static --cflags --libs ensclient  (libensclient.a chosen explicitly)
# and runs both, plus the installed CLI, against the local mock ENS server.
#
# usage: check-install.sh BUILD_DIR SOURCE_DIR [MOCK_SERVER]
# Without MOCK_SERVER (the 'tools' option disabled or libmicrohttpd missing)
# the consumers run their offline checks only, and the script says so.
set -euo pipefail
build=$1
src=$2
mock=${3:-}
if [ -n "$mock" ]; then mock=$(realpath "$mock"); fi
cc=${CC:-cc}
fail() { echo "FAIL: $*" >&2; exit 1; }

dest=$(mktemp -d)
mock_pid=
cleanup() {
  if [ -n "$mock_pid" ]; then kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true; fi
  rm -rf "$dest"
}
trap cleanup EXIT

meson install -C "$build" --destdir "$dest/root" --no-rebuild --quiet >"$dest/install.log" 2>&1 ||
  { cat "$dest/install.log"; fail "meson install failed"; }

# --- what was installed ---------------------------------------------------
pc=$(find "$dest/root" -name ensclient.pc | head -n 1)
[ -n "$pc" ] || fail "ensclient.pc not installed"
libdir=$(find "$dest/root" -name 'libensclient.so.0' -printf '%h\n' | head -n 1)
[ -n "$libdir" ] || fail "libensclient.so.0 not installed"
[ -f "$libdir/libensclient.a" ] || fail "libensclient.a not installed"
[ -L "$libdir/libensclient.so" ] || fail "libensclient.so (development symlink) not installed"
soname=$(readelf -d "$libdir/libensclient.so.0" | sed -n 's/.*SONAME.*\[\(.*\)\].*/\1/p')
[ "$soname" = "libensclient.so.0" ] || fail "unexpected soname '$soname'"
[ "$(dirname "$pc")" = "$libdir/pkgconfig" ] || fail "ensclient.pc is not in LIBDIR/pkgconfig"

# The .pc files name the configured prefix; move them to where the files are,
# exactly as if the build had been configured with --prefix=$dest/root/PREFIX.
# (With --wrap-mode=forcefallback the jansson and libsodium subprojects
# install their own .pc files beside ensclient.pc: those move too.)
prefix=$(sed -n 's/^prefix=//p' "$pc")
[ -n "$prefix" ] || fail "ensclient.pc has no prefix= line"
for f in "$libdir"/pkgconfig/*.pc; do
  sed -i "s|^prefix=$prefix\$|prefix=$dest/root$prefix|" "$f"
done
grep -q "^prefix=$dest/root$prefix\$" "$pc" || fail "could not relocate ensclient.pc"
incdir=$dest/root$prefix/include/ensclient
for h in "$src"/include/ensclient/*.h version.h; do
  [ -f "$incdir/$(basename "$h")" ] || fail "header $(basename "$h") not installed in $incdir"
done
man3=$(find "$dest/root" -path '*/man3/ens_describe_peer_connections.3' | head -n 1)
[ -n "$man3" ] || fail "man page ens_describe_peer_connections(3) not installed"
cli=
if [ -x "$build/examples/ens-peer-connections" ]; then
  cli=$dest/root$prefix/bin/ens-peer-connections
  [ -x "$cli" ] || fail "ens-peer-connections not installed in $prefix/bin"
  [ -n "$(find "$dest/root" -path '*/man1/ens-peer-connections.1' | head -n 1)" ] ||
    fail "man page ens-peer-connections(1) not installed"
fi

export PKG_CONFIG_PATH=$libdir/pkgconfig
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR
pkg-config --exists ensclient || fail "pkg-config cannot find ensclient"
[ "$(pkg-config --modversion ensclient)" = "$(sed -n 's/.*ENS_VERSION_STRING "\(.*\)"/\1/p' "$incdir/version.h")" ] ||
  fail "pkg-config version differs from version.h"

# --- the two consumers ----------------------------------------------------
cflags=(-std=c11 -Wall -Wextra -Wpedantic -Werror)
shared_flags=$(pkg-config --cflags --libs ensclient)
echo "shared: $shared_flags"
# shellcheck disable=SC2086
"$cc" "${cflags[@]}" -o "$dest/consumer-shared" "$src/test/install/consumer.c" $shared_flags ||
  fail "the shared consumer did not build with: $shared_flags"

# --static adds Libs.private and every Requires.private package's static link
# line (for libcurl: nghttp2, rtmp, ssh2, psl, gssapi_krb5, ldap, lber, zstd,
# brotli, idn2, ssl, crypto, z: tools/install-deps.sh installs their -dev
# packages).  The linker prefers libensclient.so when both exist, so the
# archive is named explicitly in place of -lensclient.
static_flags=$(pkg-config --static --cflags --libs ensclient)
echo "static: $static_flags"
case " $static_flags " in *" -lensclient "*) ;; *) fail "no -lensclient in: $static_flags" ;; esac
static_flags=$(echo " $static_flags " | sed "s| -lensclient | $libdir/libensclient.a |")
# shellcheck disable=SC2086
"$cc" "${cflags[@]}" -o "$dest/consumer-static" "$src/test/install/consumer.c" $static_flags ||
  fail "the static consumer did not link with the flags of 'pkg-config --static' (are the -dev packages of libcurl's dependencies installed? see tools/install-deps.sh)"

# (Outputs are captured first: with pipefail, `cmd | grep -q` can fail when
# grep exits early and cmd gets SIGPIPE.)
deps=$(LD_LIBRARY_PATH=$libdir ldd "$dest/consumer-shared")
grep -q "libensclient.so.0 => $libdir/" <<<"$deps" ||
  fail "the shared consumer is not linked to the installed libensclient.so.0"
deps=$(LD_LIBRARY_PATH=$libdir ldd "$dest/consumer-static")
if grep -q libensclient <<<"$deps"; then
  fail "the static consumer still needs libensclient.so"
fi
syms=$(nm "$dest/consumer-static")
grep -q ' T ens_describe_peer_connections$' <<<"$syms" ||
  fail "the static consumer does not contain ens_describe_peer_connections"

# Offline checks first (version, validation): no server needed.
LD_LIBRARY_PATH=$libdir "$dest/consumer-shared" || fail "the shared consumer failed (offline)"
# LD_LIBRARY_PATH for the static consumer too: libensclient is linked in, but
# jansson and libsodium come from $libdir when they were built as wraps.
LD_LIBRARY_PATH=$libdir "$dest/consumer-static" || fail "the static consumer failed (offline)"

if [ -z "$mock" ]; then
  echo "install check passed (SKIPPED the runs against the mock server: ens-mock-server not built)"
  exit 0
fi

# --- against the local mock server ----------------------------------------
: >"$dest/mock.out"   # exists before the server writes to it (no race with sed below)
"$mock" --port 0 >"$dest/mock.out" 2>"$dest/mock.err" &
mock_pid=$!
url=
for _ in $(seq 200); do
  url=$(sed -n 's/^listening on //p' "$dest/mock.out" 2>/dev/null || true)
  [ -n "$url" ] && break
  kill -0 "$mock_pid" 2>/dev/null || break
  sleep 0.05
done
[ -n "$url" ] || { cat "$dest/mock.err" >&2; fail "the mock server did not start"; }
echo "mock server at $url"
key_id=demo-access-key-id
key_secret=demo-access-key-secret

shared_out=$(LD_LIBRARY_PATH=$libdir "$dest/consumer-shared" "$url" "$key_id" "$key_secret") ||
  fail "the shared consumer failed against the mock server"
echo "$shared_out" | sed 's/^/  shared: /'
static_out=$(LD_LIBRARY_PATH=$libdir "$dest/consumer-static" "$url" "$key_id" "$key_secret") ||
  fail "the static consumer failed against the mock server"
echo "$static_out" | sed 's/^/  static: /'
shared_walk=$(echo "$shared_out" | grep '^walked ')
static_walk=$(echo "$static_out" | grep '^walked ')
[ -n "$shared_walk" ] && [ "$shared_walk" = "$static_walk" ] ||
  fail "the consumers disagree: '$shared_walk' vs '$static_walk'"
total=${shared_walk##* }

if [ -n "$cli" ]; then
  help=$(LD_LIBRARY_PATH=$libdir "$cli" --help) || fail "installed CLI --help failed"
  grep -q -- "--json" <<<"$help" || fail "installed CLI --help does not mention --json"
  n=$(env -u ALIBABA_CLOUD_SECURITY_TOKEN ALIBABA_CLOUD_ACCESS_KEY_ID="$key_id" \
      ALIBABA_CLOUD_ACCESS_KEY_SECRET="$key_secret" LD_LIBRARY_PATH="$libdir" \
      "$cli" --endpoint "$url" --all --json-lines | wc -l) || fail "installed CLI against the mock server"
  [ "$n" -eq "$total" ] || fail "installed CLI listed $n connections, the consumers $total"
  echo "installed CLI listed $n connections"
fi
echo "install check passed: shared and static consumers walked $total connections each"
