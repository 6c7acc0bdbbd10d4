#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The ens-peer-connections CLI, end to end: the demo, JSON outputs, exit codes.
set -euo pipefail
cli=$1
mock=${2:-}
fail() { echo "FAIL: $*"; exit 1; }
# Cross builds: the target's programs run through MESON_EXE_WRAPPER (qemu-user),
# by way of two small scripts, so that every use below stays a plain command.
wrapdir=
if [ -n "${MESON_EXE_WRAPPER:-}" ]; then
  wrapdir=$(mktemp -d)
  trap 'rm -rf "$wrapdir"' EXIT
  printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$MESON_EXE_WRAPPER" "$(realpath "$cli")" >"$wrapdir/cli"
  cli=$wrapdir/cli
  if [ -n "$mock" ]; then
    printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$MESON_EXE_WRAPPER" "$(realpath "$mock")" >"$wrapdir/mock"
    mock=$wrapdir/mock
  fi
  chmod +x "$wrapdir"/*
elif [ -n "${ENS_CROSS:-}" ]; then
  echo "SKIPPED: cross build without a runner (no exe_wrapper in the cross file): the CLI cannot run here"
  exit 77
fi
unset ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET ALIBABA_CLOUD_SECURITY_TOKEN ALIBABA_CLOUD_CREDENTIALS_URI
# the default credentials chain must not reach for real files or a metadata service
export ALIBABA_CLOUD_ECS_METADATA_DISABLED=true
export ALIBABA_CLOUD_CONFIG_FILE=/nonexistent/ensclient-test/config.json
export ALIBABA_CLOUD_CREDENTIALS_FILE=/nonexistent/ensclient-test/credentials

help=$("$cli" --help) || fail "--help failed"
grep -q -- "--demo" <<<"$help" || fail "--help does not mention --demo"

out=$("$cli" --demo 2>/dev/null)
echo "$out" | head -1 | grep -q "^INSTANCE ID" || fail "no table header"
rows=$(echo "$out" | grep -c "^pcc-")
[ "$rows" -eq 57 ] || fail "demo table has $rows rows, expected 57"
echo "$out" | tail -1 | grep -q "57 shown, 57 in total, 1 page of up to 100" || fail "demo footer"
# long cells are shortened unless --wide
width=$(echo "$out" | awk '{ if (length($0) > m) m = length($0) } END { print m }')
wide=$("$cli" --demo --wide 2>/dev/null | awk '{ if (length($0) > m) m = length($0) } END { print m }')
[ "$wide" -gt "$width" ] || fail "--wide did not widen the table ($wide <= $width)"

json=$("$cli" --demo --json --region cn-xian-unicom 2>/dev/null)
python3 - "$json" <<'PY' || fail "--all --json output"
import json, sys
d = json.loads(sys.argv[1])
items = d["NetworkPeerConnects"]
assert d["TotalCount"] == 12 and d["Count"] == 12 and len(items) == 12, (d["TotalCount"], len(items))
# the walk's own figures, not the last page's
assert "PageNumber" not in d and d["PageCount"] == 1 and d["PageSize"] == 100, d
assert len(d["RequestIds"]) == 1
assert all(i["EnsRegionId"] == "cn-xian-unicom" for i in items)
assert len({i["InstanceId"] for i in items}) == 12
for key in ("InstanceId", "CreationTime", "Name", "Description", "Status", "NetworkId",
            "AcceptingNetworkId", "Network", "AcceptingNetwork"):
    assert key in items[0], key
PY

lines=$("$cli" --demo --json-lines --max 5 2>/dev/null)
[ "$(echo "$lines" | wc -l)" -eq 5 ] || fail "--json-lines --max 5"
echo "$lines" | python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' || fail "json-lines not JSON"

json=$("$cli" --demo --json --page-size 10 --max 25 2>/dev/null)
python3 - "$json" <<'PY' || fail "--all --json over several pages"
import json, sys
d = json.loads(sys.argv[1])
assert d["TotalCount"] == 57 and d["Count"] == 25 and d["PageCount"] == 3, d
assert d["PageSize"] == 10 and len(d["RequestIds"]) == 3 and len(set(d["RequestIds"])) == 3
assert "PageNumber" not in d
PY

# a parallel walk lists exactly what the sequential walk lists
seq=$("$cli" --demo --json-lines --page-size 10 2>/dev/null)
par=$("$cli" --demo --json-lines --page-size 10 --parallel 4 2>/dev/null)
[ "$seq" = "$par" ] && [ "$(echo "$par" | wc -l)" -eq 57 ] || fail "--parallel changes the listing"

# verbose logs the request but never the signature
verbose=$("$cli" --demo --verbose --max 1 2>&1 >/dev/null)
echo "$verbose" | grep -q "authorization: \[redacted\]" || fail "--verbose does not log the request"
if echo "$verbose" | grep -q "Signature="; then fail "--verbose leaked a signature"; fi

# usage errors: one line, then a hint at --help; one rule for --page-size
usage_case() { # expected-line args...
  local want=$1; shift
  set +e
  msg=$("$cli" "$@" 2>&1 >/dev/null); code=$?
  set -e
  [ $code -eq 2 ] || fail "$* should exit 2 (got $code)"
  [ "$(echo "$msg" | wc -l)" -eq 2 ] || fail "$*: usage error is not one line plus a hint: $msg"
  echo "$msg" | head -1 | grep -qF -- "$want" || fail "$*: '$want' not in: $msg"
  echo "$msg" | tail -1 | grep -qF -- "--help" || fail "$*: no hint at --help: $msg"
}
for v in 5 0 101 abc 10x -3; do
  usage_case "ens-peer-connections: --page-size must be a whole number from 10 to 100, not '$v'" --page-size "$v"
done
usage_case "unknown option '--bogus'" --bogus
usage_case "--page needs a value" --page
usage_case "unexpected argument 'extra'" extra
usage_case "--parallel must be a whole number from 1 to 64, not '0'" --demo --parallel 0
usage_case "--max-response-bytes must be a whole number" --max-response-bytes lots

set +e
"$cli" --endpoint http://127.0.0.1:9 >/dev/null 2>&1; [ $? -eq 3 ] || fail "no credentials should exit 3"
ALIBABA_CLOUD_ACCESS_KEY_ID=x ALIBABA_CLOUD_ACCESS_KEY_SECRET=y \
  "$cli" --endpoint http://127.0.0.1:9 --max-attempts 1 >/dev/null 2>&1; [ $? -eq 4 ] || fail "refused connection should exit 4"
err=$(ALIBABA_CLOUD_ACCESS_KEY_ID=x ALIBABA_CLOUD_ACCESS_KEY_SECRET=y "$cli" --endpoint http://127.0.0.1:9 --max-attempts 1 2>&1 >/dev/null)
insecure=$(ALIBABA_CLOUD_ACCESS_KEY_ID=x ALIBABA_CLOUD_ACCESS_KEY_SECRET=y "$cli" --endpoint http://192.0.2.1 2>&1 >/dev/null)
code=$?
toolarge=$("$cli" --demo --max-response-bytes 200 2>&1 >/dev/null)
code_large=$?
set -e
[ $code -eq 2 ] || fail "plain http to a remote host should exit 2 (got $code)"
# the tool's own words: no library struct field, a remedy it can act on
if echo "$insecure" | grep -q "allow_insecure_http"; then fail "message names a struct field: $insecure"; fi
echo "$insecure" | grep -qF "use https:// or a loopback endpoint" || fail "no remedy: $insecure"
[ $code_large -eq 6 ] || fail "a response over --max-response-bytes should exit 6 (got $code_large)"
echo "$toolarge" | grep -qF -- "--max-response-bytes" || fail "too large names no flag: $toolarge"
echo "$err" | grep -q "^ens-peer-connections: network error" || fail "error line: $err"
if [ -n "$mock" ]; then
  # a service error exits 5 and names the Code and RequestId
  tmp=$(mktemp -d)
: >"$tmp/out"
  "$mock" --port 0 --throttle 100 >"$tmp/out" 2>/dev/null &
  pid=$!
  trap 'kill $pid 2>/dev/null; rm -rf "$tmp" ${wrapdir:+"$wrapdir"}' EXIT
  for _ in $(seq 100); do grep -q "listening on" "$tmp/out" && break; sleep 0.05; done
  url=$(sed -n 's/^listening on //p' "$tmp/out")
  [ -n "$url" ] || fail "mock server did not start"
  set +e
  err=$(ALIBABA_CLOUD_ACCESS_KEY_ID=demo-access-key-id ALIBABA_CLOUD_ACCESS_KEY_SECRET=demo-access-key-secret \
    "$cli" --endpoint "$url" --max-attempts 1 2>&1 >/dev/null)
  code=$?
  set -e
  [ $code -eq 5 ] || fail "service error should exit 5 (got $code: $err)"
  echo "$err" | grep -q "Throttling.User" || fail "service error line lacks the Code: $err"
  echo "$err" | grep -q "RequestId" || fail "service error line lacks the RequestId: $err"
fi
echo "CLI checks passed"
