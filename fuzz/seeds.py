#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpus of one fuzz target, built from the recorded fixtures
(test/fixtures), into a directory:

    python3 fuzz/seeds.py TARGET OUT_DIR

  fuzz_response, fuzz_parser_diff  every body in test/fixtures/bodies, and the
                                   body of every response recorded in a cassette
  fuzz_error_body                  the error bodies (error_*, the HTML and text
                                   pages) and every recorded response of status
                                   400 or more
  fuzz_cassette                    every cassette (test/fixtures/cassettes,
                                   test/fixtures/iterator)
  fuzz_canonical                   every request recorded in a cassette, in the
                                   target's layout (see fuzz/fuzz_canonical.c:
                                   InstanceId, EnsRegionId, Name, NetworkIds.1..7,
                                   a header name and value, split on NUL bytes;
                                   the first two bytes double as PageNumber and
                                   PageSize), and the hand-written fuzz/seeds/canonical
Prints how many seeds it wrote.  Standard library only."""
import glob
import hashlib
import json
import os
import shutil
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "test", "fixtures")


def cassettes():
    for path in sorted(glob.glob(os.path.join(FIXTURES, "cassettes", "*.json")) +
                       glob.glob(os.path.join(FIXTURES, "iterator", "*.json"))):
        with open(path, "rb") as f:
            raw = f.read()
        try:
            doc = json.loads(raw)
        except ValueError:
            doc = None
        yield path, raw, doc


def exchanges(doc):
    if isinstance(doc, dict):
        for x in doc.get("exchanges", []):
            if isinstance(x, dict):
                yield x


def response_body(resp):
    """The body bytes a recorded response stands for, or None."""
    if not isinstance(resp, dict):
        return None
    if "json" in resp:
        return json.dumps(resp["json"], ensure_ascii=False, separators=(",", ":")).encode()
    if isinstance(resp.get("body"), str):
        return resp["body"].encode()
    return None


def canonical_seed(req):
    """A recorded request in fuzz_canonical's layout, or None."""
    if not isinstance(req, dict) or not isinstance(req.get("query"), str):
        return None
    q = dict(urllib.parse.parse_qsl(req["query"], keep_blank_values=True))
    ids = [q[k] for k in sorted(q, key=lambda k: int(k.split(".")[1]) if k.split(".")[-1].isdigit() else 0)
           if k.startswith("NetworkIds.")][:7]
    parts = [q.get("InstanceId", ""), q.get("EnsRegionId", ""), q.get("Name", "")] + ids
    parts += [""] * (10 - len(parts))
    headers = req.get("headers") or {}
    name = next((h for h in sorted(headers) if h.startswith("x-acs-") and h != "x-acs-signature-nonce"), "accept")
    parts += [name, str(headers.get(name, "application/json"))]
    return b"\0".join(p.encode() for p in parts)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: fuzz/seeds.py TARGET OUT_DIR")
    target, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    seeds = []
    bodies = sorted(glob.glob(os.path.join(FIXTURES, "bodies", "*")))
    if target in ("fuzz_response", "fuzz_parser_diff"):
        seeds += [open(p, "rb").read() for p in bodies]
        for _, _, doc in cassettes():
            seeds += [b for b in (response_body(x.get("response")) for x in exchanges(doc)) if b]
    elif target == "fuzz_error_body":
        seeds += [open(p, "rb").read() for p in bodies
                  if os.path.basename(p).startswith("error_") or not p.endswith(".json")]
        for _, _, doc in cassettes():
            for x in exchanges(doc):
                resp = x.get("response")
                if isinstance(resp, dict) and isinstance(resp.get("status"), int) and resp["status"] >= 400:
                    b = response_body(resp)
                    if b:
                        seeds.append(b)
    elif target == "fuzz_cassette":
        seeds += [raw for _, raw, _ in cassettes()]
    elif target == "fuzz_canonical":
        for _, _, doc in cassettes():
            seeds += [s for s in (canonical_seed(x.get("request")) for x in exchanges(doc)) if s]
        for p in sorted(glob.glob(os.path.join(HERE, "seeds", "canonical", "*"))):
            seeds.append(open(p, "rb").read())
    else:
        sys.exit("fuzz/seeds.py: unknown target " + target)
    written = set()
    for s in seeds:
        name = hashlib.sha1(s).hexdigest()
        if name not in written:
            with open(os.path.join(out, name), "wb") as f:
                f.write(s)
            written.add(name)
    print(len(written))


if __name__ == "__main__":
    main()
