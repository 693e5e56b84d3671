# SPDX-License-Identifier: BSD-2-Clause
"""Notifications end to end: the daemon kills, then tells a webhook receiver
and a real Alertmanager (notify_env.py), once per user-or-container and
reason per notifyDedupeSeconds (900, and 4 for the window test), with the count of the kills folded into
each message; a failing receiver is retried, a hanging one delays no kill;
the webhook URL (a secret) is in no log line.

The dedupe key is "user <name>" when the container's spec names the hub
user, else "container <id>", else "host pid <pid>": three kills of one
*user* need a container whose spec says JUPYTERHUB_USER (containerd_env.py);
host processes each make their own key.

Each message sent is logged as {"action": "notified", "target": "webhook 0"
| "alertmanager", "status": <HTTP status>, "count": <events folded>}."""
import os
import secrets
import signal
import time

import pytest

from conftest import assert_killed
from containerd_env import banned_cmd, containerd, containers  # noqa: F401 (fixtures)
from notify_env import alertmanager, receiver  # noqa: F401 (fixtures)


@pytest.fixture
def hook_url(receiver, tmp_path):
    """The receiver's URL with a secret in it, in a file for urlFile."""
    secret = "sekrit-" + secrets.token_hex(8)
    url = receiver.url(f"/hook/{secret}?token={secret}")
    path = tmp_path / "webhook-url"
    path.write_text(url + "\n")
    path.chmod(0o600)
    return {"url": url, "secret": secret, "file": str(path),
            "path": f"/hook/{secret}?token={secret}"}


def notify_config(banned, hook_url, containerd=None, alertmanager=None, dedupe=900,
                  fmt="json"):
    cfg = {"bannedCommandStrings": [banned],
           "webhooks": [{"urlFile": hook_url["file"], "format": fmt}],
           "notifyDedupeSeconds": dedupe}
    if containerd:
        cfg["containerdStateDir"] = str(containerd.task_dir)
    if alertmanager:
        cfg["alertmanagerUrl"] = alertmanager.url()
    return cfg


def notified(d, target, since=0):
    return d.find(lambda e: e.get("action") == "notified" and e.get("target") == target, since)


def wait_notified(d, target, n=1, timeout=10, since=0):
    deadline = time.monotonic() + timeout
    while len(notified(d, target, since)) < n and time.monotonic() < deadline:
        time.sleep(0.1)
    got = notified(d, target, since)
    assert len(got) >= n, f"{len(got)} notified lines for {target}, not {n}\n{d.dump()}"
    return got


def check_secret_not_logged(d, hook_url):
    """The webhook URL, or its secret part, in no line and not on stderr."""
    with d.cond:
        raws = [e["_raw"] for e in d.events] + [b for b, _ in d.bad_lines]
    for raw in raws + [d.stderr]:
        text = raw.decode(errors="replace")
        assert hook_url["secret"] not in text, f"the webhook URL was logged: {text[:500]}"


def kill_in_container(d, c, banned, since):
    """Runs the banned command in container c; returns its kill line."""
    rc, out = c.exec("/bin/sh", "-c", banned_cmd(banned))
    assert rc == 0 and "inner=137" in out, (rc, out, d.dump())
    return d.wait_for(lambda e: e.get("action") == "killed", since=since, what="the kill")


def test_three_kills_of_a_user_make_one_message(receiver, alertmanager, hook_url, start_daemon,
                                                containerd, containers, banned):
    d = start_daemon(notify_config(banned, hook_url, containerd, alertmanager))
    c = containers(env={"JUPYTERHUB_USER": "alice"})
    for _ in range(3):
        ev = kill_in_container(d, c, banned, d.mark())
        assert ev["user"] == "alice" and ev["user_source"] == "container", ev
    [msg] = receiver.wait(1, path=hook_url["path"])
    body = msg.json()
    assert body["nomine"]["who"] == "user alice", body
    assert body["nomine"]["user"] == "alice" and body["nomine"]["count"] == 1, body
    assert body["event"]["action"] == "killed" and body["event"]["user"] == "alice", body
    [line] = wait_notified(d, "webhook 0")
    assert line["status"] == 200 and line["count"] == 1, line
    [alert] = alertmanager.wait_alerts(1, alertname="NomineProcessKilled", user="alice")
    assert alert["labels"]["namespace"] == "hub" and alert["labels"]["pod"] == "jupyter-alice"
    assert alert["labels"]["container"] == "notebook", alert
    assert alert["labels"]["reason"] and alert["labels"]["detector"] == "exec", alert
    [am_line] = wait_notified(d, "alertmanager")
    assert am_line["status"] == 200, am_line
    # the two later kills are folded, not sent
    time.sleep(2)
    assert len(receiver.received()) == 1, receiver.received()
    assert len(notified(d, "webhook 0")) == 1 and len(notified(d, "alertmanager")) == 1
    check_secret_not_logged(d, hook_url)


def test_message_after_the_window_carries_the_folded_count(receiver, hook_url, start_daemon,
                                                           containerd, containers, banned):
    window = 4      # long enough for two more kills through `ctr task exec`
    d = start_daemon(notify_config(banned, hook_url, containerd, dedupe=window))
    c = containers(env={"JUPYTERHUB_USER": "alice"})
    kill_in_container(d, c, banned, d.mark())
    first = receiver.wait(1)[0]
    assert first.json()["nomine"]["count"] == 1
    kill_in_container(d, c, banned, d.mark())
    kill_in_container(d, c, banned, d.mark())
    assert time.monotonic() - first.at < window, "the kills took longer than the window"
    folded = 2
    # The folded kills go out when the window ends, or with the key's next
    # kill after it: either way one message with everything folded since.
    deadline = first.at + window + 3
    while len(receiver.received()) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    if len(receiver.received()) < 2:
        kill_in_container(d, c, banned, d.mark())
        folded += 1
    second = receiver.wait(2)[1]
    body = second.json()
    assert body["nomine"]["count"] == folded, body
    assert body["nomine"]["who"] == "user alice", body
    assert second.at - first.at >= window - 0.1, "the second message came inside the window"
    assert body["nomine"]["first"] <= body["nomine"]["last"], body
    assert f"({folded} events in " in body["nomine"]["summary"], body
    lines = wait_notified(d, "webhook 0", 2)
    assert [ln["count"] for ln in lines] == [1, folded], lines
    time.sleep(1)
    assert len(receiver.received()) == 2, receiver.received()
    check_secret_not_logged(d, hook_url)


def test_host_processes_are_each_their_own_incident(receiver, hook_url, start_daemon, scope,
                                                   spawner, banned):
    d = start_daemon(notify_config(banned, hook_url))
    pids = []
    for _ in range(2):
        p, *_ = spawner.run(scope, ["sh", "-c", f"sleep 5; : {banned}"])
        assert p.returncode == -signal.SIGKILL
        d.wait_kill(p.pid)
        pids.append(p.pid)
    msgs = receiver.wait(2)
    assert sorted(m.json()["nomine"]["who"] for m in msgs) == sorted(f"host pid {p}"
                                                                      for p in pids)
    assert all(m.json()["nomine"]["count"] == 1 and m.json()["nomine"]["user"] is None
               for m in msgs)
    check_secret_not_logged(d, hook_url)


def test_failing_receiver_gets_the_message_on_retry(receiver, hook_url, start_daemon, scope,
                                                    spawner, banned):
    receiver.answer(500)
    d = start_daemon(notify_config(banned, hook_url))
    p, *_ = spawner.run(scope, ["sh", "-c", f"sleep 5; : {banned}"])
    assert p.returncode == -signal.SIGKILL
    d.wait_kill(p.pid)
    tries = receiver.wait(2, timeout=30)
    assert tries[0].body == tries[1].body, "the retry must send the same message"
    assert tries[1].json()["nomine"]["count"] == 1
    ok = [ln for ln in wait_notified(d, "webhook 0", timeout=30) if ln["status"] == 200]
    assert len(ok) == 1 and ok[0]["count"] == 1, notified(d, "webhook 0")
    time.sleep(1)
    assert len(receiver.received()) == 2, "a message answered 200 is not sent again"
    check_secret_not_logged(d, hook_url)


def test_hanging_receiver_delays_no_kill(receiver, hook_url, start_daemon, scope, spawner,
                                         banned):
    receiver.hang()
    d = start_daemon(notify_config(banned, hook_url))
    try:
        for _ in range(3):      # each its own incident: three sends hang at once
            since = d.mark()
            p, _out, _err, elapsed = spawner.run(scope, ["sh", "-c", f"sleep 5; : {banned}"])
            assert_killed(p, elapsed, limit=2.0)
            ev = d.wait_kill(p.pid, timeout=2, since=since)
            assert ev["action"] == "killed"
        receiver.wait(1)
        assert not notified(d, "webhook 0") or all(
            ln["status"] != 200 for ln in notified(d, "webhook 0"))
    finally:
        receiver.hang(False)
    check_secret_not_logged(d, hook_url)


def test_rotated_url_file_reloads(receiver, start_daemon, scope, spawner, banned, tmp_path):
    """A webhook's URL file replaced as the kubelet rotates a Secret (a new
    file renamed over the old): nomine reloads on its own and the next
    message goes to the new URL."""
    path = tmp_path / "url"
    path.write_text(receiver.url("/old") + "\n")
    d = start_daemon({"bannedCommandStrings": [banned],
                      "webhooks": [{"urlFile": str(path)}]})
    p, *_ = spawner.run(scope, ["sh", "-c", f": {banned}"])
    receiver.wait(1, path="/old")
    mark = d.mark()
    tmp = tmp_path / ".url-new"
    tmp.write_text(receiver.url("/new") + "\n")
    os.rename(tmp, path)
    d.wait_for(lambda e: e.get("event") == "Config reloaded", since=mark, timeout=10,
               what="the reload the rotated file causes")
    spawner.run(scope, ["sh", "-c", f": {banned}"])
    receiver.wait(1, path="/new")
    assert len(receiver.received("/old")) == 1


def test_webhook_added_by_reload_sends(receiver, hook_url, start_daemon, scope, spawner,
                                       banned, tmp_path):
    """Responses already on (a hook), a reload adds a webhook: its messages
    go out. A user the process only claimed is not the message's user."""
    hook = tmp_path / "hook.sh"
    hook.write_text("#!/bin/sh\ncat > /dev/null\n")
    hook.chmod(0o755)
    base = {"bannedCommandStrings": [banned], "commandHook": [str(hook)]}
    d = start_daemon(base)
    mark = d.mark()
    d.write_config("config.json", dict(base, webhooks=[{"urlFile": hook_url["file"]}]))
    d.wait_for(lambda e: e.get("event") == "Config reloaded", since=mark, timeout=10,
               what="the reload")
    p, *_ = spawner.run(scope, ["sh", "-c", f": {banned}"], env={"JUPYTERHUB_USER": "bob"})
    msg = receiver.wait(1)[0].json()
    assert msg["event"]["pid"] == p.pid, msg
    assert msg["event"]["user"] == "bob" and msg["event"]["user_source"] == "process", msg
    assert msg["nomine"]["user"] is None, msg
