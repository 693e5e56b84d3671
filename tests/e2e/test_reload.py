# SPDX-License-Identifier: BSD-2-Clause
"""Config reloads: by replacing the file (inotify) or by SIGHUP, new strings
are enforced at once; a bad new config is refused with file:line and the
old one stays in force."""
import os
import re
import time

import pytest

from conftest import assert_killed, new_banned


def is_reloaded(e):
    return e.get("event") == "Config reloaded"


def is_refused(e):
    return e.get("event") == "Config reload refused, keeping the previous config"


def assert_enforced(d, spawner, scope, word):
    p, *_, elapsed = spawner.run(scope, ["sh", "-c", f"sleep 5; : {word}"])
    assert_killed(p, elapsed)
    ev = d.wait_kill(p.pid)
    assert ev["matched"] == word
    return ev


def assert_not_enforced(d, spawner, scope, word):
    p, *_ = spawner.run(scope, ["sh", "-c", f"sleep 0.2; : {word}"])
    assert p.returncode == 0, f"{word} was enforced\n{d.dump()}"


def test_reload_on_file_replace(start_daemon, scope, spawner, banned):
    second = new_banned()
    d = start_daemon({"bannedCommandStrings": [banned]})
    assert d.started["banned_strings"] == 1
    assert_not_enforced(d, spawner, scope, second)
    mark = d.mark()
    d.write_config("config.json", {"bannedCommandStrings": [banned, second],
                                   "allowedCommandPatterns": ["^never$"]})
    ev = d.wait_for(is_reloaded, 5, since=mark, what="Config reloaded")
    assert ev["banned_strings"] == 2 and ev["allowed_patterns"] == 1, ev
    assert_enforced(d, spawner, scope, second)
    assert_enforced(d, spawner, scope, banned)
    # Removing a string stops enforcing it.
    mark = d.mark()
    d.write_config("config.json", {"bannedCommandStrings": [second]})
    assert d.wait_for(is_reloaded, 5, since=mark)["banned_strings"] == 1
    assert_not_enforced(d, spawner, scope, banned)


def test_reload_on_sighup(start_daemon, scope, spawner, banned, tmp_path):
    second = new_banned()
    d = start_daemon({"bannedCommandStrings": [banned]})
    # Edit the config through a hard link in another directory: the
    # daemon's directory watch sees nothing, only SIGHUP can load it.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    alias = elsewhere / "alias.json"
    os.link(d.config_path("config.json"), alias)
    mark = d.mark()
    with open(alias, "w") as f:     # in place: the link must stay one inode
        f.write(f'{{"bannedCommandStrings": ["{banned}", "{second}"]}}')
    time.sleep(0.6)                 # more than the 200 ms debounce
    assert not d.find(is_reloaded, since=mark), "reloaded without SIGHUP"
    assert_not_enforced(d, spawner, scope, second)
    mark = d.mark()
    d.hup()
    ev = d.wait_for(is_reloaded, 5, since=mark, what="Config reloaded after SIGHUP")
    assert ev["banned_strings"] == 2
    assert_enforced(d, spawner, scope, second)
    # An unchanged config reloads on SIGHUP as well.
    mark = d.mark()
    d.hup()
    assert d.wait_for(is_reloaded, 5, since=mark)["banned_strings"] == 2


def test_reload_triggers_a_sweep(start_daemon, scope, spawner, banned):
    """A process started before its string was banned dies at the reload."""
    second = new_banned()
    d = start_daemon({"bannedCommandStrings": [banned]})
    p = spawner.spawn(scope, ["sh", "-c", f"sleep 10; : {second}"])
    time.sleep(0.3)
    assert p.poll() is None
    mark = d.mark()
    d.write_config("config.json", {"bannedCommandStrings": [banned, second]})
    d.wait_for(is_reloaded, 5, since=mark)
    ev = d.wait_kill(p.pid, since=mark)
    assert ev["source"] == "scan"
    p.communicate(timeout=10)
    assert p.returncode == -9


BAD_CONFIGS = {
    # name: (initial config, bad replacement, line of the error, text in it)
    "json": ("config.json", '{{"bannedCommandStrings": ["{banned}"]}}',
             '{{\n  "bannedCommandStrings": [\n    "{second}",,\n  ]\n}}\n',
             3, "invalid JSON"),
    "yaml-unknown-key": ("config.yaml", 'bannedCommandStrings:\n  - {banned}\n',
                         'bannedCommandStrings:\n  - {second}\nbannedCommandString:\n  - x\n',
                         3, "unknown key"),
    "yaml-bad-mode": ("config.yml", 'bannedCommandStrings: [{banned}]\n',
                      'bannedCommandStrings: [{second}]\nmatchMode: fuzzy\n',
                      2, "matchMode"),
}


@pytest.mark.parametrize("kind", list(BAD_CONFIGS))
def test_bad_reload_is_refused(start_daemon, scope, spawner, banned, kind):
    name, good, bad, line, text = BAD_CONFIGS[kind]
    second = new_banned()
    d = start_daemon(good.format(banned=banned), name=name)
    assert d.started["banned_strings"] == 1
    mark = d.mark()
    d.write_config(name, bad.format(second=second))
    ev = d.wait_for(is_refused, 5, since=mark, what="Config reload refused")
    assert ev["level"] == "error"
    path = str(d.config_path(name))
    assert re.match(rf"^{re.escape(path)}:{line}: ", ev["error"]), ev["error"]
    assert text in ev["error"], ev["error"]
    assert not d.find(is_reloaded, since=mark)
    assert d.alive()
    assert_enforced(d, spawner, scope, banned)        # the old config holds
    assert_not_enforced(d, spawner, scope, second)    # the bad one is not half-loaded
    # A later good config is taken again.
    mark = d.mark()
    d.write_config(name, good.format(banned=second))
    d.wait_for(is_reloaded, 5, since=mark)
    assert_enforced(d, spawner, scope, second)


def test_reload_of_a_config_directory(start_daemon, scope, spawner, banned, tmp_path):
    """--config DIR: a file added to the directory is loaded too."""
    second = new_banned()
    conf = tmp_path / "confdir"
    conf.mkdir()
    (conf / "10-base.yaml").write_text(f"bannedCommandStrings: [{banned}]\n")
    (conf / "README.txt").write_text(f"not a config: {second}\n")
    d = start_daemon(args=["--config", str(conf)], configs={})
    assert d.started["banned_strings"] == 1
    assert_enforced(d, spawner, scope, banned)
    assert_not_enforced(d, spawner, scope, second)
    mark = d.mark()
    tmp = conf / ".20-more.json.tmp"
    tmp.write_text(f'{{"bannedCommandStrings": ["{second}"]}}')
    os.rename(tmp, conf / "20-more.json")
    assert d.wait_for(is_reloaded, 5, since=mark)["banned_strings"] == 2
    assert_enforced(d, spawner, scope, second)


def configmap_publish(root, version, text):
    """Publishes a config the way the kubelet updates a ConfigMap volume:
    a new timestamped directory, then an atomic swap of the ..data link."""
    new = root / f"..2026_11_23_{version:02d}"
    new.mkdir()
    (new / "config.yaml").write_text(text)
    tmp = root / "..data_tmp"
    os.symlink(new.name, tmp)
    old = os.readlink(root / "..data") if (root / "..data").is_symlink() else None
    os.rename(tmp, root / "..data")
    if not (root / "config.yaml").is_symlink():
        os.symlink("..data/config.yaml", root / "config.yaml")
    if old:
        for f in (root / old).iterdir():
            f.unlink()
        (root / old).rmdir()


def test_reload_of_a_configmap_volume(start_daemon, scope, spawner, banned, tmp_path):
    second, third = new_banned(), new_banned()
    cm = tmp_path / "configmap"
    cm.mkdir()
    configmap_publish(cm, 1, f"bannedCommandStrings: [{banned}]\n")
    d = start_daemon(args=["--config", str(cm / "config.yaml")], configs={})
    assert d.started["banned_strings"] == 1
    for version, words in ((2, [banned, second]), (3, [third])):
        mark = d.mark()
        configmap_publish(cm, version, f"bannedCommandStrings: [{', '.join(words)}]\n")
        ev = d.wait_for(is_reloaded, 5, since=mark, what=f"the reload of version {version}")
        assert ev["banned_strings"] == len(words)
        assert_enforced(d, spawner, scope, words[-1])
    assert_not_enforced(d, spawner, scope, banned)


def test_last_of_rapid_rewrites_wins(start_daemon, scope, spawner, banned):
    """Writes closer together than the debounce: whatever reloads happen,
    the config in force at the end is the last one written."""
    words = [new_banned() for _ in range(6)]
    d = start_daemon({"bannedCommandStrings": [banned]})
    mark = d.mark()
    for w in words:
        d.write_config("config.json", {"bannedCommandStrings": [w]})
        time.sleep(0.03)
    d.wait_for(is_reloaded, 5, since=mark)
    time.sleep(0.5)          # any trailing debounced reload
    assert_enforced(d, spawner, scope, words[-1])
    assert_not_enforced(d, spawner, scope, words[0])
    assert_not_enforced(d, spawner, scope, banned)


def test_config_deleted_then_restored(start_daemon, scope, spawner, banned):
    second = new_banned()
    d = start_daemon({"bannedCommandStrings": [banned]})
    mark = d.mark()
    os.unlink(d.config_path("config.json"))
    ev = d.wait_for(is_refused, 5, since=mark, what="a refused reload of a missing file")
    assert str(d.config_path("config.json")) in ev["error"]
    assert_enforced(d, spawner, scope, banned)
    mark = d.mark()
    d.write_config("config.json", {"bannedCommandStrings": [second]})
    d.wait_for(is_reloaded, 5, since=mark, what="the reload of the restored file")
    assert_enforced(d, spawner, scope, second)
