#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""docs/guide.md is complete: its contents line lists every section, and its
options table has a row for every field of ens_client_options.
Usage: check_guide.py GUIDE CLIENT_H"""
import re
import sys

guide = open(sys.argv[1], encoding="utf-8").read()
header = open(sys.argv[2], encoding="utf-8").read()
bad = []

contents = guide[guide.index("Contents:"):guide.index("\n\n", guide.index("Contents:"))]
for title in re.findall(r"^## (.+)$", guide, re.M):
    if "[%s](#" % title not in contents:
        bad.append("section '%s' is missing from the contents" % title)

struct = header[header.index("typedef struct ens_client_options {"):]
struct = struct[:struct.index("} ens_client_options;")]
struct = re.sub(r"/\*.*?\*/", "", struct, flags=re.S)
fields = re.findall(r"(\w+)\s*;", struct)
table = guide[guide.index("| field | default | meaning |"):]
table = table[:table.index("\n\n")]
first_cells = " ".join(row.split("|")[1] for row in table.split("\n")[2:] if row.startswith("|"))
for f in fields:
    if f != "version" and "`%s`" % f not in first_cells:
        bad.append("ens_client_options.%s has no row in the options table" % f)

for b in bad:
    print("FAIL:", b)
if bad:
    sys.exit(1)
print("guide: %d sections in the contents, %d options in the table" % (
    len(re.findall(r"^## ", guide, re.M)), len(fields) - 1))
