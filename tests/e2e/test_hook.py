# SPDX-License-Identifier: BSD-2-Clause
"""The command hook (issue 14): for each kill nomine runs the operator's
command with the kill's event JSON on its stdin, logs `"action": "hook-ran"`
with its exit status, kills it (with its process group) at its timeout, runs
no more hooks at once than commandHookConcurrency, and never makes a kill
wait for a hook.

Each hook is a shell script this test writes into its own directory: every
run records its stdin, arguments, environment and start and end times there,
named by the hook's pid."""
import json
import os
import signal
import statistics
import subprocess
import time
from datetime import datetime
from pathlib import Path

import pytest

from conftest import assert_killed

HOOK = """#!/bin/sh
# one run of the test's hook: its times, arguments, environment and stdin
out='{out}'
me=$$
/bin/date +%s.%N > "$out/start-$me"
/bin/cat > "$out/stdin-$me"
printf '%s\\n' "$@" > "$out/args-$me"
/usr/bin/env > "$out/env-$me"
{extra}
/bin/date +%s.%N > "$out/end-$me"
"""

# Hangs (a background sleep in its process group, and the script waiting
# for it) on its first run only, so the later runs of a test end at once.
HANG_ONCE = """if [ ! -e "$out/hung" ]; then
    : > "$out/hung"
    /bin/sleep 60 &
    echo $! > "$out/sleeper-$me"
    wait
fi"""


def write_hook(tmp_path, extra=""):
    out = tmp_path / "hook-runs"
    out.mkdir()
    script = tmp_path / "hook.sh"
    script.write_text(HOOK.format(out=out, extra=extra))
    script.chmod(0o755)
    return script, out


def runs(out, kind):
    """{hook pid: file content} of the runs that wrote that record."""
    return {int(p.name.split("-")[1]): p.read_text()
            for p in out.glob(f"{kind}-*") if not p.name.endswith(".tmp")}


def wait_runs(out, kind, n, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = runs(out, kind)
        if len(got) >= n:
            return got
        time.sleep(0.02)
    raise AssertionError(f"{len(runs(out, kind))} hook runs wrote {kind!r} within "
                         f"{timeout} s, expected {n}")


def running(pid):
    """Alive and not a zombie (its new parent may not have reaped it yet)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def kill_sleepers(out):
    """The hook's sleepers this test made, should the daemon have left them."""
    for pid in map(int, runs(out, "sleeper").values()):
        if running(pid) and Path(f"/proc/{pid}/comm").read_text().strip() == "sleep":
            os.kill(pid, signal.SIGKILL)


def config(banned, script, **more):
    c = {"bannedCommandStrings": [banned], "commandHook": [str(script), "arg1"],
         "commandHookTimeoutSeconds": 2}
    c.update(more)
    return c


def hook_ran(d, pid=None, timeout=8, since=0):
    """The "hook-ran" line (of the kill of pid, when the line names one)."""
    return d.wait_for(lambda e: e.get("action") == "hook-ran" and
                      (pid is None or e.get("pid", pid) == pid),
                      timeout, since, what=f"a hook-ran line for pid {pid}")


def test_hook_gets_the_kill_event(start_daemon, scope, spawner, banned, tmp_path):
    script, out = write_hook(tmp_path)
    d = start_daemon(config(banned, script))
    argv = ["sh", "-c", f"sleep 5; : {banned}"]
    p, _, _, elapsed = spawner.run(scope, argv)
    assert_killed(p, elapsed)
    d.wait_kill(p.pid)

    ev = hook_ran(d, p.pid)
    assert ev["exit_status"] == 0, ev
    assert ev.get("timed_out") in (None, False), ev
    wait_runs(out, "end", 1, 5)
    (hook_pid, stdin), = runs(out, "stdin").items()
    event = json.loads(stdin)
    assert event["pid"] == p.pid
    assert event["cmdline"] == " ".join(argv)
    assert event["action"] == "killed"
    assert runs(out, "args")[hook_pid] == "arg1\n"
    env = dict(line.split("=", 1) for line in runs(out, "env")[hook_pid].splitlines())
    env.pop("PWD", None)            # the shell's own
    assert env == {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "NOMINE_HOOK": "1"}, env


def test_hook_exit_status_is_logged(start_daemon, scope, spawner, banned, tmp_path):
    script, out = write_hook(tmp_path, extra='echo "hook says no" >&2\nexit 3')
    d = start_daemon(config(banned, script))
    p, _, _, elapsed = spawner.run(scope, ["sh", "-c", f"sleep 5; : {banned}"])
    assert_killed(p, elapsed)
    ev = hook_ran(d, p.pid)
    assert ev["exit_status"] == 3, ev
    assert b"hook says no" in ev["_raw"], ev     # its output, in some field
    assert len(runs(out, "start")) == 1


def test_hanging_hook_is_killed_at_its_timeout(start_daemon, scope, spawner, banned, tmp_path):
    script, out = write_hook(tmp_path, extra=HANG_ONCE)
    d = start_daemon(config(banned, script))
    try:
        p, _, _, elapsed = spawner.run(scope, ["sh", "-c", f"sleep 5; : {banned}"])
        assert_killed(p, elapsed)
        d.wait_kill(p.pid)
        killed_at = time.monotonic()
        (hook_pid, sleeper), = wait_runs(out, "sleeper", 1, 3).items()
        sleeper = int(sleeper)
        assert running(sleeper)

        ev = hook_ran(d, p.pid, timeout=5)
        assert ev["timed_out"] is True, ev
        assert ev.get("exit_status") in (None, -1), ev
        # the script and its sleep (same process group) are both gone
        while running(sleeper) or running(hook_pid):
            assert time.monotonic() - killed_at < 2.5 + 0.5, \
                f"hook pid {hook_pid} or its sleep {sleeper} still running"
            time.sleep(0.02)
        assert not runs(out, "end"), "the hook ran to its end"
    finally:
        kill_sleepers(out)


def test_concurrency_one_runs_hooks_one_after_the_other(start_daemon, scope, spawner, banned,
                                                       tmp_path):
    script, out = write_hook(tmp_path, extra="/bin/sleep 1")
    d = start_daemon(config(banned, script, commandHookConcurrency=1))
    procs = [spawner.spawn(scope, ["sh", "-c", f"sleep 5; : {banned} {i}"]) for i in range(2)]
    kills = []
    for q in procs:
        q.communicate(timeout=10)
        assert_killed(q, time.monotonic() - q.started)
        kills.append(datetime.fromisoformat(d.wait_kill(q.pid)["timestamp"].rstrip("Z")))
    # the kills came within a fraction of the hook's second: run at once,
    # the two hooks would overlap
    assert abs((kills[1] - kills[0]).total_seconds()) < 0.5, kills
    for q in procs:
        assert hook_ran(d, q.pid, timeout=10)["exit_status"] == 0
    starts, ends = runs(out, "start"), wait_runs(out, "end", 2, 5)
    (s1, e1), (s2, e2) = sorted((float(starts[h]), float(ends[h])) for h in starts)
    assert e1 - s1 >= 1 and e2 - s2 >= 1
    assert s2 >= e1, f"the second hook started {e1 - s2:.2f} s before the first one ended"
    assert {json.loads(v)["pid"] for v in runs(out, "stdin").values()} == \
        {q.pid for q in procs}


def kill_latencies(d, scope, spawner, banned, n):
    """For n banned commands in a row: (seconds from spawn to death,
    seconds from spawn to the kill's log line)."""
    deaths, lines = [], []
    for _ in range(n):
        p, _, _, elapsed = spawner.run(scope, ["sh", "-c", f"sleep 5; : {banned}"])
        assert_killed(p, elapsed)
        d.wait_kill(p.pid)
        lines.append(time.monotonic() - p.started)
        deaths.append(elapsed)
    return deaths, lines


def test_kills_are_not_delayed_by_a_hanging_hook(start_daemon, scope, spawner, banned,
                                                tmp_path):
    base = start_daemon({"bannedCommandStrings": [banned]})
    base_deaths, base_lines = kill_latencies(base, scope, spawner, banned, 4)
    base.check_clean_stop()

    script, out = write_hook(tmp_path, extra=HANG_ONCE)
    d = start_daemon(config(banned, script, commandHookConcurrency=1,
                            commandHookTimeoutSeconds=5))
    try:
        first, _, _, elapsed = spawner.run(scope, ["sh", "-c", f"sleep 5; : {banned}"])
        assert_killed(first, elapsed)
        wait_runs(out, "sleeper", 1, 3)             # the only hook slot is taken
        mark = d.mark()
        deaths, lines = kill_latencies(d, scope, spawner, banned, 4)
        assert not d.find(lambda e: e.get("action") == "hook-ran", since=mark), \
            "the hanging hook ended before the kills were measured"
        slack = 0.3
        assert statistics.median(deaths) < statistics.median(base_deaths) + slack, \
            f"exec to death {deaths} with a hanging hook, {base_deaths} without"
        assert statistics.median(lines) < statistics.median(base_lines) + slack, \
            f"exec to kill line {lines} with a hanging hook, {base_lines} without"
        assert max(lines) < 2, lines
        # the hung one times out, then the queued ones run (and end at once)
        assert hook_ran(d, first.pid, timeout=8)["timed_out"] is True
        wait_runs(out, "end", 4, 10)
    finally:
        kill_sleepers(out)


def test_audit_mode_runs_no_hook(start_daemon, scope, spawner, banned, tmp_path):
    script, out = write_hook(tmp_path)
    d = start_daemon(config(banned, script), args=["--audit"])
    p, _, _, _ = spawner.run(scope, ["sh", "-c", f"sleep 0.5; : {banned}"])
    assert p.returncode == 0
    d.wait_for(lambda e: e.get("pid") == p.pid and e.get("action") == "audit",
               what="the audit line")
    time.sleep(1)
    assert not runs(out, "start"), "a hook ran in audit mode"
    assert not d.find(lambda e: e.get("action") == "hook-ran"), d.dump()


@pytest.mark.parametrize("bad", [["relative/hook.sh"], [], "not-a-list"])
def test_bad_hook_config_is_refused(nomine_bin, tmp_path, bad):
    """A hook that is not an absolute path, an empty one, or not a list:
    a config error (exit code 2) naming the file."""
    cfg = tmp_path / "bad.json"
    cfg.write_text(json.dumps({"commandHook": bad}))
    r = subprocess.run([str(nomine_bin), "check", "--config", str(cfg), "--", "true"],
                       capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert str(cfg) in r.stderr
