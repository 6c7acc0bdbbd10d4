#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generate tools/data/default.json, the mock server's built-in data set.

Deterministic (fixed seed): running it again gives the same file.  Every ID is
fictitious.  Usage:  python3 tools/mock/gen_default_data.py > tools/data/default.json
"""
import json
import random
import sys

rng = random.Random(20240531)
ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"


def rid(prefix, n):
    return prefix + "".join(rng.choice(ALNUM) for _ in range(n))


# node -> number of peer connections on it (sums to 57)
REGIONS = [
    ("cn-xian-unicom", 12, 4),
    ("cn-dongguan-9", 10, 3),
    ("cn-hangzhou-telecom", 9, 3),
    ("cn-beijing-cmcc", 9, 3),
    ("cn-chengdu-telecom", 9, 3),
    ("cn-wuhan-unicom", 8, 2),
]

networks = {}  # region -> [(id, [cidrs])]
octet = 0
for region, _, nnet in REGIONS:
    nets = []
    for i in range(nnet):
        octet += 1
        cidrs = ["10.%d.0.0/16" % octet]
        if i == 0:
            cidrs.append("172.%d.0.0/20" % (16 + octet % 16))
        nets.append((rid("n-", 12), cidrs))
    networks[region] = nets
# one network without any CIDR block
networks["cn-wuhan-unicom"][1] = (networks["cn-wuhan-unicom"][1][0], [])

SPECIAL_NAMES = [
    "test",
    "test",
    "test",
    "边缘对等连接-西安",
    "Überbrücke ✓ 🚀",
    'say "hi" \\ bye',
    "x" * 128,
    "tab\there",
]
SPECIAL_DESCS = [
    "desc",
    "line one\nline two\r\nline three",
    "<b>markup &amp; entities</b>",
    "  leading and trailing spaces  ",
    "",
    "control \u0001 char and slash /",
]
STATUSES = ["Activated"] * 7 + ["Creating", "Deleting"]

entries = []
k = 0
for region, count, _ in REGIONS:
    nets = networks[region]
    for i in range(count):
        k += 1
        req = nets[i % len(nets)]
        acc = nets[(i + 1) % len(nets)]
        if i % 5 == 4:  # some peerings reach a network of another node
            other = REGIONS[(REGIONS.index((region, count, len(nets))) + 1) % len(REGIONS)][0]
            acc = networks[other][i % len(networks[other])]
        year = 2023 + (k % 3)
        ctime = "%04d-%02d-%02dT%02d:%02d:%02dZ" % (
            year, 1 + k % 12, 1 + (k * 7) % 28, (k * 5) % 24, (k * 11) % 60, (k * 13) % 60)
        name = "pcc-%s-%02d" % (region, i + 1)
        if k % 7 == 3 and SPECIAL_NAMES:
            name = SPECIAL_NAMES.pop(0)
        desc = "peering %s <-> %s" % (req[0], acc[0])
        if k % 9 == 5 and SPECIAL_DESCS:
            desc = SPECIAL_DESCS.pop(0)
        e = {
            "InstanceId": rid("pcc-", 21),
            "CreationTime": ctime,
            "Name": name,
            "Description": desc,
            "EnsRegionId": region,
            "Status": STATUSES[k % len(STATUSES)],
            "NetworkId": req[0],
            "AcceptingNetworkId": acc[0],
            "Network": {"NetworkId": req[0], "Ipv4Cidrs": list(req[1])},
            "AcceptingNetwork": {"NetworkId": acc[0], "Ipv4Cidrs": list(acc[1])},
        }
        entries.append(e)

assert not SPECIAL_NAMES, SPECIAL_NAMES
# Quirks of the published example and of a real service:
entries[1]["AcceptingNetworkId"] += "\n"          # stray trailing newline
entries[20]["Status"] = "Migrating"               # a status the docs do not list
entries[33]["ResourceGroupId"] = "rg-mockmockmock01"  # a field the client does not know

json.dump({"NetworkPeerConnects": entries}, sys.stdout, ensure_ascii=False, indent=2)
sys.stdout.write("\n")

# Summary on stderr, handy for writing tests.
from collections import Counter
print("total", len(entries), file=sys.stderr)
for r, c in sorted(Counter(e["EnsRegionId"] for e in entries).items()):
    print("EnsRegionId", r, c, file=sys.stderr)
for r, c in sorted(Counter(e["Name"] for e in entries).items()):
    if c > 1:
        print("Name", repr(r), c, file=sys.stderr)
nc = Counter()
for e in entries:
    for n in {e["Network"]["NetworkId"], e["AcceptingNetwork"]["NetworkId"]}:
        nc[n] += 1
for n, c in sorted(nc.items()):
    print("NetworkIds", n, c, file=sys.stderr)
