# SPDX-License-Identifier: BSD-2-Clause
"""bannedCommandPatterns: a command line a banned pattern matches anywhere is
killed in the kernel at exec, an allow pattern spares it, and a pattern the
kernel could not judge is refused at start-up and on reload (the last good
config stays) with file:line and the reason."""
import os
import re
import secrets
import subprocess

from conftest import assert_killed, check_event_common
from test_kernel_verdict import kbin, run_trials  # noqa: F401 (kbin is a fixture)
from test_reload import is_refused, is_reloaded


def pool_token():
    """A pool host no real process names: the pattern below needs it, a
    port, and a wallet-like argument after -u."""
    return "nmp" + secrets.token_hex(5)


def pattern_for(token):
    # unanchored: it may sit anywhere in the line, in any case
    return rf"-o\s+{token}\.example:\d{{2,5}}\s+-u\s+\S{{8,}}"


def miner_args(token):
    return ["-o", f"{token.upper()}.example:3333", "-u", "w4llet" + secrets.token_hex(4)]


def test_pattern_kills_in_kernel(start_daemon, scope, spawner, kbin, tmp_path):  # noqa: F811
    tok = pool_token()
    pat = pattern_for(tok)
    d = start_daemon({"bannedCommandPatterns": [pat]})
    assert d.started["verdict"] == "kernel", d.started
    assert d.started["banned_patterns"] == 1, d.started
    assert 0 < d.started["pattern_dfa_states"] < 200, d.started
    # the shell never runs: killed before its first instruction
    p, *_, elapsed = spawner.run(scope, ["sh", "-c", "sleep 5; : " + " ".join(miner_args(tok))])
    assert_killed(p, elapsed)
    ev = d.wait_kill(p.pid)
    check_event_common(ev)
    assert ev["kill_in_kernel"] is True and ev["source"] == "exec", ev
    assert ev["matched"] == pat, ev
    # a program whose argv matches runs not one instruction (markers); the
    # matching words travel in one argument (NM_EXTRA), off trials' own argv
    markers = tmp_path / "markers"
    markers.mkdir()
    env = {"NM_MARKER_DIR": str(markers)}
    c = run_trials(spawner, scope, kbin, 200, kbin["marker_static"],
                   env={**env, "NM_EXTRA": " ".join(miner_args(tok))})
    assert c["killed"] == 200 and c["exited"] == 0 and c["stopped"] == 0, c
    assert os.listdir(markers) == []
    # without the pattern's shape (no port) the same program runs
    c = run_trials(spawner, scope, kbin, 20, kbin["marker_static"],
                   env={**env, "NM_EXTRA": f"-o {tok}.example -u w4llet12345"})
    assert c["exited"] == 20 and len(os.listdir(markers)) == 20, c


def test_allow_pattern_spares_a_banned_pattern(start_daemon, scope, spawner):
    tok = pool_token()
    pat = pattern_for(tok)
    args = miner_args(tok)
    allow = r"sh -c sleep 0\.2; : -o \S+ -u \S+"
    d = start_daemon({"bannedCommandPatterns": [pat], "allowedCommandPatterns": [allow]})
    assert d.started["allow_patterns_in_user_space"] == 0, d.started
    p, *_ = spawner.run(scope, ["sh", "-c", "sleep 0.2; : " + " ".join(args)])
    assert p.returncode == 0, d.dump()
    ev = d.wait_for(lambda e: e.get("pid") == p.pid and e.get("action") == "spared",
                    what="a spared line")
    assert ev["matched"] == pat and ev["allowedby"] == allow, ev
    # one word more and the allow pattern (whole line) no longer matches
    p, *_, elapsed = spawner.run(scope, ["sh", "-c", "sleep 5; : " + " ".join(args) + " x"])
    assert_killed(p, elapsed)


BAD = [
    # (pattern, what the reason says)
    (r"(\w)\1{3}", "backreference"),
    (r"(?<=-o )pool", "lookbehind"),
    (r"x*", "matches every command line"),
]


def test_bad_pattern_fails_startup(nomine_bin, scope, tmp_path):
    for pat, why in BAD:
        path = tmp_path / "bad.yaml"
        path.write_text(f"bannedCommandStrings: [ok]\nbannedCommandPatterns:\n"
                        f"  - 'fine'\n  - '{pat}'\n")
        r = subprocess.run([str(nomine_bin), "run", "--config", str(path),
                            "--scope-cgroup", scope.name], capture_output=True, text=True,
                           timeout=30, stdin=subprocess.DEVNULL)
        assert r.returncode == 2, (pat, r.returncode, r.stdout, r.stderr)
        assert re.search(rf"^nomine: {re.escape(str(path))}:4: bannedCommandPatterns item "
                         rf"cannot be judged in the kernel: .*{why}", r.stderr, re.M), r.stderr
        assert "nomine started" not in r.stdout


def test_bad_pattern_on_reload_keeps_the_last_good(start_daemon, scope, spawner):
    tok, tok2 = pool_token(), pool_token()
    d = start_daemon({"bannedCommandPatterns": [pattern_for(tok)]}, name="config.json")
    mark = d.mark()
    d.write_config("config.json", '{"bannedCommandPatterns": [\n  "%s",\n  "(a)\\\\1"\n]}\n'
                   % pattern_for(tok2).replace("\\", "\\\\"))
    ev = d.wait_for(is_refused, 5, since=mark, what="Config reload refused")
    path = str(d.config_path("config.json"))
    assert ev["error"].startswith(f"{path}:3: bannedCommandPatterns item cannot be judged in "
                                  "the kernel: "), ev["error"]
    assert not d.find(is_reloaded, since=mark)
    # the old pattern holds, in the kernel; the refused file's does not
    p, *_, elapsed = spawner.run(scope, ["sh", "-c", "sleep 5; : " + " ".join(miner_args(tok))])
    assert_killed(p, elapsed)
    assert d.wait_kill(p.pid)["kill_in_kernel"] is True
    p, *_ = spawner.run(scope, ["sh", "-c", "sleep 0.2; : " + " ".join(miner_args(tok2))])
    assert p.returncode == 0, d.dump()


def test_patterns_over_the_state_budget_judged_in_user_space(start_daemon, scope, spawner):
    """Each pattern fits the kernel's budget, their union does not: every
    verdict moves to user space (said at start-up), none is lost."""
    tok = pool_token()
    pats = [r"a[ab]{12}$", r"x[xy]{12}$", r"c[cd]{4}$", pattern_for(tok)]
    d = start_daemon({"bannedCommandPatterns": pats})
    assert d.started["verdict"] == "user", d.started
    assert "banned patterns need more than 16384 DFA states" in d.started["verdict_why"], \
        d.started
    assert d.started["pattern_dfa_states"] == 0, d.started
    p, *_, elapsed = spawner.run(scope, ["sh", "-c", "sleep 5; : " + " ".join(miner_args(tok))])
    assert_killed(p, elapsed)
    ev = d.wait_kill(p.pid)
    assert ev["kill_in_kernel"] is False and ev["matched"] == pats[3], ev


def test_secret_file_shows_origins(start_daemon, scope, spawner, nomine_bin):
    """secret: true: the file's banned strings and patterns appear as
    file:line in events and in `nomine check`, their text nowhere (but in
    the offending command line itself); another file's stay readable."""
    tok, word, open_word = pool_token(), "nms" + secrets.token_hex(6), "nmo" + secrets.token_hex(6)
    pat = pattern_for(tok)
    secret_yaml = (f"bannedCommandStrings:\n  - {word}\nbannedCommandPatterns:\n"
                   f"  - '{pat}'\nsecret: true\n")
    d = start_daemon(configs={"10-secret.yaml": secret_yaml,
                              "20-open.json": {"bannedCommandStrings": [open_word]}})
    path = str(d.config_path("10-secret.yaml"))
    p, *_, elapsed = spawner.run(scope, ["sh", "-c", "sleep 5; : " + " ".join(miner_args(tok))])
    assert_killed(p, elapsed)
    assert d.wait_kill(p.pid)["matched"] == f"{path}:4"
    p, *_, elapsed = spawner.run(scope, ["sh", "-c", f"sleep 5; : {word}"])
    assert_killed(p, elapsed)
    assert d.wait_kill(p.pid)["matched"] == f"{path}:2"
    p, *_, elapsed = spawner.run(scope, ["sh", "-c", f"sleep 5; : {open_word}"])
    assert_killed(p, elapsed)
    assert d.wait_kill(p.pid)["matched"] == open_word
    # the regex's text, which no command line holds, is in no line at all
    with d.cond:
        raw = b"".join(e["_raw"] for e in d.events) + d.stderr
    assert pat.encode() not in raw and tok.encode() + b"\\\\." not in raw
    # `nomine check` says the same
    cfg = ["--config", path, "--config", str(d.config_path("20-open.json"))]
    r = subprocess.run([str(nomine_bin), "check", *cfg, "--", "x", *miner_args(tok)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f'{{"verdict":"kill","matched":"{path}:4"}}', r.stdout
