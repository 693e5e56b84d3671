# SPDX-License-Identifier: BSD-2-Clause
"""Allow patterns spare a banned command only when they match its whole
command line; audit mode kills nothing."""
import re

from conftest import assert_killed, check_event_common


def test_allow_pattern_spares_whole_line_only(start_daemon, verdict_args, scope, spawner, banned):
    spared_cmd = f"sleep 0.3; : {banned} --ok"
    whole = "^sh -c " + re.escape(spared_cmd) + "$"
    # Each of these matches only a prefix (or a part) of the killed line.
    prefix = "sh -c sleep 5"
    alternation = "nothing-at-all|sh -c sleep 5"
    middle = re.escape(f": {banned}")
    d = start_daemon({"bannedCommandStrings": [banned],
                      "allowedCommandPatterns": [whole, prefix, alternation, middle]},
                     args=verdict_args)
    assert d.started["allowed_patterns"] == 4

    p, *_, elapsed = spawner.run(scope, ["sh", "-c", spared_cmd])
    assert p.returncode == 0, f"allowed command ended with {p.returncode}\n{d.dump()}"
    ev = d.wait_for(lambda e: e.get("pid") == p.pid and "action" in e, what="the spared line")
    check_event_common(ev)
    assert ev["action"] == "spared", ev
    assert ev["event"] == "Spared process"
    assert ev["allowedby"] == whole
    assert ev["matched"] == banned
    assert ev["cmdline"] == f"sh -c {spared_cmd}"
    assert "descendants_killed" not in ev

    killed_cmd = f"sleep 5; : {banned}"
    p, *_, elapsed = spawner.run(scope, ["sh", "-c", killed_cmd])
    assert_killed(p, elapsed)
    ev = d.wait_kill(p.pid)
    assert "allowedby" not in ev, ev
    assert ev["cmdline"] == f"sh -c {killed_cmd}"


def test_allow_pattern_is_case_insensitive(start_daemon, verdict_args, scope, spawner, banned):
    cmd = f"sleep 0.2; : {banned}"
    pattern = ("^SH -C " + re.escape(cmd) + "$").upper()
    d = start_daemon({"bannedCommandStrings": [banned], "allowedCommandPatterns": [pattern]},
                     args=verdict_args)
    p, *_ = spawner.run(scope, ["sh", "-c", cmd])
    assert p.returncode == 0, d.dump()
    ev = d.wait_for(lambda e: e.get("pid") == p.pid and "action" in e)
    assert ev["action"] == "spared" and ev["allowedby"] == pattern


def test_audit_mode_kills_nothing(start_daemon, verdict_args, scope, spawner, banned):
    d = start_daemon({"bannedCommandStrings": [banned]}, args=["--audit", *verdict_args])
    assert d.started["mode"] == "audit"
    # A banned command with a child (the sleep) that must survive too.
    cmd = f"sleep 0.5; echo done; : {banned}"
    p, out, err, elapsed = spawner.run(scope, ["sh", "-c", cmd])
    assert p.returncode == 0, f"audited command ended with {p.returncode}\n{d.dump()}"
    assert out == b"done\n"
    ev = d.wait_for(lambda e: e.get("pid") == p.pid and "action" in e, what="the audit line")
    check_event_common(ev)
    assert ev["action"] == "audit"
    assert ev["matched"] == banned
    assert ev["source"] == "exec"
    assert ev["cmdline"] == f"sh -c {cmd}"
    assert not d.find(lambda e: e.get("action") in ("killed", "missed-kill")), d.dump()
