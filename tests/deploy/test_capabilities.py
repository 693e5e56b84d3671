# SPDX-License-Identifier: BSD-2-Clause
"""The capabilities the chart grants nomine are enough, and each one is
needed. nomine runs as the DaemonSet runs it: root with the chart's
capability set as its bounding set (so that is all root gets at exec, as
with `drop: [ALL]` + `add:`), no new privileges, NOMINE_REQUIRE_BPF=1 (every
detector at its best variant, or no start), scoped to the test's cgroup with
a random banned string. In the scope, two processes of another user
(nobody): one already running when nomine starts, with the banned string on
its command line, for the start-up sweep to kill from user space; one that
execs the banned string afterwards, for the kernel to kill at exec.

Then the same with each capability left out in turn, expecting the one
breakage that capability is for (BREAKS), and nothing else broken: so no
capability of the set is there for nothing. The set is read from the
rendered chart; a capability added there without an entry in BREAKS fails."""
import os
import signal
import subprocess
import time

import pytest

import chart
from conftest import Daemon, unavailable

NOBODY = 65534
SCHED_FIFO = 1

# What breaks without each capability.
BREAKS = {
    # no BPF map or program can be made: start-up refused
    "BPF": {"start"},
    # no tracing program (tp_btf, iter/task) may load: start-up refused
    "PERFMON": {"start"},
    # signals to another user's processes: the sweep's kill fails (logged as
    # "kill-failed", an error), and so does the signal-0 check that a PID read from
    # /proc was not reused, so that process's environment is dropped too
    "KILL": {"sweep-kill", "environment"},
    # /proc/PID/exe of another user's process: events lose "exe", and the
    # RandomX detector's allowedExecutables can no longer spare anyone
    "SYS_PTRACE": {"exe"},
    # /proc/PID/environ is mode 0400 of its owner: events lose the hub user's
    # variables (JUPYTERHUB_USER, ...) for processes not killed in the kernel.
    # (It also lets open_by_handle_at map a cgroup id to its path on kernels
    # that do not allow that unprivileged: container metadata.)
    "DAC_READ_SEARCH": {"environment"},
    # RandomX's sampling threads cannot be SCHED_FIFO (nor nice -20): a
    # miner alone on an idle CPU is switched out too rarely to be seen
    "SYS_NICE": {"realtime"},
    # cgroup socket programs (the network detector's connect/sendmsg checks)
    # load only with it: under NOMINE_REQUIRE_BPF start-up is refused
    "NET_ADMIN": {"start"},
}


def chart_capabilities():
    caps = chart.container(chart.render())["securityContext"]["capabilities"]
    assert caps["drop"] == ["ALL"]
    return caps["add"]


class CappedDaemon(Daemon):
    """nomine run, exec'd by setpriv with a bounding set of caps only."""

    def __init__(self, caps, *args, **kw):
        self.caps = caps
        super().__init__(*args, **kw)

    def argv(self):
        bounding = ",".join(["-all"] + ["+" + c.lower() for c in self.caps])
        return (["setpriv", "--bounding-set", bounding, "--inh-caps", "-all",
                 "--no-new-privs", "--"] + super().argv())


def bounding_set():
    with open("/proc/self/status") as f:
        return int(next(ln for ln in f if ln.startswith("CapBnd:")).split()[1], 16)


CAP_NUMBERS = {"DAC_READ_SEARCH": 2, "KILL": 5, "SYS_PTRACE": 19, "SYS_ADMIN": 21,
               "SYS_NICE": 23, "SYS_RESOURCE": 24, "NET_ADMIN": 12, "PERFMON": 38, "BPF": 39}


def rt_threads(pid):
    n = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        n += int(fields[38]) == SCHED_FIFO      # field 41, policy
    return n


def wait_cmdline(pid, needle, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if needle.encode() in f.read():
                    return
        except OSError:
            pass
        time.sleep(0.01)
    raise AssertionError(f"pid {pid} never showed {needle} on its command line")


def as_nobody(script):
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--",
            "sh", "-c", script]


@pytest.fixture
def observe(exec_detector, nomine_bin, make_cgroup, spawner, tmp_path):
    """observe(caps) -> (set of what broke, the daemon): runs the scene of
    the module docstring once under the bounding set caps."""
    runs = []

    def run(caps):
        missing = [c for c in caps if not bounding_set() >> CAP_NUMBERS[c] & 1]
        if missing:
            unavailable(f"this test's own bounding set lacks {missing}", bpf=False)
        scope = make_cgroup("caps")
        banned = "nmt" + os.urandom(6).hex()
        # The banned string travels in the environment, never on a command
        # line nomine is not meant to judge (setpriv's own).
        env = {"NMB": banned, "NMCAPVAR": "pre"}
        pre = spawner.spawn(scope, as_nobody('exec sh -c "sleep 60; :" "$NMB"'), env=env)
        wait_cmdline(pre.pid, banned)
        d = CappedDaemon(caps, nomine_bin, tmp_path / f"d{len(runs)}", [scope],
                         {"c.json": {"bannedCommandStrings": [banned],
                                     "environmentVariables": ["NMCAPVAR"]}},
                         env={"NOMINE_REQUIRE_BPF": "1"})
        runs.append(d)
        d.launch()
        problem = d.await_startup(30)
        if problem:
            d.proc.wait(timeout=10)
            for t in d.threads:
                t.join(timeout=5)
            return {"start"}, d
        d.wait_idle()
        broken = set()
        p, _, _, _ = spawner.run(scope, as_nobody('exec sh -c true "$NMB"'), env=env)
        if p.returncode != -signal.SIGKILL:
            broken.add("exec-kill")
        try:
            pre.wait(timeout=3)
        except subprocess.TimeoutExpired:
            pass                        # alive: the sweep did not kill it
        ev = d.find(lambda e: e.get("pid") == pre.pid and e.get("source") == "scan")
        if pre.returncode != -signal.SIGKILL or not ev or ev[0]["action"] != "killed":
            broken.add("sweep-kill")
        if not ev or "exe" not in ev[0]:
            broken.add("exe")
        if not ev or ev[0].get("environment") != {"NMCAPVAR": "pre"}:
            broken.add("environment")
        if rt_threads(d.proc.pid) == 0:
            broken.add("realtime")
        return broken, d

    yield run
    for d in runs:
        d.stop()
        d.kill()


def test_breakage_table_covers_the_chart_set():
    assert set(chart_capabilities()) == set(BREAKS), \
        "every capability of the chart needs the breakage it prevents in BREAKS, and back"


def test_the_chart_set_runs_every_detector_and_kills(observe):
    broken, d = observe(chart_capabilities())
    assert broken == set(), f"{broken}\n{d.dump()}"
    detectors = d.started["features"]["detectors"]
    assert detectors["exec"]["variant"] == "kernel-verdict", detectors
    assert detectors["lineage"]["variant"] == "task-storage", detectors
    if os.uname().machine == "x86_64":
        assert detectors["randomx"]["variant"] == "mxcsr", detectors


@pytest.mark.parametrize("cap", sorted(BREAKS))
def test_each_capability_is_needed(cap, observe):
    caps = chart_capabilities()
    assert cap in caps
    broken, d = observe([c for c in caps if c != cap])
    assert broken == BREAKS[cap], f"without {cap}: {broken or 'nothing'} broke\n{d.dump()}"
    if cap == "KILL":
        # a live process nomine may not signal is an error to alert on, not
        # a process that left before the kill
        ev = d.find(lambda e: e.get("action") == "kill-failed")
        assert ev and ev[0]["level"] == "error", d.dump()
        assert ev[0]["error"] == "Operation not permitted", d.dump()
        assert not d.find(lambda e: e.get("action") == "missed-kill"), d.dump()
    if "start" in broken:
        assert d.proc.returncode == 1, d.dump()
        assert "Operation not permitted" in d.stderr.decode(), d.dump()
