# SPDX-License-Identifier: BSD-2-Clause
"""The real-miner tests' two moving parts: the loopback pool (pool.py, run in
a network namespace of its own) and one miner run as a container of the
private containerd, in that namespace, below the test's scope cgroup."""
import datetime
import json
import os
import secrets
import select
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
# ctr's default capabilities (containerd 1.6 oci.populateDefaultUnixSpec):
# all dropped, so the miner, root in its container, can change nothing of
# the host's (vm.nr_hugepages, MSRs, modules) even where a path is writable
DEFAULT_CAPS = ("CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID",
                "SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL",
                "AUDIT_WRITE")


def wall_to_mono(timestamp, ref, fmt="%Y-%m-%dT%H:%M:%S.%fZ"):
    """A log line's UTC timestamp (nomine's "...T15:23:38.122402Z", or fmt)
    on the monotonic clock, through ref = (monotonic, epoch) read together."""
    t = datetime.datetime.strptime(timestamp, fmt)
    epoch = t.replace(tzinfo=datetime.timezone.utc).timestamp()
    return ref[0] + (epoch - ref[1])


class Pool:
    """pool.py in a new network namespace (only lo, up): its facts in
    self.events as they come. netns is the path a miner joins."""

    def __init__(self, difficulty, verify=5):
        argv = [sys.executable, str(HERE / "pool.py"), "--new-netns",
                "--difficulty", str(difficulty), "--verify", str(verify)]
        self.difficulty = difficulty
        self.events = []
        self.cond = threading.Condition()
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL)
        threading.Thread(target=self._read, daemon=True).start()
        first = self.wait_for(lambda e: e["event"] == "listening", 20, "the pool's listening line")
        self.port = first["port"]
        self.netns = f"/proc/{self.proc.pid}/ns/net"

    def _read(self):
        for raw in iter(self.proc.stdout.readline, b""):
            with self.cond:
                self.events.append(json.loads(raw))
                self.cond.notify_all()
        with self.cond:
            self.events.append({"event": "pool exited"})
            self.cond.notify_all()

    def wait_for(self, pred, timeout, what):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for e in self.events:
                    if pred(e):
                        return e
                left = deadline - time.monotonic()
                if left <= 0 or any(e["event"] == "pool exited" for e in self.events):
                    break
                self.cond.wait(min(left, 0.2))
        err = self.proc.stderr.read().decode(errors="replace") if self.proc.poll() is not None \
            else ""
        raise AssertionError(f"pool: no {what} within {timeout} s\n{self.events[-10:]}\n{err}")

    def find(self, event, valid=None):
        with self.cond:
            return [e for e in self.events if e["event"] == event and
                    (valid is None or e.get("valid") is valid)]

    def interfaces(self):
        """The interface names of the pool's (and so the miner's) namespace."""
        with open(f"/proc/{self.proc.pid}/net/dev") as f:
            return [ln.split(":")[0].strip() for ln in f.readlines()[2:]]

    def routes(self):
        """Its IPv4 routes of the main table (lo's live in the local table)."""
        with open(f"/proc/{self.proc.pid}/net/route") as f:
            return f.readlines()[1:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


class MinerRun:
    """One miner as a container of the private containerd (`ctr run --rm`,
    attached): root file system `rootfs` read-only, `work` (a directory of
    the test's) bound at /tmp, no capabilities, containerd's default seccomp
    profile, the network namespace `netns` joined (no other), in a
    kubepods-style cgroup below `scope` with the annotations the CRI plugin
    writes. start() returns once the task's PID is known."""

    def __init__(self, containerd, scope, rootfs, netns, work, argv, env=None, pod="miner"):
        self.containerd = containerd
        self.cid = secrets.token_hex(32)    # what a container id looks like in a cgroup path
        self.work = Path(work)
        self.pod_uid = str(uuid.uuid4())
        self.cgroup = f"{scope.name}/kubepods/burstable/pod{self.pod_uid}/{self.cid}"
        self.pidfile = self.work.parent / f"{self.cid}.pid"
        self.log_path = self.work.parent / f"{self.cid}.out"
        args = ["run", "--rm", "--rootfs", "--read-only", "--seccomp", "--cgroup", self.cgroup,
                "--with-ns", f"network:{netns}", "--pid-file", str(self.pidfile),
                "--mount", f"type=bind,src={self.work},dst=/tmp,options=rbind:rw",
                "--env", "PATH=/usr/bin:/bin", "--env", "HOME=/tmp"]
        for cap in DEFAULT_CAPS:
            args += ["--cap-drop", f"CAP_{cap}"]
        for k, v in (env or {}).items():
            args += ["--env", f"{k}={v}"]
        for k, v in {"container-type": "container", "sandbox-name": pod,
                     "sandbox-namespace": "hub", "sandbox-uid": self.pod_uid,
                     "container-name": "notebook", "image-name": "quay.io/jupyter/base:2024"
                     }.items():
            args += ["--annotation", f"io.kubernetes.cri.{k}={v}"]
        self.cmd = ["ctr", "-a", str(containerd.sock), "-n", "k8s.io", *args, str(rootfs),
                    self.cid, *argv]
        self.proc = self.pid = self.pidfd = None
        self.started = None         # (monotonic, epoch) when the PID was known
        self.exited = None          # monotonic
        containerd.oneshots.append(self.cid)        # containerd.stop() removes it too

    def start(self, timeout=20):
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                text = self.pidfile.read_text().strip()
            except FileNotFoundError:
                text = ""
            if text:
                self.pid = int(text)
                self.started = (time.monotonic(), time.time())
                try:
                    self.pidfd = os.pidfd_open(self.pid)
                except ProcessLookupError:      # dead and reaped already
                    self.exited = self.started[0]
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.002)
        raise AssertionError(f"the miner's container did not start: ctr exit "
                             f"{self.proc.poll()}\n{self.output()}")

    def since_start(self, mono):
        return mono - self.started[0]

    def wait_exit(self, timeout):
        """The monotonic time the miner's process ended, or None while it
        still runs after timeout seconds."""
        if self.exited is None and self.pidfd is not None:
            if select.select([self.pidfd], [], [], max(timeout, 0))[0]:
                self.exited = time.monotonic()
        return self.exited

    def returncode(self, timeout=15):
        """ctr's exit code: the container's (137 for SIGKILL)."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def status(self):
        """/proc/PID/status of the running miner, as a dict."""
        with open(f"/proc/{self.pid}/status") as f:
            return dict(ln.rstrip("\n").split(":\t", 1) for ln in f if ":\t" in ln)

    def output(self):
        try:
            return self.log_path.read_text(errors="replace")[-3000:]
        except FileNotFoundError:
            return ""

    def stop(self):
        """SIGKILL to the task, the container removed, ctr reaped."""
        if self.proc is None:
            return
        self.containerd.ctr("task", "kill", "-s", "KILL", self.cid, check=False)
        if self.returncode(timeout=15) is None:
            self.proc.kill()
            self.proc.wait()
        self.containerd.ctr("task", "delete", self.cid, check=False)
        self.containerd.ctr("container", "delete", self.cid, check=False)
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None
        self.log.close()


def in_netns(netns, argv, timeout=10):
    """Runs argv on the host, in the network namespace netns only."""
    return subprocess.run(["nsenter", f"--net={netns}", *argv], capture_output=True, text=True,
                          timeout=timeout)


def rpc(netns, port, path, body=None):
    """POSTs (or GETs) JSON to 127.0.0.1:port/path inside netns; returns
    the decoded answer, or None when nothing answered."""
    code = ("import sys, urllib.request\n"
            "d = sys.argv[2].encode() if sys.argv[2] else None\n"
            "print(urllib.request.urlopen(sys.argv[1], data=d, timeout=5).read().decode())\n")
    r = in_netns(netns, [sys.executable, "-c", code, f"http://127.0.0.1:{port}{path}",
                         json.dumps(body) if body is not None else ""])
    return json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else None
