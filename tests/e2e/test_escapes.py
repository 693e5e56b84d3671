# SPDX-License-Identifier: BSD-2-Clause
"""Descendants that left the offender's /proc tree before it was caught die
with it, whichever detector decided: a setsid double fork (re-parented to
init), the same followed by a chain of 20 execs (longer than the kernel's
window of 8 ids), and a double fork re-parented to a subreaper outside the
offender's tree (which itself is no descendant and lives on). Exec kills in
both verdict modes, sweep kills, RandomX kills; and what is done for a
process older than nomine."""
import os
import subprocess
import time

import pytest

SHAPES = {"doublefork": 3, "chain": 20, "subreaper": 3}
DEADLINE = 3.0


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def ppid(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def read_line(p):
    """One "KIND... PID" line of the escaper as (kind, pid); pid 0 if none."""
    words = p.stdout.readline().decode().split()
    assert words, f"the escaper ended early ({p.poll()})"
    if words[-1].isdigit():
        return " ".join(words[:-1]), int(words[-1])
    return words[0], 0


def read_until(p, stop):
    seen = [read_line(p)]
    while seen[-1][0] != stop:
        seen.append(read_line(p))
    return seen


def start(spawner, scope, helpers, shape, then, cmd=(), env=None, padding=True, n=None):
    """Starts the escaper; returns once every escapee has settled. cmd is
    what the root execs (passed in a file: never in the root's argv)."""
    argv = [helpers["escaper"], shape, str(n or SHAPES[shape])]
    env = {"ESCAPER_THEN": then, **(env or {})}
    if padding:
        argv.append("innocent-" + "x" * 200)
    if cmd:
        path = spawner.tmpdir / f"cmd-{os.getpid()}-{time.monotonic_ns()}"
        path.write_bytes(b"".join(os.fsencode(a) + b"\0" for a in cmd))
        env["ESCAPER_ARGV_FILE"] = str(path)
    p = spawner.spawn(scope, argv, env=env, stderr=subprocess.DEVNULL)
    want = 1 if shape == "chain" else (n or SHAPES[shape])
    lines = []
    while sum(1 for k, _ in lines if k == "escaped") < want:
        lines.append(read_line(p))
    info = {"p": p, "escaped": [pid for k, pid in lines if k == "escaped"],
            "root": next(pid for k, pid in lines if k == "root"),
            "subreaper": next((pid for k, pid in lines if k == "subreaper"), None)}
    for e in info["escaped"]:
        # they really left the root's tree: /proc no longer links them
        assert ppid(e) != info["root"], (shape, e)
        if shape == "subreaper":
            assert ppid(e) == info["subreaper"], (e, ppid(e), info)
    return info


def assert_escapees_dead(info, d, what):
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end and any(alive(e) for e in info["escaped"]):
        time.sleep(0.02)
    left = [e for e in info["escaped"] if alive(e)]
    assert not left, f"{len(left)} of {len(info['escaped'])} escapees survived {what}\n{d.dump(15)}"
    if info["subreaper"]:
        # the subreaper was never the offender's descendant
        assert alive(info["subreaper"]), "the subreaper was killed too"


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_exec_kill_takes_escapees(start_daemon, verdict_args, scope, spawner, helpers, banned,
                                  shape):
    """The root makes its escapees, then execs a banned command: killed at
    that exec (before its first instruction with the kernel's verdict), and
    everything it forked before dies too."""
    d = start_daemon({"bannedCommandStrings": [banned]}, args=verdict_args)
    try:
        info = start(spawner, scope, helpers, shape, "exec",
                     cmd=[helpers["escaper"], "doublefork", "0", banned])
    except AssertionError as e:
        raise AssertionError(f"{e}\n{d.dump(20)}")
    ev = d.wait_kill(info["root"])
    assert ev["source"] == "exec", ev
    assert_escapees_dead(info, d, f"an exec kill ({shape})")
    assert ev["descendants_killed"] >= len(info["escaped"]), ev


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_sweep_kill_takes_escapees(start_daemon, verdict_args, scope, spawner, helpers, banned,
                                   shape):
    d = start_daemon({"bannedCommandStrings": [banned]},
                     args=[*verdict_args, "--sweep-interval", "1"])
    info = start(spawner, scope, helpers, shape, f"rewrite:worker {banned} --threads 1")
    ev = d.wait_kill(info["root"], timeout=6)
    assert ev["source"] == "scan", ev
    assert_escapees_dead(info, d, f"a sweep kill ({shape})")
    assert ev["descendants_killed"] >= len(info["escaped"]), ev


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_randomx_kill_takes_escapees(start_daemon, scope, spawner, helpers, banned, shape):
    """The root execs a RandomX hasher under an innocent name: the RandomX
    detector's kill (always decided in user space) takes the escapees."""
    d = start_daemon({"bannedCommandStrings": [banned]})
    assert d.started["features"]["randomx_detector"] is True, d.started
    info = start(spawner, scope, helpers, shape, "exec", cmd=[helpers["kworker-sync"]],
                 env={"RX_WORKERS": "2", "RX_SECONDS": "25"}, padding=False)
    ev = d.wait_for(lambda e: e.get("source") == "monero" and e.get("action") == "killed"
                    and e.get("pid") == info["root"], timeout=15, what="a monero kill")
    assert_escapees_dead(info, d, f"a RandomX kill ({shape})")
    assert ev["descendants_killed"] >= len(info["escaped"]), ev


@pytest.mark.parametrize("thread", ["none", "late", "early"])
def test_process_older_than_nomine(start_daemon, scope, spawner, helpers, banned, tmp_path,
                                   thread):
    """A process started before nomine: what it forks after nomine started
    is tracked like anything else (it is given an id at its first fork, or
    its first thread's) and dies with it, however it escaped, also when a
    thread forks it (one started after nomine, or one already running
    before); what double-forked away before nomine started is beyond
    anyone's knowledge (no record of it exists) and is left, as the
    README's "How it works" says."""
    go = tmp_path / "go"
    argv = [helpers["escaper"], "doublefork", "2", "innocent-" + "x" * 200]
    env = {"ESCAPER_THEN": f"rewrite:worker {banned} --threads 1", "ESCAPER_EARLY": "2",
           "ESCAPER_GO": str(go)}
    if thread != "none":
        env["ESCAPER_THREAD"] = thread
    p = spawner.spawn(scope, argv, stderr=subprocess.DEVNULL, env=env)
    early = [pid for k, pid in read_until(p, "waiting") if k == "early escaped"]
    assert len(early) == 2
    d = start_daemon({"bannedCommandStrings": [banned]}, args=["--sweep-interval", "1"])
    go.touch()
    lines = read_until(p, "rewritten")
    late = [pid for k, pid in lines if k == "escaped"]
    root = p.pid
    assert len(late) == 2 and all(ppid(e) != root for e in late)
    ev = d.wait_kill(root, timeout=6)
    assert ev["source"] == "scan", ev
    assert_escapees_dead({"escaped": late, "subreaper": None}, d, "the kill of an old process")
    assert all(alive(e) for e in early), "the escapees of before nomine started were found?"
    for e in early:
        os.kill(e, 9)


def collections(d, since=0):
    """(tasks, links, removed) of each lineage collection the daemon logged."""
    out = []
    for e in d.find(lambda e: str(e.get("event", "")).startswith("lineage: "), since=since):
        w = e["event"].split()
        out.append((int(w[1]), int(w[3]), int(w[5])))
    return out


def test_links_are_collected_and_chains_kept(start_daemon, scope, spawner, helpers, banned,
                                             tmp_path):
    """Every fork and exec leaves a link in the kernel; the links no live
    task reaches go (two collections in a row, older than 30 s), so 1,500
    short-lived processes leave nothing behind, and a process that execs
    itself 3,000 times holds one link, not 3,000 (a loop like that must
    not fill the map for everyone); the escapee's chain, reachable only
    through old links, survives every collection and is still killed with
    its root."""
    d = start_daemon({"bannedCommandStrings": [banned]},
                     args=["--debug", "--sweep-interval", "1"],
                     env={"NOMINE_TEST_LINEAGE_COLLECT_MS": "300",
                          "NOMINE_TEST_LINEAGE_KEEP_MS": "0"})
    info = start(spawner, scope, helpers, "chain", f"rewrite:worker {banned} --threads 1",
                 env={"ESCAPER_HOLD": str(tmp_path / "go")}, n=3000)
    assert read_line(info["p"]) == ("holding", 0)
    p, _, _, took = spawner.run(scope, ["/bin/sh", "-c", "i=0; while [ $i -lt 1500 ]; do "
                                        "/bin/true; i=$((i+1)); done"], timeout=120)
    assert p.returncode == 0
    time.sleep(1.5)
    seen = collections(d)
    assert seen, d.dump(10)
    removed = sum(r for _, _, r in seen)
    # one link each: the child's exec folds the fork id it forked nothing under
    assert removed >= 1400, seen[-5:]
    assert seen[-1][1] < 500, seen[-5:]
    # the chain was reachable only through links 3,000 execs old
    (tmp_path / "go").touch()
    ev = d.wait_kill(info["root"], timeout=6)
    assert ev["source"] == "scan", ev
    assert_escapees_dead(info, d, "a sweep kill after collections")


@pytest.mark.parametrize("shape", ["chain", "subreaper"])
def test_sweep_kill_takes_escapees_pid_map_lineage(start_daemon, scope, spawner, helpers, banned,
                                                   shape):
    """The same with the lineage kernels without task storage keep (a hash by
    thread id, emptied at each exit)."""
    d = start_daemon({"bannedCommandStrings": [banned]}, args=["--sweep-interval", "1"],
                     env={"NOMINE_TEST_LINEAGE": "pid-map"})
    assert d.started["features"]["detectors"]["lineage"]["variant"] == "pid-map", d.started
    info = start(spawner, scope, helpers, shape, f"rewrite:worker {banned} --threads 1")
    ev = d.wait_kill(info["root"], timeout=6)
    assert ev["source"] == "scan", ev
    assert_escapees_dead(info, d, f"a sweep kill ({shape}, pid-map lineage)")
