#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ens-peer-connections --watch, --wait-for and --metrics against the CLI's
# demo server (which changes its data set while --watch runs).
set -euo pipefail
cli=$1
fail() { echo "FAIL: $*"; exit 1; }
# Cross builds run the target's program through MESON_EXE_WRAPPER.
run=()
if [ -n "${MESON_EXE_WRAPPER:-}" ]; then
  read -r -a run <<<"$MESON_EXE_WRAPPER"
elif [ -n "${ENS_CROSS:-}" ]; then
  echo "SKIPPED: cross build without a runner"; exit 77
fi
unset ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET ALIBABA_CLOUD_SECURITY_TOKEN ALIBABA_CLOUD_CREDENTIALS_URI
export ALIBABA_CLOUD_ECS_METADATA_DISABLED=true
export ALIBABA_CLOUD_CONFIG_FILE=/nonexistent/ensclient-test/config.json
export ALIBABA_CLOUD_CREDENTIALS_FILE=/nonexistent/ensclient-test/credentials
ens() { "${run[@]}" "$cli" "$@"; }

help=$(ens --help)
for opt in --watch --interval --wait-for --metrics; do
  echo "$help" | grep -q -- "$opt" || fail "--help does not mention $opt"
done

# --watch until Ctrl-C (SIGINT after 4 s): exit 0, JSON lines, the 57
# connections added, "synced", then changes made by the demo server.
set +e
out=$(timeout --preserve-status -s INT 4 "${run[@]}" "$cli" --demo --watch --json-lines --interval 0.1 2>/dev/null)
rc=$?
set -e
[ "$rc" -eq 0 ] || fail "--watch stopped by SIGINT exits $rc"
python3 - "$out" <<'PY' || fail "--watch --json-lines output"
import json, sys
lines = [json.loads(l) for l in sys.argv[1].splitlines()]
kinds = [l["event"] for l in lines]
assert kinds[:57] == ["added"] * 57, kinds[:60]
assert kinds[57] == "synced" and lines[57]["Connections"] == 57, lines[57]
later = lines[58:]
assert later, "no change reported after the first walk"
for l in later:
    assert l["event"] in ("added", "updated", "removed"), l
    assert l["InstanceId"].startswith("pcc-")
    if l["event"] == "updated":
        assert l["Changed"] == ["Status"] and l["PreviousStatus"] != l["Status"], l
PY
# the text form: one line per change
set +e
text=$(timeout --preserve-status -s INT 2 "${run[@]}" "$cli" --demo --watch --region cn-xian-unicom --interval 0.2 2>/dev/null)
set -e
[ "$(echo "$text" | grep -c '  added    pcc-')" -ge 12 ] || fail "--watch text lines: $text"
echo "$text" | grep -q "  synced   12 connection(s)" || fail "--watch --region: no synced line"

# --wait-for: each outcome, its exit status
ens --demo --wait-for Activated --instance-id pcc-snpu4re2k0fk5uz6nhtl2 2>/dev/null |
  grep -q "reached, status Activated after 1 poll" || fail "--wait-for reached"
set +e
ens --demo --wait-for deleting --instance-id pcc-snpu4re2k0fk5uz6nhtl2 --timeout-ms 700 >/dev/null 2>&1
[ $? -eq 4 ] || fail "--wait-for past its deadline should exit 4"
ens --demo --wait-for Activated --instance-id pcc-not-there >/dev/null 2>&1
[ $? -eq 1 ] || fail "--wait-for a connection that is not there should exit 1"
ens --demo --wait-for Activated >/dev/null 2>&1
[ $? -eq 2 ] || fail "--wait-for without --instance-id should exit 2"
ens --demo --wait-for Active --instance-id x >/dev/null 2>&1
[ $? -eq 2 ] || fail "--wait-for with an unknown status should exit 2"
ens --demo --watch --wait-for gone --instance-id x >/dev/null 2>&1
[ $? -eq 2 ] || fail "--watch with --wait-for should exit 2"
ens --demo --watch --interval 0 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--interval 0 should exit 2"
set -e
json=$(ens --demo --wait-for gone --instance-id pcc-not-there --json 2>/dev/null)
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["Outcome"]=="reached" and d["Polls"]==1, d' "$json" ||
  fail "--wait-for gone --json: $json"

# --metrics: the exposition on stderr at exit, whatever the mode
m=$(ens --demo --max 5 --metrics 2>&1 >/dev/null)
echo "$m" | grep -q '^ens_client_calls_total{client="ens-peer-connections"} 1$' || fail "--metrics: $m"
echo "$m" | grep -q '^# TYPE ens_client_call_duration_seconds histogram$' || fail "--metrics histogram"
m=$(ens --demo --wait-for Activated --instance-id pcc-snpu4re2k0fk5uz6nhtl2 --metrics 2>&1 >/dev/null)
echo "$m" | grep -q '^ens_client_attempts_total{client="ens-peer-connections"} 1$' || fail "--metrics after --wait-for"
echo "PASS"
