#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Lists the project's source files that carry no SPDX-License-Identifier line
# in their first 10 lines, and exits 1 when there is any.
#   tools/check-spdx.sh            (from anywhere in the checkout)
# Source files: C sources and headers (.c, .h, .cpp, .in), meson files, shell
# and Python scripts, CMake files.  Third-party build definitions under
# subprojects/ keep the licence of what they build and are not listed;
# fixtures, documentation and generated files are not source files.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "SKIP: not a git checkout (the file list comes from git ls-files)"
  exit 77
fi
missing=0
while IFS= read -r -d '' f; do
  case "$f" in subprojects/*) continue ;; esac
  if ! head -n 10 "$f" | grep -q 'SPDX-License-Identifier:'; then
    echo "$f"
    missing=$((missing + 1))
  fi
done < <(git ls-files -z -- '*.c' '*.h' '*.cpp' '*.in' '*.sh' '*.py' '*.cmake' \
           'meson.build' '*/meson.build' 'meson_options.txt' '*/CMakeLists.txt' '.ci/run')
if [ "$missing" -gt 0 ]; then
  echo "$missing source files have no SPDX-License-Identifier line (expected: MIT, as in LICENSE)" >&2
  exit 1
fi
echo "every source file has an SPDX-License-Identifier line"
