#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The ens-peer-connections CLI's credentials and generic-call options against
# the mock server: --generic for DescribeNetworkPeerConnections and a second
# action (STS GetCallerIdentity), service errors, -p checks; --profile picks
# a CLI-config profile and nothing else.
set -euo pipefail
cli=$1
mock=$2
fail() { echo "FAIL: $*"; exit 1; }
if [ -n "${MESON_EXE_WRAPPER:-}" ] || [ -n "${ENS_CROSS:-}" ]; then
  echo "SKIPPED: cross build: test_cli.sh covers running the CLI there"
  exit 77
fi
unset ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET ALIBABA_CLOUD_SECURITY_TOKEN ALIBABA_CLOUD_CREDENTIALS_URI
unset ALIBABA_CLOUD_PROFILE ALIBABA_CLOUD_OIDC_TOKEN_FILE ALIBABA_CLOUD_ROLE_ARN
export ALIBABA_CLOUD_ECS_METADATA_DISABLED=true
export ALIBABA_CLOUD_CONFIG_FILE=/nonexistent/ensclient-test/config.json
export ALIBABA_CLOUD_CREDENTIALS_FILE=/nonexistent/ensclient-test/credentials

help=$("$cli" --help)
for opt in --generic --param --api-version --profile ALIBABA_CLOUD_OIDC_TOKEN_FILE; do
  echo "$help" | grep -q -- "$opt" || fail "--help does not mention $opt"
done

tmp=$(mktemp -d)
"$mock" --port 0 >"$tmp/out" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$tmp/out" && break; sleep 0.05; done
url=$(sed -n 's/^listening on //p' "$tmp/out")
[ -n "$url" ] || fail "mock server did not start"
demo() { ALIBABA_CLOUD_ACCESS_KEY_ID=demo-access-key-id ALIBABA_CLOUD_ACCESS_KEY_SECRET=demo-access-key-secret "$@"; }

# the generic call: the typed action, then a second one of another API
out=$(demo "$cli" --endpoint "$url" --generic DescribeNetworkPeerConnections -p PageSize=20 -p PageNumber=2)
python3 - "$out" <<'PY' || fail "--generic DescribeNetworkPeerConnections: $out"
import json, sys
d = json.loads(sys.argv[1])
assert d["PageSize"] in (20, "20") and d["PageNumber"] in (2, "2"), d
assert len(d["NetworkPeerConnects"]) == 20
PY
out=$(demo "$cli" --endpoint "$url" --generic GetCallerIdentity --api-version 2015-04-01)
python3 - "$out" <<'PY' || fail "--generic GetCallerIdentity: $out"
import json, sys
d = json.loads(sys.argv[1])
assert d["IdentityType"] == "Account" and d["AccountId"] and d["RequestId"], d
PY

set +e
err=$(demo "$cli" --endpoint "$url" --max-attempts 1 --generic NoSuchAction 2>&1 >/dev/null); code=$?
[ $code -eq 5 ] || fail "an unknown action should exit 5 (got $code: $err)"
echo "$err" | grep -q "InvalidAction.NotFound" || fail "unknown action: $err"
"$cli" -p A=1 >/dev/null 2>&1; [ $? -eq 2 ] || fail "-p without --generic should exit 2"
"$cli" --generic X -p novalue >/dev/null 2>&1; [ $? -eq 2 ] || fail "-p without = should exit 2"
set -e

# --profile: that profile of the CLI configuration, whatever the environment says
cat >"$tmp/config.json" <<'JSON'
{"current": "wrong", "profiles": [
  {"name": "wrong", "mode": "AK", "access_key_id": "nobody", "access_key_secret": "x-SECRET"},
  {"name": "demo", "mode": "AK", "access_key_id": "demo-access-key-id", "access_key_secret": "demo-access-key-secret"}]}
JSON
chmod 600 "$tmp/config.json"
export ALIBABA_CLOUD_CONFIG_FILE=$tmp/config.json
out=$(ALIBABA_CLOUD_ACCESS_KEY_ID=nobody ALIBABA_CLOUD_ACCESS_KEY_SECRET=y-SECRET \
  "$cli" --endpoint "$url" --profile demo --json --page-size 10)
echo "$out" | python3 -c 'import json,sys; assert json.load(sys.stdin)["TotalCount"] == 57' || fail "--profile demo: $out"
set +e
err=$("$cli" --endpoint "$url" --profile absent 2>&1 >/dev/null); code=$?
set -e
[ $code -eq 3 ] || fail "an absent profile should exit 3 (got $code: $err)"
echo "$err" | grep -q "profile 'absent' not found" || fail "absent profile: $err"
echo "$err" | grep -q "y-SECRET" && fail "a secret in: $err"
echo "CLI credentials checks passed"
