#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every exported function is reachable by man(1): a page FUNCTION.3 exists for
# each symbol of abi/libensclient.symbols, names the function, and renders at
# 80 columns without a warning and with an intact header line; the generator
# refuses a symbol that no header documents.
# Usage: check-man.sh BUILD_DOCS_DIR SYMBOLS GEN_MAN HAND_PAGE MAN1 HEADER...
set -euo pipefail
docs=$1 symbols=$2 gen=$3 hand=$4 man1=$5
shift 5
headers=("$@")
fail() { echo "FAIL: $*"; exit 1; }
command -v man >/dev/null || { echo "man(1) is not installed: cannot check the pages"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/man3" "$tmp/man1"
cp "$docs"/*.3 "$tmp/man3/"
cp "$man1" "$tmp/man1/"

# what the page looks like on an 80-column terminal, and what groff says about it
# (groff directly, as man -l runs it: man(1) itself is too slow for 120 pages)
render() { # page
  groff -k -t -man -Tutf8 -P-cbou -rLL=80n -rLT=80n -ww -Wbreak "$1" 2>"$tmp/warn" >"$tmp/out" || true
  [ ! -s "$tmp/warn" ] || fail "$1 renders with warnings: $(head -3 "$tmp/warn")"
  head=$(head -1 "$tmp/out")
  [ ${#head} -le 80 ] || fail "$1: header line wider than 80 columns: $head"
  left=${head%% *}
  right=${head##* }
  [ -n "$left" ] && [ "$left" = "$right" ] || fail "$1: garbled header line: '$head'"
}

n=0
while read -r line; do
  case $line in ''|'#'*) continue ;; esac
  fn=${line%%@*}
  page=$tmp/man3/$fn.3
  [ -f "$page" ] || fail "exported function $fn has no manual page"
  awk '/^\.SH /{name = ($2 == "NAME")} name' "$page" | grep -qw -- "$fn" || fail "$fn.3 does not name $fn"
  n=$((n + 1))
done <"$symbols"
[ $n -gt 50 ] || fail "only $n symbols read from $symbols"

for page in "$tmp"/man3/*.3 "$tmp/man1/$(basename "$man1")"; do
  render "$page"
done
render "$hand"
# as installed pages: man finds them by name
for fn in ens_describe_response_free ens_describe_peer_connections_ex ens_peer_iterator_next \
  ens_cancel_trigger; do
  MANWIDTH=80 man -M "$tmp" 3 "$fn" 2>/dev/null | grep -q "$fn" || fail "man $fn finds nothing"
done
# a copy, not a .so link: readable with man -l from anywhere
(cd / && MANWIDTH=80 man -l "$tmp/man3/ens_describe_peer_connections_ex.3" 2>&1 >/dev/null | grep -q .) &&
  fail "ens_describe_peer_connections_ex.3 does not render by itself"

# the generator fails, naming it, for an exported function without a page
cp "$symbols" "$tmp/symbols"
echo "ens_not_declared_anywhere@@ENSCLIENT_0" >>"$tmp/symbols"
if python3 "$gen" --list "$tmp/symbols" "${headers[@]}" --hand "$hand" >/dev/null 2>"$tmp/err"; then
  fail "gen-man.py accepted a symbol no header declares"
fi
grep -q "ens_not_declared_anywhere" "$tmp/err" || fail "gen-man.py did not name the symbol: $(cat "$tmp/err")"
printf '/** @file x.h\n * @brief X. */\nENS_EXTERN int ens_undocumented(void);\n' >"$tmp/x.h"
printf 'ens_undocumented@@ENSCLIENT_0\n' >"$tmp/symbols2"
if python3 "$gen" --list "$tmp/symbols2" "$tmp/x.h" >/dev/null 2>"$tmp/err"; then
  fail "gen-man.py accepted an undocumented function"
fi
echo "$n exported functions, each with a manual page; every page renders cleanly at 80 columns"
