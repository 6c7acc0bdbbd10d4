#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""ens-peer-connections (and examples/list_all) on a real terminal: each
program runs on a pseudo-terminal whose size the test sets, as a session
leader with the terminal as its controlling terminal, so that writing ^C to
the terminal makes its line discipline send SIGINT, exactly as a key press.

Checked: the progress line advances after every page and is cleared; the
table is aligned by display width (CJK, emoji, combining marks) and fitted
to the terminal's width; --wide keeps every cell whole; Ctrl-C cancels the
call or walk through the library and exits 130 with the line cleared;
--json-lines streams with flat memory against a server that pages forever.

Usage: test_cli_terminal.py CLI MOCK_SERVER LIST_ALL
"""
import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
import unicodedata

CLI, MOCK, LIST_ALL = sys.argv[1:4]
if os.environ.get("ENS_CROSS"):
    # Its timings (progress after every page, Ctrl-C within a second) are
    # for a native CPU; the programs' terminal code is the same C on every
    # target, and test_cli.sh runs them under the emulator.
    print("SKIPPED: cross build: the terminal test runs on native builds only")
    sys.exit(77)
ENV = dict(os.environ,
           ALIBABA_CLOUD_ACCESS_KEY_ID="demo-access-key-id",
           ALIBABA_CLOUD_ACCESS_KEY_SECRET="demo-access-key-secret",
           ALIBABA_CLOUD_ECS_METADATA_DISABLED="true",
           ALIBABA_CLOUD_CONFIG_FILE="/nonexistent/ensclient-test/config.json",
           ALIBABA_CLOUD_CREDENTIALS_FILE="/nonexistent/ensclient-test/credentials",
           ALIBABA_CLOUD_CREDENTIALS_URI="", ALIBABA_CLOUD_SECURITY_TOKEN="")
ENV.pop("COLUMNS", None)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def width(text):
    """Display columns, from Python's own Unicode database (an oracle
    independent of the CLI's range table)."""
    w = 0
    for ch in text:
        if unicodedata.combining(ch) or ch in "\u200b\u200c\u200d\ufe0f\ufe0e":
            continue
        w += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return w


ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class Term:
    """A program on a pseudo-terminal of cols x rows."""

    def __init__(self, argv, cols=80, rows=40):
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

        def child_setup():
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=ENV,
                                     preexec_fn=child_setup, close_fds=True)
        os.close(slave)
        self.out = b""

    def read_for(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            r, _, _ = select.select([self.master], [], [], max(0.0, end - time.monotonic()))
            if not r:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self.out += data

    def wait(self, timeout=60):
        end = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < end:
            self.read_for(0.05)
        self.read_for(0.2)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
            check(False, "%s did not finish within %ss" % (self.proc.args, timeout))
        os.close(self.master)
        return self.proc.returncode

    def text(self):
        return self.out.decode("utf-8", "replace").replace("\r\n", "\n")


class Mock:
    def __init__(self, *args):
        self.proc = subprocess.Popen([MOCK, "--port", "0"] + list(args), stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        m = re.match(r"listening on (\S+)", line)
        assert m, "mock server did not start: %r" % line
        self.url = m.group(1)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def table_lines(text):
    """The table's lines (header, rows, footer) of a screen."""
    # what stays on screen of each line: the text after its last carriage return
    lines = [l.split("\r")[-1] for l in ANSI.sub("", text).split("\n")]
    start = next(i for i, l in enumerate(lines) if l.startswith("INSTANCE ID"))
    out = []
    for l in lines[start:]:
        if not l:
            break
        out.append(l)
    return out


def column_starts(line, header):
    """Display column where each header title starts."""
    return [width(line[:line.index(t)]) for t in header]


def check_aligned(lines, what):
    heads = column_starts(lines[0], ["INSTANCE ID", "STATUS"])
    statuses = {"Activated", "Creating", "Deleting", "Migrating", "Pending", "Rejected", "Expired"}
    bad = 0
    for row in lines[1:-1]:
        # the STATUS cell starts at the header's STATUS column, by display width
        col = None
        for s in statuses:
            for m in re.finditer(r"(?<=  )" + s + r"(?= )", row):
                if width(row[:m.start()]) == heads[1]:
                    col = heads[1]
        if col is None:
            bad += 1
            print("  misaligned:", row)
    check(bad == 0, "%s: %d row(s) whose STATUS column is not under its header" % (what, bad))


# ---- progress after every page, cleared before the table --------------------------
t = Term([CLI, "--demo", "--page-size", "10"], cols=200)
rc = t.wait()
check(rc == 0, "--demo on a terminal exits 0 (got %s)" % rc)
raw = t.text()
counts = [int(m.group(1)) for m in re.finditer(r"fetched (\d+) of 57 connections", raw)]
check(counts == [10, 20, 30, 40, 50, 57], "progress after every page: %s" % counts)
last = raw.rfind("fetched ")
header = raw.find("INSTANCE ID")
check(last >= 0 and raw.find("\r\x1b[K", last) != -1 and raw.find("\r\x1b[K", last) < header,
      "the progress line is cleared before the table")
lines = table_lines(raw)
check(len(lines) == 59, "57 rows, a header and a footer on a terminal (got %d)" % len(lines))
check_aligned(lines, "terminal of 200 columns")

# ---- fitted to the terminal: 80 and 160 columns; --wide keeps everything --------------
widths = {}
for cols in (80, 160):
    t = Term([CLI, "--demo"], cols=cols)
    check(t.wait() == 0, "--demo at %d columns exits 0" % cols)
    lines = table_lines(t.text())
    widths[cols] = max(width(l) for l in lines)
    check(widths[cols] <= cols, "every line fits %d columns (widest %d)" % (cols, widths[cols]))
    check("\u2026" in "".join(lines), "long cells are shortened with an ellipsis at %d" % cols)
    check_aligned(lines, "terminal of %d columns" % cols)
check(widths[160] > widths[80], "a wider terminal gets a wider table (%s)" % widths)
t = Term([CLI, "--demo", "--wide"], cols=80)
check(t.wait() == 0, "--demo --wide exits 0")
lines = table_lines(t.text())
check(max(width(l) for l in lines) > 80, "--wide does not fit the table to the terminal")
check("\u2026" not in "".join(lines[1:-1]), "--wide shortens nothing")
check_aligned(lines, "--wide")

# ---- off a terminal: no progress, still aligned by display width ---------------------
p = subprocess.run([CLI, "--demo", "--page-size", "10"], env=ENV, capture_output=True, text=True)
check(p.returncode == 0, "--demo to a pipe exits 0")
check("fetched" not in p.stderr, "no progress line when stderr is not a terminal")
check_aligned(table_lines(p.stdout), "pipe")
check(any(width(ch) == 2 for ch in p.stdout), "the data set has double-width characters")

# ---- Ctrl-C: cancels through the library, exits 130, clears the line ----------------
mock = Mock("--delay-ms", "600")
for extra in ([], ["--parallel", "4"]):
    t = Term([CLI, "--endpoint", mock.url, "--all", "--page-size", "10"] + extra, cols=120)
    for _ in range(100):  # until the first page is in: the next ones take 600 ms
        t.read_for(0.05)
        if b"fetched 10 of 57" in t.out:
            break
    os.write(t.master, b"\x03")
    sent = time.monotonic()
    rc = t.wait(30)
    took = time.monotonic() - sent
    raw = t.text()
    what = "Ctrl-C during a walk %s" % " ".join(extra)
    check(rc == 130, "%s exits 130 (got %s)" % (what, rc))
    check(took < 1.5, "%s stops within 1.5 s (took %.2f s)" % (what, took))
    check("fetched 10 of 57" in raw, "%s: progress was shown first" % what)
    check(raw.rfind("\r\x1b[K") > raw.rfind("fetched "), "%s: the progress line is cleared" % what)
    check("interrupted" in raw, "%s: says it was interrupted" % what)
    check("INSTANCE ID" not in raw, "%s: prints no partial table" % what)
mock.stop()

mock = Mock("--delay-ms", "5000")
t = Term([CLI, "--endpoint", mock.url], cols=120)
t.read_for(0.5)
os.write(t.master, b"\x03")
sent = time.monotonic()
rc = t.wait(30)
check(rc == 130, "Ctrl-C during one call exits 130 (got %s)" % rc)
check(time.monotonic() - sent < 1.8, "Ctrl-C during one call stops within libcurl's second")
t = Term([LIST_ALL, "--endpoint", mock.url], cols=120)
t.read_for(0.5)
os.write(t.master, b"\x03")
rc = t.wait(30)
check(rc == 130 and "interrupted" in t.text(), "list_all stops on Ctrl-C (rc %s)" % rc)
mock.stop()

# ---- --json-lines streams: memory stays flat against a server that pages forever ----


def peak_rss_kib(argv):
    # AddressSanitizer keeps freed memory in quarantine (to catch use after
    # free): memory would grow in any program; measure what the program keeps.
    env = dict(ENV)
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") +
                           ":quarantine_size_mb=0:thread_local_quarantine_size_kb=0").lstrip(":")
    with open(os.devnull, "wb") as null:
        p = subprocess.Popen(argv, stdout=null, stderr=subprocess.PIPE, env=env)
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        err = p.stderr.read().decode()
        p.stderr.close()
    return p.returncode, usage.ru_maxrss, err


rss = {}
for fmt in ("--json-lines", "--json"):
    for n in (1000, 9000):
        mock = Mock("--grow-total")
        rc, kib, err = peak_rss_kib([CLI, "--endpoint", mock.url, "--all", "--page-size", "100",
                                     "--max", str(n), fmt])
        mock.stop()
        check(rc == 0, "%s --max %d against --grow-total exits 0 (%s: %s)" % (fmt, n, rc, err))
        rss[fmt, n] = kib
stream = rss["--json-lines", 9000] - rss["--json-lines", 1000]
buffered = rss["--json", 9000] - rss["--json", 1000]
print("peak RSS growth from 1000 to 9000 connections: --json-lines %d KiB, --json %d KiB"
      % (stream, buffered))
check(stream < 1536, "--json-lines memory stays flat (grew %d KiB for 8000 more rows)" % stream)
check(stream * 4 < buffered, "--json-lines grows far less than a buffered --json")

if failures:
    print("%d passed, %d failed" % (0, len(failures)))
    sys.exit(1)
print("terminal checks passed")
