# SPDX-License-Identifier: BSD-2-Clause
"""The notification bodies against real receivers: nomine's own
notify_format.c and http.c (through the notify_send helper) post a canned
incident, three kills of hub user alice in 12 minutes, to a real
Alertmanager, which must show the alert through its own API, and to the
webhook receiver, which must get JSON that Slack's and Zulip's incoming
webhooks accept. Also proves the fixtures of notify_env.py. No daemon, no
BPF: runs anywhere the helpers are built."""
import json
import os
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from notify_env import alertmanager, receiver  # noqa: F401 (fixtures)

HOSTILE = (b"\xff<!channel> <@U024BE7LH> <https://evil.example|click> @**all** *b* `c`\n"
           b"~~~\n@**everyone**\n```\n\x1b[31m\xe2\x80\xae")


@pytest.fixture(scope="module")
def notify_send(nomine_bin):
    path = nomine_bin.parent / "e2e" / "notify_send"
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing: run `make e2e-helpers`", pytrace=False)
    return str(path)


def send(notify_send, fmt, url, cmdline=None):
    argv = [notify_send, fmt, url] + ([cmdline] if cmdline is not None else [])
    r = subprocess.run(argv, capture_output=True, timeout=30)
    out = json.loads(r.stdout) if url != "-" else r.stdout
    return r.returncode, out


def test_alertmanager_shows_the_alert(notify_send, alertmanager):
    rc, out = send(notify_send, "alertmanager", alertmanager.url("/api/v2/alerts"))
    assert rc == 0 and out["status"] == 200, out
    [alert] = alertmanager.wait_alerts(1, alertname="NomineProcessKilled")
    assert alert["labels"] == {
        "alertname": "NomineProcessKilled", "severity": "critical", "user": "alice",
        "namespace": "jhub", "pod": "jupyter-alice", "container": "notebook", "node": "n1",
        "reason": "exec", "detector": "exec"}
    ann = alert["annotations"]
    assert ann["count"] == "3"
    assert "(3 events in 12 min)" in ann["summary"]
    assert ann["cmdline"].startswith("/tmp/.x/xmrig -o stratum+tcp://")
    assert alert["status"]["state"] == "active"


def test_alertmanager_takes_hostile_text(notify_send, alertmanager):
    """Bytes that are not UTF-8, control characters, huge: still an alert
    Alertmanager accepts, with the excerpt capped."""
    rc, out = send(notify_send, "alertmanager", alertmanager.url("/api/v2/alerts"),
                   HOSTILE + b"A" * 100000)
    assert rc == 0 and out["status"] == 200, out
    [alert] = alertmanager.wait_alerts(1)
    cmd = alert["annotations"]["cmdline"]
    assert cmd.startswith("\\xff<!channel>") and len(cmd.encode()) <= 203
    assert "\n" not in cmd and "\x1b" not in cmd and "\u202e" not in cmd


@pytest.mark.parametrize("fmt", ["json", "slack", "zulip"])
def test_receiver_gets_a_valid_body(notify_send, receiver, fmt):
    rc, out = send(notify_send, fmt, receiver.url(f"/{fmt}"))
    assert rc == 0 and out["status"] == 200, out
    [req] = receiver.wait(1, path=f"/{fmt}")
    assert req.method == "POST"
    assert req.headers["Content-Type"] == "application/json"
    body = req.json()
    if fmt == "json":
        assert body["nomine"]["count"] == 3
        assert body["nomine"]["user"] == "alice" and body["nomine"]["who"] == "user alice"
        assert body["event"]["pid"] == 4242
        span = (time.mktime(time.strptime(body["nomine"]["last"][:19], "%Y-%m-%dT%H:%M:%S")) -
                time.mktime(time.strptime(body["nomine"]["first"][:19], "%Y-%m-%dT%H:%M:%S")))
        assert span == 12 * 60
    elif fmt == "slack":
        assert "(3 events in 12 min)" in body["text"]
        for block in body["blocks"]:
            assert block["type"] in ("header", "section")
            for t in [block.get("text")] + block.get("fields", []):
                assert t is None or t["type"] == "plain_text"
    else:
        assert set(body) == {"text"}
        assert "3 events in 12 min" in body["text"] and "\n~~~ text\n" in body["text"]


def test_chat_bodies_defuse_hostile_text(notify_send, receiver):
    for fmt in ("slack", "zulip"):
        rc, out = send(notify_send, fmt, receiver.url(f"/{fmt}"), HOSTILE)
        assert rc == 0, out
    slack = receiver.wait(1, path="/slack")[0].json()
    assert "<" not in slack["text"] and ">" not in slack["text"]
    zulip = receiver.wait(1, path="/zulip")[0].json()["text"].split("\n")
    # our header, the fence, our labelled lines, the closing fence: the
    # offender's fence and mentions stay inside
    assert zulip[1] == "~~~ text" and zulip[-1] == "~~~"
    assert all(line.split(":")[0] in ("Summary", "Command line", "Image", "Evidence")
               for line in zulip[2:-1]), zulip
    assert "@" not in zulip[0]


def test_receiver_errors_and_hangs(notify_send, receiver):
    """The receiver fixture's failure modes, as nomine's client sees them."""
    receiver.answer(500, 429)
    rc, out = send(notify_send, "json", receiver.url())
    assert rc == 1 and out["status"] == 500 and out["outcome"] == 1, out   # HTTP_RETRY
    rc, out = send(notify_send, "json", receiver.url())
    assert rc == 1 and out["status"] == 429, out
    rc, out = send(notify_send, "json", receiver.url())
    assert rc == 0 and out["status"] == 200, out
    assert len(receiver.received()) == 3
    receiver.hang()
    t0 = time.monotonic()
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        urllib.request.urlopen(urllib.request.Request(receiver.url(), data=b"{}"), timeout=1)
    assert time.monotonic() - t0 < 5
    assert len(receiver.wait(4)) == 4      # recorded before the hang
