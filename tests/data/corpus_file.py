# SPDX-License-Identifier: BSD-2-Clause
"""corpus_file.py - writes a command-line corpus of tests/data: one argv per
line, joined by single spaces as nomine matches it (the generators
make-benign-corpus.py and make-miner-corpus.py both write through here)."""


def write_lines(path, lines):
    """A line with a newline, a doubled space (an empty argument) or a space
    at either end could not be read back as the argv it stands for."""
    for ln in lines:
        if "\n" in ln or "  " in ln or ln != ln.strip() or not ln:
            raise ValueError("not one joined argv: %r" % ln)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
