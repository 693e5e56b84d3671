# SPDX-License-Identifier: BSD-2-Clause
"""A reload of a config at the limits (1,000,000 banned strings, 16 MB of
them) takes seconds to build (issue 15). It is built off the event loop:
meanwhile banned execs are killed and logged at once (also when user space
decides, with --user-verdict), /metrics answers, SIGTERM stops the daemon
within 2 s, and reloads asked for during the build are one more build, of
the newest files."""
import secrets
import time
import urllib.request
from datetime import datetime

from conftest import assert_killed, new_banned
from test_metrics import free_port
from test_reload import assert_enforced, assert_not_enforced, is_reloaded

BIG = 1_000_000         # the list-item limit (docs/config.md, "Limits")


def big_config(banned):
    """banned and random 16-byte strings, BIG in all (16 MB of strings,
    under the 16 MiB limit)."""
    return {"bannedCommandStrings": [banned] + [secrets.token_hex(8) for _ in range(BIG - 1)]}


def logged_at(ev):
    return datetime.fromisoformat(ev["timestamp"].rstrip("Z")).timestamp()


def start_big_reload(d, banned):
    """Writes the big config over d's and returns (mark, t0) once its build
    is under way (the 200 ms debounce is over)."""
    cfg = big_config(banned)
    mark = d.mark()
    t0 = time.monotonic()
    d.write_config("config.json", cfg)
    time.sleep(0.5)
    return mark, t0


def test_kills_go_on_during_a_big_reload(start_daemon, scope, spawner, banned, verdict_args):
    port = free_port()
    d = start_daemon({"bannedCommandStrings": [banned]},
                     args=verdict_args + ["--metrics-listen", f"127.0.0.1:{port}"])
    mark, _ = start_big_reload(d, banned)
    p, *_, elapsed = spawner.run(scope, ["sh", "-c", f"sleep 5; : {banned}"])
    assert_killed(p, elapsed, limit=2.0)
    kill = d.wait_kill(p.pid, timeout=2, since=mark)
    assert kill["matched"] == banned
    assert not d.find(is_reloaded, since=mark), \
        f"the reload was over before the kill: no load to test against\n{d.dump()}"
    # the event loop serves /metrics as promptly
    t = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        assert b"nomine_config_reloads_total" in r.read()
    assert time.monotonic() - t < 1.0
    ev = d.wait_for(is_reloaded, 180, since=mark, what="the big config's reload")
    assert ev["banned_strings"] == BIG
    assert logged_at(kill) < logged_at(ev) - 1.0, (kill["timestamp"], ev["timestamp"])
    assert ev["build_ms"] > 1000 and ev["swap_ms"] < 500, ev
    assert_enforced(d, spawner, scope, banned)       # by the big config


def test_sigterm_during_a_big_reload(start_daemon, banned):
    d = start_daemon({"bannedCommandStrings": [banned]})
    mark, _ = start_big_reload(d, banned)
    time.sleep(0.5)
    t = time.monotonic()
    rc = d.stop()
    took = time.monotonic() - t
    assert rc == 0, f"exit {rc}\n{d.dump()}"
    assert took < 2.0, f"SIGTERM took {took:.2f} s during a big reload\n{d.dump()}"
    assert not d.find(is_reloaded, since=mark)


def test_reloads_during_a_build_coalesce(start_daemon, scope, spawner, banned):
    second = new_banned()
    d = start_daemon({"bannedCommandStrings": [banned]})
    mark, _ = start_big_reload(d, banned)
    # three rewrites and three SIGHUPs while the big config builds; the
    # last file (one string) is the one to end in force
    for n in (3, 2, 1):
        d.write_config("config.json",
                       {"bannedCommandStrings": [second] + [new_banned() for _ in range(n - 1)]})
        d.hup()
        time.sleep(0.3)
    assert not d.find(is_reloaded, since=mark), "the big build ended too soon to test"
    first = d.wait_for(is_reloaded, 180, since=mark, what="the big config's reload")
    assert first["banned_strings"] == BIG
    after = d.events.index(first) + 1
    last = d.wait_for(is_reloaded, 30, since=after, what="the newest config's reload")
    assert last["banned_strings"] == 1
    time.sleep(1.0)
    assert len(d.find(is_reloaded, since=mark)) == 2, d.dump()
    assert_enforced(d, spawner, scope, second)
    assert_not_enforced(d, spawner, scope, banned)
