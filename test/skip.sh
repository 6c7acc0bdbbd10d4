#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Stands in for a test that could not be built in this configuration (a
# dependency was missing when the build was configured): says why and exits
# with 77, which meson test reports as SKIP rather than leaving the test out.
# usage: skip.sh REASON...
echo "SKIPPED: $*"
exit 77
