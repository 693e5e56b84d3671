# SPDX-License-Identifier: BSD-2-Clause
"""Evidence records (issue 14): with evidenceDir set, every kill's log line
names a record ("evidence") that is written beside the kill: root's only
(0600 in a 0700 directory), valid JSON, carrying the kill's event, the
executable's SHA-256, the ancestors (the test's own process chain), and,
for a process that user space killed while it ran, its open TCP
connection. evidenceMaxRecords keeps the newest records only;
evidenceExecutableMaxMiB adds a copy of the executable beside the record."""
import hashlib
import json
import os
import socket
import stat
import sys
import time

import pytest

from conftest import assert_killed

WRITE_TIMEOUT = 5       # the record is written asynchronously, after the kill


def sha256_of(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def wait_record(path, timeout=WRITE_TIMEOUT):
    """The record at path, parsed, once it exists (written then renamed: a
    record that exists is whole)."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        assert time.monotonic() < deadline, f"no record at {path} after {timeout} s"
        time.sleep(0.02)
    with open(path) as f:
        return json.load(f)


def check_root_only(evdir, path):
    assert stat.S_IMODE(os.stat(evdir).st_mode) == 0o700
    st = os.lstat(path)
    assert stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600
    assert st.st_uid == 0


def records(evdir):
    return sorted(n for n in os.listdir(evdir) if n.endswith(".json"))


def evidence_config(banned, evdir, **more):
    c = {"bannedCommandStrings": [banned], "evidenceDir": str(evdir), "evidenceMaxRecords": 3}
    c.update(more)
    return c


def kill_one(d, spawner, scope, banned, tag=""):
    argv = ["sh", "-c", f"sleep 5; : {banned} {tag}"]
    p, _, _, elapsed = spawner.run(scope, argv)
    assert_killed(p, elapsed)
    ev = d.wait_kill(p.pid)
    assert "evidence" in ev, ev
    return p, argv, ev


def test_kill_has_a_record(start_daemon, verdict_args, scope, spawner, banned, tmp_path):
    evdir = tmp_path / "evidence"
    d = start_daemon(evidence_config(banned, evdir), args=verdict_args)
    p, argv, ev = kill_one(d, spawner, scope, banned)
    path = ev["evidence"]
    assert os.path.dirname(path) == str(evdir), path
    rec = wait_record(path)
    check_root_only(evdir, path)

    # the kill's event, as logged
    assert rec["event"]["pid"] == p.pid
    assert rec["event"]["cmdline"] == " ".join(argv)
    assert rec["event"]["matched"] == banned
    # the executable: the shell's file
    x = rec["executable"]
    assert x["sha256"] == sha256_of(os.path.realpath(ev["exe"])), x
    assert x["size"] == os.path.getsize(os.path.realpath(ev["exe"]))
    assert x["from"] in ("fd", "path")
    assert "copy" not in x          # no evidenceExecutableMaxMiB: no copy
    # the ancestors: this test's own chain (incg execs the command, so its
    # parent is pytest itself)
    anc = rec["ancestors"]
    assert [a["pid"] for a in anc[:2]] == [os.getpid(), os.getppid()], anc[:2]
    me = anc[0]
    assert me["uid"] == os.getuid()
    assert os.path.realpath(me["exe"]) == os.path.realpath(sys.executable)
    with open("/proc/self/cmdline", "rb") as f:
        mine = [a.decode(errors="backslashreplace") for a in f.read().split(b"\0")[:-1]]
    if not me.get("argv_truncated"):
        assert me["argv"] == mine
    with open("/proc/self/stat") as f:
        assert me["start_ticks"] == int(f.read().rsplit(")", 1)[1].split()[19])
    assert anc[-1]["pid"] == 1 or len(anc) == 16
    # the process itself: gone before the capture when the kernel killed
    # it at exec, else read while stopped, in the test's scope cgroup
    proc = rec["process"]
    assert proc["pid"] == p.pid
    if proc["alive"]:
        assert proc["cgroup"] == scope.name, proc
        assert x["from"] == "fd"


class Listener:
    """A loopback TCP listener that accepts and holds connections."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.held = []

    def accept(self, timeout=10):
        self.sock.settimeout(timeout)
        c, addr = self.sock.accept()
        self.held.append(c)
        return addr

    def close(self):
        for c in self.held:
            c.close()
        self.sock.close()


# Connects to the listener, says so, then waits to be killed.
HOLDER = """
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
print(s.getsockname()[1], flush=True)
time.sleep(60)
"""


def test_running_process_shows_its_connection(start_daemon, scope, spawner, banned, tmp_path):
    """A process that was running before nomine started is killed by a
    sweep (user space), while it holds a TCP connection: the record shows
    that connection as read before the kill."""
    evdir = tmp_path / "evidence"
    lst = Listener()
    try:
        p = spawner.spawn(scope, ["/usr/bin/python3", "-c", HOLDER, str(lst.port), banned])
        lst.accept()
        local_port = int(p.stdout.readline())
        d = start_daemon(evidence_config(banned, evdir), args=["--sweep-interval", "1"])
        p.wait(timeout=20)
        assert p.returncode == -9, f"holder ended with {p.returncode}\n{d.dump()}"
        ev = d.wait_kill(p.pid)
        assert ev["source"] == "scan"
        rec = wait_record(ev["evidence"])
    finally:
        lst.close()
    proc = rec["process"]
    assert proc["alive"] is True, proc
    assert proc["cgroup"] == scope.name, proc
    want = {"proto": "tcp", "local": f"127.0.0.1:{local_port}",
            "remote": f"127.0.0.1:{lst.port}", "state": "ESTABLISHED"}
    assert want in proc["connections"], proc["connections"]
    x = rec["executable"]
    assert x["from"] == "fd"
    assert x["sha256"] == sha256_of(os.path.realpath("/usr/bin/python3"))
    assert rec["ancestors"][0]["pid"] == os.getpid()


def test_only_the_newest_records_stay(start_daemon, scope, spawner, banned, tmp_path):
    evdir = tmp_path / "evidence"
    d = start_daemon(evidence_config(banned, evdir))
    paths = []
    for i in range(5):
        _, _, ev = kill_one(d, spawner, scope, banned, tag=str(i))
        wait_record(ev["evidence"])
        paths.append(ev["evidence"])
    # the last write removed the oldest past the cap, before it returned
    deadline = time.monotonic() + WRITE_TIMEOUT
    while len(records(evdir)) > 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert records(evdir) == sorted(os.path.basename(p) for p in paths[2:]), records(evdir)
    for old in paths[:2]:
        assert not os.path.exists(old)


def test_executable_copy(start_daemon, scope, spawner, banned, tmp_path):
    """evidenceExecutableMaxMiB: 1 copies the shell (well under 1 MiB)
    beside the record, root's only, the same bytes."""
    evdir = tmp_path / "evidence"
    sh = os.path.realpath("/bin/sh")
    if os.path.getsize(sh) > 1 << 20:
        pytest.skip(f"{sh} is over 1 MiB")
    d = start_daemon(evidence_config(banned, evdir, evidenceExecutableMaxMiB=1))
    _, _, ev = kill_one(d, spawner, scope, banned)
    rec = wait_record(ev["evidence"])
    x = rec["executable"]
    copy = x["copy"]
    assert copy == ev["evidence"][:-len(".json")] + ".exe", x
    check_root_only(evdir, copy)
    assert sha256_of(copy) == x["sha256"] == sha256_of(sh)
