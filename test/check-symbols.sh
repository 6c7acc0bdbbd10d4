#!/usr/bin/env bash
# Every dynamic symbol the shared object exports must start with ens_.
set -euo pipefail
lib=$1
syms=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sed 's/@.*//' | sort -u)
[ -n "$syms" ] || { echo "no exported symbols found in $lib"; exit 1; }
bad=$(echo "$syms" | grep -v '^ens_' || true)
if [ -n "$bad" ]; then
  echo "symbols exported without the ens_ prefix:"; echo "$bad"; exit 1
fi
echo "$(echo "$syms" | wc -l) exported symbols, all ens_*"
