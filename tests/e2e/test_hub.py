# SPDX-License-Identifier: BSD-2-Clause
"""The JupyterHub response of issue 14, end to end: a real containerd runs
a container whose spec says JUPYTERHUB_USER=alice, a real JupyterHub 3.0
(hub_env.py, with docs/responses.md's hub snippet loaded verbatim) runs
alice's and bob's servers, and nomine (scoped to the test's cgroup, a random
banned string) is configured with the hub's API URL, the nomine token's file
and hubBlockGroup.

- a banned command in alice's container is killed and, within 2 s, the
  hub's API shows her server stopped and her in nomine-blocked; the
  documented pre_spawn_hook refuses her next spawn; the daemon logs the
  kill, then one "server-stopped" and one "user-blocked" line with the
  hub's status and answer;
- JUPYTERHUB_SERVER_NAME in the spec names the server stopped;
- a process that only exported JUPYTERHUB_USER=bob is killed, and nothing
  is done to bob at the hub;
- a hub that is down (its process gone, the users' servers running on) or
  hangs (stopped: connections accepted, never answered) while kills happen
  delays no kill (exec to death of a process in the scope, measured with
  the hub up and out, alternated), and the stop and block happen once the
  hub is back;
- in audit mode nothing is killed and nothing is done at the hub: one
  "would-respond" line lists what would have been.

"""
import json
import signal
import subprocess
import time

import pytest

from conftest import new_banned
from containerd_env import banned_cmd, containerd, containers  # noqa: F401 (fixtures)
from hub_env import BLOCK_GROUP, hub, hub_factory  # noqa: F401 (fixtures)

RESPONSE_WITHIN = 2.0       # seconds from the kill to the hub's state
HUB_ACTIONS = ("server-stopped", "user-blocked")


@pytest.fixture(scope="module")
def hub_keys(nomine_bin, tmp_path_factory):
    """`nomine check` takes the hub keys (a token file that exists)."""
    d = tmp_path_factory.mktemp("hubkeys")
    (d / "token").write_text("t" * 32 + "\n")
    (d / "token").chmod(0o600)
    cfg = d / "config.json"
    cfg.write_text(json.dumps({"bannedCommandStrings": [new_banned()],
                               "hubApiUrl": "http://127.0.0.1:9/hub/api",
                               "hubApiTokenFile": str(d / "token"),
                               "hubBlockGroup": True}))
    r = subprocess.run([str(nomine_bin), "check", "--config", str(cfg), "--", "true"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, f"nomine check refused the hub keys: {r.stderr.strip()[:400]}"


def hub_config(containerd, hub, banned, **extra):  # noqa: F811
    cfg = {"bannedCommandStrings": [banned],
           "containerdStateDir": str(containerd.task_dir),
           "hubApiUrl": hub.hub_api_url,
           "hubApiTokenFile": hub.token_files["nomine"]}
    cfg.update(extra)
    return cfg


def wait_until(cond, timeout):
    """Polls cond until it holds; the seconds it took, or None."""
    t0 = time.monotonic()
    while True:
        if cond():
            return time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            return None
        time.sleep(0.02)


def hub_events(d, since=0):
    return d.find(lambda e: e.get("action") in HUB_ACTIONS, since=since)


def check_hub_event(ev, hub, user, status, server_name=None):  # noqa: F811
    assert ev["user"] == user, ev
    assert ev.get("server_name") in ((None, "") if server_name is None else (server_name,)), ev
    assert ev["status"] == status, ev
    assert isinstance(ev["answer"], str), ev
    assert hub.tokens["nomine"] not in ev["_raw"].decode(), "the token is in the log"


def test_container_user_is_stopped_and_blocked(hub_keys, start_daemon, containerd,  # noqa: F811
                                               containers, hub, banned):
    d = start_daemon(hub_config(containerd, hub, banned, hubBlockGroup=True))
    c = containers(env={"JUPYTERHUB_USER": "alice"})
    assert hub.server_running("alice") and hub.server_running("bob")
    # the offender claims another name: the container's spec is what counts
    rc, out = c.exec("/bin/sh", "-c", "export JUPYTERHUB_USER=bob; " + banned_cmd(banned))
    killed_at = time.monotonic()
    assert rc == 0 and "inner=137" in out, (rc, out, d.dump())
    kill = d.wait_for(lambda e: e.get("action") == "killed", what="the kill")
    assert kill["user"] == "alice" and kill["user_source"] == "container", kill
    took = wait_until(lambda: not hub.server_running("alice") and
                      hub.groups_of("alice") == [BLOCK_GROUP],
                      RESPONSE_WITHIN - (time.monotonic() - killed_at))
    assert took is not None, (f"within {RESPONSE_WITHIN} s of the kill: alice's server "
                              f"running={hub.server_running('alice')}, "
                              f"groups={hub.groups_of('alice')}\n{d.dump()}\n{hub.logtext()}")
    stopped = d.wait_for(lambda e: e.get("action") == "server-stopped", what="server-stopped")
    blocked = d.wait_for(lambda e: e.get("action") == "user-blocked", what="user-blocked")
    check_hub_event(stopped, hub, "alice", 204)
    check_hub_event(blocked, hub, "alice", 200)
    assert "alice" in blocked["answer"], blocked
    events = d.find(lambda e: True)
    assert events.index(kill) < events.index(stopped) and events.index(kill) < \
        events.index(blocked), d.dump()
    # the documented hook refuses her next server, named or not
    for server in ("", "again"):
        a = hub.spawn("alice", server)
        assert a.status == 403 and "may not start a server" in a.json()["message"], a
    # bob was named only by the offender: untouched
    assert hub.server_running("bob") and hub.groups_of("bob") == []
    time.sleep(0.5)
    assert len(hub_events(d)) == 2, d.dump()


def test_named_server_from_the_spec(hub_keys, start_daemon, containerd, containers,  # noqa: F811
                                    hub, banned):
    """JUPYTERHUB_SERVER_NAME of the container's spec: that server is
    stopped, not the default one; without hubBlockGroup nobody is blocked."""
    assert hub.spawn("alice", "gpu").status in (201, 202)
    hub.wait_running("alice", "gpu")
    d = start_daemon(hub_config(containerd, hub, banned))
    c = containers(env={"JUPYTERHUB_USER": "alice", "JUPYTERHUB_SERVER_NAME": "gpu"})
    rc, out = c.exec("/bin/sh", "-c", banned_cmd(banned))
    assert "inner=137" in out, (rc, out, d.dump())
    ev = d.wait_for(lambda e: e.get("action") == "server-stopped", what="server-stopped")
    check_hub_event(ev, hub, "alice", 204, server_name="gpu")
    assert not hub.server_running("alice", "gpu")
    assert hub.server_running("alice"), "the default server was stopped"
    time.sleep(0.5)
    assert hub.groups_of("alice") == []
    assert not d.find(lambda e: e.get("action") == "user-blocked"), d.dump()


def test_user_claimed_by_the_process_gets_nothing(hub_keys, start_daemon, containerd,  # noqa: F811
                                                  scope, spawner, hub, banned):
    """A process outside any container that only exported JUPYTERHUB_USER=bob
    is killed; the name is reported, never acted on."""
    d = start_daemon(hub_config(containerd, hub, banned, hubBlockGroup=True))
    p, *_ = spawner.run(scope, ["sh", "-c", f"sleep 5; : {banned}"],
                        env={"JUPYTERHUB_USER": "bob"})
    assert p.returncode == -signal.SIGKILL, d.dump()
    ev = d.wait_kill(p.pid)
    assert ev["user"] == "bob" and ev["user_source"] == "process", ev
    time.sleep(RESPONSE_WITHIN)
    assert hub.server_running("bob") and hub.groups_of("bob") == []
    assert hub.server_running("alice") and hub.groups_of("alice") == []
    assert not hub_events(d), d.dump()


def test_audit_would_respond_and_does_nothing(hub_keys, start_daemon, containerd,  # noqa: F811
                                             containers, hub, banned):
    d = start_daemon(hub_config(containerd, hub, banned, hubBlockGroup=True),
                     args=["--audit"])
    c = containers(env={"JUPYTERHUB_USER": "alice"})
    rc, out = c.exec("/bin/sh", "-c", banned_cmd(banned))
    assert rc == 0 and "inner=0" in out, (rc, out, d.dump())
    ev = d.wait_for(lambda e: e.get("action") == "would-respond", what="would-respond")
    assert ev["user"] == "alice", ev
    responses = ev["responses"]
    assert isinstance(responses, list) and responses, ev
    assert "hub-stop-server" in responses and "hub-block-user" in responses, ev
    time.sleep(RESPONSE_WITHIN)
    assert hub.server_running("alice") and hub.groups_of("alice") == []
    assert not hub_events(d), d.dump()
    assert not d.find(lambda e: e.get("action") == "killed"), d.dump()


@pytest.mark.parametrize("outage", ["down", "hung"])
def test_hub_outage_delays_no_kill(hub_keys, start_daemon, containerd, containers,  # noqa: F811
                                   scope, spawner, hub_factory, banned, outage):
    h = hub_factory(keep_servers=True)
    h.add_user("alice")
    assert h.spawn("alice").status in (201, 202)
    h.wait_running("alice")
    d = start_daemon(hub_config(containerd, h, banned, hubBlockGroup=True))
    c = containers(env={"JUPYTERHUB_USER": "alice"})

    def host_kill_seconds():
        p, _out, _err, secs = spawner.run(scope, ["sh", "-c", f"sleep 5; : {banned}"])
        assert p.returncode == -signal.SIGKILL, d.dump()
        return secs

    def hub_out():
        h.stop_hub() if outage == "down" else h.pause_hub()

    def hub_back():
        h.restart_hub() if outage == "down" else h.resume_hub()

    up, out = [], []
    for _ in range(3):          # alternated: hub up, hub out
        up.append(host_kill_seconds())
        hub_out()
        try:
            # a kill in alice's container: work for the hub responders,
            # which now meet a hub that is not there
            rc, o = c.exec("/bin/sh", "-c", banned_cmd(banned))
            assert "inner=137" in o, (rc, o, d.dump())
            for _ in range(3):
                out.append(host_kill_seconds())
        finally:
            hub_back()
    up.sort()
    out.sort()
    med_up, med_out = up[len(up) // 2], out[len(out) // 2]
    assert med_out < med_up + 0.1 and out[-1] < 1.0, \
        f"kills slowed by a hub {outage}: up {up}, out {out}\n{d.dump()}"
    # the hub is back: the stop and the block went through in the end
    took = wait_until(lambda: not h.server_running("alice") and
                      h.groups_of("alice") == [BLOCK_GROUP], 30)
    assert took is not None, f"hub back, but no stop or block\n{d.dump()}\n{h.logtext()}"
    for action, status in (("server-stopped", 204), ("user-blocked", 200)):
        ev = d.wait_for(lambda e: e.get("action") == action and e.get("status") == status,
                        timeout=10, what=f"{action} with status {status}")
        check_hub_event(ev, h, "alice", status)
