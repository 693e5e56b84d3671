# SPDX-License-Identifier: BSD-2-Clause
"""Killing a banned process kills everything it started, even a fork storm
of children that left its session, and even when the verdict comes from a
/proc sweep rather than from the exec."""
import resource
import subprocess
import time

import pytest

from conftest import assert_killed

SURVIVOR_DEADLINE = 3.0
# Children would hold a stdout pipe open: waiting for its end would wait for
# them, not for the kill.
QUIET = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}


def assert_no_survivors(cg, d, what):
    left = cg.wait_empty(SURVIVOR_DEADLINE)
    assert not left, (f"{len(left)} processes of {what} survived "
                      f"{SURVIVOR_DEADLINE} s after the kill (pids {min(left)}..{max(left)}):\n"
                      f"{cg.describe(sorted(left)[:10])}\n{d.dump(10)}")


def storm_padding():
    """Filler arguments (about 1.75 MiB, within the kernel's argv limit of a
    quarter of the stack limit) that make the daemon's verdict take a few
    milliseconds: without them nomine kills forker before its first fork, and
    the storm would never get under way."""
    soft = resource.getrlimit(resource.RLIMIT_STACK)[0]
    limit = (soft // 4 if soft != resource.RLIM_INFINITY else 1 << 30) - (256 << 10)
    count = max(0, min(448, limit // 4096))
    return ["y" * 4095] * count


@pytest.mark.parametrize("attempt", [1, 2, 3])
def test_fork_storm_leaves_no_survivor(start_daemon, user_verdict_flag, scope, spawner, helpers,
                                       banned, attempt):
    # The storm needs the verdict after the exec (where the kernel verdict
    # exists, forker would not run one instruction): --user-verdict.
    d = start_daemon({"bannedCommandStrings": [banned]},
                     args=[user_verdict_flag] if user_verdict_flag else [])
    assert d.started.get("verdict", "user") == "user", d.started
    # forker's own argv is banned: it is judged at its exec while it forks
    # 100 children (each setsid + a grandchild) as fast as it can.
    p = spawner.spawn(scope, [helpers["forker"], "100", *storm_padding(), banned], **QUIET)
    p.wait(timeout=20)
    assert p.returncode == -9, f"forker ended with {p.returncode}\n{d.dump()}"
    ev = d.wait_kill(p.pid)
    assert ev["source"] == "exec"
    assert_no_survivors(scope, d, "the fork storm")
    assert ev["descendants_killed"] >= 1, ev
    assert "warning" not in ev, ev


PID_MAP = {"NOMINE_TEST_LINEAGE": "pid-map"}


@pytest.mark.parametrize("attempt", [1, 2])
def test_fork_storm_pid_map_lineage(start_daemon, user_verdict_flag, scope, spawner, helpers,
                                    banned, attempt):
    """The storm again with lineage in the pid-keyed map that kernels
    without task storage (5.8 - 5.10) use: fork copies, exit deletes, the
    iterator finds the tree by thread id."""
    d = start_daemon({"bannedCommandStrings": [banned]}, args=[user_verdict_flag], env=PID_MAP)
    assert d.started["features"]["detectors"]["lineage"]["variant"] == "pid-map", d.started
    p = spawner.spawn(scope, [helpers["forker"], "100", *storm_padding(), banned], **QUIET)
    p.wait(timeout=20)
    assert p.returncode == -9, f"forker ended with {p.returncode}\n{d.dump()}"
    ev = d.wait_kill(p.pid)
    assert_no_survivors(scope, d, "the fork storm")
    assert ev["descendants_killed"] >= 1, ev


def test_sweep_kill_of_a_forking_tree_pid_map_lineage(start_daemon, scope, spawner, helpers,
                                                      banned):
    """A sweep's kill tags the tree from user space: in the pid map, by
    thread id."""
    d = start_daemon({"bannedCommandStrings": [banned]}, args=["--sweep-interval", "1"],
                     env=PID_MAP)
    assert d.started["features"]["detectors"]["lineage"]["variant"] == "pid-map", d.started
    p, new = start_rewriter(spawner, scope, helpers, banned, 10,
                            env={"REWRITER_CHILD_FORK_MS": "5", "REWRITER_CHILD_FORKS": "300",
                                 "REWRITER_LIFETIME": "30"})
    p.wait(timeout=20)
    assert p.returncode == -9, f"rewriter ended with {p.returncode}\n{d.dump()}"
    ev = d.wait_kill(p.pid)
    assert_no_survivors(scope, d, "the rewriter's forking children")
    assert ev["descendants_killed"] >= 10, ev


@pytest.mark.parametrize("lineage", ["task-storage", "pid-map"])
def test_exec_from_a_thread_keeps_the_lineage(start_daemon, user_verdict_flag, scope, spawner,
                                              helpers, banned, lineage):
    """A descendant whose exec comes from a thread that is not its leader
    (the thread takes the leader's pid) still dies with the doomed root."""
    d = start_daemon({"bannedCommandStrings": [banned]}, args=[user_verdict_flag],
                     env=PID_MAP if lineage == "pid-map" else None)
    assert d.started["features"]["detectors"]["lineage"]["variant"] == lineage, d.started
    p = spawner.spawn(scope, [helpers["threadexec"], "/bin/sleep", "60", "--",
                              *storm_padding(), banned], stderr=subprocess.DEVNULL)
    child = int(p.stdout.readline())
    p.wait(timeout=20)
    assert p.returncode == -9, f"threadexec ended with {p.returncode}\n{d.dump()}"
    ev = d.wait_kill(p.pid)
    assert_no_survivors(scope, d, "the child that exec'd from a thread")
    assert ev["descendants_killed"] >= 1, ev
    assert child > 0


def test_fork_storm_small_argv(start_daemon, verdict_args, scope, spawner, helpers, banned):
    """The same storm with a short argv: nomine usually kills forker before
    its first fork; whatever got forked must be gone too."""
    d = start_daemon({"bannedCommandStrings": [banned]}, args=verdict_args)
    for _ in range(5):
        p = spawner.spawn(scope, [helpers["forker"], "100", banned], **QUIET)
        p.wait(timeout=20)
        assert p.returncode == -9, f"forker ended with {p.returncode}\n{d.dump()}"
        d.wait_kill(p.pid)
        assert_no_survivors(scope, d, "the fork storm")


def start_rewriter(spawner, scope, helpers, banned, children, env=None):
    new = f"worker {banned} --threads 1"
    p = spawner.spawn(scope, [helpers["rewriter"], str(children), "innocent-" + "x" * 100],
                      env={"REWRITE_TO": new, **(env or {})}, stderr=subprocess.DEVNULL)
    line = p.stdout.readline()
    # The children hold the pipe too: don't wait for its end.
    p.stdout.close()
    assert line.startswith(b"rewritten "), line
    return p, new


def test_sweep_kills_rewritten_argv(start_daemon, scope, spawner, helpers, banned):
    d = start_daemon({"bannedCommandStrings": [banned]}, args=["--sweep-interval", "2"])
    assert d.started["sweep_interval"] == 2
    p, new = start_rewriter(spawner, scope, helpers, banned, 0)
    with open(f"/proc/{p.pid}/cmdline", "rb") as f:
        assert banned.encode() in f.read()
    p.wait(timeout=20)
    elapsed = time.monotonic() - p.started
    assert_killed(p, elapsed, limit=5.0)
    ev = d.wait_kill(p.pid)
    assert ev["source"] == "scan"
    assert ev["matched"] == banned
    assert ev["cmdline"] == new


def test_sweep_kill_takes_setsid_children(start_daemon, scope, spawner, helpers, banned):
    d = start_daemon({"bannedCommandStrings": [banned]}, args=["--sweep-interval", "2"])
    p, new = start_rewriter(spawner, scope, helpers, banned, 20)
    assert len(scope.procs()) == 21
    p.wait(timeout=20)
    assert p.returncode == -9, f"rewriter ended with {p.returncode}\n{d.dump()}"
    ev = d.wait_kill(p.pid)
    assert ev["source"] == "scan"
    assert_no_survivors(scope, d, "the rewriter's 20 setsid children")
    assert ev["descendants_killed"] >= 20, ev


def test_sweep_kill_of_a_tree_that_keeps_forking(start_daemon, scope, spawner, helpers, banned):
    """The sweep's verdict has no exec to doom: nomine tags the process and
    the children it sees, then kills. Children that keep forking while that
    happens must not leave grandchildren behind."""
    d = start_daemon({"bannedCommandStrings": [banned]}, args=["--sweep-interval", "1"])
    # 10 children, each forking a grandchild every 5 ms for 1.5 s: at most
    # 3000 processes, still forking when a sweep comes.
    p, new = start_rewriter(spawner, scope, helpers, banned, 10,
                            env={"REWRITER_CHILD_FORK_MS": "5", "REWRITER_CHILD_FORKS": "300",
                                 "REWRITER_LIFETIME": "30"})
    p.wait(timeout=20)
    assert p.returncode == -9, f"rewriter ended with {p.returncode}\n{d.dump()}"
    ev = d.wait_kill(p.pid)
    assert ev["source"] == "scan"
    assert_no_survivors(scope, d, "the rewriter's forking children")
