# SPDX-License-Identifier: BSD-2-Clause
"""Containers: every event names the pod, namespace, container, image and
hub user of the process, read from a real containerd's state; exempt
namespaces and container names are never killed; the whole-container
response kills every process of one container and nothing else.

A private containerd (containerd_env.py, shared with tests/deploy) runs for
the module. Containers are created with `ctr run --rootfs` from a busybox
rootfs, carry the annotations the kubelet's CRI plugin writes
(io.kubernetes.cri.*), and sit in a kubepods-style cgroup path *below the
test's scope cgroup*, so the daemon's --scope-cgroup fence covers them and
nothing else."""
import os
import signal
import time
from pathlib import Path

import pytest

from containerd_env import banned_cmd, containerd, containers  # noqa: F401 (fixtures)


def state_config(containerd, banned, **extra):
    cfg = {"bannedCommandStrings": [banned],
           "containerdStateDir": str(containerd.task_dir)}
    cfg.update(extra)
    return cfg


def check_metadata(ev, c, namespace="hub", pod="jupyter-alice", name="notebook",
                   image="quay.io/jupyterhub/k8s-singleuser-sample:4.0"):
    assert ev["container_type"] == "cri", ev
    assert ev["container_id"] == c.id
    assert ev["container_runtime"] == "containerd"
    assert ev["labels"] == {"io.kubernetes.pod.name": pod,
                            "io.kubernetes.pod.namespace": namespace,
                            "io.kubernetes.pod.uid": c.pod_uid,
                            "io.kubernetes.container.name": name}, ev
    assert ev["image"] == image


@pytest.mark.parametrize("mode", ["kernel", "user"])
def test_kill_in_container_names_pod_image_and_user(start_daemon, containerd, containers,
                                                    banned, mode):
    d = start_daemon(state_config(containerd, banned),
                     args=["--user-verdict"] if mode == "user" else [])
    info = d.started["containers"]
    assert info["containerd_state"] == str(containerd.task_dir), info
    assert info["exemptions"] is False and info["container_kill_after"] == 0, info
    c = containers(env={"JUPYTERHUB_USER": "alice", "BINDER_REPO_URL": "https://example.org/r",
                        "SECRET_TOKEN": "do-not-log"})
    # The offender sets its own JUPYTERHUB_USER: the event keeps the
    # process's value in "environment", and trusts the container's for "user".
    rc, out = c.exec("/bin/sh", "-c", "export JUPYTERHUB_USER=mallory; " +
                     banned_cmd(banned, linger=mode == "user"))
    assert rc == 0 and "inner=137" in out, (rc, out, d.dump())
    ev = d.wait_for(lambda e: e.get("action") == "killed", what="the kill")
    assert ev["kill_in_kernel"] is (mode == "kernel"), ev
    check_metadata(ev, c)
    assert ev["user"] == "alice" and ev["user_source"] == "container", ev
    assert ev["environment"] == {"JUPYTERHUB_USER": "mallory",
                                 "BINDER_REPO_URL": "https://example.org/r"}, ev
    assert "SECRET_TOKEN" not in ev["_raw"].decode()
    assert c.running(), "the container itself must live on"


def test_host_process_has_no_container_fields(start_daemon, containerd, scope, spawner,
                                              banned):
    d = start_daemon(state_config(containerd, banned))
    p, *_ = spawner.run(scope, ["sh", "-c", f"sleep 5; : {banned}"],
                        env={"JUPYTERHUB_USER": "bob"})
    assert p.returncode == -signal.SIGKILL
    ev = d.wait_kill(p.pid)
    for key in ("container_type", "container_id", "labels", "image"):
        assert key not in ev, ev
    assert ev["user"] == "bob" and ev["user_source"] == "process", ev


def test_exempt_namespace_and_container_name_are_never_killed(start_daemon, containerd,
                                                              containers, banned):
    d = start_daemon(state_config(containerd, banned, exemptNamespaces=["kube-system"],
                                  exemptContainerNames=["prometheus"]))
    system = containers(namespace="kube-system", pod="coredns-1", name="coredns")
    prom = containers(namespace="monitoring", pod="prom-0", name="prometheus")
    user = containers(namespace="hub", pod="jupyter-carol", name="notebook")
    for c, why in ((system, "namespace kube-system"), (prom, "container name prometheus")):
        for attempt in range(2):     # the second hits a cgroup the kernel knows
            mark = d.mark()
            rc, out = c.exec("/bin/sh", "-c", banned_cmd(banned))
            assert rc == 0 and "inner=0" in out and banned in out, (rc, out, d.dump())
            ev = d.wait_for(lambda e: e.get("action") == "spared", since=mark,
                            what=f"spared ({why})")
            assert ev["exemptby"] == why, ev
            assert ev["container_id"] == c.id
            assert not d.find(lambda e: e.get("action") == "killed", since=mark), d.dump()
    # each frozen exec was decided once (the kernel's note of it was
    # cleared: the stale-freeze recovery, 1 s later, finds nothing to redo)
    time.sleep(1.5)
    assert len(d.find(lambda e: e.get("action") == "spared")) == 4, d.dump()
    rc, out = user.exec("/bin/sh", "-c", banned_cmd(banned))
    assert "inner=137" in out, (rc, out, d.dump())
    ev = d.wait_for(lambda e: e.get("action") == "killed", what="the kill in the hub pod")
    check_metadata(ev, user, pod="jupyter-carol")
    assert "exemptby" not in ev


def test_whole_container_response_kills_that_container_only(start_daemon, containerd,
                                                            containers, scope, spawner, banned):
    d = start_daemon(state_config(containerd, banned, containerKillAfter=2,
                                  containerKillWindowSeconds=60))
    target = containers(pod="jupyter-eve", name="notebook")
    uid = target.pod_uid
    sibling = containers(pod="jupyter-eve", name="sidecar", uid=uid)  # same pod
    other = containers(pod="jupyter-frank", name="notebook")
    bystander = spawner.spawn(scope, ["sleep", "60"])
    workers = [target.spawn("/bin/sleep", "600") for _ in range(3)]
    time.sleep(0.5)
    rc, out = target.exec("/bin/sh", "-c", banned_cmd(banned))
    assert "inner=137" in out, (rc, out)
    assert target.running(), "one kill is below the threshold"
    target.exec("/bin/sh", "-c", banned_cmd(banned))
    ev = d.wait_for(lambda e: e.get("action") == "container-killed", timeout=10,
                    what="container-killed")
    assert ev["container_id"] == target.id and ev["kills"] == 2
    assert ev["method"] == "cgroup.kill" and ev["processes"] >= 4, ev
    assert ev["labels"]["io.kubernetes.pod.name"] == "jupyter-eve"
    deadline = time.monotonic() + 10
    while target.running() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not target.running(), "the container's init survived"
    for w in workers:
        w.communicate(timeout=10)
    cg = Path(scope.mount) / target.cgroup.strip("/")
    assert not cg.exists() or not (cg / "cgroup.procs").read_text().split()
    assert sibling.running() and other.running(), "another container was hit"
    assert bystander.poll() is None, "a process outside the container was hit"
    assert len(d.find(lambda e: e.get("action") == "container-killed")) == 1


def test_missing_state_is_logged_once_and_events_still_go_out(start_daemon, containerd,
                                                              containers, tmp_path, banned):
    empty = tmp_path / "no-state"
    empty.mkdir()
    d = start_daemon({"bannedCommandStrings": [banned], "containerdStateDir": str(empty)})
    c = containers()
    for _ in range(3):
        rc, out = c.exec("/bin/sh", "-c", banned_cmd(banned))
        assert "inner=137" in out, (rc, out)
    d.wait_for(lambda e: e.get("action") == "killed" and len(d.find(
        lambda x: x.get("action") == "killed")) == 3, what="three kills")
    kills = d.find(lambda e: e.get("action") == "killed")
    for ev in kills:
        assert ev["container_type"] == "cri" and ev["container_id"] == c.id, ev
        # what the cgroup path alone tells: the pod uid
        assert ev["labels"] == {"io.kubernetes.pod.uid": c.pod_uid}, ev
        assert "image" not in ev
    warnings = d.find(lambda e: "container metadata unavailable" in str(e.get("event")))
    assert len(warnings) == 1, d.dump()
    assert str(empty) in warnings[0]["event"]


def test_exemptions_follow_reloads(start_daemon, containerd, containers, banned):
    """The kernel learns each cgroup's class once; a reload that adds or
    removes an exemption must still take effect for a cgroup it knows."""
    d = start_daemon(state_config(containerd, banned))
    c = containers(namespace="ops", pod="tool-0", name="tool")
    rc, out = c.exec("/bin/sh", "-c", banned_cmd(banned))
    assert "inner=137" in out, (rc, out, d.dump())
    for exempt in (True, False):
        mark = d.mark()
        d.write_config("config.json", state_config(
            containerd, banned, **({"exemptNamespaces": ["ops"]} if exempt else {})))
        d.wait_for(lambda e: e.get("event") == "Config reloaded", since=mark,
                   what="Config reloaded")
        for _ in range(2):
            mark = d.mark()
            rc, out = c.exec("/bin/sh", "-c", banned_cmd(banned))
            want = "inner=0" if exempt else "inner=137"
            assert want in out, (exempt, rc, out, d.dump())
            ev = d.wait_for(lambda e: e.get("action") in ("spared", "killed"), since=mark)
            assert ev["action"] == ("spared" if exempt else "killed"), ev
            assert (ev.get("exemptby") == "namespace ops") is exempt, ev


def test_audit_reports_exempt_as_spared(start_daemon, containerd, containers, banned):
    d = start_daemon(state_config(containerd, banned, exemptNamespaces=["kube-system"]),
                     args=["--audit"])
    system = containers(namespace="kube-system", pod="coredns-1", name="coredns")
    user = containers(namespace="hub", pod="jupyter-dan", name="notebook")
    for c, action in ((system, "spared"), (user, "audit")):
        mark = d.mark()
        rc, out = c.exec("/bin/sh", "-c", banned_cmd(banned))
        assert "inner=0" in out, (rc, out, d.dump())
        ev = d.wait_for(lambda e: e.get("action") in ("spared", "audit"), since=mark)
        assert ev["action"] == action and ev["container_id"] == c.id, ev


def test_host_root_prefixes_state_dirs(start_daemon, containerd, containers, banned):
    """A DaemonSet sees the host's / at /host: hostRoot is put before the
    runtime state paths."""
    d = start_daemon({"bannedCommandStrings": [banned], "hostRoot": str(containerd.base),
                      "containerdStateDir": "/state/io.containerd.runtime.v2.task"})
    c = containers(namespace="binder-staging", pod="jupyter-repo-abc", name="notebook")
    rc, out = c.exec("/bin/sh", "-c", banned_cmd(banned))
    assert "inner=137" in out, (rc, out)
    ev = d.wait_for(lambda e: e.get("action") == "killed", what="the kill")
    check_metadata(ev, c, namespace="binder-staging", pod="jupyter-repo-abc")


def test_cgroup_named_after_a_container_borrows_nothing(start_daemon, containerd, containers,
                                                       scope, spawner, banned):
    """Anyone who may create a cgroup can name it after a real container (ids
    are visible in /proc/*/cgroup). Such a cgroup must not get that
    container's exemption, identity or whole-container kill."""
    from conftest import Cgroup
    d = start_daemon(state_config(containerd, banned, exemptNamespaces=["kube-system"],
                                  containerKillAfter=1))
    victim = containers(namespace="kube-system", pod="coredns-1", name="coredns")
    forged = f"{scope.name}/elsewhere/kubepods/burstable/pod{victim.pod_uid}/{victim.id}"
    os.makedirs(Path(scope.mount) / forged.strip("/"))
    cg = Cgroup(scope.mount, forged)
    p, *_ = spawner.run(cg, ["sh", "-c", f"sleep 5; : {banned}"])
    assert p.returncode == -signal.SIGKILL, d.dump()
    ev = d.wait_kill(p.pid)
    assert ev["container_id"] == victim.id
    assert "io.kubernetes.pod.namespace" not in ev["labels"], ev
    assert "exemptby" not in ev and "image" not in ev, ev
    assert d.find(lambda e: "is not containerd container" in str(e.get("event"))), d.dump()
    # the whole-container response hit the forged cgroup, not the victim
    ck = d.wait_for(lambda e: e.get("action") == "container-killed", what="container-killed")
    assert ck["cgroup"] == forged, ck
    assert victim.running()


def test_frozen_exec_is_decided_even_if_its_event_is_lost(start_daemon, containerd, containers,
                                                          banned):
    """With exemptions on, the kernel stops a banned exec in a cgroup it does
    not know yet and waits for user space. If that event never arrives (here
    dropped on purpose), the kernel's own note of the stopped process makes
    the daemon decide it from /proc within about a second: killed, or resumed
    when exempt. Nothing stays stopped."""
    d = start_daemon(state_config(containerd, banned, exemptNamespaces=["kube-system"]),
                     env={"NOMINE_TEST_LOSE_FROZEN": "1"})
    system = containers(namespace="kube-system", pod="coredns-1", name="coredns")
    user = containers(namespace="hub", pod="jupyter-gus", name="notebook")
    t0 = time.monotonic()
    rc, out = system.exec("/bin/sh", "-c", banned_cmd(banned))
    assert "inner=0" in out, (rc, out, d.dump())
    assert time.monotonic() - t0 < 5
    ev = d.wait_for(lambda e: e.get("action") == "spared", what="the late decision")
    assert ev["exemptby"] == "namespace kube-system" and ev["argv_source"] == "proc", ev
    rc, out = user.exec("/bin/sh", "-c", banned_cmd(banned, linger=True))
    assert "inner=137" in out, (rc, out, d.dump())
    ev = d.wait_for(lambda e: e.get("action") == "killed", what="the late kill")
    assert ev["frozen_in_kernel"] is True and ev["labels"]["io.kubernetes.pod.name"] == "jupyter-gus"


def test_network_exempt_namespace_is_not_refused(start_daemon, containerd, containers, helpers,
                                                 banned):
    """A connect to a banned address from a container of an exempt namespace
    goes through; from any other it is refused (EPERM) and the caller
    killed. The kernel judges by the class user space gave the cgroup: a
    container nomine has not classified yet is refused once (and spared),
    and classified from that report, even though its caller is gone. Each
    container has a network namespace of its own, holding only a loopback
    that is down: the address never leaves it, and a call let through fails
    otherwise (no route), never with EPERM."""
    import errno
    import shutil
    shutil.copy(helpers["dialer"], containerd.rootfs / "bin" / "dialer")
    d = start_daemon(state_config(containerd, banned, exemptNamespaces=["kube-system"],
                                  bannedAddresses=["127.0.0.2"]))
    system = containers(namespace="kube-system", pod="coredns-1", name="coredns")
    user = containers(namespace="hub", pod="jupyter-grace", name="notebook")

    def dial(c, linger=0):
        rc, out = c.exec("/bin/dialer", "127.0.0.2", "3333", str(linger))
        return rc, out.strip()

    # never classified: refused once, the caller spared (the exemption
    # holds); unless something else of the container (its init's exec) had
    # it classified already, when the first call goes through as well
    mark = d.mark()
    rc, out = dial(system, linger=5)
    assert rc == 0, (rc, out, d.dump())
    ev = d.wait_for(lambda e: e.get("source") == "network", since=mark, what="the report")
    assert ev["action"] == "spared" and ev["exemptby"] == "namespace kube-system", ev
    assert ev["call_refused"] is (out == f"error {errno.EPERM}"), (out, ev)
    assert ev["container_id"] == system.id, ev
    # classified now: let through, three times, with no kill and no refusal
    for _ in range(3):
        mark = d.mark()
        rc, out = dial(system)
        assert rc == 0 and out != f"error {errno.EPERM}", (rc, out, d.dump())
        assert out.startswith("error "), out       # no route: lo is down in there
    ev = d.wait_for(lambda e: e.get("source") == "network", since=mark, what="the report")
    assert ev["call_refused"] is False and ev["destination"]["address"] == "127.0.0.2", ev
    assert not d.find(lambda e: e.get("action") == "killed"), d.dump()

    # the same in a user's pod: refused and killed, every time
    for _ in range(2):
        mark = d.mark()
        rc, out = dial(user, linger=10)
        assert out in ("", f"error {errno.EPERM}"), (rc, out, d.dump())
        assert rc != 0, "the caller was not killed"
        ev = d.wait_for(lambda e: e.get("action") == "killed", since=mark, what="the kill")
        assert ev["source"] == "network" and ev["call_refused"] is True, ev
        assert ev["container_id"] == user.id and "exemptby" not in ev, ev
    assert system.running() and user.running()


def test_stratum_exempt_namespace_passes(start_daemon, containerd, containers, helpers, banned):
    """The packet program honours exemptions as the connect programs do: a
    Stratum login from a container of an exempt namespace reaches the pool
    once its cgroup is classified (the first one, unclassified, is dropped
    and its sender stopped, then resumed: spared, and its retransmit goes
    through); from a user's pod it is dropped every time and the sender
    killed. Both containers share the
    host's network namespace to reach the test's pool on loopback."""
    import shutil
    from test_stratum import Pool, XMRIG_LOGIN
    shutil.copy(helpers["dialer"], containerd.rootfs / "bin" / "dialer")
    d = start_daemon(state_config(containerd, banned, exemptNamespaces=["kube-system"]))
    system = containers(namespace="kube-system", pod="coredns-1", name="coredns",
                        net_host=True)
    user = containers(namespace="hub", pod="jupyter-grace", name="notebook", net_host=True)
    pool = Pool("127.0.0.1")
    login = XMRIG_LOGIN.decode().strip()
    try:
        def send(c, linger=0):
            rc, out = c.exec("/bin/dialer", "127.0.0.1", str(pool.port), str(linger), login)
            return rc, out.strip()

        # unclassified: dropped, stopped in the kernel, then resumed (spared);
        # the cgroup is classified exempt from that report, so the
        # segment's retransmit goes through: the connection is not lost
        mark = d.mark()
        rc, out = send(system, linger=2)
        assert rc == 0 and out.startswith("sent "), (rc, out, d.dump())
        ev = d.wait_for(lambda e: e.get("reason") == "stratum", since=mark, what="the report")
        assert ev["action"] == "spared" and ev["exemptby"] == "namespace kube-system", ev
        assert ev["container_id"] == system.id, ev   # dropped unless classified already
        assert pool.received().count(b'"method":"login"') == 1, "the retransmit was lost"
        # classified now: the login reaches the pool at once, reported, nobody stopped
        mark = d.mark()
        rc, out = send(system, linger=1)
        assert rc == 0 and out.startswith("sent "), (rc, out, d.dump())
        ev = d.wait_for(lambda e: e.get("reason") == "stratum", since=mark, what="the report")
        assert ev["dropped"] is False and ev["stopped_in_kernel"] is False, ev
        assert ev["action"] == "spared", ev
        assert pool.received().count(b'"method":"login"') == 2, "the exempt login was dropped"

        # a user's pod: dropped and killed
        mark = d.mark()
        rc, out = send(user, linger=10)
        assert rc != 0, ("the sender was not killed", out, d.dump())
        ev = d.wait_for(lambda e: e.get("action") == "killed", since=mark, what="the kill")
        assert ev["reason"] == "stratum" and ev["dropped"] is True, ev
        assert ev["container_id"] == user.id and "exemptby" not in ev, ev
        assert pool.received().count(b'"method":"login"') == 2, "the user's login reached the pool"
        assert system.running() and user.running()
    finally:
        pool.close()
