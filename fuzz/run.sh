#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every libFuzzer target for SECONDS seconds each (default 30), from a
# seed corpus built from the recorded fixtures (fuzz/seeds.py), after
# replaying the saved regression inputs.
#   CC=clang meson setup build-fuzz -Dfuzz=enabled -Db_sanitize=address,undefined -Db_lundef=false
#   ninja -C build-fuzz && fuzz/run.sh build-fuzz 3600
# A crash leaves its input as fuzz/crash-<target>-*: once it is fixed, move it
# into fuzz/regressions/<target>/, where `meson test` (suite fuzz, any
# compiler) and every later run replay it.
set -euo pipefail
build=${1:?usage: fuzz/run.sh BUILD_DIR [SECONDS]}
secs=${2:-30}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for t in fuzz_response fuzz_error_body fuzz_cassette fuzz_canonical fuzz_parser_diff; do
  exe="$build/fuzz/$t"
  [ -x "$exe" ] || { echo "missing $exe (configure with -Dfuzz=enabled and clang)"; exit 1; }
  corpus="$work/$t"
  seeds=$(python3 "$here/seeds.py" "$t" "$corpus")
  regressions=$(find "$here/regressions/$t" -type f ! -name '.*' 2>/dev/null || true)
  if [ -n "$regressions" ]; then
    echo "== $t: replaying $(echo "$regressions" | wc -l) regression input(s)"
    # shellcheck disable=SC2086
    "$exe" -runs=0 $regressions
  fi
  echo "== $t: fuzzing for ${secs}s from $seeds seeds"
  "$exe" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$here/crash-$t-" "$corpus" 2>"$work/$t.log" || {
      tail -50 "$work/$t.log"; echo "FUZZ FAILURE in $t"; exit 1; }
  grep -E 'stat::number_of_executed_units|Done [0-9]+ runs' "$work/$t.log" | tail -2
done
echo "fuzzing passed"
