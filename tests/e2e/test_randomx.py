# SPDX-License-Identifier: BSD-2-Clause
"""The RandomX detector: a real RandomX hasher (Debian's librandomx) under an
innocent name is killed with its workers within seconds of its first hash;
outside the scope or in audit mode it is left alone; everyday floating-point
work is never touched."""
import hashlib
import time

import pytest


@pytest.fixture(scope="session")
def rx(helpers):
    """The hasher, named like a kernel thread, and the benign FP program
    (built by `make tests`)."""
    return {"hasher": helpers["kworker-sync"], "fploop": helpers["fploop"]}


def randomx_events(d, since=0):
    return d.find(lambda e: e.get("source") == "monero", since=since)


@pytest.mark.parametrize("nojit", ["0", "1"], ids=["jit", "interpreter"])
def test_hasher_and_workers_killed(start_daemon, scope, spawner, rx, banned, nojit):
    d = start_daemon({"bannedCommandStrings": [banned]})
    assert d.started["features"]["randomx_detector"] is True, d.started
    p = spawner.spawn(scope, [rx["hasher"]],
                      env={"RX_WORKERS": "2", "RX_SECONDS": "25", "RX_NOJIT": nojit})
    ready = p.stdout.readline().decode()
    assert ready.startswith("ready"), ready
    t_ready = time.monotonic()
    p.wait(timeout=30)
    took = time.monotonic() - t_ready
    assert p.returncode == -9, f"hasher ended with {p.returncode}\n{d.dump()}"
    assert took < 5, f"killed {took:.1f} s after its first hash"
    left = scope.wait_empty(3)
    assert not left, "survivors:\n" + scope.describe(left)
    ev = d.wait_for(lambda e: e.get("source") == "monero" and e.get("action") == "killed",
                    what="a monero kill")
    assert ev["observations"] >= ev["threshold"] and ev["rounding_modes"], ev
    assert ev["exe"] == rx["hasher"] and ev["window_seconds"] > 0
    assert "kworker-sync" in ev["cmdline"]
    # its file was scanned at its exec: the event names it by its SHA-256
    want = hashlib.sha256(open(rx["hasher"], "rb").read()).hexdigest()
    assert ev["executable"].get("sha256") == want, ev["executable"]


def test_hasher_outside_scope_untouched(start_daemon, make_cgroup, spawner, rx, banned):
    d = start_daemon({"bannedCommandStrings": [banned]})
    outside = make_cgroup("outside")
    p, out, _, _ = spawner.run(outside, [rx["hasher"]], env={"RX_SECONDS": "6", "RX_WORKERS": "2"},
                               timeout=30)
    assert p.returncode == 0, p.returncode
    assert b"hashes" in out
    assert not randomx_events(d), d.dump()


def test_audit_mode_reports_only(start_daemon, scope, spawner, rx, banned):
    d = start_daemon({"bannedCommandStrings": [banned]}, args=["--audit"])
    # three hashing processes on this 2-CPU machine: they are switched out
    # (the detector samples MXCSR at switch-out); a lone one on an idle
    # machine may run for seconds without a switch
    p, _, _, _ = spawner.run(scope, [rx["hasher"]], env={"RX_SECONDS": "8", "RX_WORKERS": "2"},
                             timeout=30)
    assert p.returncode == 0
    ev = d.wait_for(lambda e: e.get("source") == "monero", what="a monero line")
    assert ev["action"] == "audit", ev
    assert not d.find(lambda e: e.get("action") == "killed"), d.dump()


def test_benign_work_is_never_touched(start_daemon, scope, spawner, rx, banned, tmp_path):
    """60 s of compiles, python3 numerics, FP loops, fesetround and threads."""
    d = start_daemon({"bannedCommandStrings": [banned]})
    secs = "60"
    src = tmp_path / "prog.c"
    src.write_text("#include <math.h>\nint main(void){double x=1;"
                   "for(int i=0;i<100000;i++)x=sin(x)+i;return x<0;}\n")
    compile_loop = ("end=$(($(date +%s)+" + secs + ")); while [ $(date +%s) -lt $end ]; do "
                    f"gcc -O2 -o {tmp_path}/prog {src} -lm && {tmp_path}/prog; done")
    numerics = ("import math,time\nend=time.time()+" + secs + "\nx=1.0\n"
                "while time.time()<end:\n    x=math.sqrt(abs(math.sin(x)*1e6+math.exp(-x)))+1.5\n")
    procs = [spawner.spawn(scope, ["sh", "-c", compile_loop]),
             spawner.spawn(scope, ["/usr/bin/python3", "-c", numerics]),
             spawner.spawn(scope, [rx["fploop"], secs, "plain"]),
             spawner.spawn(scope, [rx["fploop"], secs, "round"]),
             spawner.spawn(scope, [rx["fploop"], secs, "threads"])]
    for p in procs:
        p.wait(timeout=120)
    assert [p.returncode for p in procs] == [0] * len(procs), d.dump()
    assert not randomx_events(d), d.dump()


def test_allowed_executable_is_spared(start_daemon, scope, spawner, rx, banned):
    d = start_daemon({"bannedCommandStrings": [banned], "allowedExecutables": [rx["hasher"]]})
    p, _, _, _ = spawner.run(scope, [rx["hasher"]], env={"RX_SECONDS": "8", "RX_WORKERS": "2"},
                             timeout=30)
    assert p.returncode == 0, d.dump()
    ev = d.wait_for(lambda e: e.get("source") == "monero", what="a monero line")
    assert ev["action"] == "spared" and ev["allowedby"] == rx["hasher"], ev
    assert not d.find(lambda e: e.get("action") == "killed"), d.dump()


def test_threshold_from_config_and_reload(start_daemon, scope, spawner, rx, banned):
    d = start_daemon({"bannedCommandStrings": [banned], "moneroThreshold": 1000000,
                      "moneroWindowSeconds": 2})
    assert d.started["randomx_threshold"] == 1000000, d.started
    p, _, _, _ = spawner.run(scope, [rx["hasher"]], env={"RX_SECONDS": "6", "RX_WORKERS": "2"},
                             timeout=30)
    assert p.returncode == 0 and not randomx_events(d), d.dump()
    mark = d.mark()
    d.write_config("config.json", {"bannedCommandStrings": [banned], "moneroThreshold": 64})
    d.wait_for(lambda e: e.get("event") == "Config reloaded", since=mark, timeout=10)
    p, _, _, _ = spawner.run(scope, [rx["hasher"]], env={"RX_SECONDS": "20", "RX_WORKERS": "2"},
                             timeout=30)
    assert p.returncode == -9, d.dump()
    ev = d.wait_for(lambda e: e.get("source") == "monero", since=mark, what="a monero kill")
    # back to the default window (src/tunables.h), no longer the 2 s of before
    assert ev["threshold"] == 64 and ev["window_seconds"] != 2
