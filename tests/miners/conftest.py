# SPDX-License-Identifier: BSD-2-Clause
"""Fixtures of the real-miner tests (tests/miners, issue 12): every fixture
of tests/e2e/conftest.py (the binary, cgroups, the scoped daemon, the
private containerd through containerd_env), plus the miners' root file
systems (build-rootfs), the loopback pool and its network namespace
(pool.py), and a line-per-test report on the terminal."""
import contextlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

MINERS = Path(__file__).resolve().parent     # (HERE would be the e2e one, below)
E2E = MINERS.parent / "e2e"
sys.path.insert(1, str(E2E))        # containerd_env and the e2e helpers, after this directory
# tests/e2e/conftest.py under a name of its own; its fixtures become ours, and
# `from conftest import ...` in containerd_env finds them here
_e2e = sys.modules.get("nomine_e2e_conftest")      # loaded already by tests/deploy?
if _e2e is None:
    _spec = importlib.util.spec_from_file_location("nomine_e2e_conftest", E2E / "conftest.py")
    _e2e = sys.modules["nomine_e2e_conftest"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_e2e)
globals().update({k: v for k, v in vars(_e2e).items() if not k.startswith("__")})


@pytest.fixture(scope="session")
def miners_root(request):
    """The miners' trees: {"xmrig": Path, "monero": Path}, and "xmrig-upx", the
    file of xmrig packed by UPX. Built (or found
    in its cache) by tests/miners/build-rootfs, whose account (what it
    fetched, the size) is shown on the terminal."""
    r = subprocess.run([str(MINERS / "build-rootfs")], capture_output=True, text=True,
                       timeout=900)
    if r.returncode != 0:
        pytest.fail(f"tests/miners/build-rootfs failed ({r.returncode}):\n{r.stderr[-3000:]}",
                    pytrace=False)
    root = Path(r.stdout.strip().splitlines()[-1])
    summary = [ln for ln in r.stderr.splitlines() if not ln.startswith("  ")]
    summary += [ln.strip() for ln in r.stderr.splitlines() if "size" in ln]
    say(request, "miners rootfs: " + "; ".join(summary))
    return {"xmrig": root / "trixie", "monero": root / "bookworm",
            "xmrig-upx": root / "xmrig-upx"}


def say(request, line):
    """One line on the terminal, past pytest's output capture."""
    tr = request.config.pluginmanager.get_plugin("terminalreporter")
    capman = request.config.pluginmanager.get_plugin("capturemanager")
    if tr is None:
        print(line)
        return
    with capman.global_and_fixture_disabled() if capman else contextlib.nullcontext():
        tr.write_line(line)


@pytest.fixture
def report(request):
    """report(line): the test's one-line summary on the terminal."""
    return lambda line: say(request, f"[{request.node.name}] {line}")


@pytest.fixture(autouse=True)
def host_hugepages_untouched():
    """xmrig run as root with /proc/sys writable raises vm.nr_hugepages to
    reserve its dataset; in the tests' containers /proc/sys is read-only and
    no capability is left, and this checks that nothing reached the host."""
    path = "/proc/sys/vm/nr_hugepages"
    before = Path(path).read_text() if os.path.exists(path) else None
    yield
    after = Path(path).read_text() if os.path.exists(path) else None
    assert after == before, f"{path} changed during the test: {before!r} -> {after!r}"
