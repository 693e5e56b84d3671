# SPDX-License-Identifier: BSD-2-Clause
"""Config paths that must not stall the daemon (issue 15): a FIFO, a device,
a symbolic link loop or a socket put where the config was is refused at the
reload with a clear line, at once; the daemon keeps killing with the config
it had, still answers SIGHUP, and takes a good file put back."""
import os
import socket
import time

import pytest

from conftest import new_banned
from test_reload import assert_enforced, assert_not_enforced, is_refused, is_reloaded

NOT_REGULAR = "not a regular file (a FIFO, socket or device)"
LOOP = "a symbolic link loop (or too many links to follow)"


def put_fifo(tmp):
    os.mkfifo(tmp)          # no writer ever comes: an open() would wait forever


def put_dev_zero(tmp):
    os.symlink("/dev/zero", tmp)    # a read would never end


def put_socket(tmp):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(tmp))
    s.listen(1)
    return s


def replace_with(d, name, kind):
    """Puts a non-file of kind at the config path by an atomic rename, as a
    deployment replaces a file. Returns what must stay open meanwhile."""
    path = d.config_path(name)
    tmp = d.dir / f".tmp-{kind}"
    keep = None
    if kind == "fifo":
        put_fifo(tmp)
    elif kind == "dev-zero":
        put_dev_zero(tmp)
    elif kind == "symlink-loop":
        os.symlink(name, tmp)       # once renamed to name, it names itself
    elif kind == "socket":
        keep = put_socket(tmp)
    os.rename(tmp, path)
    return keep


WHY = {"fifo": NOT_REGULAR, "dev-zero": NOT_REGULAR, "socket": NOT_REGULAR,
       "symlink-loop": LOOP}


@pytest.mark.parametrize("kind", list(WHY))
def test_non_file_config_is_refused_without_stalling(start_daemon, scope, spawner, banned,
                                                     kind):
    second, third = new_banned(), new_banned()
    d = start_daemon({"bannedCommandStrings": [banned]})
    path = str(d.config_path("config.json"))
    mark = d.mark()
    t0 = time.monotonic()
    keep = replace_with(d, "config.json", kind)
    try:
        ev = d.wait_for(is_refused, 5, since=mark, what=f"a refused reload of a {kind}")
        took = time.monotonic() - t0
        assert ev["level"] == "error"
        assert ev["error"] == f"{path}: {WHY[kind]}", ev["error"]
        assert took < 3, f"refused after {took:.1f} s"
        assert d.alive()
        assert_enforced(d, spawner, scope, banned)       # the old config holds
        # SIGHUP is still answered (the old code sat in open() and never saw it)
        mark = d.mark()
        d.hup()
        ev = d.wait_for(is_refused, 5, since=mark, what="a refused reload after SIGHUP")
        assert ev["error"] == f"{path}: {WHY[kind]}", ev["error"]
        assert not d.find(is_reloaded, since=mark)
        # a good file put back is taken, by inotify and again by SIGHUP
        mark = d.mark()
        d.write_config("config.json", {"bannedCommandStrings": [second]})
        assert d.wait_for(is_reloaded, 5, since=mark)["banned_strings"] == 1
        assert_enforced(d, spawner, scope, second)
        assert_not_enforced(d, spawner, scope, banned)
        with open(d.config_path("config.json"), "w") as f:    # in place, then HUP
            f.write(f'{{"bannedCommandStrings": ["{third}"]}}')
        time.sleep(0.6)      # the inotify reload of the in-place write, if any
        mark = d.mark()
        d.hup()
        assert d.wait_for(is_reloaded, 5, since=mark)["banned_strings"] == 1
        assert_enforced(d, spawner, scope, third)
    finally:
        if keep:
            keep.close()
