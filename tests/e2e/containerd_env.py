# SPDX-License-Identifier: BSD-2-Clause
"""A private containerd for the tests that run containers (tests/e2e and
tests/deploy): Debian's containerd + runc with their own root, state and
socket under a temporary directory, the CRI plugin off, stopped at the end of
the module with every container it ran.

Containers come two ways: `Containerd.run` starts a busybox rootfs
(`ctr run --rootfs`) carrying the annotations the kubelet's CRI plugin writes
(io.kubernetes.cri.*); `Containerd.import_image` + `run_image` run an OCI
image once, to its end. Either sits in a cgroup path below the test's scope
cgroup, so a daemon's --scope-cgroup fence covers it and nothing else.

Test modules use the fixtures by importing them:
    from containerd_env import containerd, containers"""
import os
import secrets
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from conftest import unavailable

CTR_TIMEOUT = 30


class Containerd:
    def __init__(self, base):
        self.base = Path(base)
        self.sock = self.base / "containerd.sock"
        self.state = self.base / "state"
        self.task_dir = self.state / "io.containerd.runtime.v2.task"
        self.rootfs = self.base / "rootfs"
        self.proc = None
        self.containers = []
        self.oneshots = []

    def start(self):
        for tool in ("containerd", "ctr", "runc"):
            if not shutil.which(tool):
                unavailable(f"{tool} is not installed (scripts/deps.sh test installs it)",
                            bpf=False)
        busybox = shutil.which("busybox")
        if not busybox:
            unavailable("busybox is not installed", bpf=False)
        (self.rootfs / "bin").mkdir(parents=True)
        for d in ("proc", "dev", "sys", "tmp", "etc"):
            (self.rootfs / d).mkdir()
        shutil.copy(busybox, self.rootfs / "bin" / "busybox")
        for applet in ("sh", "sleep", "cat", "echo", "true"):
            os.symlink("busybox", self.rootfs / "bin" / applet)
        cfg = self.base / "config.toml"
        cfg.write_text(
            'version = 2\n'
            f'root = "{self.base / "root"}"\n'
            f'state = "{self.state}"\n'
            'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n'
            f'[grpc]\n  address = "{self.sock}"\n'
            f'[ttrpc]\n  address = "{self.sock}.ttrpc"\n'
            '[metrics]\n  address = ""\n')
        self.log = open(self.base / "containerd.log", "wb")
        self.proc = subprocess.Popen(["containerd", "--config", str(cfg)], stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + CTR_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"containerd exited {self.proc.returncode}:\n{self.logtext()}")
            if self.ctr("version", check=False).returncode == 0:
                return self
            time.sleep(0.1)
        pytest.fail(f"containerd did not answer within {CTR_TIMEOUT} s:\n{self.logtext()}")

    def logtext(self):
        return (self.base / "containerd.log").read_text(errors="replace")[-3000:]

    def ctr(self, *args, check=True, timeout=CTR_TIMEOUT):
        r = subprocess.run(["ctr", "-a", str(self.sock), "-n", "k8s.io", *args],
                           capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"ctr {' '.join(args)} failed ({r.returncode}): {r.stderr}")
        return r

    def run(self, cgroup_parent, namespace="hub", pod="jupyter-alice", name="notebook",
            image="quay.io/jupyterhub/k8s-singleuser-sample:4.0", env=None, uid=None,
            net_host=False):
        """Starts a container whose init sleeps; returns it. net_host: in the
        host's network namespace (to reach a listener of the test on
        loopback), else in one of its own."""
        c = Container(self, secrets.token_hex(32), cgroup_parent, uid or str(uuid.uuid4()))
        args = ["run", "-d", "--rootfs", "--cgroup", c.cgroup, "--env", "PATH=/bin"]
        if net_host:
            args.append("--net-host")
        for k, v in (env or {}).items():
            args += ["--env", f"{k}={v}"]
        ann = {"io.kubernetes.cri.container-type": "container",
               "io.kubernetes.cri.sandbox-name": pod,
               "io.kubernetes.cri.sandbox-namespace": namespace,
               "io.kubernetes.cri.sandbox-uid": c.pod_uid,
               "io.kubernetes.cri.container-name": name,
               "io.kubernetes.cri.image-name": image}
        for k, v in ann.items():
            args += ["--annotation", f"{k}={v}"]
        self.containers.append(c)
        self.ctr(*args, str(self.rootfs), c.id, "/bin/sleep", "600")
        c.init_pid = int(self.ctr("task", "ls").stdout.split(c.id, 1)[1].split()[0])
        return c

    def import_image(self, archive):
        """Imports an OCI archive (ctr images import); returns the names
        of the images it holds, as containerd lists them."""
        self.ctr("images", "import", str(archive), timeout=120)
        return self.ctr("images", "ls", "-q").stdout.split()

    def run_image(self, image, argv, cgroup, mounts=(), timeout=CTR_TIMEOUT):
        """Runs argv in a container of image to its end (ctr run --rm), in
        cgroup (a path below the test's scope). mounts: (host path, path in
        the container) pairs, bound read-only. Returns the CompletedProcess
        of ctr, whose exit code is the container's."""
        cid = "oneshot-" + secrets.token_hex(8)
        args = ["run", "--rm", "--cgroup", f"{cgroup}/{cid}"]
        for src, dst in mounts:
            args += ["--mount", f"type=bind,src={src},dst={dst},options=rbind:ro"]
        self.oneshots.append(cid)
        return self.ctr(*args, image, cid, *argv, check=False, timeout=timeout)

    def cleanup_container(self, c):
        self.ctr("task", "kill", "-s", "KILL", c.id, check=False)
        for _ in range(100):
            r = self.ctr("task", "delete", c.id, check=False)
            if r.returncode == 0 or "not found" in r.stderr:
                break
            time.sleep(0.05)
        self.ctr("container", "delete", c.id, check=False)

    def stop(self):
        for c in self.containers:
            self.cleanup_container(c)
        for cid in self.oneshots:       # left by a run that timed out
            self.ctr("task", "kill", "-s", "KILL", cid, check=False)
            self.ctr("task", "delete", cid, check=False)
            self.ctr("container", "delete", cid, check=False)
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Container:
    def __init__(self, containerd, cid, cgroup_parent, pod_uid):
        self.containerd = containerd
        self.id = cid
        self.pod_uid = pod_uid
        # kubepods, cgroupfs driver: .../kubepods/burstable/pod<uid>/<id>
        self.pod_cgroup = f"{cgroup_parent}/kubepods/burstable/pod{pod_uid}"
        self.cgroup = f"{self.pod_cgroup}/{cid}"

    def exec(self, *argv, timeout=20):
        """Runs argv inside the container; returns (returncode, stdout)."""
        r = self.containerd.ctr("task", "exec", "--exec-id", "x" + secrets.token_hex(6),
                                self.id, *argv, check=False, timeout=timeout)
        return r.returncode, r.stdout

    def spawn(self, *argv):
        """Starts argv inside the container without waiting."""
        return subprocess.Popen(["ctr", "-a", str(self.containerd.sock), "-n", "k8s.io",
                                 "task", "exec", "--exec-id", "x" + secrets.token_hex(6),
                                 self.id, *argv], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)

    def running(self):
        r = self.containerd.ctr("task", "ls", check=False)
        for line in r.stdout.splitlines():
            if line.startswith(self.id):
                return line.split()[-1] == "RUNNING"
        return False


def remove_v1_dirs(scope_name):
    """runc also makes the path in each cgroup v1 hierarchy; remove what the
    test's containers left there (only below the test's own scope name)."""
    root = Path("/sys/fs/cgroup")
    for h in root.iterdir() if root.is_dir() else []:
        top = h / scope_name.strip("/")
        if not top.is_dir() or h.name == "unified":
            continue
        for dirpath, _d, _f in sorted(os.walk(top), key=lambda t: -len(t[0])):
            try:
                os.rmdir(dirpath)
            except OSError:
                pass


@pytest.fixture(scope="module")
def containerd(tmp_path_factory):
    if os.geteuid() != 0:
        unavailable("container tests need root", bpf=False)
    c = Containerd(tmp_path_factory.mktemp("containerd")).start()
    yield c
    c.stop()


@pytest.fixture
def containers(containerd, scope):
    """Runs containers below the test's scope; deletes them afterwards."""
    made = []

    def run(**kw):
        c = containerd.run(scope.name, **kw)
        made.append(c)
        return c

    yield run
    for c in made:
        containerd.cleanup_container(c)
    remove_v1_dirs(scope.name)


def banned_cmd(banned, linger=False):
    """A shell line that execs a command line holding banned, without holding
    it itself (so only the inner sh is judged). linger: the inner sh lives
    on (a verdict taken in user space, after exec, needs a live process)."""
    half = len(banned) // 2
    tail = "; sleep 10" if linger else ""
    return f'P={banned[:half]}; S={banned[half:]}; sh -c "echo $P$S{tail}"; echo inner=$?'
