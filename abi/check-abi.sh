#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Compares the ABI of BUILD_DIR's libensclient.so.0 with the committed
# baseline abi/libensclient.abi (abigail-tools' abidiff).  Run by CI
# (.ci/run) on the gcc build; needs the library built with debug info
# (the default buildtype, debugoptimized, has it).
#
#   abi/check-abi.sh BUILD_DIR
#
# Any difference fails: an incompatible one (a removed or changed function or
# variable, a changed type layout) is an ABI break, which needs a soname bump;
# a compatible one (an added function, a versioned options struct grown at its
# end) must be recorded deliberately with tools/update-abi.sh.  The README
# section "ABI and soname" says which is which and what to do.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: abi/check-abi.sh BUILD_DIR}
command -v abidiff >/dev/null && command -v abidw >/dev/null ||
  { echo "abidiff/abidw not found: apt-get install abigail-tools" >&2; exit 1; }
lib=$(readlink -f "$build/lib/libensclient.so.0")
[ -f "$lib" ] || { echo "no $build/lib/libensclient.so.0: build first" >&2; exit 1; }

# Read the new library exactly as tools/update-abi.sh read the baseline (the
# public headers decide which types are public: opaque handles stay
# declaration-only, so their private layout may change freely), then compare
# the two ABI descriptions.
current=$(mktemp)
trap 'rm -f "$current"' EXIT
abidw --headers-dir "$root/include/ensclient" \
  --drop-private-types --no-corpus-path --no-comp-dir-path --no-show-locs \
  --type-id-style hash --out-file "$current" "$lib" ||
  { echo "FAIL: abidw could not read $lib (built without debug info?)"; exit 1; }
set +e
report=$(abidiff --no-default-suppression "$root/abi/libensclient.abi" "$current" 2>&1)
rc=$?
set -e
# abidiff's exit status is a bit field: 1 error, 2 usage error, 4 ABI change,
# 8 incompatible ABI change.
if [ "$rc" -eq 0 ]; then
  echo "ABI of $(basename "$lib") matches abi/libensclient.abi"
  exit 0
fi
echo "$report"
if [ $((rc & 3)) -ne 0 ]; then
  echo "FAIL: abidiff could not compare (exit status $rc)"
elif [ $((rc & 8)) -ne 0 ]; then
  echo "FAIL: INCOMPATIBLE ABI change against abi/libensclient.abi."
  echo "Restore compatibility, or (a deliberate break) bump ens_soversion in meson.build"
  echo "and the version node in lib/libensclient.map, then run tools/update-abi.sh."
else
  echo "FAIL: the ABI changed against abi/libensclient.abi."
  echo "If the change is deliberate and compatible (see README, 'ABI and soname'),"
  echo "record it with tools/update-abi.sh and commit abi/ with the change."
fi
exit 1
