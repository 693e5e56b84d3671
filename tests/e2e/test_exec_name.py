# SPDX-License-Identifier: BSD-2-Clause
"""An exec through a descriptor (fexecve, execveat(fd, "", AT_EMPTY_PATH))
is named by its real file, not by the kernel's /dev/fd/N: a memfd as
"/memfd:NAME (deleted)", an ordinary file by its path, a file unlinked
before the exec as "PATH (deleted)", as /proc/PID/exe names them. The name
the exec used stays in "exec_path", and the kernel's device and inode of
the file are in "executable". Kill lines in both verdict modes, and audit
lines."""
import os
import secrets
import shutil
import sys

import pytest

from conftest import assert_killed, check_event_common

# Runs in the test's cgroup: opens the file (or makes the memfd), prints its
# name as /proc shows it, its device and inode, then execs it by descriptor
# (os.execve with an fd is fexecve: execveat(fd, "", AT_EMPTY_PATH)). The
# banned word comes from the environment, so that this process's own argv
# is innocent.
EXEC_BY_FD = r"""
import os, sys
how, src = sys.argv[1], sys.argv[2]
if how == "memfd":
    fd = os.memfd_create(sys.argv[3], 0)
    os.write(fd, open(src, "rb").read())
else:
    fd = os.open(src, os.O_RDONLY)
    if how == "unlinked":
        os.unlink(src)
st = os.fstat(fd)
print(os.readlink(f"/proc/self/fd/{fd}"), os.major(st.st_dev), os.minor(st.st_dev),
      st.st_ino, flush=True)
os.execve(fd, ["sh", "-c", os.environ["NMT_SCRIPT"], "sh", os.environ["NMT_WORD"]],
          {"PATH": "/usr/bin:/bin"})
"""


def shell_copy(tmp_path):
    """A copy of the shell, a file of its own (not /bin/sh's inode)."""
    path = tmp_path / f"shc-{secrets.token_hex(4)}"
    shutil.copyfile(os.path.realpath("/bin/sh"), path)
    os.chmod(path, 0o755)
    return str(path)


def exec_by_fd(spawner, scope, how, src, banned, name="", script='sleep 5; : "$1"'):
    """Runs EXEC_BY_FD; returns (Popen, elapsed, (proc name, kernel dev, inode))."""
    p, out, err, elapsed = spawner.run(
        scope, [sys.executable, "-c", EXEC_BY_FD, how, src, name],
        env={"NMT_WORD": banned, "NMT_SCRIPT": script})
    line = out.decode().splitlines()[0].rsplit(" ", 3)
    assert len(line) == 4, (out, err)
    major, minor, ino = (int(x) for x in line[1:])
    # the kernel's dev_t encoding, as events give it: major << 20 | minor
    return p, elapsed, (line[0], major << 20 | minor, ino)


def check_names(ev, want_exe, ident):
    assert ev["exe"] == want_exe, ev
    assert ev["exec_path"].startswith("/dev/fd/"), ev
    assert ev["executable"]["dev"] == ident[1] and ev["executable"]["inode"] == ident[2], \
        (ev, ident)


def test_memfd_kill_names_the_memfd(start_daemon, verdict_args, scope, spawner, tmp_path,
                                    banned):
    d = start_daemon({"bannedCommandStrings": [banned]}, args=verdict_args)
    name = "nmtfd" + secrets.token_hex(5)
    p, elapsed, ident = exec_by_fd(spawner, scope, "memfd", shell_copy(tmp_path), banned, name)
    assert_killed(p, elapsed)
    ev = d.wait_kill(p.pid)
    check_event_common(ev)
    assert ev["matched"] == banned and ev["source"] == "exec", ev
    # what /proc/PID/fd/N (and /proc/PID/exe) calls it
    assert ident[0] == f"/memfd:{name} (deleted)", ident
    check_names(ev, ident[0], ident)


@pytest.mark.parametrize("how", ["file", "unlinked"])
def test_file_by_fd_names_its_path(start_daemon, verdict_args, scope, spawner, tmp_path,
                                   banned, how):
    """By its path; deleted when it was unlinked between its open and the
    exec."""
    d = start_daemon({"bannedCommandStrings": [banned]}, args=verdict_args)
    path = shell_copy(tmp_path)
    p, elapsed, ident = exec_by_fd(spawner, scope, how, path, banned)
    assert_killed(p, elapsed)
    ev = d.wait_kill(p.pid)
    want = os.path.realpath(path) + (" (deleted)" if how == "unlinked" else "")
    assert ident[0] == want and os.path.exists(path) == (how == "file"), ident
    check_names(ev, want, ident)


def test_audit_lines_name_the_file(start_daemon, scope, spawner, tmp_path, banned):
    d = start_daemon({"bannedCommandStrings": [banned]}, args=["--audit"])
    name = "nmtfd" + secrets.token_hex(5)
    seen = []
    for how, nm in (("memfd", name), ("unlinked", "")):
        p, _, ident = exec_by_fd(spawner, scope, how, shell_copy(tmp_path), banned, nm,
                                 script=': "$1"')
        assert p.returncode == 0, p.returncode
        ev = d.wait_for(lambda e: e.get("pid") == p.pid and e.get("action") == "audit",
                        what=f"the audit line of the {how} exec")
        check_names(ev, ident[0], ident)
        seen.append(ev["exe"])
    assert seen[0] == f"/memfd:{name} (deleted)" and seen[1].endswith(" (deleted)"), seen


def test_exec_by_own_path_has_no_exec_path(start_daemon, scope, spawner, tmp_path, banned):
    """An exec by its file's path is named by that path, as before; the
    kernel walks no path for it."""
    d = start_daemon({"bannedCommandStrings": [banned]})
    path = shell_copy(tmp_path)
    p, _, _, elapsed = spawner.run(scope, [path, "-c", f"sleep 5; : {banned}"])
    assert_killed(p, elapsed)
    ev = d.wait_kill(p.pid)
    assert ev["exe"] == path and "exec_path" not in ev, ev
    st = os.stat(path)
    assert ev["executable"]["inode"] == st.st_ino, ev


def test_relative_exec_names_its_path(start_daemon, scope, spawner, tmp_path, banned):
    """A relative name (./x) says nothing without the cwd: the file's path
    is walked too, the name used kept in exec_path."""
    d = start_daemon({"bannedCommandStrings": [banned]})
    path = shell_copy(tmp_path)
    rel = "./" + os.path.basename(path)
    p, _, _, elapsed = spawner.run(scope, [rel, "-c", f"sleep 5; : {banned}"], cwd=tmp_path)
    assert_killed(p, elapsed)
    ev = d.wait_kill(p.pid)
    assert ev["exe"] == os.path.realpath(path) and ev["exec_path"] == rel, ev
