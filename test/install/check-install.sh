#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the build into a temporary directory, checks what was installed,
# then builds out-of-tree consumers and runs them, plus the installed CLI,
# against the local mock ENS server:
#   pkg-config, shared: pkg-config --cflags --libs ensclient
#   pkg-config, static: pkg-config --static --cflags --libs ensclient
#                       (libensclient.a chosen explicitly)
#   CMake, shared:      find_package(ensclient COMPONENTS shared), ensclient::ensclient
#   CMake, static:      find_package(ensclient COMPONENTS static), ensclient::ensclient
#                       with ENSCLIENT_USE_STATIC (test/install/cmake/)
# Only the kinds the build made (ENS_DEFAULT_LIBRARY: both, shared or static)
# are expected, and the other kind must not have been installed.
#
# usage: check-install.sh BUILD_DIR SOURCE_DIR [MOCK_SERVER]
# Without MOCK_SERVER (the 'tools' option disabled or libmicrohttpd missing)
# the consumers run their offline checks only.  Whenever a part could not run
# (no mock server, no cmake, the CMake consumers under cross) the script ends
# with exit status 77 after everything else has passed: meson reports the test
# as skipped, naming what was left out, never as a full pass.
# Cross builds (ENS_CROSS set by meson.build): the consumers are built with the
# cross compiler against the target's pkg-config files (ENS_PKG_CONFIG_LIBDIR)
# and run through MESON_EXE_WRAPPER (qemu-user); the CMake consumers are skipped
# (they would need a CMake toolchain file for the target: the native build
# runs them).
set -euo pipefail
build=$1
src=$2
mock=${3:-}
if [ -n "$mock" ]; then mock=$(realpath "$mock"); fi
cc=${CC:-cc}
kinds=${ENS_DEFAULT_LIBRARY:-both}
have_shared=; have_static=
[ "$kinds" = static ] || have_shared=1
[ "$kinds" = shared ] || have_static=1
read -r -a wrap <<<"${MESON_EXE_WRAPPER:-}"
cross=${ENS_CROSS:-}
if [ -n "$cross" ] && [ ${#wrap[@]} -eq 0 ]; then
  echo "SKIPPED: cross build without a runner (no exe_wrapper in the cross file): target programs cannot run here"
  exit 77
fi
fail() { echo "FAIL: $*" >&2; exit 1; }
skipped=()
# Ends the script: 77 (skipped) when a part could not run, else 0.
finish() {
  if [ ${#skipped[@]} -gt 0 ]; then
    echo "install check: every part that ran passed, but these could not run:"
    printf '  - %s\n' "${skipped[@]}"
    exit 77
  fi
  echo "$1"
  exit 0
}
needed() { "${READELF:-readelf}" -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\].*/\1/p'; }

dest=$(mktemp -d)
mock_pid=
cleanup() {
  if [ -n "$mock_pid" ]; then kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true; fi
  rm -rf "$dest"
}
trap cleanup EXIT

# DESTDIR rather than --destdir: meson 0.56 (Debian 11) has no --destdir.
DESTDIR="$dest/root" meson install -C "$build" --no-rebuild --quiet >"$dest/install.log" 2>&1 ||
  { cat "$dest/install.log"; fail "meson install failed"; }

# --- what was installed ---------------------------------------------------
pc=$(find "$dest/root" -name ensclient.pc | head -n 1)
[ -n "$pc" ] || fail "ensclient.pc not installed"
# LIBDIR is where ensclient.pc is, less /pkgconfig: the libraries and the
# CMake package must be there.
libdir=$(dirname "$pc")
[ "$(basename "$libdir")" = pkgconfig ] || fail "ensclient.pc is not in LIBDIR/pkgconfig"
libdir=$(dirname "$libdir")
if [ -n "$have_shared" ]; then
  [ -f "$libdir/libensclient.so.0" ] || fail "libensclient.so.0 not installed in $libdir"
  [ -L "$libdir/libensclient.so" ] || fail "libensclient.so (development symlink) not installed"
  soname=$("${READELF:-readelf}" -d "$libdir/libensclient.so.0" | sed -n 's/.*SONAME.*\[\(.*\)\].*/\1/p')
  [ "$soname" = "libensclient.so.0" ] || fail "unexpected soname '$soname'"
else
  [ -z "$(find "$dest/root" -name 'libensclient.so*')" ] || fail "default_library=static installed a shared library"
fi
if [ -n "$have_static" ]; then
  [ -f "$libdir/libensclient.a" ] || fail "libensclient.a not installed in $libdir"
else
  [ -z "$(find "$dest/root" -name 'libensclient.a')" ] || fail "default_library=shared installed libensclient.a"
fi
for f in ensclientConfig.cmake ensclientConfigVersion.cmake; do
  [ -f "$libdir/cmake/ensclient/$f" ] || fail "CMake package file $f not installed in $libdir/cmake/ensclient"
done

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
if [ -n "$cross" ]; then
  # The target's .pc files (libcurl...), with no sysroot prefix: that would
  # apply to the staged install too.  The cross compiler carries --sysroot,
  # so -lcurl still resolves in the sysroot.
  export PKG_CONFIG_LIBDIR=${ENS_PKG_CONFIG_LIBDIR:?}
fi
pkg-config --exists ensclient || fail "pkg-config cannot find ensclient"
[ "$(pkg-config --modversion ensclient)" = "$(sed -n 's/.*ENS_VERSION_STRING "\(.*\)"/\1/p' "$incdir/version.h")" ] ||
  fail "pkg-config version differs from version.h"

# --- the pkg-config consumers ---------------------------------------------
read -r -a ccmd <<<"$cc"
cflags=(-std=c11 -Wall -Wextra -Wpedantic -Werror)
consumers=()
if [ -n "$have_shared" ]; then
  shared_flags=$(pkg-config --cflags --libs ensclient)
  echo "shared: $shared_flags"
  # shellcheck disable=SC2086
  "${ccmd[@]}" "${cflags[@]}" -o "$dest/consumer-shared" "$src/test/install/consumer.c" $shared_flags ||
    fail "the shared consumer did not build with: $shared_flags"
  consumers+=(shared)
fi

# --static adds Libs.private and every Requires.private package's static link
# line (for libcurl: nghttp2, rtmp, ssh2, psl, gssapi_krb5, ldap, lber, zstd,
# brotli, idn2, ssl, crypto, z: tools/install-deps.sh installs their -dev
# packages).  The linker prefers libensclient.so when both exist, so the
# archive is named explicitly in place of -lensclient.
if [ -n "$have_static" ]; then
  static_flags=$(pkg-config --static --cflags --libs ensclient)
  echo "static: $static_flags"
  case " $static_flags " in *" -lensclient "*) ;; *) fail "no -lensclient in: $static_flags" ;; esac
  static_flags=$(echo " $static_flags " | sed "s| -lensclient | $libdir/libensclient.a |")
  # shellcheck disable=SC2086
  "${ccmd[@]}" "${cflags[@]}" -o "$dest/consumer-static" "$src/test/install/consumer.c" $static_flags ||
    fail "the static consumer did not link with the flags of 'pkg-config --static' (are the -dev packages of libcurl's dependencies installed? see tools/install-deps.sh)"
  consumers+=(static)
fi

# --- the CMake consumers --------------------------------------------------
if [ -n "$cross" ]; then
  skipped+=("the CMake consumers: cross build (they need a CMake toolchain file for the target; the native build runs them)")
elif ! command -v cmake >/dev/null; then
  skipped+=("the CMake consumers: cmake is not installed (tools/install-deps.sh installs it)")
else
  for kind in shared static; do
    case $kind in shared) [ -n "$have_shared" ] || continue ;; static) [ -n "$have_static" ] || continue ;; esac
    use_static=OFF; [ $kind = static ] && use_static=ON
    # Ninja: meson needs it anyway, make may be missing.
    if ! cmake -G Ninja -S "$src/test/install/cmake" -B "$dest/cmake-$kind" \
        -DCMAKE_PREFIX_PATH="$dest/root$prefix" -DCMAKE_C_COMPILER="${ccmd[0]}" \
        -DCONSUMER_KIND=$kind -DENSCLIENT_USE_STATIC=$use_static >"$dest/cmake-$kind.log" 2>&1 ||
      ! cmake --build "$dest/cmake-$kind" >>"$dest/cmake-$kind.log" 2>&1; then
      cat "$dest/cmake-$kind.log"
      fail "the CMake $kind consumer (find_package(ensclient COMPONENTS $kind)) did not build"
    fi
    cp "$dest/cmake-$kind/consumer" "$dest/consumer-cmake-$kind"
    echo "cmake $kind: find_package(ensclient $(sed -n 's/^-- ensclient \(.*\)/\1/p' "$dest/cmake-$kind.log"))"
    consumers+=(cmake-$kind)
  done
fi
[ ${#consumers[@]} -gt 0 ] || fail "no consumer was built"

# What each consumer links: libensclient.so.0 for a shared one, nothing of
# libensclient for a static one (which must contain the library's code).
for c in "${consumers[@]}"; do
  deps=$(needed "$dest/consumer-$c")
  case $c in
    *shared) grep -qx libensclient.so.0 <<<"$deps" || fail "consumer-$c does not link libensclient.so.0" ;;
    *static)
      if grep -q libensclient <<<"$deps"; then fail "consumer-$c still needs libensclient.so"; fi
      syms=$("${NM:-nm}" "$dest/consumer-$c")
      grep -q ' T ens_describe_peer_connections$' <<<"$syms" ||
        fail "consumer-$c does not contain ens_describe_peer_connections" ;;
  esac
done
if [ -z "$cross" ] && [ -n "$have_shared" ]; then
  # (Outputs are captured first: with pipefail, `cmd | grep -q` can fail when
  # grep exits early and cmd gets SIGPIPE.)
  deps=$(LD_LIBRARY_PATH=$libdir ldd "$dest/consumer-shared")
  grep -q "libensclient.so.0 => $libdir/" <<<"$deps" ||
    fail "the shared consumer is not linked to the installed libensclient.so.0"
fi

# Offline checks first (version, validation): no server needed.
# LD_LIBRARY_PATH for the static consumers too: libensclient is linked in, but
# jansson and libsodium come from $libdir when they were built as wraps.
for c in "${consumers[@]}"; do
  LD_LIBRARY_PATH=$libdir "${wrap[@]}" "$dest/consumer-$c" || fail "consumer-$c failed (offline)"
done

if [ -z "$mock" ]; then
  skipped+=("the consumers and the installed CLI against the mock server: ens-mock-server not built (needs libmicrohttpd)")
  finish "unreachable"
fi

# --- against the local mock server ----------------------------------------
: >"$dest/mock.out"   # exists before the server writes to it (no race with sed below)
"${wrap[@]}" "$mock" --port 0 >"$dest/mock.out" 2>"$dest/mock.err" &
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

first_walk=
for c in "${consumers[@]}"; do
  out=$(LD_LIBRARY_PATH=$libdir "${wrap[@]}" "$dest/consumer-$c" "$url" "$key_id" "$key_secret") ||
    fail "consumer-$c failed against the mock server"
  echo "$out" | sed "s/^/  $c: /"
  walk=$(echo "$out" | grep '^walked ' || true)
  [ -n "$walk" ] || fail "consumer-$c printed no 'walked' line"
  [ -n "$first_walk" ] || first_walk=$walk
  [ "$walk" = "$first_walk" ] || fail "the consumers disagree: '$first_walk' vs '$walk'"
done
total=${first_walk##* }

if [ -n "$cli" ]; then
  help=$(LD_LIBRARY_PATH=$libdir "${wrap[@]}" "$cli" --help) || fail "installed CLI --help failed"
  grep -q -- "--json" <<<"$help" || fail "installed CLI --help does not mention --json"
  n=$(env -u ALIBABA_CLOUD_SECURITY_TOKEN ALIBABA_CLOUD_ACCESS_KEY_ID="$key_id" \
      ALIBABA_CLOUD_ACCESS_KEY_SECRET="$key_secret" LD_LIBRARY_PATH="$libdir" \
      "${wrap[@]}" "$cli" --endpoint "$url" --all --json-lines | wc -l) || fail "installed CLI against the mock server"
  [ "$n" -eq "$total" ] || fail "installed CLI listed $n connections, the consumers $total"
  echo "installed CLI listed $n connections"
fi
finish "install check passed: consumers ${consumers[*]} walked $total connections each"
