#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A build without cmocka or without libmicrohttpd lists every test of a full
# build, those it cannot run as SKIP with the reason, and -Dtests=enabled
# (-Dtools=enabled) refuses to configure without cmocka (libmicrohttpd).
#
# The missing package is simulated: PKG_CONFIG names a wrapper that fails for
# it and runs the real pkg-config for everything else, and a cmake that fails
# hides the package's CMake files from meson.  Only configures (three fresh
# build directories) and runs the stand-in skip tests; builds nothing else.
# usage: test/check-skips.sh [SCRATCH-DIR]     (run in CI, see .ci/run)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
scratch=${1:-}
if [ -z "$scratch" ]; then
  scratch=$(mktemp -d /var/tmp/ensclient-skips.XXXXXX)
  trap 'rm -rf "$scratch"' EXIT
fi
mkdir -p "$scratch/bin"
real_pkg_config=$(command -v "${PKG_CONFIG:-pkg-config}")
cat >"$scratch/bin/pkg-config" <<EOS
#!/bin/sh
for a in "\$@"; do
  case "\$a" in "\$ENS_HIDE_PACKAGE"|"\$ENS_HIDE_PACKAGE "*) exit 1 ;; esac
done
exec "$real_pkg_config" "\$@"
EOS
printf '#!/bin/sh\nexit 1\n' >"$scratch/bin/cmake"
chmod +x "$scratch/bin/pkg-config" "$scratch/bin/cmake"
export ALIBABA_CLOUD_ECS_METADATA_DISABLED=true
fail=0

# configure NAME PACKAGE-TO-HIDE [meson options...]
configure() {
  local name=$1 hide=$2
  shift 2
  ENS_HIDE_PACKAGE=$hide PKG_CONFIG=$scratch/bin/pkg-config PATH=$scratch/bin:$PATH \
    meson setup "$@" "$scratch/$name" "$src" >"$scratch/$name.log" 2>&1
}
# tests NAME: one line per test, "NAME<TAB>skip" for the stand-ins
tests() {
  meson introspect --tests "$scratch/$1" | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    skip = any(a.endswith("/test/skip.sh") for a in t["cmd"])
    print(t["name"] + ("\tskip" if skip else ""))' | sort
}

configure full '' || { echo "check-skips: the full build does not configure ($scratch/full.log)"; exit 1; }
tests full >"$scratch/full.tests"
if grep -q $'\tskip' "$scratch/full.tests"; then
  echo "check-skips: the full build already skips (is a package missing here?):"
  grep $'\tskip' "$scratch/full.tests"
  exit 1
fi
cut -f1 "$scratch/full.tests" >"$scratch/full.names"
echo "check-skips: a full build defines $(wc -l <"$scratch/full.names") tests"

# check NAME PACKAGE SUITE...: the same tests as a full build, every test of
# these suites a stand-in, and every stand-in reported as SKIP with the reason
check() {
  local name=$1 pkg=$2
  shift 2
  if ! configure "$name" "$pkg"; then
    echo "FAIL without $pkg: does not configure ($scratch/$name.log)"; fail=1; return
  fi
  if ! grep -q "Dependency $pkg .*found: NO\|Run-time dependency $pkg found: NO" "$scratch/$name.log"; then
    echo "FAIL without $pkg: the package was not hidden from meson ($scratch/$name.log)"; fail=1; return
  fi
  tests "$name" >"$scratch/$name.tests"
  if ! cut -f1 "$scratch/$name.tests" | diff -u "$scratch/full.names" - >"$scratch/$name.diff"; then
    echo "FAIL without $pkg: not the tests of a full build:"; cat "$scratch/$name.diff"; fail=1
  fi
  local suite t skipped
  for suite in "$@"; do
    while IFS= read -r t; do
      if ! grep -qx "$t"$'\tskip' "$scratch/$name.tests"; then
        echo "FAIL without $pkg: $t (suite $suite) is not a stand-in"; fail=1
      fi
    done < <(meson introspect --tests "$scratch/full" | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if sys.argv[1] in t["suite"] or any(s.endswith(":" + sys.argv[1]) for s in t["suite"]):
        print(t["name"])' "$suite")
  done
  # The stand-ins run, and meson reports each as skipped, with the reason.
  mapfile -t skipped < <(grep $'\tskip' "$scratch/$name.tests" | cut -f1)
  meson test -C "$scratch/$name" --no-rebuild "${skipped[@]}" >"$scratch/$name.run" 2>&1 || true
  for t in "${skipped[@]}"; do
    if ! grep -Eq "[ /]$t +SKIP" "$scratch/$name.run"; then
      echo "FAIL without $pkg: $t is not reported as SKIP ($scratch/$name.run)"; fail=1
    fi
  done
  if ! grep -q "SKIPPED: .*$pkg.* was not found" "$scratch/$name/meson-logs/testlog.txt"; then
    echo "FAIL without $pkg: the skipped tests do not say why"; fail=1
  fi
  echo "check-skips: without $pkg: $(grep -c $'\tskip' "$scratch/$name.tests") of $(wc -l <"$scratch/$name.tests") tests skipped"
}
check no-cmocka cmocka unit integration mock
check no-mhd libmicrohttpd integration mock cli
# A feature asked for explicitly is never dropped quietly.
for opt in tests:cmocka tools:libmicrohttpd; do
  if configure "refuse-${opt%%:*}" "${opt#*:}" --wrap-mode=nofallback "-D${opt%%:*}=enabled"; then
    echo "FAIL: -D${opt%%:*}=enabled configured without ${opt#*:}"; fail=1
  elif ! grep -q "ERROR: .*${opt#*:}" "$scratch/refuse-${opt%%:*}.log"; then
    echo "FAIL: -D${opt%%:*}=enabled without ${opt#*:} fails for another reason ($scratch/refuse-${opt%%:*}.log)"; fail=1
  fi
done
[ "$fail" -eq 0 ] && echo "check-skips: passed"
exit "$fail"
