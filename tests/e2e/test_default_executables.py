# SPDX-License-Identifier: BSD-2-Clause
"""The built-in bannedExecutableStrings held to a benign corpus of real
files: every executable, shared library and script Debian installed on this
machine under the directories below (about 17,000 files, 2.5 GB on the
machine the list was written on) is scanned by `nomine check-file` as the
executable detector scans a new file: none may be banned, none may read as
packed. The same command on a file that carries one of the strings bans it
(so the test can fail). Real miners' files are checked in tests/miners."""
import json
import os
import subprocess

DIRS = ["/usr/bin", "/usr/sbin", "/usr/libexec", "/usr/lib/python3", "/usr/lib/python3.11",
        "/usr/lib/x86_64-linux-gnu", "/usr/lib/gcc", "/usr/share/perl", "/usr/share/nodejs"]
MIN_FILES = 5000


def regular_files():
    for top in DIRS:
        for root, _, names in os.walk(top):
            for n in names:
                p = os.path.join(root, n)
                if os.path.isfile(p) and not os.path.islink(p):
                    yield p


def check_files(nomine_bin, paths):
    out = []
    for i in range(0, len(paths), 2000):
        r = subprocess.run([str(nomine_bin), "check-file", *paths[i:i + 2000]],
                           capture_output=True, text=True, timeout=300,
                           stdin=subprocess.DEVNULL)
        assert r.returncode in (0, 1), r.stderr
        out += [json.loads(ln) for ln in r.stdout.splitlines()]
    return out


def test_debian_files_are_not_banned(nomine_bin):
    paths = sorted(regular_files())
    assert len(paths) >= MIN_FILES, f"only {len(paths)} files under {DIRS}"
    reports = check_files(nomine_bin, paths)
    assert len(reports) == len(paths)
    banned = [r for r in reports if r.get("banned")]
    packed = [r for r in reports if r.get("executable", {}).get("packed")]
    assert not banned, banned[:10]
    assert not packed, packed[:10]
    scanned = [r for r in reports if r.get("executable", {}).get("scan") == "scanned"]
    # unreadable ones (a socket, a file root may not read) are few
    assert len(scanned) >= 0.99 * len(paths), len(scanned)


def test_a_file_with_a_default_string_is_banned(nomine_bin, tmp_path):
    f = tmp_path / "tool.py"
    f.write_text("import json\nreq = {'method': 'MINING.SUBSCRIBE', 'params': []}\n")
    clean = tmp_path / "clean.py"
    clean.write_text("print('mining subscribe')\n")
    bad, good = check_files(nomine_bin, [str(f), str(clean)])
    assert bad["banned"] is True and bad["executable"]["matched_string"] == "mining.subscribe"
    assert bad["executable"]["matched_at"].startswith("<built-in>/default.yaml:"), bad
    assert good["banned"] is False and len(good["executable"]["sha256"]) == 64
