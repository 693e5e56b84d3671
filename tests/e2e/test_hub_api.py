# SPDX-License-Identifier: BSD-2-Clause
"""src/hub_api.c against a real JupyterHub 3.0 (hub_env.py), through the
hub_call helper: the stop and block calls, the outcome (done, retry,
failed) nomine gets for each of the hub's answers, and the scopes of
docs/responses.md: the nomine token (the documented role, loaded from the
docs) can do both calls, and each narrower token fails the call it lacks
the scope for. No nomine daemon here: see test_hub.py."""
import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from hub_env import BLOCK_GROUP, free_port, hub, hub_factory  # noqa: F401 (fixtures)

REPO = Path(__file__).resolve().parent.parent.parent

# Tokens narrower than the documented role, each lacking a part of it.
NARROW = {
    "no-groups": ["delete:servers"],
    "no-delete": [f"groups!group={BLOCK_GROUP}"],
    "read-groups": ["delete:servers", f"read:groups!group={BLOCK_GROUP}"],
    "other-group": ["delete:servers", "groups!group=other"],
    "bob-only": ["delete:servers!user=bob", f"groups!group={BLOCK_GROUP}"],
}


@pytest.fixture(scope="module")
def hub_call():
    out = Path(os.environ.get("NOMINE_E2E_HELPERS", REPO / "build" / "e2e"))
    path = out / "hub_call"
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing: run `make e2e-helpers`", pytrace=False)
    return str(path)


@pytest.fixture
def narrow_hub(hub_factory):  # noqa: F811
    """A hub with the narrower tokens too; alice and bob with running servers."""
    h = hub_factory(NARROW)
    h.add_user("carol")
    for name in ("alice", "bob"):
        h.add_user(name)
        assert h.spawn(name).status in (201, 202)
    for name in ("alice", "bob"):
        h.wait_running(name)
    return h


def call(hub_call, h, *args, token="nomine", url=None):
    r = subprocess.run([hub_call, args[0], url or h.hub_api_url, h.token_files[token],
                        *args[1:]], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, (r.returncode, r.stderr)
    return json.loads(r.stdout)


def test_stop_running_and_stopped_server(hub, hub_call):  # noqa: F811
    assert hub.server_running("alice")
    r = call(hub_call, hub, "stop", "alice")
    assert (r["outcome"], r["status"]) == ("done", 204), r
    assert not hub.server_running("alice")
    assert hub.server_running("bob"), "another user's server was stopped"
    # not running: still done (nothing to stop)
    r = call(hub_call, hub, "stop", "alice")
    assert (r["outcome"], r["status"]) == ("done", 204), r


def test_stop_named_server(hub, hub_call):  # noqa: F811
    assert hub.spawn("bob", "gpu 1").status in (201, 202)
    hub.wait_running("bob", "gpu 1")
    r = call(hub_call, hub, "stop", "bob", "gpu 1")       # escaped: gpu%201
    assert (r["outcome"], r["status"]) == ("done", 204), r
    assert not hub.server_running("bob", "gpu 1")
    assert hub.server_running("bob"), "the default server was stopped instead"
    # a named server the user does not have is not running: done
    r = call(hub_call, hub, "stop", "bob", "never-made")
    assert (r["outcome"], r["status"]) == ("done", 404), r
    assert "has no server named" in r["body"]


def test_stop_pending_spawn_and_pending_stop(hub, hub_call):  # noqa: F811
    """A server still starting cannot be stopped yet (retry); a stop still
    under way is done."""
    hub.add_user("slow-sam")
    a = hub.spawn("slow-sam")
    assert a.status == 202, a
    r = call(hub_call, hub, "stop", "slow-sam")
    assert (r["outcome"], r["status"]) == ("retry", 400), r
    assert "is pending spawn" in r["body"]
    hub.wait_running("slow-sam")
    r = call(hub_call, hub, "stop", "slow-sam")
    assert (r["outcome"], r["status"]) == ("done", 202), r
    r = call(hub_call, hub, "stop", "slow-sam")
    assert (r["outcome"], r["status"]) == ("done", 202), r
    deadline = time.monotonic() + 10
    while hub.server_running("slow-sam") or hub.user("slow-sam")["servers"]:
        assert time.monotonic() < deadline, hub.user("slow-sam")
        time.sleep(0.1)


def test_stop_unknown_user(hub, hub_call):  # noqa: F811
    """JupyterHub 3.0 fails inside its handler for a user it does not know
    (an unfiltered delete:servers lets the call reach it): 500, which
    nomine cannot tell from a passing failure and retries for its bounded
    time."""
    r = call(hub_call, hub, "stop", "nobody-such")
    assert (r["outcome"], r["status"]) == ("retry", 500), r


def test_block_then_spawn_refused(hub, hub_call):  # noqa: F811
    r = call(hub_call, hub, "block", BLOCK_GROUP, "alice")
    assert (r["outcome"], r["status"]) == ("done", 200), r
    assert "alice" in json.loads(r["body"])["users"]
    assert hub.groups_of("alice") == [BLOCK_GROUP]
    assert hub.groups_of("bob") == []
    # already a member: done, and still one membership
    r = call(hub_call, hub, "block", BLOCK_GROUP, "alice")
    assert (r["outcome"], r["status"]) == ("done", 200), r
    assert hub.group_users(BLOCK_GROUP) == ["alice"]
    # the documented pre_spawn_hook refuses her next server, named or not
    call(hub_call, hub, "stop", "alice")
    for server in ("", "other"):
        a = hub.spawn("alice", server)
        assert a.status == 403, a
        assert "alice may not start a server: blocked" in a.json()["message"], a
        assert not hub.server_running("alice", server)
    # bob is not blocked: he gets a named server
    a = hub.spawn("bob", "extra")
    assert a.status in (201, 202), a


def test_block_refusals(hub, hub_call):  # noqa: F811
    r = call(hub_call, hub, "block", BLOCK_GROUP, "nobody-such")
    assert (r["outcome"], r["status"]) == ("failed", 400), r
    assert "No such user" in r["body"]
    # a group that does not exist: outside the token's filter, so the hub
    # says only "not found"
    r = call(hub_call, hub, "block", "no-such-group", "alice")
    assert (r["outcome"], r["status"]) == ("failed", 404), r
    assert hub.groups_of("alice") == []


def test_documented_scopes_are_enough_and_narrower_fail(narrow_hub, hub_call):
    h = narrow_hub
    h.api("POST", "/groups/other")
    # the documented role does both calls (test_stop_*/test_block_* too)
    r = call(hub_call, h, "block", BLOCK_GROUP, "bob")
    assert r["outcome"] == "done", r
    h.api("DELETE", f"/groups/{BLOCK_GROUP}/users", {"users": ["bob"]})

    def refused(token, *args, status):
        r = call(hub_call, h, *args, token=token)
        assert (r["outcome"], r["status"]) == ("failed", status), (token, args, r)
        return r["body"]

    # without delete:servers: the stop is refused, the server runs on
    body = refused("no-delete", "stop", "alice", status=403)
    assert "requires any of [delete:servers]" in body
    assert h.server_running("alice")
    # without groups (or with read:groups only): the block is refused
    for token in ("no-groups", "read-groups"):
        body = refused(token, "block", BLOCK_GROUP, "alice", status=403)
        assert "requires any of [groups]" in body
    # groups filtered to another group: the block group is not found for it
    body = refused("other-group", "block", BLOCK_GROUP, "alice", status=404)
    assert "No access to resources or resources not found" in body
    # delete:servers filtered to bob: alice's server is out of its reach
    body = refused("bob-only", "stop", "alice", status=404)
    assert h.server_running("alice")
    assert h.groups_of("alice") == []
    # the documented token does nothing else: no start, no reading of users
    # or of other groups, no group made
    n = h.tokens["nomine"]
    assert h.api("POST", "/users/carol/server", token=n).status == 403
    assert h.api("GET", "/users", token=n).status == 403
    assert h.api("GET", "/users/alice", token=n).status in (403, 404)
    assert h.api("GET", "/groups/other", token=n).status == 404
    assert h.api("POST", "/groups/new-group", token=n).status == 403
    assert h.api("POST", "/groups/other/users", {"users": ["bob"]}, token=n).status == 404
    # each narrow token still does what its scopes allow
    r = call(hub_call, h, "block", BLOCK_GROUP, "alice", token="no-delete")
    assert r["outcome"] == "done", r
    r = call(hub_call, h, "stop", "bob", token="bob-only")
    assert r["outcome"] == "done" and not h.server_running("bob"), r
    r = call(hub_call, h, "stop", "alice", token="no-groups")
    assert r["outcome"] == "done" and not h.server_running("alice"), r


def test_wrong_token_fails(hub, hub_call, tmp_path):  # noqa: F811
    bad = tmp_path / "bad-token"
    bad.write_text("0" * 64 + "\n")
    hub.token_files["bad"] = str(bad)
    for args in (("stop", "alice"), ("block", BLOCK_GROUP, "alice")):
        r = call(hub_call, hub, *args, token="bad")
        assert (r["outcome"], r["status"]) == ("failed", 403), r
    assert hub.server_running("alice") and hub.groups_of("alice") == []


def test_hub_down_is_retried(hub, hub_call):  # noqa: F811
    # nobody listens there: refused at once
    dead = f"http://127.0.0.1:{free_port()}/hub/api"
    for args in (("stop", "alice"), ("block", BLOCK_GROUP, "alice")):
        r = call(hub_call, hub, *args, url=dead)
        assert (r["outcome"], r["status"]) == ("retry", 0), r
        assert r["error"], r
    # the hub itself stopped (its proxy still up), then back: the call done
    hub.stop_hub()
    r = call(hub_call, hub, "block", BLOCK_GROUP, "alice")
    assert (r["outcome"], r["status"]) == ("retry", 0), r
    hub.restart_hub()
    r = call(hub_call, hub, "block", BLOCK_GROUP, "alice")
    assert (r["outcome"], r["status"]) == ("done", 200), r


def test_hub_down_servers_running(hub_factory, hub_call):  # noqa: F811
    """The hub's process is gone, the users' servers run on (keep_servers):
    the stop is retried, and done once the hub is back."""
    h = hub_factory(keep_servers=True)
    h.add_user("alice")
    assert h.spawn("alice").status in (201, 202)
    h.wait_running("alice")
    pid = int(h._server_pids()[-1])
    h.stop_hub()
    os.kill(pid, 0)                                  # still running
    r = call(hub_call, h, "stop", "alice")
    assert (r["outcome"], r["status"]) == ("retry", 0), r
    h.restart_hub()
    assert h.server_running("alice")
    r = call(hub_call, h, "stop", "alice")
    assert (r["outcome"], r["status"]) == ("done", 204), r
    assert not h.server_running("alice")
    with pytest.raises(ProcessLookupError):
        for _ in range(100):
            os.kill(pid, 0)
            time.sleep(0.05)


def test_token_file_errors_never_show_the_token(hub, hub_call, tmp_path):  # noqa: F811
    for name, data in (("empty", ""), ("split", "abc\ndef\n"), ("big", "k" * 5000)):
        p = tmp_path / name
        p.write_text(data)
        r = subprocess.run([hub_call, "stop", hub.hub_api_url, str(p), "alice"],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 2 and str(p) in r.stderr, (name, r.stderr)
        assert "abc" not in r.stderr and "kkk" not in r.stderr
    assert hub.server_running("alice")
