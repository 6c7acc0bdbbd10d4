#!/usr/bin/env bash
# Runs every libFuzzer target for SECONDS seconds each (default 30), seeded
# from the recorded fixtures, after replaying the saved regression inputs.
#   CC=clang meson setup build-fuzz -Dfuzz=enabled -Db_sanitize=address,undefined -Db_lundef=false
#   ninja -C build-fuzz && fuzz/run.sh build-fuzz 3600
# A crash leaves its input as fuzz/crash-<target>-*: copy it into
# fuzz/regressions/<target>/ once fixed, so it is replayed on every run.
set -euo pipefail
build=${1:?usage: fuzz/run.sh BUILD_DIR [SECONDS]}
secs=${2:-30}
here=$(cd "$(dirname "$0")" && pwd)
fixtures="$here/../test/fixtures"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

seeds_for() {
  case "$1" in
    fuzz_response) find "$fixtures/bodies" -name '*.json' ;;
    fuzz_parser_diff) find "$fixtures/bodies" -type f ;;
    fuzz_error_body) find "$fixtures/bodies" -name 'error_*' -o -name '*.html' -o -name '*.txt' ;;
    fuzz_cassette) find "$fixtures" -path '*cassettes*' -name '*.json' -o -path '*iterator*' -name '*.json' ;;
    fuzz_canonical) find "$here/seeds/canonical" -type f ;;
  esac
}

for t in fuzz_response fuzz_error_body fuzz_cassette fuzz_canonical fuzz_parser_diff; do
  exe="$build/fuzz/$t"
  [ -x "$exe" ] || { echo "missing $exe (configure with -Dfuzz=enabled and clang)"; exit 1; }
  corpus="$work/$t"
  mkdir -p "$corpus"
  seeds_for "$t" | while read -r f; do cp "$f" "$corpus/"; done
  if [ -d "$here/regressions/$t" ] && [ -n "$(ls -A "$here/regressions/$t")" ]; then
    echo "== $t: replaying regressions"
    "$exe" -runs=0 "$here/regressions/$t"/*
  fi
  echo "== $t: fuzzing for ${secs}s from $(ls "$corpus" | wc -l) seeds"
  "$exe" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$here/crash-$t-" "$corpus" 2>"$work/$t.log" || {
      tail -50 "$work/$t.log"; echo "FUZZ FAILURE in $t"; exit 1; }
  grep -E 'stat::number_of_executed_units|Done [0-9]+ runs' "$work/$t.log" | tail -2
done
echo "fuzzing passed"
