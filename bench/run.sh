#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every benchmark of bench/ with full counts and prints the machine it
# ran on.  Usage (from the source root):
#
#   meson setup build-release --buildtype=release   # once
#   meson compile -C build-release && bench/run.sh build-release
#
# Set ENS_BENCH_QUICK=1 for the tiny counts the 'bench' test suite uses.
# Exits non-zero when a benchmark failed to run (never because of a figure).
set -uo pipefail

builddir=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$builddir/bench" ]; then
    echo "run.sh: $builddir/bench not found; configure with -Dbench=enabled (needs libmicrohttpd)" >&2
    exit 2
fi
builddir=$(cd "$builddir" && pwd)

introspect() {
    python3 - "$builddir" "$1" <<'PY'
import json, sys, os
d, what = sys.argv[1], sys.argv[2]
info = os.path.join(d, 'meson-info')
if what == 'buildtype':
    opts = json.load(open(os.path.join(info, 'intro-buildoptions.json')))
    v = {o['name']: o['value'] for o in opts}
    print('%s (optimization %s, debug %s, b_ndebug %s)' % (v.get('buildtype'), v.get('optimization'),
          v.get('debug'), v.get('b_ndebug')))
elif what == 'compiler':
    import shlex, subprocess
    cmds = json.load(open(os.path.join(d, 'compile_commands.json')))
    cc = next(shlex.split(c['command'])[0] for c in cmds if c['file'].endswith('.c'))
    out = subprocess.run([cc, '--version'], capture_output=True, text=True).stdout
    print('%s (%s)' % (out.splitlines()[0] if out else '?', cc))
PY
}

echo "== machine"
echo "date:       $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "kernel:     $(uname -srm)"
echo "nproc:      $(nproc)"
echo "cpu:        $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo "ram:        $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "compiler:   $(introspect compiler)"
echo "build type: $(introspect buildtype)"
echo "libcurl $(curl-config --version 2>/dev/null | cut -d' ' -f2), jansson $(pkg-config --modversion jansson 2>/dev/null)," \
     "libsodium $(pkg-config --modversion libsodium 2>/dev/null), libmicrohttpd $(pkg-config --modversion libmicrohttpd 2>/dev/null)"
echo "load:       $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, before the run)"

status=0
echo
echo "== bench_e2e --nginx"
"$builddir/bench/bench_e2e" --nginx
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then   # 77: nginx not installed
    echo "run.sh: bench_e2e --nginx FAILED" >&2
    status=1
fi
for b in bench_e2e bench_signer bench_parser bench_iterator bench_memory bench_watch; do
    echo
    echo "== $b"
    if ! "$builddir/bench/$b"; then
        echo "run.sh: $b FAILED" >&2
        status=1
    fi
done

echo
echo "== footprint"
so=$(ls "$builddir"/lib/libensclient.so.*.*.* 2>/dev/null | head -1)
if ! bash "$here/footprint.sh" "$so" "$builddir/bench/footprint_min_static" \
        "$builddir/bench/footprint_min_shared"; then
    echo "run.sh: footprint FAILED" >&2
    status=1
fi
echo
echo "load:       $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, after the run)"
exit $status
