# SPDX-License-Identifier: BSD-2-Clause
"""A process frozen at exec for a user-space decision stays stopped until
the decision, whatever SIGCONT it is sent: by a parent in a tight loop, while
the daemon is stalled, or by the kernel when its process group is orphaned.
Proof that nothing ran: the held program's first action writes a marker.

That needs the hold program (fexit/get_signal: BPF trampolines). Each test
also runs with it off (NOMINE_TEST_NO_HOLD=1, as on a kernel without
trampolines), where the same SIGCONTs must be seen to resume the child:
the tests can see an escape, and what happens on such kernels is measured."""
import os
import shutil
import signal
import time

import pytest

TRIES = int(os.environ.get("NOMINE_HOLD_TRIES", "1000"))
# a backreference: not in the kernel's regex subset, so every exec with the
# banned string is frozen at exec and decided in user space
ALLOW = r"(\S+)/marker_static \1/\S+ "
NO_HOLD = {"NOMINE_TEST_NO_HOLD": "1"}


@pytest.fixture
def contloop(helpers):
    path = os.path.join(os.path.dirname(helpers["trials"]), "contloop")
    if not os.access(path, os.X_OK):
        pytest.fail(f"e2e helper {path} is missing: run `make tests`", pytrace=False)
    return path


@pytest.fixture(params=["kernel", "off"])
def hold(request):
    """"kernel": the hold this kernel takes; "off": no hold, so the child
    must be seen to escape."""
    return request.param


def held_daemon(start_daemon, banned, hold="kernel"):
    """The daemon, and the hold it has: "kernel" where the hold program
    loaded; "off" where it was turned off, or where this kernel refused it
    (then its one warning must say so, and the test checks what the docs
    say happens there: the SIGCONT resumes the child; the kernel matrix
    checks the hold itself on the kernels that take it)."""
    d = start_daemon({"bannedCommandStrings": [banned], "allowedCommandPatterns": [ALLOW + banned]},
                     env=NO_HOLD if hold == "off" else None)
    assert d.started["allow_patterns_in_user_space"] == 1, d.started
    if hold == "kernel" and hold_variant(d) == "none":
        why = d.started["features"]["detectors"]["hold"]
        assert d.find(lambda e: "resumed by SIGCONT" in str(e.get("event"))), (why, d.dump())
        print(f"no hold on this kernel ({why}): checking what happens without one")
        return d, "off"
    return d, hold


def hold_variant(d):
    return d.started["features"]["detectors"]["hold"]["variant"]


def counters(out):
    return {k: float(v) if "." in v else int(v)
            for k, v in (f.split("=") for f in out.decode().split())}


def loop(spawner, scope, contloop, n, program, env, timeout):
    p, out, err, _ = spawner.run(scope, [contloop, "loop", str(n), program], env=env,
                                 timeout=timeout)
    assert p.returncode == 0, (p.returncode, err)
    return counters(out)


def stopped(pid):
    """'T' (stopped) in /proc/PID/stat, None when gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "T"
    except FileNotFoundError:
        return None


def test_sigcont_loop_never_runs_a_doomed_exec(start_daemon, scope, spawner, banned, helpers,
                                               contloop, hold, tmp_path):
    d, hold = held_daemon(start_daemon, banned, hold)
    markers = tmp_path / "markers"
    markers.mkdir()
    c = loop(spawner, scope, contloop, TRIES, helpers["marker_static"],
             {"NM_EXTRA": banned, "NM_MARKER_DIR": str(markers)}, timeout=240)
    ran = len(os.listdir(markers))
    print(f"hold={hold_variant(d)} tries={TRIES} ran={ran} {c}")
    assert c["stuck"] == 0 and c["other"] == 0, c
    if hold == "kernel":
        assert ran == 0, f"{ran} of {TRIES} held execs ran an instruction ({c})"
        assert c["killed"] == TRIES, c
    else:
        # an escaped marker program may even have exited before its kill
        assert ran > 0, f"no escape without the hold in {TRIES} tries: the test sees nothing"


def test_allowed_exec_runs_after_release(start_daemon, scope, spawner, banned, helpers,
                                         contloop, tmp_path):
    """Released by the daemon (its note forgotten before its SIGCONT), a held
    exec runs, SIGCONT loop or not: the hold never keeps what was spared."""
    d, _ = held_daemon(start_daemon, banned)
    here = tmp_path / "allowed"
    here.mkdir()
    prog = here / "marker_static"
    shutil.copy(helpers["marker_static"], prog)
    n = max(TRIES // 5, 20)
    c = loop(spawner, scope, contloop, n, str(prog),
             {"NM_EXTRA": banned, "NM_MARKER_DIR": str(here)}, timeout=120)
    print(f"hold={hold_variant(d)} tries={n} {c}")
    assert c["exited"] == n and c["killed"] == 0 and c["stuck"] == 0, c
    assert len([f for f in os.listdir(here) if f != "marker_static"]) == n
    spared = d.wait_for(lambda e: e.get("action") == "spared", what="a spared line")
    assert spared["frozen_in_kernel"] is True


def test_stalled_daemon_sigcont_loop(start_daemon, scope, spawner, banned, helpers, contloop,
                                     hold, tmp_path):
    """The daemon stopped for 3 s while the parent loops SIGCONT: the child
    runs nothing (no marker, nothing forked), and is killed once the daemon
    goes on."""
    d, hold = held_daemon(start_daemon, banned, hold)
    markers = tmp_path / "markers"
    markers.mkdir()
    os.kill(d.proc.pid, signal.SIGSTOP)
    try:
        p = spawner.spawn(scope, [contloop, "loop", "1", helpers["marker_static"]],
                          env={"NM_EXTRA": banned, "NM_MARKER_DIR": str(markers),
                               "NM_TRY_SECONDS": "30"})
        time.sleep(3)
        ran = os.listdir(markers) != []
        # the looping parent and its held child, nothing else
        procs = scope.procs()
        looping = p.poll() is None
    finally:
        os.kill(d.proc.pid, signal.SIGCONT)
    out, err = p.communicate(timeout=30)
    c = counters(out)
    print(f"hold={hold_variant(d)} ran={ran} {c}")
    if hold == "off":
        assert ran, "the child did not run without the hold: the test sees nothing"
        return
    assert not ran, "the held child ran while the daemon was stopped"
    assert looping and len(procs) == 2, scope.describe(procs)
    assert c["killed"] == 1 and c["stuck"] == 0, (c, err)
    assert os.listdir(markers) == []
    assert scope.wait_empty(5) == []


def test_orphaned_group_sigcont(start_daemon, scope, spawner, banned, helpers, contloop, hold,
                                tmp_path):
    """The kernel's own SIGCONT (with SIGHUP, ignored here) to a process
    group orphaned while its member is stopped, the daemon stalled."""
    d, hold = held_daemon(start_daemon, banned, hold)
    markers = tmp_path / "markers"
    markers.mkdir()
    os.kill(d.proc.pid, signal.SIGSTOP)
    try:
        p, out, err, _ = spawner.run(scope, [contloop, "orphan", helpers["marker_static"]],
                                     env={"NM_EXTRA": banned, "NM_MARKER_DIR": str(markers)})
        assert p.returncode == 0, err
        pid = counters(out)["pid"]
        time.sleep(1)
        ran = os.listdir(markers) != []
        state = stopped(pid)
    finally:
        os.kill(d.proc.pid, signal.SIGCONT)
    print(f"hold={hold_variant(d)} ran={ran} stopped={state}")
    if hold == "off":
        assert ran, "the kernel's SIGCONT did not resume the child: the test sees nothing"
    else:
        assert not ran and state is True, (ran, state)
        d.wait_kill(pid)
    assert scope.wait_empty(5) == []


def test_no_hold_is_said_once(start_daemon, banned):
    d, _ = held_daemon(start_daemon, banned, "off")
    assert hold_variant(d) == "none"
    lines = d.find(lambda e: "resumed by SIGCONT" in str(e.get("event")))
    assert len(lines) == 1 and lines[0]["level"] == "warning", d.dump()
