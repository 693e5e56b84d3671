# SPDX-License-Identifier: BSD-2-Clause
"""The command line: check verdicts, version, config errors with file:line,
and the built-in config's self-test string, offline and live."""
import json
import os
import re
import subprocess

import pytest

from conftest import REPO, assert_killed

SELFTEST = "nomine-selftest-7d3f9c1a"


def nomine(nomine_bin, *args, **kw):
    return subprocess.run([str(nomine_bin), *args], capture_output=True, text=True,
                          timeout=30, stdin=subprocess.DEVNULL, **kw)


def check(nomine_bin, configs, *argv):
    opts = [a for c in configs for a in ("--config", str(c))]
    r = nomine(nomine_bin, "check", *opts, "--", *argv)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("\n") == 1, r.stdout
    return json.loads(r.stdout)


@pytest.fixture
def config(tmp_path, banned):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({
        "bannedCommandStrings": [banned],
        "allowedCommandPatterns": [f"^echo {banned} ok$"]}))
    return path


def test_check_verdicts(nomine_bin, config, banned):
    assert check(nomine_bin, [config], "sh", "-c", f"echo {banned}") == \
        {"verdict": "kill", "matched": banned}
    assert check(nomine_bin, [config], "echo", "hello") == {"verdict": "allow"}
    assert check(nomine_bin, [config], "echo", banned, "ok") == \
        {"verdict": "allow", "matched": banned, "allowedby": f"^echo {banned} ok$"}
    # The allow pattern must match the whole line.
    assert check(nomine_bin, [config], "echo", banned, "ok", "x")["verdict"] == "kill"
    # Case-insensitive, word-bounded.
    assert check(nomine_bin, [config], f"/opt/{banned.upper()}.sh")["verdict"] == "kill"
    assert check(nomine_bin, [config], f"lib{banned}")["verdict"] == "allow"
    assert check(nomine_bin, [config], f"{banned}_x")["verdict"] == "allow"
    # Arguments are joined by single spaces: a string may span two of them.
    assert check(nomine_bin, [config], "a", "b")["verdict"] == "allow"


def test_check_space_runs(nomine_bin, tmp_path, banned):
    """Whitespace in a banned string: any run of spaces, tabs and empty
    arguments, as in the daemon (kernel and user space)."""
    written = f"{banned} \t --x"
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"bannedCommandStrings": [written]}))
    kill = {"verdict": "kill", "matched": written}
    assert check(nomine_bin, [path], banned, "--x") == kill
    assert check(nomine_bin, [path], banned, "", "", "--x") == kill
    assert check(nomine_bin, [path], f"{banned}\t", " --x") == kill
    assert check(nomine_bin, [path], f"{banned}--x") == {"verdict": "allow"}
    assert check(nomine_bin, [path], banned, "-", "--x") == {"verdict": "allow"}


def test_check_multiple_configs_and_substring_mode(nomine_bin, tmp_path, banned):
    a = tmp_path / "a.yaml"
    a.write_text(f"matchMode: substring\nbannedCommandStrings:\n  - {banned}\n")
    other = banned[::-1]
    b = tmp_path / "b.json"
    b.write_text(json.dumps({"bannedCommandStrings": [other]}))
    assert check(nomine_bin, [a, b], f"x{banned}y") == {"verdict": "kill", "matched": banned}
    assert check(nomine_bin, [a, b], "run", other) == {"verdict": "kill", "matched": other}
    assert check(nomine_bin, [a, b], f"x{other}y") == {"verdict": "allow"}


BAD = {
    "json": ("bad.json", '{\n  "bannedCommandStrings": [\n    "x",,\n  ]\n}\n', 3),
    "yaml": ("bad.yaml", "bannedCommandStrings:\n  - x\nbannedCommandString:\n  - y\n", 3),
    "empty-string": ("bad.json", '{"bannedCommandStrings": [\n""]}\n', 2),
    "bad-regex": ("bad.yaml", "bannedCommandStrings: [x]\nallowedCommandPatterns:\n"
                  "  - '^(unclosed'\n", 3),
}


@pytest.mark.parametrize("kind", list(BAD))
def test_check_bad_config_exits_2_with_file_line(nomine_bin, tmp_path, kind):
    name, text, line = BAD[kind]
    path = tmp_path / name
    path.write_text(text)
    r = nomine(nomine_bin, "check", "--config", str(path), "--", "echo", "x")
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert r.stdout == ""
    assert re.match(rf"^nomine: {re.escape(str(path))}:{line}: \S", r.stderr), r.stderr


@pytest.mark.parametrize("line,why", [("198.51.100.300", "not an IPv4 address"),
                                      ("2001:db8::/129", "")])
def test_check_bad_address_file_line_exits_2_with_its_path_line(nomine_bin, tmp_path, line,
                                                               why):
    """The address files are read when the network lists are built, not when
    the config is parsed: check must still fail on them, at the file's own
    line, as the daemon's start-up does."""
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "a.txt").write_text("198.51.100.1\n")
    (lists / "b.txt").write_text(f"# pools\n198.51.100.2  # one\n\n{line}\n203.0.113.9\n")
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f'bannedAddressFiles: ["{lists}/*.txt"]\n')
    r = nomine(nomine_bin, "check", "--config", str(cfg), "--", "echo", "x")
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert r.stdout == ""
    assert r.stderr.startswith(f"nomine: {lists}/b.txt:4: {why}"), r.stderr
    # the same file fixed: accepted, and the verdict printed
    (lists / "b.txt").write_text("198.51.100.2\n")
    assert check(nomine_bin, [cfg], "echo", "x") == {"verdict": "allow"}


def test_check_unreadable_address_file_exits_2(nomine_bin, tmp_path):
    fifo = tmp_path / "pipe.txt"        # would block a reader that did not check
    os.mkfifo(fifo)
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f'bannedAddressFiles: ["{tmp_path}/pipe.txt"]\n')
    r = nomine(nomine_bin, "check", "--config", str(cfg), "--", "echo", "x")
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert r.stderr.startswith(f"nomine: {fifo}:1: cannot read address file "
                               f"(from {cfg}:1): not a regular file"), r.stderr


def test_check_missing_config_exits_2(nomine_bin, tmp_path):
    path = tmp_path / "missing.json"
    r = nomine(nomine_bin, "check", "--config", str(path), "--", "echo", "x")
    assert r.returncode == 2
    assert str(path) in r.stderr


def test_version(nomine_bin):
    r = nomine(nomine_bin, "version")
    assert r.returncode == 0
    want = (REPO / "VERSION").read_text().strip()
    assert r.stdout == f"nomine {want}\n"


def test_run_with_bad_config_exits_2(nomine_bin, scope, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("bannedCommandStrings:\n  - ok\nmatchMode: [1]\n")
    r = nomine(nomine_bin, "run", "--config", str(path), "--scope-cgroup", scope.name)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert re.search(rf"^nomine: {re.escape(str(path))}:3: \S", r.stderr, re.M), r.stderr
    assert "nomine started" not in r.stdout


def test_run_with_missing_scope_exits_2(nomine_bin, scope, config):
    r = nomine(nomine_bin, "run", "--config", str(config),
               "--scope-cgroup", scope.name + "/does-not-exist")
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "does-not-exist" in r.stderr


def fatal_cases(tmp_path, scope, banned):
    good = tmp_path / "good.yaml"
    good.write_text(f"bannedCommandStrings: [{banned}]\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("bannedCommandStrings:\n  - ok\nmatchMode: [1]\n")
    long_paths = tmp_path / "long.yaml"
    long_paths.write_text(f"bannedCommandStrings: [{banned}]\n"
                          f"hostRoot: /{'a/' * 1000}a\n"
                          f"containerdStateDir: /{'b/' * 1500}b\n")
    base = ["--scope-cgroup", scope.name, "--audit"]
    return {
        "unknown option": (["run", "--bogus", *base], 2, "Invalid option", "option --bogus"),
        "option value": (["run", "--config", str(good), *base, "--sweep-interval", "0"], 2,
                         "Invalid option", "--sweep-interval 0"),
        "option of another command": (["scan", "--debug", *base], 2, "Invalid option",
                                      "--debug not accepted"),
        "unknown command": (["frobnicate"], 2, "Invalid option", "frobnicate"),
        "bad config": (["run", "--config", str(bad), *base], 2, "Invalid config",
                       f"{bad}:3:"),
        "missing scope": (["run", "--config", str(good), "--scope-cgroup",
                           scope.name + "/does-not-exist", "--audit"], 2, "Invalid option",
                          "does-not-exist"),
        "container config": (["run", "--config", str(long_paths), *base], 2, "Invalid config",
                             "container state paths"),
        "metrics address": (["run", "--config", str(good), *base,
                             "--metrics-listen", "no-such-host.invalid:x"], 1,
                            "Start-up failed", "no-such-host.invalid"),
    }


FATAL = ["unknown option", "option value", "option of another command", "unknown command",
         "bad config", "missing scope", "container config", "metrics address"]


@pytest.mark.parametrize("case", FATAL)
def test_fatal_startup_errors_reach_stderr_and_the_log(nomine_bin, tmp_path, scope, banned,
                                                       case):
    """Every start-up failure is one "nomine: reason" line on stderr and one
    JSON line with "fatal": true and the same reason, so neither a reader of
    kubectl logs nor a jq alert misses one."""
    args, code, event, part = fatal_cases(tmp_path, scope, banned)[case]
    r = nomine(nomine_bin, *args)
    assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
    reasons = [l[len("nomine: "):] for l in r.stderr.splitlines() if l.startswith("nomine: ")]
    assert len(reasons) == 1, r.stderr
    fatal = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
    fatal = [o for o in fatal if o.get("fatal")]
    assert len(fatal) == 1, r.stdout
    assert fatal[0]["level"] == "error" and fatal[0]["event"] == event, fatal[0]
    assert fatal[0]["error"] == reasons[0], (fatal[0], reasons)
    assert part in reasons[0], reasons[0]
    assert "nomine started" not in r.stdout


def test_builtin_selftest_verdict(nomine_bin):
    v = check(nomine_bin, [], "sh", "-c", f"sleep 1 && echo {SELFTEST}")
    assert v == {"verdict": "kill", "matched": SELFTEST}
    assert check(nomine_bin, [], "sh", "-c", "echo hello")["verdict"] == "allow"


def test_builtin_selftest_live(start_daemon, scope, spawner):
    d = start_daemon()        # no --config: the built-in config
    assert d.started["banned_strings"] > 1
    p, out, err, elapsed = spawner.run(scope, ["sh", "-c", f"sleep 1 && echo {SELFTEST}"])
    assert_killed(p, elapsed, limit=1.0)
    assert out == b"", "the self-test shell printed before it was killed"
    ev = d.wait_kill(p.pid)
    assert ev["matched"] == SELFTEST
