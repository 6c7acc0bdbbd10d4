#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Manual pages for every exported function of libensclient, from the
exported-symbol list (abi/libensclient.symbols) and the documentation
comments of the public headers.

For each exported function the output directory receives FUNCTION.3:
- a copy of the hand-written page that names it in its NAME section (such as
  docs/ens_describe_peer_connections.3), or
- a page made from the function's own documentation comment: NAME, SYNOPSIS
  (the prototype), DESCRIPTION, RETURN VALUE, SEE ALSO.
For each header that declares one, ensclient-HEADER.3 holds the header's
overview (its file comment), its types, constants and macros, and the list of
its functions.  Pages are copies, never .so links, so that `man -l FILE`
works on them where they were built as well as once installed.

A function in the symbol list that no header declares, or declares without a
documentation comment, is an error: the build fails, naming it.

Usage:
  gen-man.py --list SYMBOLS HEADER... [--hand PAGE...]   print the output file names
  gen-man.py --outdir DIR --version V --date D SYMBOLS HEADER... [--hand PAGE...]
"""
import os
import re
import sys

# ---- the inputs --------------------------------------------------------------


def read_symbols(path):
    names = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                names.append(line.split("@")[0])
    return names


class Entity:
    def __init__(self, kind, name, doc, decl):
        self.kind = kind  # function, type, macro
        self.name = name
        self.doc = doc
        self.decl = decl


class Header:
    def __init__(self, path):
        self.path = path
        self.file = os.path.basename(path)
        self.stem = self.file[:-2] if self.file.endswith(".h") else self.file
        self.file_doc = ""
        self.entities = []
        text = open(path, encoding="utf-8").read()
        self.parse(text)

    def parse(self, text):
        pos = 0
        for m in re.finditer(r"/\*\*(?!<)(.*?)\*/", text, re.S):
            if m.start() < pos:
                continue
            doc = clean_comment(m.group(1))
            if "@file" in doc:
                self.file_doc = re.sub(r"@file\s+\S+\s*", "", doc)
                pos = m.end()
                continue
            decl, pos = declaration(text, m.end())
            if not decl:
                continue
            ent = classify(decl, doc)
            if ent:
                self.entities.append(ent)

    def functions(self):
        return [e for e in self.entities if e.kind == "function"]


def clean_comment(body):
    lines = body.split("\n")
    out = []
    for l in lines:
        l = re.sub(r"^\s*\* ?", "", l, count=1) if re.match(r"^\s*\*", l) else l.strip()
        out.append(l.rstrip())
    while out and not out[0].strip():
        out.pop(0)
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out)


def declaration(text, start):
    """The declaration that follows a comment: a #define line (with its
    continuations) or C text up to the ';' that closes it."""
    i = start
    while i < len(text) and text[i] in " \t\n":
        i += 1
    if text.startswith("#define", i):
        end = i
        while True:
            nl = text.find("\n", end)
            if nl < 0:
                nl = len(text)
            if text[nl - 1] == "\\":
                end = nl + 1
                continue
            return text[i:nl], nl
    if text.startswith("#", i):
        return None, i
    depth = 0
    j = i
    while j < len(text):
        c = text[j]
        if text.startswith("/*", j):
            j = text.find("*/", j) + 2
            continue
        if c in "{(":
            depth += 1
        elif c in "})":
            depth -= 1
        elif c == ";" and depth == 0:
            return text[i:j + 1], j + 1
        j += 1
    return None, len(text)


def classify(decl, doc):
    if decl.startswith("#define"):
        m = re.match(r"#define\s+(\w+)", decl)
        return Entity("macro", m.group(1), doc, decl)
    flat = re.sub(r"/\*.*?\*/", "", decl, flags=re.S)
    if flat.lstrip().startswith("typedef"):
        m = re.search(r"\(\s*\*\s*(\w+)\s*\)\s*\(", flat)  # function pointer type
        if not m:
            m = re.search(r"(\w+)\s*;\s*$", flat)
        return Entity("type", m.group(1), doc, decl)
    if "ENS_EXTERN" in flat:
        m = re.search(r"(\w+)\s*\(", flat)
        return Entity("function", m.group(1), doc, decl)
    return None


# ---- documentation comments to roff --------------------------------------------------


def esc(s):
    return s.replace("\\", "\\e").replace("-", "\\-")


def inline(s):
    """Inline markup of a comment's text, escaped for roff."""
    out = []
    pos = 0
    # `code`, ::name, name(), @p name, **bold**
    pat = re.compile(r"`([^`]+)`|::(\w+)|\b(ens_\w+|ENS_\w+)\(\)|@p\s+(\w+)|\*\*([^*]+)\*\*|\b(ENS_[A-Z0-9_]+|ens_[a-z0-9_]+)\b")
    for m in pat.finditer(s):
        out.append(esc(s[pos:m.start()]))
        if m.group(1):
            out.append("\\fB" + esc(m.group(1)) + "\\fR")
        elif m.group(2):
            out.append("\\fB" + esc(m.group(2)) + "\\fR")
        elif m.group(3):
            out.append("\\fB" + esc(m.group(3)) + "\\fR()")
        elif m.group(4):
            out.append("\\fI" + esc(m.group(4)) + "\\fR")
        elif m.group(5):
            out.append("\\fB" + esc(m.group(5)) + "\\fR")
        else:
            out.append("\\fB" + esc(m.group(6)) + "\\fR")
        pos = m.end()
    out.append(esc(s[pos:]))
    line = "".join(out)
    if line.startswith(".") or line.startswith("'"):
        line = "\\&" + line
    return line


def code_line(s):
    s = s.replace("\\", "\\e")
    if s.startswith(".") or s.startswith("'"):
        s = "\\&" + s
    return s


def table(rows):
    cells = [[c.strip() for c in r.strip().strip("|").split("|")] for r in rows]
    cells = [r for r in cells if not all(re.fullmatch(r":?-+:?", c) for c in r)]
    ncol = max(len(r) for r in cells)
    out = [".TS", "allbox tab(\x1f);", " ".join(["lb"] * ncol), " ".join(["lx"] * (ncol - 1) + ["lx"]) + "."]
    for i, r in enumerate(cells):
        r = r + [""] * (ncol - len(r))
        out.append("\x1f".join("T{\n.na\n" + inline(c) + "\nT}" for c in r))
    out.append(".TE")
    return out


def body(doc, sections):
    """Roff for a comment's text.  @param, @return go to sections['params']
    and sections['return'] (lists of roff lines) when given."""
    out = []
    lines = doc.split("\n")
    i = 0
    para = []
    mode = None  # None, "param", "return", "item"

    def flush():
        nonlocal para
        if para:
            text = inline(" ".join(p.strip() for p in para))
            if mode == "item":
                out.extend([".IP \\(bu 2", text])
            else:
                out.extend([".PP", text] if out else [text])
            para = []

    while i < len(lines):
        l = lines[i]
        s = l.strip()
        if s.startswith("@code"):
            flush()
            out.extend([".PP", ".EX"] if out else [".EX"])
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("@endcode"):
                out.append(code_line(lines[i]))
                i += 1
            out.append(".EE")
            i += 1
            mode = None
            continue
        if s.startswith("@param") and sections is not None:
            flush()
            m = re.match(r"@param(?:\[\w+\])?\s+(\w+)\s*(.*)", s)
            text = [m.group(2)]
            i += 1
            while i < len(lines) and lines[i].strip() and not lines[i].strip().startswith("@"):
                text.append(lines[i].strip())
                i += 1
            sections["params"].extend([".TP", "\\fI" + esc(m.group(1)) + "\\fR", inline(" ".join(text))])
            mode = None
            continue
        if (s.startswith("@return") or s.startswith("@retval")) and sections is not None:
            flush()
            text = [re.sub(r"^@return\s*|^@retval\s*", "", s)]
            i += 1
            while i < len(lines) and lines[i].strip() and not re.match(r"@(param|return|code)", lines[i].strip()):
                text.append(lines[i].strip())
                i += 1
            sections["return"].append(inline(" ".join(text)))
            mode = None
            continue
        if not s:
            flush()
            mode = None
            i += 1
            continue
        if s.startswith("@brief"):
            s = s[len("@brief"):].strip()
        if s.startswith("##"):
            flush()
            out.extend([".SS " + esc(s.lstrip("#").strip())])
            mode = None
            i += 1
            continue
        if s.startswith("|"):
            flush()
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(lines[i])
                i += 1
            out.extend(table(rows))
            mode = None
            continue
        if s.startswith("- "):
            flush()
            mode = "item"
            para = [s[2:]]
            i += 1
            continue
        if s.startswith("@note"):
            s = "Note: " + s[len("@note"):].strip()
        para.append(s)
        i += 1
    flush()
    return out


def brief(doc):
    first = doc.split("\n\n")[0]
    first = re.sub(r"@brief\s*", "", first).split("@")[0]
    text = " ".join(first.split())
    m = re.match(r"(.+?\.)(\s|$)", text)
    text = m.group(1) if m else text
    return text.rstrip(".")


def name_line(names, what):
    what = re.sub(r"::|@p\s+|`", "", what)
    return "\\-".join([", ".join(esc(n) for n in names) + " ", " " + esc(what)])


def th(title, version, date):
    # No middle header: a long title would run into it at 80 columns.
    return ['\'\\" t', ".nr HY 0", '.TH "%s" 3 %s "libensclient %s" ""' % (esc(title), date, version),
            ".nh", ".ad l"]


def synopsis_decl(decl, width=72):
    """The prototype on one line, or broken after commas with the
    parameters aligned under the first one."""
    flat = re.sub(r"/\*.*?\*/", "", decl, flags=re.S).replace("ENS_EXTERN ", "")
    flat = " ".join(flat.split()).replace("( ", "(").replace(" )", ")")
    if len(flat) <= width:
        return [code_line(flat)]
    col = flat.index("(") + 1
    lines, cur = [], flat[:col]
    for part in re.split(r"(?<=,) ", flat[col:]):
        if len(cur) + len(part) > width and cur.strip() and not cur.endswith("("):
            lines.append(cur.rstrip())
            cur = " " * col
        cur += part + " "
    lines.append(cur.rstrip())
    return [code_line(l) for l in lines]


def function_page(fn, header, version, date):
    sections = {"params": [], "return": []}
    desc = body(fn.doc, sections)
    lines = th(fn.name, version, date)
    lines += [".SH NAME", name_line([fn.name], brief(fn.doc))]
    lines += [".SH SYNOPSIS", ".nf", ".B #include <ensclient/ensclient.h>", ".PP"]
    lines += [".EX"] + synopsis_decl(fn.decl) + [".EE", ".fi"]
    lines += [".PP", "Compile and link with", ".IR \"pkg\\-config \\-\\-cflags \\-\\-libs ensclient\" ."]
    lines += [".SH DESCRIPTION"] + desc
    if sections["params"]:
        lines += [".SS Parameters"] + sections["params"]
    if sections["return"]:
        lines += [".SH RETURN VALUE"]
        for r in sections["return"]:
            lines += [".PP", r]
    lines += [".SH SEE ALSO", "\\fBensclient\\-%s\\fR(3)" % esc(header.stem) +
              " (the overview of \\fI<ensclient/%s>\\fR)," % esc(header.file),
              "\\fBens_describe_peer_connections\\fR(3)."]
    return "\n".join(lines) + "\n"


def header_page(header, version, date):
    title = "ensclient-" + header.stem
    lines = th(title, version, date)
    lines += [".SH NAME", name_line([title], brief(header.file_doc) or header.file)]
    lines += [".SH SYNOPSIS", ".nf", ".B #include <ensclient/ensclient.h>", ".fi",
              ".PP", "Declared in", ".IR <ensclient/%s> ." % esc(header.file)]
    lines += [".SH DESCRIPTION"] + body(header.file_doc, None)
    others = [e for e in header.entities if e.kind != "function"]
    if others:
        lines += [".SH TYPES AND CONSTANTS"]
        for e in others:
            code = [code_line(l.rstrip().replace("/**<", "/*").replace("/**", "/*").replace("::", ""))
                    for l in e.decl.strip().split("\n")]
            lines += [".SS " + esc(e.name), ".EX"] + code + [".EE"]
            lines += body(e.doc, {"params": [], "return": []})
    fns = header.functions()
    if fns:
        lines += [".SH FUNCTIONS", "Each has its own page."]
        for f in fns:
            lines += [".TP", "\\fB%s\\fR(3)" % esc(f.name), inline(brief(f.doc))]
    lines += [".SH SEE ALSO", "\\fBens_describe_peer_connections\\fR(3), \\fBens\\-peer\\-connections\\fR(1)."]
    return "\n".join(lines) + "\n"


def hand_names(page):
    """The names in a hand-written page's NAME section."""
    text = open(page, encoding="utf-8").read()
    m = re.search(r"^\.SH NAME\n(.*?)\\-", text, re.M | re.S)
    if not m:
        return []
    return [n.strip().replace("\\", "") for n in m.group(1).replace("\n", " ").split(",") if n.strip()]


def plan(symbols_path, headers, hands):
    """(output name -> (kind, data)), and the errors."""
    syms = read_symbols(symbols_path)
    parsed = [Header(h) for h in headers]
    declared = {}
    for h in parsed:
        for f in h.functions():
            declared[f.name] = (f, h)
    by_hand = {}
    for page in hands:
        for n in hand_names(page):
            by_hand[n] = page
    outputs = {}
    errors = []
    used_headers = set()
    for s in syms:
        if s in by_hand:
            outputs[s + ".3"] = ("copy", by_hand[s])
        elif s in declared:
            fn, h = declared[s]
            if not fn.doc.strip():
                errors.append("%s: exported, declared in %s without documentation" % (s, h.file))
            outputs[s + ".3"] = ("function", (fn, h))
            used_headers.add(h)
        else:
            errors.append("%s: exported (in %s) but declared in no public header"
                          % (s, os.path.basename(symbols_path)))
    for h in parsed:
        if h in used_headers:
            outputs["ensclient-%s.3" % h.stem] = ("header", h)
    return outputs, errors


def main(argv):
    args = argv[1:]
    opts = {}
    while args and args[0] in ("--list", "--outdir", "--version", "--date"):
        key = args.pop(0)
        opts[key] = True if key == "--list" else args.pop(0)
    hands = []
    if "--hand" in args:
        k = args.index("--hand")
        hands = args[k + 1:]
        args = args[:k]
    symbols, headers = args[0], args[1:]
    outputs, errors = plan(symbols, headers, hands)
    if errors:
        for e in errors:
            print("gen-man.py: " + e, file=sys.stderr)
        return 1
    if "--list" in opts:
        print("\n".join(sorted(outputs)))
        return 0
    outdir = opts["--outdir"]
    version = opts.get("--version", "")
    date = opts.get("--date", "")
    if not date and hands:  # the hand-written pages' date
        m = re.search(r"^\.TH \S+ \S+ (\S+)", open(hands[0], encoding="utf-8").read(), re.M)
        date = m.group(1) if m else ""
    for name, (kind, data) in outputs.items():
        if kind == "copy":
            text = open(data, encoding="utf-8").read()
        elif kind == "function":
            text = function_page(data[0], data[1], version, date)
        else:
            text = header_page(data, version, date)
        path = os.path.join(outdir, name)
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old != text:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
