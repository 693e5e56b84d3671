# SPDX-License-Identifier: BSD-2-Clause
"""The command-line corpora of tests/data that the built-in config is held to
(tests/unit/test_default_config.c, test_kverdict.c): the committed files are
what their generators write, and the nomine binary itself, with no --config,
judges a sample of them as the unit tests do."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data"
CORPORA = [("make-benign-corpus.py", "benign-cmdlines.txt"),
           ("make-miner-corpus.py", "miner-cmdlines.txt")]


@pytest.mark.parametrize("script,name", CORPORA)
def test_committed_corpus_is_its_generators_output(script, name, tmp_path):
    """An edit to a generator that is not followed by regenerating its file
    (or an edit to the file by hand) would leave the tests judging lines no
    one can reproduce."""
    out = tmp_path / name
    subprocess.run([sys.executable, str(DATA / script), "--out", str(out)], check=True,
                   timeout=120)
    assert out.read_bytes() == (DATA / name).read_bytes(), \
        f"tests/data/{name} differs from what {script} writes: regenerate it"


def verdict(nomine_bin, line):
    # nomine joins argv with single spaces, so cutting the line at its spaces
    # gives an argv that joins back to the same line
    r = subprocess.run([str(nomine_bin), "check", "--", *line.split(" ")],
                       capture_output=True, text=True, timeout=30,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.mark.parametrize("name,step,want", [("benign-cmdlines.txt", 25, "allow"),
                                            ("miner-cmdlines.txt", 5, "kill")])
def test_builtin_config_in_the_binary(nomine_bin, name, step, want):
    lines = (DATA / name).read_text().splitlines()
    sample = lines[::step]
    assert len(sample) >= 50
    wrong = [(ln, v) for ln in sample if (v := verdict(nomine_bin, ln))["verdict"] != want]
    assert not wrong, wrong[:5]
