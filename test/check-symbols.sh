#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The exported symbols of libensclient.so:
#  1. every dynamic symbol it defines starts with ens_ (the version script
#     lib/libensclient.map hides everything else);
#  2. they are exactly the committed list abi/libensclient.symbols, version
#     node included (name@@ENSCLIENT_0): a symbol added, removed or moved to
#     another version node fails until the list is regenerated deliberately
#     with tools/update-abi.sh (see the README, "ABI and soname").
#
#   check-symbols.sh LIBRARY [SYMBOL_LIST]
# NM names the nm to use (the target's in a cross build, set by meson.build).
set -euo pipefail
lib=$1
list=${2:-$(dirname "$0")/../abi/libensclient.symbols}

all=$("${NM:-nm}" -D --defined-only "$lib")
syms=$(awk '$2 ~ /^[TDBRVWi]$/ {print $3}' <<<"$all" | LC_ALL=C sort -u)
[ -n "$syms" ] || { echo "no exported symbols found in $lib"; exit 1; }
bad=$(sed 's/@.*//' <<<"$syms" | grep -v '^ens_' || true)
if [ -n "$bad" ]; then
  echo "symbols exported without the ens_ prefix:"; echo "$bad"; exit 1
fi
echo "$(wc -l <<<"$syms") exported symbols, all ens_*"

[ -f "$list" ] || { echo "no committed symbol list $list (run tools/update-abi.sh)"; exit 1; }
expected=$(grep -v '^#' "$list" | grep -v '^$' | LC_ALL=C sort -u)
if [ "$syms" != "$expected" ]; then
  echo "exported symbols differ from $(basename "$list") (- listed only, + exported only):"
  diff <(echo "$expected") <(echo "$syms") | sed -n 's/^</-/p; s/^>/+/p'
  echo "An added symbol is a compatible ABI change; a removed one is a break that needs a"
  echo "soname bump.  If the change is deliberate, run tools/update-abi.sh and commit abi/."
  exit 1
fi
echo "exported symbols match $(basename "$list") ($(wc -l <<<"$expected") symbols)"
