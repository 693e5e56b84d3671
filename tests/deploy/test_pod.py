# SPDX-License-Identifier: BSD-2-Clause
"""The chart's pod runs for real (issue 11). The DaemonSet `helm template`
renders from a values file made here (a random banned string in one
configs.<name>, an allow pattern in another, a random banned string in
secretConfigs, and nomine.extraArgs scoping the daemon to the test's own
cgroup: the test refuses to start a render without that scope) runs its
container in the test's private containerd as the kubelet would run it
(kubelet_ctr.py): the image `make image` builds, imported; drop: [ALL] and
the chart's capabilities; no new privileges; a read-only root; containerd's
default seccomp profile for RuntimeDefault; the host PID namespace; a
network namespace of its own (hostNetwork is not set); a private cgroup
namespace, as containerd's CRI gives every unprivileged container on a
cgroup v2 node, or the host's, as on a v1 or hybrid node; the rendered
hostPath mounts, and the ConfigMap and Secret as directories the kubelet
way (kubelet_volume.py), so a later update is a `..data` swap.

Another container (busybox, with the annotations the CRI plugin writes)
sits in the scope. There a banned command dies of SIGKILL and the pod logs
"Killed process" with its pod, namespace and container; the Secret's string
kills too; an allowed one runs to its end. A real Prometheus, in the pod's
network namespace as a scraper reaching the pod IP would be, scrapes the
port and path of the pod's prometheus.io annotations and sees the kills;
the probes' paths answer 200. Then `helm upgrade` is played: the ConfigMap
re-rendered with a second banned string is swapped in, the running daemon
reloads without a restart, kills a new exec of it, and its reload sweep
kills a process that was already running with it; a values change nomine
refuses (a broken allow pattern) is swapped in next: refused, the old
config still kills and the refused update's string does not, and
nomine_config_last_reload_successful is 0.

A second pod runs nomine.responses (issue 14) as an operator would set them:
webhook URLs from a Secret, evidence on a hostPath, a command hook brought
by extraVolumes; the kill there is followed by each response, and an HTTPS
webhook shows the image's libcurl finds its CA bundle."""
import ctypes
import json
import os
import secrets
import shutil
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
import yaml

import chart
import kubelet_ctr
import prometheus_server
from conftest import EPOLL_SYSCALLS, Daemon, new_banned
from containerd_env import containerd, containers, remove_v1_dirs  # noqa: F401 (fixtures)
from kubelet_volume import Volume
from test_image import IMAGE_REF, archive  # noqa: F401 (fixture)

JOB = "nomine-pod"
CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def entrypoint(archive_path):
    """The image config's Entrypoint and Cmd, read from the OCI archive."""
    with tarfile.open(archive_path) as t:
        def blob(digest):
            return json.load(t.extractfile(f"blobs/sha256/{digest.split(':', 1)[1]}"))
        (m,) = json.load(t.extractfile("index.json"))["manifests"]
        cfg = blob(blob(m["digest"])["config"]["digest"])["config"]
    return cfg.get("Entrypoint") or [], cfg.get("Cmd") or []


class netns:
    """Runs the calling thread (and the processes it starts) in the network
    namespace at path, and back: the test asks the pod's port from where a
    scraper reaching the pod IP would, and no port opens on the host."""

    def __init__(self, path):
        self.path = path

    @staticmethod
    def _setns(fd):
        if _libc.setns(fd, CLONE_NEWNET):
            e = ctypes.get_errno()
            raise OSError(e, os.strerror(e))

    def __enter__(self):
        self.home = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        target = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            self._setns(target)
        finally:
            os.close(target)
        return self

    def __exit__(self, *exc):
        self._setns(self.home)
        os.close(self.home)


class PodDaemon(Daemon):
    """The rendered container under `ctr run` (attached: ctr passes the
    container's stdout and stderr through and forwards signals, so the
    Daemon machinery reads its log and stops it as it would a process)."""

    def __init__(self, containerd, workdir, flags, image, argv, cgroup, annotations):
        # args: what launch() checks for a scope (the container's own argv)
        super().__init__("ctr", workdir, scopes=[], args=argv, startup_timeout=60)
        self.containerd = containerd
        self.cid = "nomine-" + secrets.token_hex(6)
        self.cmd = ["ctr", "-a", str(containerd.sock), "-n", "k8s.io", "run", "--rm",
                    "--cgroup", cgroup, *flags]
        for k, v in annotations.items():
            self.cmd += ["--annotation", f"{k}={v}"]
        self.cmd += [image, self.cid, *argv]
        self.pid = None
        containerd.oneshots.append(self.cid)     # containerd.stop() removes it too

    def argv(self):
        return self.cmd

    def task_pid(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.containerd.ctr("task", "ls", check=False).stdout.splitlines():
                f = line.split()
                if f[:1] == [self.cid] and f[-1] == "RUNNING":
                    return int(f[1])
            time.sleep(0.05)
        raise AssertionError(f"no running task {self.cid}\n{self.dump()}")

    def wait_idle(self, timeout=10):
        """The start-up sweep is over once nomine sleeps in epoll_wait."""
        self.pid = self.task_pid()
        want = EPOLL_SYSCALLS[os.uname().machine]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(f"/proc/{self.pid}/syscall") as f:
                if f.read().split(" ", 1)[0] in want:
                    return
            time.sleep(0.005)
        raise AssertionError(f"nomine never went idle\n{self.dump()}")

    def remove(self):
        """Whatever state it is in: the task killed, the container gone."""
        if self.alive():
            try:
                self.stop()
            except Exception:
                pass
        self.containerd.ctr("task", "kill", "-s", "KILL", self.cid, check=False)
        for _ in range(100):
            r = self.containerd.ctr("task", "delete", self.cid, check=False)
            if r.returncode == 0 or "not found" in r.stderr:
                break
            time.sleep(0.05)
        self.containerd.ctr("container", "delete", self.cid, check=False)
        self.kill()


def values_file(path, scope, port, banned_cm, banned_secret, allow_pattern, state_dir,
                extra_configs=None):
    configs = {"a": {"bannedCommandStrings": banned_cm},
               "b": {"allowedCommandPatterns": [allow_pattern]}}
    configs.update(extra_configs or {})
    values = {
        "detectors": {"execwhacker": {
            "configs": configs,
            "secretConfigs": {"s": {"bannedCommandStrings": [banned_secret]}},
            "metrics": {"port": port}}},
        "nomine": {"containers": {"containerdStateDir": str(state_dir)},
                   # never run unscoped: nomine acts only in the test's cgroup
                   "extraArgs": ["--scope-cgroup", scope.name]},
    }
    path.write_text(yaml.safe_dump(values))
    return path


def assert_scoped(args, scope):
    """The rendered arguments confine nomine to the test's scope cgroup, and
    to nothing wider: else the test must not start it."""
    scopes = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--scope-cgroup"]
    if scopes != [scope.name] or any(a.startswith("--scope-cgroup=") for a in args):
        pytest.fail(f"the rendered args do not scope nomine to {scope.name}: {args}",
                    pytrace=False)


def publish(docs, volumes):
    """Fills each configMap/secret volume of the rendered pod from the
    rendered object, as the kubelet does (a swap only when it changed)."""
    for name, files in chart.volume_files(docs).items():
        if volumes[name].files != files:
            volumes[name].write(files)


def status_fields(pid):
    with open(f"/proc/{pid}/status") as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


def split_cmd(banned, head="echo "):
    """An sh line that runs `sh -c "<head><banned>"` without the banned
    string on its own command line (nor on ctr's), then says how it ended."""
    half = len(banned) // 2
    return f'S={banned[half:]}; sh -c "{head}{banned[:half]}$S"; echo inner=$?'


def linger_cmd(banned):
    """An sh line that becomes `sh -c "sleep 30; : <banned>"`, a process
    that lives on with the banned string on its command line."""
    half = len(banned) // 2
    return f'S={banned[half:]}; exec sh -c "sleep 30; : {banned[:half]}$S"'


def http_status(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


@pytest.fixture
def pod(exec_detector, containerd, archive, make_cgroup, tmp_path):  # noqa: F811
    """pod(docs, cgroupns) -> a started PodDaemon running the rendered
    container; removed at teardown whatever happened."""
    names = containerd.import_image(archive)
    made = []

    def start(docs, volumes, cgroupns):
        spec, c = chart.pod_spec(docs), chart.container(docs)
        image = kubelet_ctr.normalize_image(c["image"])
        assert image == IMAGE_REF and image in names, (image, IMAGE_REF, names)
        flags = kubelet_ctr.run_flags(spec, c, {k: v.path for k, v in volumes.items()},
                                      f"/proc/{os.getpid()}/ns/pid", cgroupns)
        argv = kubelet_ctr.process_argv(c, *entrypoint(archive))
        podcg = make_cgroup("pod")
        uid = str(uuid.uuid4())
        ann = {"io.kubernetes.cri.container-type": "container",
               "io.kubernetes.cri.sandbox-name": "t-nomine-x7k2p",
               "io.kubernetes.cri.sandbox-namespace": "nomine",
               "io.kubernetes.cri.sandbox-uid": uid,
               "io.kubernetes.cri.container-name": c["name"],
               "io.kubernetes.cri.image-name": c["image"]}
        d = PodDaemon(containerd, tmp_path / f"pod{len(made)}", flags, image, argv,
                      f"{podcg.name}/kubepods/burstable/pod{uid}/{secrets.token_hex(32)}", ann)
        d.podcg = podcg
        made.append(d)
        return d.start()

    yield start
    for d in made:
        d.remove()
        remove_v1_dirs(d.podcg.name)


def assert_runs_as_rendered(d, container, cgroupns):
    """What ctr made of the flags, read from the running nomine: a wrong
    translation (a flag ctr ignores) fails here, not silently."""
    st = status_fields(d.pid)
    want = sum(1 << kubelet_ctr.CAP_NUMBER[c] for c in kubelet_ctr.capability_set(container))
    for field in ("CapBnd", "CapPrm"):
        assert int(st[field], 16) == want, f"{field} {st[field]}, want {want:016x}"
    assert int(st["CapInh"], 16) == 0 and int(st["CapAmb"], 16) == 0, st
    assert st["NoNewPrivs"] == "1" and st["Seccomp"] == "2", st
    ns = {n: os.readlink(f"/proc/{d.pid}/ns/{n}") for n in ("pid", "net", "cgroup", "mnt")}
    assert ns["pid"] == os.readlink("/proc/self/ns/pid"), "hostPID: the host's PID namespace"
    assert ns["net"] != os.readlink("/proc/self/ns/net"), "no hostNetwork: a network of its own"
    assert (ns["cgroup"] == os.readlink("/proc/self/ns/cgroup")) is (cgroupns == "host"), ns
    with open(f"/proc/{d.pid}/mountinfo") as f:
        mounts = {ln.split()[4]: ln.split()[5].split(",") for ln in f}
    assert "ro" in mounts["/"], "readOnlyRootFilesystem"
    for m in container["volumeMounts"]:
        assert ("ro" in mounts[m["mountPath"]]) is bool(m.get("readOnly")), (m, mounts)


@pytest.mark.parametrize("cgroupns", ["private", "host"], ids=lambda v: f"cgroupns-{v}")
def test_chart_pod_kills_in_another_container(pod, containerd, containers, scope,  # noqa: F811
                                              tmp_path, cgroupns):
    t0 = time.monotonic()
    port = prometheus_server.free_port()
    banned, banned_secret, banned2, banned3 = (new_banned() for _ in range(4))
    allow = f"nmok{secrets.token_hex(3)}"
    allow_pattern = f"^sh -c echo {allow} {banned}$"
    vals = dict(scope=scope, port=port, banned_secret=banned_secret,
                allow_pattern=allow_pattern, state_dir=containerd.task_dir)
    docs = chart.render([values_file(tmp_path / "values.yaml", banned_cm=[banned], **vals)])
    c = chart.container(docs)
    assert_scoped(c["args"], scope)
    assert c["volumeMounts"] and all(m.get("readOnly") for m in c["volumeMounts"])
    volumes = {v["name"]: Volume(tmp_path / "volumes" / v["name"])
               for v in chart.pod_spec(docs)["volumes"] if "configMap" in v or "secret" in v}
    publish(docs, volumes)
    assert set(volumes) == {"config", "secret-config"}, volumes

    d = pod(docs, volumes, cgroupns)
    started = time.monotonic() - t0
    assert_runs_as_rendered(d, c, cgroupns)
    assert d.started["features"]["detectors"]["exec"]["variant"] == "kernel-verdict", d.started

    victim = containers(namespace="hub", pod="jupyter-ada", name="notebook")
    with netns(f"/proc/{d.pid}/ns/net"):
        ann = chart.only(docs, "DaemonSet")["spec"]["template"]["metadata"]["annotations"]
        assert ann["prometheus.io/scrape"] == "true" and ann["prometheus.io/path"] == "/metrics"
        target = f"127.0.0.1:{ann['prometheus.io/port']}"
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            path = c[probe]["httpGet"]["path"]
            assert http_status(f"http://{target}{path}") == 200, (probe, path)
        assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"

        with prometheus_server.running(tmp_path / "prom", [target], JOB) as prom:
            def metric(expr):
                return sum(prom.values(expr).values())
            prom.wait(lambda: metric(f'up{{job="{JOB}"}}') == 1, 15, "no scrape of the pod")

            # a banned command (ConfigMap), one of the Secret, an allowed one
            for s in (banned, banned_secret):
                mark = d.mark()
                rc, out = victim.exec("/bin/sh", "-c", split_cmd(s))
                assert rc == 0 and "inner=137" in out, (s, rc, out, d.dump())   # SIGKILL
                ev = d.wait_for(lambda e: e.get("event") == "Killed process", since=mark,
                                what="Killed process")
                assert ev["matched"] == s and ev["container_id"] == victim.id, ev
                assert ev["labels"] == {"io.kubernetes.pod.name": "jupyter-ada",
                                        "io.kubernetes.pod.namespace": "hub",
                                        "io.kubernetes.pod.uid": victim.pod_uid,
                                        "io.kubernetes.container.name": "notebook"}, ev
            rc, out = victim.exec("/bin/sh", "-c", split_cmd(banned, f"echo {allow} "))
            assert rc == 0 and f"{allow} {banned}" in out and "inner=0" in out, (rc, out)
            d.wait_for(lambda e: e.get("allowedby") == allow_pattern, what="the allowed exec")
            prom.wait(lambda: metric("cryptnono_execwhacker_processes_killed_total") >= 2 and
                      metric("cryptnono_execwhacker_processes_allowed_total") >= 1, 15,
                      "the kills and the allowed command in Prometheus")

            # helm upgrade with a second banned string: a ..data swap, no restart
            lingering = victim.spawn("/bin/sh", "-c", linger_cmd(banned2))
            # judged at its exec by the old config: allowed, and running
            linger_pid = wait_cmdline(scope, victim, banned2)
            mark = d.mark()
            publish(chart.render([values_file(tmp_path / "values2.yaml",
                                              banned_cm=[banned, banned2], **vals)]), volumes)
            ev = d.wait_for(lambda e: e.get("event") == "Config reloaded", since=mark,
                            timeout=10, what="Config reloaded")
            rc, out = victim.exec("/bin/sh", "-c", split_cmd(banned2))
            assert "inner=137" in out, (rc, out, d.dump())
            sweep_killed = wait_exit(lingering, 3) == 137 and bool(d.find(
                lambda e: e.get("pid") == linger_pid and e.get("source") == "scan" and
                e.get("action") == "killed" and e.get("matched") == banned2))
            prom.wait(lambda: metric("nomine_config_last_reload_successful") == 1, 15,
                      "a successful reload")

            # a values change nomine refuses: the old config stays
            mark = d.mark()
            bad = {"c": {"bannedCommandStrings": [banned3], "allowedCommandPatterns": ["(nm"]}}
            publish(chart.render([values_file(tmp_path / "values3.yaml",
                                              banned_cm=[banned, banned2], extra_configs=bad,
                                              **vals)]), volumes)
            d.wait_for(lambda e: e.get("event") ==
                       "Config reload refused, keeping the previous config", since=mark,
                       timeout=10, what="Config reload refused")
            rc, out = victim.exec("/bin/sh", "-c", split_cmd(banned2))
            assert "inner=137" in out, ("old config lost", rc, out, d.dump())
            rc, out = victim.exec("/bin/sh", "-c", split_cmd(banned3))
            assert "inner=0" in out, ("refused config applied", rc, out, d.dump())
            prom.wait(lambda: metric("nomine_config_last_reload_successful") == 0, 15,
                      "nomine_config_last_reload_successful 0")
    assert victim.running(), "the victim container itself lives on"
    assert d.alive(), "no restart: the same nomine throughout"
    d.check_clean_stop()
    print(f"cgroupns={cgroupns}: started in {started:.1f} s, "
          f"all in {time.monotonic() - t0:.1f} s, reload sweep killed: {sweep_killed}")
    # Under a private cgroup namespace /proc/PID/cgroup paths are relative
    # to nomine's own cgroup ("/../../<scope>/..."): src/cgroupns.c finds
    # that cgroup at start-up and resolves them, so the scope check of the
    # sweep (and of every user-space kill) sees host paths in both cases.
    assert sweep_killed, f"the reload sweep did not kill the running process\n{d.dump()}"


def wait_cmdline(scope, c, needle, timeout=10):
    """The PID of the process of container c whose command line holds
    needle, once there is one."""
    procs = scope.mount / c.cgroup.strip("/") / "cgroup.procs"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in procs.read_text().split():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if needle.encode() in f.read():
                        return int(pid)
            except OSError:
                pass
        time.sleep(0.02)
    raise AssertionError(f"no process of {c.id} runs {needle}")


def wait_exit(p, timeout):
    """The exit code ctr task exec passes on, or None if still running."""
    try:
        p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return p.returncode


class Receiver:
    """An HTTP (or, with a certificate, HTTPS) server on 127.0.0.1:port of
    the network namespace the calling thread is in, serving from a thread
    of its own: every POST body is kept, answered 200. Closed by close()."""

    def __init__(self, port, cert=None):
        import http.server
        import ssl
        import threading
        bodies = self.bodies = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                bodies.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        if cert:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*cert)
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def self_signed(tmp_path):
    """(certificate, key) for 127.0.0.1 that no CA in any bundle signed."""
    cert, key = tmp_path / "tls.crt", tmp_path / "tls.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return str(cert), str(key)


def test_chart_pod_runs_its_responses(pod, containerd, containers, scope,  # noqa: F811
                                      tmp_path):
    """nomine.responses as an operator sets them, in the real pod: webhook
    URLs from a Secret (laid out the kubelet's way, 0400), evidence on a
    hostPath, a command hook brought by extraVolumes (a static busybox: the
    image has no shell) writing to a writable extra volume. A kill in
    another container gives, from the pod's own network namespace, one
    message to the plain webhook; an evidence record (0600 in a 0700
    directory the kubelet made); the hook's run with the event on its
    standard input, under the chart's capabilities and nothing more. The
    HTTPS webhook to a server whose certificate no CA signed fails on that
    certificate, not on a missing CA bundle: libcurl in the image found
    the bundle where it was built to look. The Secret rotated the kubelet's
    way moves the next message to the new URL, without a restart."""
    port = prometheus_server.free_port()
    banned = new_banned()
    plain_port, tls_port, new_port = (prometheus_server.free_port() for _ in range(3))
    hook_dir, out_dir = tmp_path / "hook", tmp_path / "hook-out"
    evidence = tmp_path / "node" / "evidence"
    hook_dir.mkdir()
    shutil.copy("/bin/busybox", hook_dir / "busybox")
    (hook_dir / "hook.sh").write_text("/opt/hook/busybox cat >> /var/lib/nomine/hook/events.json\n")
    values = yaml.safe_load(values_file(
        tmp_path / "base.yaml", scope=scope, port=port, banned_cm=[banned],
        banned_secret=new_banned(), allow_pattern="^nmnever$",
        state_dir=containerd.task_dir).read_text())
    values["nomine"].update({
        "responses": {
            "webhooks": [{"urlSecret": {"name": "nomine-webhooks", "key": "plain"}},
                         {"urlSecret": {"name": "nomine-webhooks", "key": "tls"},
                          "format": "slack"}],
            "commandHook": ["/opt/hook/busybox", "sh", "/opt/hook/hook.sh"],
            "evidence": {"enabled": True, "hostPath": str(evidence)},
            # the HTTPS webhook: one retry 1 s on, then dropped with its error
            "responseRetrySeconds": 1.5, "responseTimeoutSeconds": 2},
        "extraVolumes": [{"name": "hook", "hostPath": {"path": str(hook_dir)}},
                         {"name": "hook-out", "hostPath": {"path": str(out_dir),
                                                           "type": "DirectoryOrCreate"}}],
        "extraVolumeMounts": [{"name": "hook", "mountPath": "/opt/hook"},
                              {"name": "hook-out", "mountPath": "/var/lib/nomine/hook",
                               "readOnly": False}]})
    f = tmp_path / "values.yaml"
    f.write_text(yaml.safe_dump(values))
    docs = chart.render([f])
    c, spec = chart.container(docs), chart.pod_spec(docs)
    assert_scoped(c["args"], scope)
    volumes = {}
    for v in spec["volumes"]:
        if "configMap" in v:
            volumes[v["name"]] = Volume(tmp_path / "volumes" / v["name"])
        elif "secret" in v:
            volumes[v["name"]] = Volume(tmp_path / "volumes" / v["name"],
                                        mode=v["secret"].get("defaultMode", 0o644))
    publish(docs, volumes)
    (webhooks,) = [n for n, v in volumes.items()
                   if n.startswith("response-secret-")]
    volumes[webhooks].write({"plain": f"http://127.0.0.1:{plain_port}/nomine\n",
                             "tls": f"https://127.0.0.1:{tls_port}/slack\n"})
    assert not evidence.exists()

    d = pod(docs, volumes, "private")
    assert_runs_as_rendered(d, c, "private")
    receivers = []
    try:
        with netns(f"/proc/{d.pid}/ns/net"):
            receivers = [Receiver(plain_port), Receiver(tls_port, self_signed(tmp_path)),
                         Receiver(new_port)]
        victim = containers(namespace="hub", pod="jupyter-ada", name="notebook")
        mark = d.mark()
        rc, out = victim.exec("/bin/sh", "-c", split_cmd(banned))
        assert rc == 0 and "inner=137" in out, (rc, out, d.dump())
        killed = d.wait_for(lambda e: e.get("event") == "Killed process", since=mark,
                            what="Killed process")
        hook = d.wait_for(lambda e: e.get("action") == "hook-ran", since=mark, timeout=10,
                          what="the command hook")
        assert hook["exit_status"] == 0 and not hook["timed_out"], hook
        d.wait_for(lambda e: e.get("action") == "notified" and e.get("target") == "webhook 0",
                   since=mark, timeout=10, what="the plain webhook")
        dropped = d.wait_for(lambda e: e.get("action") == "response-dropped", since=mark,
                             timeout=10, what="the HTTPS webhook given up")
        # the Secret rotated the kubelet's way (a ..data swap): nomine
        # reloads it, and the next kill's message goes to the new URL
        mark = d.mark()
        volumes[webhooks].write({"plain": f"http://127.0.0.1:{new_port}/nomine\n",
                                 "tls": f"https://127.0.0.1:{tls_port}/slack\n"})
        d.wait_for(lambda e: e.get("event") == "Config reloaded", since=mark, timeout=10,
                   what="the reload the rotated Secret causes")
        other = containers(namespace="hub", pod="jupyter-bob", name="notebook")
        rc, out = other.exec("/bin/sh", "-c", split_cmd(banned))
        assert rc == 0 and "inner=137" in out, (rc, out, d.dump())
        d.wait_for(lambda e: e.get("action") == "notified" and e.get("target") == "webhook 0",
                   since=mark, timeout=10, what="the message to the rotated URL")
        d.wait_for(lambda e: e.get("action") == "hook-ran", since=mark, timeout=10,
                   what="the second kill's hook")
    finally:
        for r in receivers:
            r.close()
    # one message, the kill's, from the pod's network namespace
    (body,) = receivers[0].bodies
    msg = json.loads(body)
    assert msg["nomine"]["count"] == 1 and msg["event"]["pid"] == killed["pid"], msg
    assert receivers[1].bodies == []
    assert len(receivers[2].bodies) == 1, receivers[2].bodies
    # TLS got as far as the peer's certificate: the CA bundle was loaded
    assert dropped["responder"] == "webhook 1", dropped
    assert "certificate" in dropped["error"] and "CA cert" not in dropped["error"], dropped
    # the hook read each event from its standard input, one line each
    events = [json.loads(ln) for ln in (out_dir / "events.json").read_text().splitlines()]
    assert len(events) == 2 and events[0]["pid"] == killed["pid"], events
    assert all(e["action"] == "killed" for e in events), events
    # the evidence record the log line names, root's only
    record = Path(killed["evidence"])
    assert record.parent == evidence and record.is_file(), killed
    assert evidence.stat().st_mode & 0o777 == 0o700
    assert record.stat().st_mode & 0o777 == 0o600
    assert json.loads(record.read_text())["event"]["pid"] == killed["pid"]
    assert d.alive()
    d.check_clean_stop()
    print(f"HTTPS webhook to a self-signed server: {dropped['error']}")
