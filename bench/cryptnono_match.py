#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""cryptnono_match.py - cryptnono's matching path, re-implemented for timing.

cryptnono (execwhacker) builds a pyahocorasick automaton from the casefolded
banned strings; for each command line it casefolds the joined line, walks every
automaton hit and accepts a hit whose neighbouring characters are not word
characters. This is that path, written from the description, so bench/run can
time it next to nomine on the same inputs.

Usage: cryptnono_match.py STRINGS_FILE CORPUS_FILE [REPEAT]
Prints key=value lines like match_bench; ns_per_line is the median.
"""

import resource
import statistics
import sys
import time

import ahocorasick

WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def read_lines(path):
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        return [line for line in f.read().split("\n") if line]


def build(strings):
    a = ahocorasick.Automaton()
    for s in strings:
        k = s.casefold()
        a.add_word(k, (len(a), k))
    a.make_automaton()
    return a


def matches(a, cmdline):
    """True if some banned string occurs as a whole word in cmdline."""
    h = cmdline.casefold()
    n = len(h)
    for end, (_, s) in a.iter(h):
        start = end - len(s) + 1
        if (start == 0 or h[start - 1] not in WORD) and (end + 1 == n or h[end + 1] not in WORD):
            return True
    return False


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: cryptnono_match.py STRINGS_FILE CORPUS_FILE [REPEAT]")
    repeat = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    strings = read_lines(sys.argv[1])
    t0 = time.perf_counter()
    a = build(strings)
    build_s = time.perf_counter() - t0
    corpus = read_lines(sys.argv[2])
    times, hits = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter_ns()
        h = 0
        for line in corpus:
            if matches(a, line):
                h += 1
        times.append((time.perf_counter_ns() - t0) / len(corpus))
        hits = h
    print("impl=cryptnono-python")
    print("strings=%d" % len(strings))
    print("compile_s=%.4f" % build_s)
    print("peak_rss_mib=%.2f" % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    print("lines=%d" % len(corpus))
    print("bytes=%d" % sum(len(x) for x in corpus))
    print("hits=%d" % hits)
    print("repeat=%d" % repeat)
    print("ns_per_line=%.1f" % statistics.median(times))
    print("ns_per_line_min=%.1f" % min(times))


if __name__ == "__main__":
    main()
