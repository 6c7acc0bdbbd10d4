#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# default_library respected, and libensclient as a meson subproject:
#   1. shared only and static only: a build of each (no tests, no benchmarks)
#      installed and checked by check-install.sh (ENS_DEFAULT_LIBRARY): only
#      that kind installed, its pkg-config and CMake consumers built and run
#      against the mock server (the default, both, is the main build's
#      install test);
#   2. the parent project test/install/parent, with this tree as its
#      subproject built static, then shared (subproject('ensclient',
#      default_options: ['default_library=...'])): the parent's program links
#      libensclient that way and runs; the subproject registers no test and
#      builds no test, mock server, benchmark, example or CLI.
#
#   test/install/check-kinds.sh [WORK_DIR]    (default: a temporary directory)
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-}
if [ -z "$work" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
export ALIBABA_CLOUD_ECS_METADATA_DISABLED=true
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\].*/\1/p'; }

for kind in shared static; do
  b=$work/build-$kind
  echo "== default_library=$kind"
  meson setup "$b" "$src" -Ddefault_library=$kind -Dtests=disabled -Dbench=disabled -Ddocs=disabled \
    >"$work/setup-$kind.log" || { cat "$work/setup-$kind.log"; fail "setup ($kind)"; }
  ninja -C "$b" >"$work/build-$kind.log" || { cat "$work/build-$kind.log"; fail "build ($kind)"; }
  other=static; [ $kind = static ] && other=shared
  case $kind in
    shared) [ -z "$(find "$b" -name 'libensclient.a')" ] || fail "default_library=shared built libensclient.a" ;;
    static) [ -z "$(find "$b" -name 'libensclient.so*')" ] || fail "default_library=static built libensclient.so" ;;
  esac
  echo "no $other library built"
  mock=
  [ -x "$b/tools/ens-mock-server" ] && mock=$b/tools/ens-mock-server
  ENS_DEFAULT_LIBRARY=$kind CC=${CC:-cc} bash "$src/test/install/check-install.sh" "$b" "$src" $mock
done

echo "== as a subproject"
parent=$work/parent
mkdir -p "$parent/subprojects"
cp "$src/test/install/parent/meson.build" "$src/test/install/parent/meson_options.txt" "$parent/"
cp "$src/test/install/consumer.c" "$work/"
# ../consumer.c from the parent's directory
ln -sfn "$src" "$parent/subprojects/ensclient"
for kind in static shared; do
  b=$work/parent-$kind
  meson setup "$b" "$parent" -Densclient_library=$kind >"$work/parent-$kind.log" ||
    { cat "$work/parent-$kind.log"; fail "parent setup ($kind)"; }
  ninja -C "$b" >>"$work/parent-$kind.log" || { cat "$work/parent-$kind.log"; fail "parent build ($kind)"; }
  tests=$(meson test -C "$b" --no-rebuild --list 2>/dev/null)
  [ "$tests" = "parent-consumer" ] || fail "the parent runs tests other than its own: $(echo $tests)"
  built=$(cd "$b/subprojects/ensclient" && find . -type f \( -name 'test_*' -o -name 'bench_*' \
            -o -name 'ens-mock-server' -o -name 'ens-peer-connections' -o -name 'list_all' \) -perm -u+x)
  [ -z "$built" ] || fail "the subproject built programs nobody asked for: $(echo $built)"
  deps=$(needed "$b/parent")
  case $kind in
    static) if grep -q libensclient <<<"$deps"; then fail "static parent links libensclient.so"; fi ;;
    shared) grep -qx libensclient.so.0 <<<"$deps" || fail "shared parent does not link libensclient.so.0" ;;
  esac
  meson test -C "$b" --print-errorlogs >/dev/null || fail "parent test ($kind)"
  echo "parent ($kind): links libensclient $kind, runs, one test (its own), no subproject tests or tools"
done
echo "library kinds and subproject check passed"
