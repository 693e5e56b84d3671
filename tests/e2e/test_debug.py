# SPDX-License-Identifier: BSD-2-Clause
"""--debug logs every exec as "observed"; without it, innocent execs are
silent."""
import secrets

from conftest import assert_killed


def test_debug_logs_observed_execs(start_daemon, scope, spawner, banned):
    d = start_daemon({"bannedCommandStrings": [banned]}, args=["--debug"])
    marker = "innocent-" + secrets.token_hex(4)
    p, *_ = spawner.run(scope, ["sh", "-c", f": {marker}"])
    assert p.returncode == 0
    # The same pid is observed earlier as incg (its exec outside the scope,
    # and perhaps the start-up sweep): look for the command's own exec.
    ev = d.wait_for(lambda e: e.get("pid") == p.pid and e.get("action") == "observed"
                    and e.get("cmdline") == f"sh -c : {marker}",
                    what="an observed line for the exec")
    assert ev["level"] == "debug"
    assert ev["source"] == "exec"
    assert ev["cmdline"] == f"sh -c : {marker}"
    assert "matched" not in ev
    # Enforcement is unchanged in debug mode.
    p, *_, elapsed = spawner.run(scope, ["sh", "-c", f"sleep 5; : {banned}"])
    assert_killed(p, elapsed)
    d.wait_kill(p.pid)


def test_no_observed_lines_without_debug(start_daemon, scope, spawner, banned):
    d = start_daemon({"bannedCommandStrings": [banned]})
    marker = "innocent-" + secrets.token_hex(4)
    p, *_ = spawner.run(scope, ["sh", "-c", f": {marker}"])
    assert p.returncode == 0
    # A banned exec after it: once its kill is logged, the innocent exec
    # (earlier in the same ring buffer) has been handled too.
    q, *_, elapsed = spawner.run(scope, ["sh", "-c", f"sleep 5; : {banned}"])
    assert_killed(q, elapsed)
    d.wait_kill(q.pid)
    assert not d.find(lambda e: e.get("action") == "observed"), d.dump()
