# SPDX-License-Identifier: BSD-2-Clause
"""deploy/systemd/nomine.service: systemd's own checker finds nothing wrong
with it or its example drop-ins; its hardening scores as systemd rates it;
and the daemon does its whole job under that hardening: kills a banned
command, spares an allowed one (PCRE2 under MemoryDenyWriteExecute), kills a
container whole (the cgroup.kill write that ReadWritePaths= allows), serves
/metrics (RestrictAddressFamilies=), reloads by the unit's ExecReload=.

systemd is not PID 1 on the machines this runs on (no /run/systemd/system:
systemd-run cannot start a transient unit), so unit_sandbox.py applies the
unit's settings itself, read from the file, the way systemd applies them.
The daemon is scoped to the test's cgroup as everywhere in the tests."""
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

import unit_sandbox
from conftest import REPO, Daemon, assert_killed
from containerd_env import banned_cmd, containerd, containers  # noqa: F401 (fixtures)

UNIT = REPO / "deploy/systemd/nomine.service"
DROPINS = sorted((REPO / "deploy/systemd/examples").glob("*.conf"))
SANDBOX = Path(unit_sandbox.__file__)
INSTALLED = "/usr/local/bin/nomine"
# systemd-analyze security's 0-100 scale; the unit scores 48 ("4.8 OK") with
# systemd 252. The options it cannot take (nomine needs root's view of every
# process, BPF and its capabilities) keep it above 40.
MAX_EXPOSURE = 50
REQUIRED = ["NoNewPrivileges=", "ProtectSystem=", "PrivateTmp=", "ProtectKernelModules=",
            "ProtectKernelTunables=", "SystemCallArchitectures=", "LockPersonality=",
            "MemoryDenyWriteExecute=", "RestrictAddressFamilies=~AF_PACKET",
            "RestrictAddressFamilies=~AF_NETLINK", "CapabilityBoundingSet=~CAP_SYS_MODULE",
            "CapabilityBoundingSet=~CAP_SYS_RAWIO",
            "CapabilityBoundingSet=~CAP_SET(UID|GID|PCAP)", "PrivateDevices="]
# (CAP_NET_ADMIN is not in the list: the network detector's cgroup socket
# programs need it.)


def service():
    return unit_sandbox.read_unit(UNIT.read_text())["Service"]


def staged(tmp_path, nomine_bin, dropin=None):
    """The unit (and a drop-in beside it, in NAME.service.d/) under a
    temporary directory, with the installed binary's path turned into the
    built one's: that path is the one thing `verify` checks on this machine
    that differs from a node's."""
    d = tmp_path / "units"
    d.mkdir(exist_ok=True)
    unit = d / "nomine.service"
    unit.write_text(UNIT.read_text().replace(INSTALLED, str(nomine_bin)))
    if dropin is not None:
        (d / "nomine.service.d").mkdir()
        (d / "nomine.service.d" / dropin.name).write_text(
            dropin.read_text().replace(INSTALLED, str(nomine_bin)))
    return unit


def analyze(*args):
    tool = shutil.which("systemd-analyze")
    assert tool, "systemd-analyze is missing (Debian package systemd; scripts/deps.sh test)"
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=120)


def test_unit_runs_nomine_as_documented():
    svc = service()
    assert svc["ExecStart"] == [f"{INSTALLED} run --config /etc/nomine "
                                "--metrics-listen 127.0.0.1:12121"]
    assert svc["ExecReload"] == ["kill -HUP $MAINPID"]
    assert svc["Restart"] == ["on-failure"]
    caps = set(svc["CapabilityBoundingSet"][0].split())
    assert caps == set(svc["AmbientCapabilities"][0].split())
    # the chart's set, each of which test_capabilities shows is needed
    from test_capabilities import BREAKS
    assert caps == {f"CAP_{c}" for c in BREAKS}, caps
    # nomine writes cgroup.kill/cgroup.freeze: the cgroup tree stays writable
    assert svc["ReadWritePaths"] == ["/sys/fs/cgroup"]
    assert "ProtectControlGroups" not in svc


@pytest.mark.parametrize("dropin", [None, *DROPINS], ids=lambda d: d.name if d else "unit")
def test_verify_is_clean(tmp_path, nomine_bin, dropin):
    unit = staged(tmp_path, nomine_bin, dropin)
    r = analyze("verify", str(unit))
    assert r.returncode == 0 and not (r.stdout + r.stderr).strip(), r.stdout + r.stderr
    if dropin is not None:      # the drop-in was read: it sets ExecStart anew
        text = dropin.read_text()
        assert re.search(r"^ExecStart=$", text, re.M), "a drop-in must clear ExecStart first"
        assert "--audit" in text or "--scope-cgroup" in text


def test_verify_would_see_a_mistake(tmp_path, nomine_bin):
    """The check above can fail: a misspelt key (which verify reports but
    does not fail on) is seen in its output."""
    unit = staged(tmp_path, nomine_bin)
    unit.write_text(unit.read_text().replace("ProtectSystem=", "ProtectSytem="))
    r = analyze("verify", str(unit))
    assert "Unknown key 'ProtectSytem'" in r.stdout + r.stderr, r.stdout + r.stderr


def test_security_exposure(tmp_path, nomine_bin):
    unit = staged(tmp_path, nomine_bin)
    r = analyze("security", "--offline=true", f"--threshold={MAX_EXPOSURE}", str(unit))
    assert r.returncode == 0, r.stdout + r.stderr
    m = re.search(r"Overall exposure level for nomine.service: (\d+\.\d)", r.stdout)
    assert m and float(m.group(1)) * 10 <= MAX_EXPOSURE, r.stdout
    marks = {}
    for line in r.stdout.splitlines():
        f = line.split()
        if len(f) > 1 and f[0] in ("✓", "✗"):
            marks[f[1]] = f[0]
    missing = [k for k in REQUIRED if marks.get(k) != "✓"]
    assert not missing, f"not hardened as intended: {missing}\n{r.stdout}"


# --------------------------------------------------------------------------
# the daemon under the unit's hardening


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class UnitDaemon(Daemon):
    """nomine started as the unit's ExecStart says, inside unit_sandbox.py:
    its binary the one under test, /etc/nomine this daemon's config
    directory, the metrics port a free one, plus --scope-cgroup."""

    def __init__(self, *a, port, keep=(), **kw):
        super().__init__(*a, **kw)
        self.port = port
        # what the private /tmp must still show (a binary under test may be there)
        self.keep = [str(self.dir), str(Path(self.nomine).parent), *map(str, keep)]

    def argv(self):
        cmd = shlex.split(service()["ExecStart"][0])
        assert cmd[0] == INSTALLED
        cmd[0] = self.nomine
        cmd[cmd.index("/etc/nomine")] = str(self.dir)
        cmd[cmd.index("127.0.0.1:12121")] = f"127.0.0.1:{self.port}"
        for s in self.scopes:
            cmd += ["--scope-cgroup", s.name]
        keep = [a for k in self.keep for a in ("--keep", k)]
        return [sys.executable, str(SANDBOX), str(UNIT), *keep, "--", *cmd]

    def reload(self):
        """Runs the unit's ExecReload= as systemd would (PATH lookup,
        $MAINPID the daemon's PID)."""
        cmd = [self.proc.pid if a == "$MAINPID" else a
               for a in shlex.split(service()["ExecReload"][0])]
        subprocess.run([str(a) for a in cmd], check=True, timeout=10)


def status(pid):
    with open(f"/proc/{pid}/status") as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


def check_confined(pid):
    """The sandbox really holds the daemon: only the unit's capabilities, no
    new privileges, a seccomp filter, its own mount namespace with / and
    /sys read-only and the cgroup tree writable."""
    st = status(pid)
    caps = service()["CapabilityBoundingSet"][0].split()
    # what the unit keeps, of what this test has (a container may hold fewer)
    want = sum(1 << unit_sandbox.CAPS.index(c) for c in caps) & int(status("self")["CapBnd"], 16)
    assert int(st["CapBnd"], 16) == want and int(st["CapEff"], 16) == want, st
    assert st["NoNewPrivs"].strip() == "1" and st["Seccomp"].strip() == "2", st
    assert os.readlink(f"/proc/{pid}/ns/mnt") != os.readlink("/proc/self/ns/mnt")
    opts = {}
    with open(f"/proc/{pid}/mountinfo") as f:
        for line in f:
            fields = line.split()
            opts[fields[4]] = fields[5].split(",")
    assert "ro" in opts["/"] and "ro" in opts["/sys"], opts
    cg = [p for p in opts if p.startswith("/sys/fs/cgroup")]
    assert cg and all("rw" in opts[p] for p in cg), {p: opts[p] for p in cg}


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        text = r.read().decode()
    return {name: float(v) for name, v in
            (line.rsplit(" ", 1) for line in text.splitlines() if line and line[0] != "#")}


@pytest.fixture
def unit_daemon(exec_detector, nomine_bin, scope, tmp_path, containerd):  # noqa: F811
    made = []

    def start(config):
        d = UnitDaemon(nomine_bin, tmp_path / "etc-nomine", [scope], {"config.json": config},
                       port=free_port(), keep=[containerd.base],
                       startup_timeout=max(20, 3 * exec_detector.seconds))
        made.append(d)
        return d.start()

    yield start
    for d in made:
        try:
            if not d.abandoned:
                d.check_clean_stop()
        finally:
            d.kill()


def test_daemon_does_its_job_under_the_units_hardening(unit_daemon, scope, spawner, containers,
                                                      containerd, banned):  # noqa: F811
    allowed = f"sh -c sleep 5; : {banned} ok"
    config = {"bannedCommandStrings": [banned], "allowedCommandPatterns": [allowed],
              "containerdStateDir": str(containerd.task_dir), "containerKillAfter": 1}
    d = unit_daemon(config)
    check_confined(d.proc.pid)

    p, *_, elapsed = spawner.run(scope, ["sh", "-c", f"sleep 5; : {banned}"])
    assert_killed(p, elapsed)
    d.wait_kill(p.pid)
    # an allow pattern is a PCRE2 match, here without its JIT (no W+X pages)
    p = spawner.spawn(scope, ["sh", "-c", f"sleep 5; : {banned} ok"])
    ev = d.wait_for(lambda e: e.get("pid") == p.pid and e.get("action") == "spared",
                    what="the allowed command spared")
    assert ev["allowedby"] == allowed and p.poll() is None, ev
    p.kill()

    # a whole-container kill writes cgroup.kill (ReadWritePaths=/sys/fs/cgroup)
    c = containers()
    c.exec("/bin/sh", "-c", banned_cmd(banned))    # may die with its container
    ev = d.wait_for(lambda e: e.get("action") == "container-killed", timeout=10,
                    what="container-killed")
    assert ev["method"] == "cgroup.kill" and ev["container_id"] == c.id, ev

    m = scrape(d.port)                        # an AF_INET socket it may have
    assert m['nomine_processes_killed_total{in_kernel="true"}'] >= 2, m
    assert m["nomine_containers_killed_total"] == 1, m

    # ExecReload= (no file changed, so only its SIGHUP can cause a reload)
    mark = d.mark()
    d.reload()
    d.wait_for(lambda e: e.get("event") == "Config reloaded", since=mark, what="the reload")
    ok = 'nomine_config_reloads_total{result="ok"}'
    assert scrape(d.port)[ok] == m[ok] + 1
