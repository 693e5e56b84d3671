# SPDX-License-Identifier: BSD-2-Clause
"""Scan detection and pool ports: a process in scope that connects (TCP) to
more than uniqueDestinationsThreshold distinct ip:port destinations within
lookbackSeconds is reported once, and killed when uniqueDestinationsAction
says so; a parallel package installer's pattern (many connections to a few
mirrors) is not a scan; a pool port is evidence, and refused only with
banPoolPorts. All traffic goes to listeners on loopback; the test configs
set uncountedNetworks to a TEST-NET range, so that loopback counts."""
import errno
import socket
import time

import pytest

from test_metrics import free_port, scrape

# The client: forks a sleeping child (a descendant to kill) when asked,
# then connects to each "host:port" argument in turn ("sleep:S" pauses S
# seconds), closing each connection, and says how each went; then lingers,
# so that a kill shows as SIGKILL.
CLIENT = r"""
import os, socket, sys, time
if os.environ.get("CLIENT_CHILD") == "1" and os.fork() == 0:
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 1)
    os.dup2(null, 2)
    time.sleep(30)
    os._exit(0)
for arg in sys.argv[1:]:
    if arg.startswith("sleep:"):
        time.sleep(float(arg[6:]))
        continue
    host, port = arg.rsplit(":", 1)
    host = host.strip("[]")
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    s.settimeout(5)
    try:
        s.connect((host, int(port)))
        print("ok", flush=True)
    except OSError as e:
        print("error", e.errno, flush=True)
    s.close()
print("done", flush=True)
time.sleep(float(os.environ.get("CLIENT_LINGER", "0")))
"""

# Workers of a parallel installer: each of N processes makes M short
# connections, round robin over the mirrors.
INSTALLER = r"""
import os, socket, sys
workers, per, mirrors = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
kids = []
for w in range(workers):
    pid = os.fork()
    if pid == 0:
        bad = 0
        for i in range(per):
            host, port = mirrors[(i + w) % len(mirrors)].rsplit(":", 1)
            s = socket.socket()
            s.settimeout(5)
            try:
                s.connect((host, int(port)))
            except OSError:
                bad += 1
            s.close()
        os._exit(1 if bad else 0)
    kids.append(pid)
codes = [os.waitpid(k, 0)[1] for k in kids]
print("done", codes, flush=True)
"""

TEST_NET = "198.51.100.0/24"    # uncounted in tests: covers nothing they use


class Listeners:
    """TCP listeners on loopback (never accepted: the backlog completes the
    handshakes); closed at teardown."""

    def __init__(self):
        self.socks = []

    def make(self, n, host="127.0.0.1", port=0):
        made = []
        for _ in range(n):
            s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
            s.listen(128)
            self.socks.append(s)
            p = s.getsockname()[1]
            made.append(f"[{host}]:{p}" if ":" in host else f"{host}:{p}")
        return made

    def close(self):
        for s in self.socks:
            s.close()


@pytest.fixture
def listeners():
    ls = Listeners()
    yield ls
    ls.close()


def config(banned, threshold=5, **more):
    c = {"bannedCommandStrings": [banned], "uncountedNetworks": [TEST_NET]}
    if threshold:
        c["uniqueDestinationsThreshold"] = threshold
    c.update(more)
    return c


def client(spawner, cg, dests, linger=0.0, child=False, timeout=30):
    p, out, _, _ = spawner.run(cg, ["/usr/bin/python3", "-c", CLIENT, *dests],
                               env={"CLIENT_LINGER": str(linger),
                                    "CLIENT_CHILD": "1" if child else "0"},
                               timeout=timeout)
    return p, out.decode()


def scans(d, since=0):
    return d.find(lambda e: e.get("source") == "network" and e.get("reason") == "scan",
                  since=since)


def no_scan_after(d, since, wait=0.5):
    time.sleep(wait)
    assert not scans(d, since), d.dump()


def wait_scan(d, pid, since=0):
    return d.wait_for(lambda e: e.get("source") == "network" and e.get("reason") == "scan"
                      and e.get("pid") == pid, since=since, what="the scan event")


def metrics(d_port):
    return scrape(d_port)[1]


def test_scanner_reported_once_with_evidence(start_daemon, scope, spawner, listeners, banned):
    dests = listeners.make(8)
    port = free_port()
    d = start_daemon(config(banned), args=["--metrics-listen", f"127.0.0.1:{port}"])
    assert d.started["unique_destinations_threshold"] == 5, d.started
    assert d.started["uncounted_networks"] == 1, d.started
    p, out = client(spawner, scope, dests)
    assert p.returncode == 0 and out.count("ok") == 8, out     # reported, not killed
    ev = wait_scan(d, p.pid)
    assert ev["action"] == "reported", ev
    assert ev["scan"]["unique_destinations"] == 6 and ev["scan"]["threshold"] == 5, ev
    assert ev["scan"]["lookback_seconds"] == 60, ev
    assert 0 <= ev["scan"]["within_seconds"] < 10, ev
    # the destination that went over, then the ones before it
    assert ev["scan"]["last_destinations"] == [dests[5], dests[4], dests[3], dests[2]], ev
    assert f'{ev["destination"]["address"]}:{ev["destination"]["port"]}' == dests[5], ev
    assert ev["destination"]["protocol"] == "tcp" and ev["call_refused"] is False, ev
    assert "pool_port" not in ev, ev
    time.sleep(0.5)
    assert len(scans(d)) == 1, d.dump()      # once, though it went on to 8
    m = metrics(port)
    assert m["nomine_network_scans_total"] == 1
    assert m["nomine_network_scan_destinations_total"] == 8


def test_scanner_killed_when_configured(start_daemon, scope, spawner, listeners, banned):
    dests = listeners.make(10)
    d = start_daemon(config(banned, uniqueDestinationsAction="kill"))
    p, out = client(spawner, scope, dests, linger=10, child=True)
    assert p.returncode == -9, (p.returncode, out, d.dump())
    left = scope.wait_empty(3)
    assert not left, "survivors:\n" + scope.describe(left)
    ev = wait_scan(d, p.pid)
    assert ev["action"] == "killed" and ev["descendants_killed"] >= 1, ev


def test_at_the_threshold_is_not_a_scan(start_daemon, scope, spawner, listeners, banned):
    """Exactly threshold destinations, each connected to several times."""
    dests = listeners.make(5)
    d = start_daemon(config(banned))
    p, out = client(spawner, scope, dests * 4)
    assert p.returncode == 0 and out.count("ok") == 20, out
    no_scan_after(d, 0)


def test_parallel_installer_is_not_a_scan(start_daemon, scope, spawner, listeners, banned):
    """pip-download-like: 6 worker processes, 40 short connections each, to
    3 mirrors: 240 connections, 18 (process, destination) pairs."""
    mirrors = listeners.make(3)
    port = free_port()
    d = start_daemon(config(banned, threshold=4),
                     args=["--metrics-listen", f"127.0.0.1:{port}"])
    p, out, err, _ = spawner.run(scope, ["/usr/bin/python3", "-c", INSTALLER, "6", "40",
                                         *mirrors], timeout=60)
    assert p.returncode == 0 and "done [0, 0, 0, 0, 0, 0]" in out.decode(), (out, err)
    no_scan_after(d, 0)
    m = metrics(port)
    assert m["nomine_network_scan_destinations_total"] == 18, m
    assert m["nomine_network_scans_total"] == 0


def test_uncounted_networks_are_not_counted(start_daemon, scope, spawner, listeners, banned):
    dests = listeners.make(8, host="127.0.0.1")
    others = listeners.make(8, host="127.0.0.2")
    port = free_port()
    d = start_daemon(config(banned, uncountedNetworks=["127.0.0.1/32", TEST_NET]),
                     args=["--metrics-listen", f"127.0.0.1:{port}"])
    p, out = client(spawner, scope, dests)
    assert p.returncode == 0 and out.count("ok") == 8, out
    no_scan_after(d, 0)
    assert metrics(port)["nomine_network_scan_destinations_total"] == 0
    p, out = client(spawner, scope, others)     # 127.0.0.2 still counts
    wait_scan(d, p.pid)


def test_default_uncounted_networks_cover_loopback(start_daemon, scope, spawner, listeners,
                                                    banned):
    dests = listeners.make(8)
    d = start_daemon({"bannedCommandStrings": [banned], "uniqueDestinationsThreshold": 5})
    assert d.started["uncounted_networks"] == 11, d.started
    p, out = client(spawner, scope, dests)
    assert p.returncode == 0 and out.count("ok") == 8, out
    no_scan_after(d, 0)


def test_ipv6_and_v4_mapped(start_daemon, scope, spawner, listeners, banned):
    """A v4-mapped destination counts as the IPv4 one (the same pair);
    IPv6 destinations count on their own."""
    v4 = listeners.make(4)
    mapped = [f"[::ffff:{a.rsplit(':', 1)[0]}]:{a.rsplit(':', 1)[1]}" for a in v4]
    d = start_daemon(config(banned))
    p, out = client(spawner, scope, v4 + mapped)
    assert p.returncode == 0 and out.count("ok") == 8, out
    no_scan_after(d, 0)
    try:
        v6 = listeners.make(6, host="::1")
    except OSError:
        pytest.skip("no IPv6 loopback")
    mark = d.mark()
    p, out = client(spawner, scope, v6)
    ev = wait_scan(d, p.pid, since=mark)
    assert ev["destination"]["address"] == "::1", ev
    assert ev["scan"]["last_destinations"][0] == v6[5], ev


def test_window_expiry_resets(start_daemon, scope, spawner, listeners, banned):
    """lookbackSeconds 1: 4 + 4 destinations 1.5 s apart never make more
    than 5 within a second; 6 within one do."""
    dests = listeners.make(8)
    d = start_daemon(config(banned, lookbackSeconds=1))
    p, out = client(spawner, scope, dests[:4] + ["sleep:1.5"] + dests[4:])
    assert p.returncode == 0 and out.count("ok") == 8, out
    no_scan_after(d, 0)
    # the same 4 again after the window: counted anew, with 2 more: a scan;
    # quiet for a window, then scanning again: reported again
    p, out = client(spawner, scope, dests[:4] + ["sleep:1.5"] + dests[:6] + ["sleep:1.5"] +
                    dests[2:8])
    assert p.returncode == 0 and out.count("ok") == 16, out
    time.sleep(0.5)
    evs = [e for e in scans(d) if e.get("pid") == p.pid]
    assert len(evs) == 2, d.dump()
    assert evs[0]["scan"]["lookback_seconds"] == 1, evs
    assert evs[0]["scan"]["last_destinations"][0] == dests[5], evs
    assert evs[1]["scan"]["last_destinations"][0] == dests[7], evs


def test_reload_changes_the_threshold(start_daemon, scope, spawner, listeners, banned):
    dests = listeners.make(8)
    d = start_daemon(config(banned, threshold=20))
    p, out = client(spawner, scope, dests)
    assert p.returncode == 0 and out.count("ok") == 8, out
    no_scan_after(d, 0)
    mark = d.mark()
    d.write_config("config.json", config(banned, threshold=5))
    ev = d.wait_for(lambda e: e.get("event") == "Config reloaded", since=mark, what="the reload")
    assert ev["unique_destinations_threshold"] == 5, ev
    p, out = client(spawner, scope, dests)
    wait_scan(d, p.pid, since=mark)
    # a bad value: refused with its line, the threshold in force stays
    mark = d.mark()
    d.write_config("config.json", config(banned, threshold=500))
    ev = d.wait_for(lambda e: e.get("event", "").startswith("Config reload refused"),
                    since=mark, what="the refusal")
    assert "config.json:1: uniqueDestinationsThreshold must be an integer 1..127, got 500" \
        in ev["error"], ev
    p, out = client(spawner, scope, dests)
    wait_scan(d, p.pid, since=mark)
    # off: nothing counted
    mark = d.mark()
    d.write_config("config.json", config(banned, threshold=None))
    ev = d.wait_for(lambda e: e.get("event") == "Config reloaded", since=mark, what="the reload")
    assert ev["unique_destinations_threshold"] == 0, ev
    p, out = client(spawner, scope, dests)
    no_scan_after(d, mark)


def test_audit_reports_and_lets_it_live(start_daemon, scope, spawner, listeners, banned):
    dests = listeners.make(8)
    d = start_daemon(config(banned, uniqueDestinationsAction="kill"), args=["--audit"])
    p, out = client(spawner, scope, dests, linger=1)
    assert p.returncode == 0 and out.count("ok") == 8, out
    ev = wait_scan(d, p.pid)
    assert ev["action"] == "audit", ev


def test_pool_port_is_evidence_only_by_default(start_daemon, scope, spawner, listeners,
                                               banned):
    pool_port = free_port()
    pool = listeners.make(1, host="127.0.0.3", port=pool_port)
    other = listeners.make(1, host="127.0.0.4", port=pool_port)
    d = start_daemon(config(banned, threshold=0, poolPorts=[pool_port],
                            bannedAddresses=["127.0.0.4"]))
    assert d.started["pool_ports"] == 1, d.started
    p, out = client(spawner, scope, pool)
    assert p.returncode == 0 and "ok" in out, out
    time.sleep(0.3)
    assert not d.find(lambda e: e.get("source") == "network"), d.dump()
    # a banned address on a pool port: the event says both
    p, out = client(spawner, scope, other, linger=10)
    assert p.returncode == -9, (p.returncode, out)
    ev = d.wait_for(lambda e: e.get("source") == "network", what="the banned event")
    assert ev["reason"] == "banned_address" and ev["pool_port"] is True, ev


def test_ban_pool_ports_refuses_and_kills(start_daemon, scope, spawner, listeners, banned):
    pool_port = free_port()
    pool = listeners.make(1, host="127.0.0.3", port=pool_port)
    fine = listeners.make(1, host="127.0.0.3")
    d = start_daemon(config(banned, threshold=0, poolPorts=[pool_port], banPoolPorts=True))
    p, out = client(spawner, scope, fine)
    assert p.returncode == 0 and "ok" in out, out
    p, out = client(spawner, scope, pool, linger=10, child=True)
    assert p.returncode == -9, (p.returncode, out)
    # the kill may come before, while or after the client prints its EPERM
    assert f"error {errno.EPERM}\ndone\n".startswith(out), out
    ev = d.wait_for(lambda e: e.get("source") == "network" and e.get("pid") == p.pid,
                    what="the pool-port event")
    assert ev["reason"] == "pool_port" and ev["pool_port"] is True, ev
    assert ev["call_refused"] is True and ev["action"] == "killed", ev
    assert ev["descendants_killed"] >= 1, ev
    assert "banned_address" not in ev, ev


def test_ban_pool_ports_reload_off(start_daemon, scope, spawner, listeners, banned):
    pool_port = free_port()
    pool = listeners.make(1, host="127.0.0.3", port=pool_port)
    d = start_daemon(config(banned, threshold=0, poolPorts=[pool_port], banPoolPorts=True))
    mark = d.mark()
    d.write_config("config.json", config(banned, threshold=0, poolPorts=[pool_port]))
    d.wait_for(lambda e: e.get("event") == "Config reloaded", since=mark, what="the reload")
    p, out = client(spawner, scope, pool)
    assert p.returncode == 0 and "ok" in out, out


def test_scan_over_pool_ports_says_so(start_daemon, scope, spawner, listeners, banned):
    dests = listeners.make(6)
    d = start_daemon(config(banned, poolPorts=[int(dests[5].rsplit(":", 1)[1])]))
    p, out = client(spawner, scope, dests)
    ev = wait_scan(d, p.pid)
    assert ev["pool_port"] is True, ev


def test_bad_pool_port_refused_with_its_line(nomine_bin, scope, tmp_path, banned):
    import json
    import subprocess
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"bannedCommandStrings: [{json.dumps(banned)}]\npoolPorts:\n  - 3333\n"
                   "  - 70000\n")
    r = subprocess.run([str(nomine_bin), "run", "--config", str(cfg), "--scope-cgroup",
                        scope.name], capture_output=True, timeout=30)
    assert r.returncode == 2, r
    assert f"{cfg}:4: poolPorts items must be port numbers 1..65535, got 70000".encode() \
        in r.stdout + r.stderr, r
