# SPDX-License-Identifier: BSD-2-Clause
"""Start-up sweep, the one-shot `scan`, short-lived and detaching banned
processes, what is not looked at (the environment), other users, several
scopes, and stopping."""
import json
import signal
import subprocess
import time

import pytest

from conftest import assert_killed, new_banned


def test_startup_sweep_kills_older_process(start_daemon, scope, spawner, banned):
    p = spawner.spawn(scope, ["sh", "-c", f"sleep 10; : {banned}"])
    time.sleep(0.3)
    assert p.poll() is None
    d = start_daemon({"bannedCommandStrings": [banned]})
    ev = d.wait_kill(p.pid)
    assert ev["source"] == "scan"
    assert ev["cmdline"] == f"sh -c sleep 10; : {banned}"
    assert ev["descendants_killed"] >= 1       # its sleep
    p.communicate(timeout=10)
    assert p.returncode == -9
    assert not scope.wait_empty(3), scope.describe(scope.procs())


def test_scan_command_kills_once_and_exits(nomine_bin, scope, spawner, banned, tmp_path):
    conf = tmp_path / "c.json"
    conf.write_text(f'{{"bannedCommandStrings": ["{banned}"]}}')
    p = spawner.spawn(scope, ["sh", "-c", f"sleep 10; : {banned}"])
    innocent = spawner.spawn(scope, ["sh", "-c", "sleep 10"])
    time.sleep(0.3)
    r = subprocess.run([str(nomine_bin), "scan", "--config", str(conf),
                        "--scope-cgroup", scope.name], capture_output=True, timeout=60)
    assert r.returncode == 0, r
    kills = [e for e in map(json.loads, r.stdout.splitlines()) if e.get("action") == "killed"]
    assert [e["pid"] for e in kills] == [p.pid], r.stdout
    p.communicate(timeout=10)
    assert p.returncode == -9
    assert innocent.poll() is None, "scan killed an innocent process"


def test_short_lived_banned_process_is_reported(start_daemon, verdict_args, scope, spawner, banned):
    """Exited before the verdict could act: still one line, killed or missed."""
    d = start_daemon({"bannedCommandStrings": [banned]}, args=verdict_args)
    p, *_ = spawner.run(scope, ["sh", "-c", f": {banned}"])
    assert p.returncode in (0, -9)
    ev = d.wait_for(lambda e: e.get("pid") == p.pid and "action" in e)
    assert ev["action"] in ("killed", "missed-kill"), ev
    assert ev["matched"] == banned


def test_detached_child_of_exited_process_dies(start_daemon, verdict_args, scope, spawner, banned):
    """The banned shell starts a setsid'd background job and exits at once:
    the job is a descendant of the banned exec and must die, whoever wins
    the race."""
    d = start_daemon({"bannedCommandStrings": [banned]}, args=verdict_args)
    for _ in range(5):
        p = spawner.spawn(scope, ["sh", "-c", f"setsid sleep 30 & exit 0; : {banned}"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        p.wait(timeout=10)
        ev = d.wait_for(lambda e: e.get("pid") == p.pid and "action" in e)
        assert ev["action"] in ("killed", "missed-kill"), ev
        left = scope.wait_empty(3)
        assert not left, f"survivors:\n{scope.describe(left)}\n{d.dump()}"


def test_environment_is_not_judged(start_daemon, scope, spawner, banned):
    d = start_daemon({"bannedCommandStrings": [banned]}, args=["--sweep-interval", "1"])
    p, *_ = spawner.run(scope, ["sh", "-c", "sleep 1.5"], env={"NMT_PAYLOAD": banned})
    assert p.returncode == 0, d.dump()
    assert not d.find(lambda e: e.get("pid") == p.pid)


def test_other_users_process_is_killed(start_daemon, verdict_args, scope, spawner, banned):
    d = start_daemon({"bannedCommandStrings": [banned]}, args=verdict_args)
    # setpriv's and the outer shell's argv are innocent; the inner shell,
    # running as nobody, carries the banned word.
    argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
            "sh", "-c", 'exec sh -c "sleep 5; : $NMT_WORD"']
    p, out, err, elapsed = spawner.run(scope, argv, env={"NMT_WORD": banned})
    assert b"setpriv" not in err, err
    assert_killed(p, elapsed)
    ev = d.wait_kill(p.pid)
    assert ev["uid"] == 65534
    assert ev["cmdline"] == f"sh -c sleep 5; : {banned}"


def test_several_scopes(start_daemon, make_cgroup, spawner, banned):
    a, b, outside = make_cgroup("a"), make_cgroup("b"), make_cgroup("out")
    d = start_daemon({"bannedCommandStrings": [banned]}, scopes=[a, b])
    assert d.started["scope"] == [a.name, b.name]
    procs = {cg.name: spawner.spawn(cg, ["sh", "-c", f"sleep 2; : {banned}"])
             for cg in (a, b, outside)}
    for p in procs.values():
        p.communicate(timeout=20)
    assert procs[a.name].returncode == -9
    assert procs[b.name].returncode == -9
    assert procs[outside.name].returncode == 0
    assert not d.find(lambda e: e.get("pid") == procs[outside.name].pid)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stops_cleanly_on_signal(start_daemon, sig):
    d = start_daemon({"bannedCommandStrings": [new_banned()]})
    d.proc.send_signal(sig)
    assert d.proc.wait(timeout=10) == 0
    d.wait_for(lambda e: e.get("event") == f"nomine stopping on signal {int(sig)}")
