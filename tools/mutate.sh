#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Mutation check: does the test suite notice when the library is broken?
#
# Each line of the mutant list (tools/mutants.txt by default) names one
# one-line change to a file of lib/:
#
#     FILE | TEXT | REPLACEMENT | what the change breaks
#
# For each mutant the script copies the work tree to a scratch directory,
# replaces the first line of FILE that contains TEXT (exactly, once) by the
# same line with TEXT replaced by REPLACEMENT, rebuilds, and runs the suite.
# A mutant the suite does not notice "survives": some documented promise is
# held by no test.  A mutant whose TEXT is no longer found is "stale": the
# list needs updating.  Blank lines and lines starting with # are ignored.
#
# A mutant that does not compile is reported as "NOBUILD": it tests nothing,
# so the list needs fixing as for a stale one.  The work tree is copied once
# at the start: editing it during a run changes nothing in that run.
#
# usage: tools/mutate.sh [-l LIST] [-t 'meson test arguments'] [NAME-FILTER]
#   -l LIST   the mutant list (default tools/mutants.txt)
#   -t ARGS   what to run (default: the unit and integration suites; with a
#             meson that has --maxfail, a mutant's run stops at its first
#             failing test)
#   NAME-FILTER  only mutants whose line contains this text
# Exit status: 0 when every mutant was killed, 1 when one survived, was
# stale or did not build, 2 on a usage or setup error.  Not part of CI: a
# full run rebuilds and tests once per mutant (one to several minutes each
# on two cores; survivors take longest, since they run the whole suite).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
list=$here/tools/mutants.txt
test_args='--suite unit --suite integration'
filter=
while getopts "l:t:h" o; do
  case $o in
    l) list=$OPTARG ;;
    t) test_args=$OPTARG ;;
    *) sed -n '2,30p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
filter=${1:-}
[ -r "$list" ] || { echo "mutate: cannot read $list" >&2; exit 2; }

scratch=$(mktemp -d /var/tmp/ensclient-mutate.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
echo "mutate: copying the work tree to $scratch/src and building it once"
mkdir -p "$scratch/src"
(cd "$here" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) |
  (cd "$scratch/src" && tar -xf -)
# The pristine copy each mutated file is restored from.
cp -a "$scratch/src" "$scratch/orig"
export ALIBABA_CLOUD_ECS_METADATA_DISABLED=true
# Only what the default suites need is built: each mutant relinks it all.
# MUTATE_SETUP_ARGS replaces these options (e.g. to run the cli suite too).
# shellcheck disable=SC2086
meson setup "$scratch/build" "$scratch/src" \
  ${MUTATE_SETUP_ARGS:--Dbench=disabled -Ddocs=disabled -Dexamples=disabled} >/dev/null
ninja -C "$scratch/build" >/dev/null
# shellcheck disable=SC2086
if ! meson test -C "$scratch/build" $test_args >"$scratch/baseline.log" 2>&1; then
  echo "mutate: the suite fails without any mutant; fix that first ($scratch/baseline.log):" >&2
  grep -E 'FAIL|TIMEOUT' "$scratch/baseline.log" >&2 || true
  exit 2
fi

# Stop a mutant's run at its first failure where meson can (0.57 and later).
mutant_args=$test_args
if meson test --help 2>/dev/null | grep -q -- '--maxfail'; then
  mutant_args="$test_args --maxfail 1"
fi

killed=0 survived=0 stale=0 nobuild=0
survivors=()
while IFS= read -r line || [ -n "$line" ]; do
  case $line in ''|'#'*) continue ;; esac
  [ -z "$filter" ] || [[ $line == *"$filter"* ]] || continue
  IFS='|' read -r file text repl why <<<"$line"
  trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; s=${s%"${s##*[![:space:]]}"}; printf '%s' "$s"; }
  file=$(trim "$file"); text=$(trim "$text"); repl=$(trim "$repl"); why=$(trim "$why")
  target=$scratch/src/$file
  if [ ! -f "$scratch/orig/$file" ]; then
    echo "STALE     $file: no such file ($why)"
    stale=$((stale + 1))
    continue
  fi
  cp "$scratch/orig/$file" "$target"
  if ! python3 - "$target" "$text" "$repl" <<'EOF'
import sys
path, text, repl = sys.argv[1:4]
lines = open(path, encoding='utf-8').read().split('\n')
for i, l in enumerate(lines):
    if text in l:
        lines[i] = l.replace(text, repl, 1)
        open(path, 'w', encoding='utf-8').write('\n'.join(lines))
        sys.exit(0)
sys.exit(1)
EOF
  then
    echo "STALE     $file: '$text' not found ($why)"
    stale=$((stale + 1))
    continue
  fi
  # shellcheck disable=SC2086
  if ! ninja -C "$scratch/build" >"$scratch/mutant-build.log" 2>&1; then
    echo "NOBUILD   $file: '$text' -> '$repl' does not compile ($why)"
    nobuild=$((nobuild + 1))
  elif meson test -C "$scratch/build" $mutant_args >"$scratch/mutant-test.log" 2>&1; then
    echo "SURVIVED  $file: '$text' -> '$repl' ($why)"
    survived=$((survived + 1))
    survivors+=("$file: $why")
  else
    failed=$(grep -E '^ *[0-9]+/[0-9]+ .* (FAIL|TIMEOUT)' "$scratch/mutant-test.log" |
             sed -E 's/^ *[0-9]+\/[0-9]+ [^ ]+ \/ ([^ ]+).*/\1/' | sort -u | tr '\n' ' ')
    echo "KILLED    $file: '$text' -> '$repl' by ${failed:-the suite}"
    killed=$((killed + 1))
  fi
  cp "$scratch/orig/$file" "$target"
done <"$list"
ninja -C "$scratch/build" >/dev/null 2>&1 || true

echo "mutate: $killed killed, $survived survived, $stale stale, $nobuild did not build"
if [ "$survived" -gt 0 ]; then
  printf 'survivors (a promise no test holds):\n'
  printf '  - %s\n' "${survivors[@]}"
fi
[ "$survived" -eq 0 ] && [ "$stale" -eq 0 ] && [ "$nobuild" -eq 0 ]
