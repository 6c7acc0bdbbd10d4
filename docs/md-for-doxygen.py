#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A copy of a Markdown page for the Doxygen reference: each heading gets an
explicit {#id}, the id GitHub derives from it, so that the page's own
[links](#some-heading) resolve in the HTML reference as they do on GitHub
(Doxygen 1.9 does not derive such ids itself).  The page's title gets the id
given on the command line (what \\ref and other pages use).

Usage: md-for-doxygen.py INPUT OUTPUT PAGE_ID
"""
import re
import sys


def slug(title):
    s = title.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def main(src, dst, page_id):
    out = []
    fence = False
    seen = set()
    for line in open(src, encoding="utf-8"):
        if line.startswith("```"):
            fence = not fence
        m = None if fence else re.match(r"^(#{1,6}) (.*?)\s*$", line)
        if m and "{#" not in line:
            if len(m.group(1)) == 1 and page_id:
                ident, page_id = page_id, None
            else:
                ident = slug(m.group(2))
                base, n = ident, 1
                while ident in seen:  # GitHub numbers repeated headings
                    ident = "%s-%d" % (base, n)
                    n += 1
            seen.add(ident)
            line = "%s %s {#%s}\n" % (m.group(1), m.group(2), ident)
        out.append(line)
    with open(dst, "w", encoding="utf-8") as f:
        f.write("".join(out))


if __name__ == "__main__":
    main(*sys.argv[1:4])
