#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""banned_config.py N OUT [SPACED] - a config of N banned strings shaped like
real indicators (pool host names, miner names, Monero addresses),
deterministic for a given N, with three allow patterns; none matches a
benchmark's own commands. SPACED (default 0) of the N are miner names with
a flag after a space ("abcdeminer --xyz12"): strings with whitespace, which
the kernel walks the dearer way (the squeezed line)."""
import json
import random
import sys


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    spaced = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    r = random.Random(n)
    alpha = "abcdefghijklmnopqrstuvwxyz0123456789"
    b58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

    def word(k):
        return "".join(r.choice(alpha) for _ in range(k))

    banned = set()
    while len(banned) < spaced:
        banned.add(f"{word(r.randint(5, 12))}miner --{word(5)}")
    while len(banned) < n:
        k = r.random()
        if k < 0.5:
            banned.add(f"pool-{word(8)}.{word(6)}.net")
        elif k < 0.8:
            banned.add(f"{word(r.randint(5, 12))}miner")
        else:
            banned.add("4" + "".join(r.choice(b58) for _ in range(94)))
    with open(out, "w") as f:
        json.dump({"bannedCommandStrings": sorted(banned),
                   "allowedCommandPatterns": ["python3? -m pip install .*",
                                              "jupyter(-lab)? --ip=\\S+ .*",
                                              "/usr/bin/conda (install|create) .*"]}, f)


if __name__ == "__main__":
    main()
