# SPDX-License-Identifier: BSD-2-Clause
"""A banned command line is killed at exec, however it is spelled or
exec'd: plain, case-folded, with any run of spaces, tabs and empty
arguments for a space, at the end of a 1 MiB argv, across the kernel's
argv chunk boundaries, via execveat(2) or from a memfd; and its log line
stays valid JSON whatever bytes the argv holds. Each test runs with the
default verdict path (in the kernel where supported) and with
--user-verdict."""
import json
import os

import pytest

from conftest import assert_killed, check_event_common

# The kernel sends argv to user space in records of this many bytes
# (NM_CHUNK_MAX in src/exec_event.h).
CHUNK = 16384


def test_banned_command_is_killed(start_daemon, verdict_args, scope, spawner, banned):
    d = start_daemon({"bannedCommandStrings": [banned]}, args=verdict_args)
    argv = ["sh", "-c", f"sleep 5; : {banned}"]
    p, out, err, elapsed = spawner.run(scope, argv)
    assert_killed(p, elapsed)
    ev = d.wait_kill(p.pid)
    check_event_common(ev)
    assert ev["event"] == "Killed process"
    assert ev["matched"] == banned
    assert ev["source"] == "exec"
    assert ev["cmdline"] == " ".join(argv)
    assert ev["ppid"] == os.getpid()
    assert ev["uid"] == os.getuid()
    assert os.path.basename(ev["exe"]) in ("sh", "dash"), ev["exe"]
    assert ev["descendants_killed"] >= 0
    assert isinstance(ev["kill_in_kernel"], bool)
    if verdict_args:                 # --user-verdict: killed after the exec
        assert ev["kill_in_kernel"] is False
    assert "warning" not in ev, ev
    # Exactly one verdict for that exec.
    assert len(d.find(lambda e: e.get("pid") == p.pid and "action" in e)) == 1


def test_matching_is_case_insensitive_and_word_bounded(start_daemon, verdict_args, scope, spawner,
                                                       banned):
    d = start_daemon({"bannedCommandStrings": [banned]}, args=verdict_args)
    # Upper case, and delimited by non-word bytes: banned.
    p, *_, elapsed = spawner.run(scope, ["sh", "-c", f"sleep 5; : /opt/{banned.upper()}.bin"])
    assert_killed(p, elapsed)
    ev = d.wait_kill(p.pid)
    assert ev["matched"].lower() == banned
    # A word byte touching either side: not the banned word.
    mark = d.mark()
    inner = [spawner.spawn(scope, ["sh", "-c", f"sleep 0.3; : {w}"])
             for w in (f"x{banned}", f"{banned}_1", f"{banned}9")]
    for q in inner:
        q.communicate(timeout=10)
        assert q.returncode == 0, f"pid {q.pid} rc {q.returncode}\n{d.dump()}"
    pids = {q.pid for q in inner}
    assert not d.find(lambda e: e.get("pid") in pids, since=mark), d.dump()


def test_substring_mode_ignores_word_bounds(start_daemon, verdict_args, scope, spawner, banned):
    d = start_daemon({"matchMode": "substring", "bannedCommandStrings": [banned]},
                     args=verdict_args)
    p, *_, elapsed = spawner.run(scope, ["sh", "-c", f"sleep 5; : x{banned}y"])
    assert_killed(p, elapsed)
    assert d.wait_kill(p.pid)["matched"] == banned


def test_space_in_banned_string_matches_any_run(start_daemon, verdict_args, scope, spawner,
                                                banned, tmp_path):
    """Whitespace inside a banned string stands for any run of spaces, tabs
    and empty arguments: none of them gets the words past it (in the
    kernel: killed before the first instruction). Events show the string
    as written."""
    word2 = "--" + banned[::-1]
    written = f"{banned}  {word2}"            # a run in the config squeezes too
    d = start_daemon({"bannedCommandStrings": [written]}, args=verdict_args)
    in_kernel = d.started["verdict"] == "kernel"
    marker = tmp_path / "ran"
    run = f": > {marker}; sleep 5"
    variants = [
        ["/bin/sh", "-c", f"{run}; : $0 $1 $2", banned, "", word2],
        ["/bin/sh", "-c", f"{run}; : $0", banned, "", "", "\t", " ", "", word2],
        ["/bin/sh", "-c", f"{run}; : {banned}\t{word2}"],
        ["/bin/sh", "-c", f"{run}; : {banned}  \t  {word2}"],
        ["/bin/sh", "-c", f"{run}; : {banned} {word2}"],
        ["/bin/sh", "-c", run, f"{banned}\t", f"\t{word2}"],
    ]
    for argv in variants:
        p, *_, elapsed = spawner.run(scope, argv)
        assert_killed(p, elapsed)
        ev = d.wait_kill(p.pid)
        assert ev["matched"] == written, ev
        if in_kernel:
            assert ev["kill_in_kernel"] is True, ev
            assert not marker.exists(), f"{argv!r} ran an instruction"
        marker.unlink(missing_ok=True)
    # No whitespace between the words, or another byte: not the string.
    mark = d.mark()
    clean = [spawner.spawn(scope, ["/bin/sh", "-c", f"sleep 0.3; : {w}"])
             for w in (f"{banned}{word2}", f"{banned}-{word2}", f"{banned}x {word2}")]
    clean.append(spawner.spawn(scope, ["/bin/sh", "-c", "sleep 0.3", banned, "x", word2]))
    for q in clean:
        q.communicate(timeout=10)
        assert q.returncode == 0, f"pid {q.pid} rc {q.returncode}\n{d.dump()}"
    pids = {q.pid for q in clean}
    assert not d.find(lambda e: e.get("pid") in pids, since=mark), d.dump()


def argv_area(argv):
    """Bytes the argv takes in the new image (each argument NUL-terminated)."""
    return sum(len(a) + 1 for a in argv)


def pad(argv, upto):
    """Appends filler arguments until the argv area is exactly upto bytes."""
    size = argv_area(argv)
    if size > upto:
        return
    while size < upto:
        left = upto - size
        n = left if left <= 4096 + 16 else 4096
        argv.append((f"{len(argv):06d}" + "p" * n)[:n - 1])
        size += n
    assert argv_area(argv) == upto


def long_argv(banned, total, place):
    """sh -c 'sleep 5; :' sh FILLER... with banned as an argument of its own,
    either after `total` bytes of argv or straddling byte `place`."""
    argv = ["sh", "-c", "sleep 5; :", "sh"]
    if place is None:
        pad(argv, total)
        argv.append(banned)
    else:
        pad(argv, place - len(banned) // 2)
        argv.append(banned)
        pad(argv, total)
    return argv


@pytest.mark.parametrize("place", [None, CHUNK, 3 * CHUNK, 64 * CHUNK],
                         ids=["at-end-of-1MiB", "across-16KiB", "across-48KiB", "across-1MiB"])
def test_banned_in_huge_argv(start_daemon, verdict_args, scope, spawner, banned, place):
    d = start_daemon({"bannedCommandStrings": [banned]}, args=verdict_args)
    argv = long_argv(banned, 1 << 20, place)
    assert argv_area(argv) >= 1 << 20
    if place is not None:
        off = argv_area(argv[:argv.index(banned)])
        assert off < place < off + len(banned)
    p, out, err, elapsed = spawner.run(scope, argv)
    assert_killed(p, elapsed)
    ev = d.wait_kill(p.pid)
    assert ev["matched"] == banned
    assert ev["source"] == "exec"
    assert "argv_source" not in ev, "argv should come from the kernel, not /proc"
    line = " ".join(argv)
    assert len(ev["cmdline"]) == len(line)
    assert ev["cmdline"] == line


@pytest.mark.parametrize("helper", ["execveat_sh", "memfd_exec"])
def test_exec_without_a_path(start_daemon, verdict_args, scope, spawner, helpers, banned,
                             helper):
    d = start_daemon({"bannedCommandStrings": [banned]}, args=verdict_args)
    # The helper's own argv is innocent; the banned word only reaches the
    # image it execs (by execveat relative to a dirfd, or from a memfd).
    argv = [helpers[helper], "sh", "-c", 'sleep 5; : "$1"', "sh"]
    p, out, err, elapsed = spawner.run(scope, argv, env={"EXEC_APPEND": banned})
    assert b"execveat" not in err, err
    assert_killed(p, elapsed)
    ev = d.wait_kill(p.pid)
    assert ev["matched"] == banned
    assert ev["source"] == "exec"
    assert ev["cmdline"] == f'sh -c sleep 5; : "$1" sh {banned}'
    # The kernel names such images /dev/fd/N[/sh]; events name their file.
    assert ev["exec_path"].startswith("/dev/fd/"), ev
    want = {"execveat_sh": os.path.realpath("/bin/sh"),
            "memfd_exec": "/memfd:nmt-payload (deleted)"}[helper]
    assert ev["exe"] == want, ev


def test_log_line_of_hostile_bytes_is_valid_json(start_daemon, verdict_args, scope, spawner,
                                                 banned):
    d = start_daemon({"bannedCommandStrings": [banned]}, args=verdict_args)
    argv = [b"sh", b"-c", b"sleep 5; :", b"sh",
            b"\xff\xfe",                 # never valid UTF-8
            b"a\x01b\x1bc\x7f\td\ne",    # control bytes
            "caf\u00e9 \u20ac \U0001f600".encode(),  # valid UTF-8 stays as is
            b"\xc3",                     # truncated sequence
            b"\xc0\xaf",                 # overlong '/'
            b"\xed\xa0\x80",             # UTF-16 surrogate
            b'q"uote\\',                 # JSON metacharacters
            banned.encode()]
    p, out, err, elapsed = spawner.run(scope, argv)
    assert_killed(p, elapsed)
    ev = d.wait_kill(p.pid)
    raw = ev["_raw"]
    raw.decode("utf-8")                              # strict UTF-8
    json.loads(raw)                                  # strict JSON (no raw control bytes)
    assert b"\n" not in raw.rstrip(b"\n"), "one event, one line"
    expected = ("sh -c sleep 5; : sh \\xff\\xfe a\x01b\x1bc\x7f\td\ne "
                "caf\u00e9 \u20ac \U0001f600 \\xc3 \\xc0\\xaf \\xed\\xa0\\x80 "
                f'q"uote\\ {banned}')
    assert ev["cmdline"] == expected
    assert ev["matched"] == banned
