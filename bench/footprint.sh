#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Benchmark 6: footprint.
#   footprint.sh SHARED_OBJECT STATIC_PROGRAM SHARED_PROGRAM
# Strips copies (strip --strip-unneeded) in a temporary directory and prints
# their sizes.  Target: stripped libensclient.so <= 128 KiB.  Reports, never
# asserts the target; fails only when it cannot measure.
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 SHARED_OBJECT STATIC_PROGRAM SHARED_PROGRAM" >&2
    exit 2
fi
so=$1 static_prog=$2 shared_prog=$3
STRIP=${STRIP:-strip}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

size_of() { stat -c %s "$1"; }
kib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1024 }'; }

for f in "$so" "$static_prog" "$shared_prog"; do
    [ -f "$f" ] || { echo "footprint: $f does not exist" >&2; exit 1; }
    cp "$f" "$tmp/$(basename "$f")"
    "$STRIP" --strip-unneeded "$tmp/$(basename "$f")"
done

# The static program must not need libensclient.so; the shared one must.
needed() { "${READELF:-readelf}" -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' '; }
static_needed=$(needed "$static_prog")
shared_needed=$(needed "$shared_prog")
case "$static_needed" in *libensclient*) echo "footprint: $static_prog links libensclient.so" >&2; exit 1 ;; esac
case "$shared_needed" in *libensclient*) ;; *) echo "footprint: $shared_prog does not link libensclient.so" >&2; exit 1 ;; esac
# Both must load and run (under a cross build through MESON_EXE_WRAPPER, e.g.
# qemu-user; STRIP and READELF are then the target's, set by meson.build).
read -r -a wrap <<<"${MESON_EXE_WRAPPER:-}"
if [ -n "${ENS_CROSS:-}" ] && [ ${#wrap[@]} -eq 0 ]; then
    echo "footprint: cross build without a runner: the programs are not run"
else
    "${wrap[@]}" "$static_prog" --version >/dev/null
    LD_LIBRARY_PATH="$(dirname "$so")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "${wrap[@]}" "$shared_prog" --version >/dev/null
fi

so_raw=$(size_of "$so")
so_str=$(size_of "$tmp/$(basename "$so")")
st_raw=$(size_of "$static_prog")
st_str=$(size_of "$tmp/$(basename "$static_prog")")
sh_str=$(size_of "$tmp/$(basename "$shared_prog")")

echo "bench_footprint:"
echo "  $(basename "$so"): $so_raw bytes as built, $so_str bytes ($(kib "$so_str") KiB) stripped; target <= 131072 bytes (128 KiB)"
echo "  static minimal program: $st_raw bytes as built, $st_str bytes ($(kib "$st_str") KiB) stripped"
echo "    (libensclient.a linked in; dynamic: $static_needed)"
echo "  same program against the shared object: $sh_str bytes ($(kib "$sh_str") KiB) stripped"
echo "    (library code pulled into the static program: $((st_str - sh_str)) bytes)"
# Section sizes of the stripped shared object, for where the bytes go.
if [ -z "${ENS_CROSS:-}" ] && command -v size >/dev/null; then
    echo "  size(1) of the stripped shared object (text data bss):"
    size "$tmp/$(basename "$so")" | sed 's/^/    /'
fi
echo "RESULT footprint.so_stripped_bytes $so_str bytes"
echo "RESULT footprint.static_program_stripped_bytes $st_str bytes"
echo "RESULT footprint.shared_program_stripped_bytes $sh_str bytes"
