# SPDX-License-Identifier: BSD-2-Clause
"""The network detector's banned addresses: a process in scope that connects
(TCP) or sends (UDP) to a banned address gets EPERM before a byte leaves,
and is killed with its descendants. All traffic goes to loopback: local
listeners play the pool and must receive nothing."""
import errno
import socket
import time

import pytest

from test_metrics import free_port, scrape

# The client: forks a sleeping child (a descendant to kill), then makes one
# call and says how it went; then sleeps, so that a kill shows as SIGKILL.
CLIENT = r"""
import os, socket, sys, time
kind, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
if os.environ.get("CLIENT_CHILD") == "1" and os.fork() == 0:
    null = os.open(os.devnull, os.O_RDWR)  # the test waits for the pipes' end
    os.dup2(null, 1)
    os.dup2(null, 2)
    time.sleep(30)
    os._exit(0)
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
try:
    if kind == "tcp":
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect((host, port))
        s.sendall(b"hello pool\n")
    else:
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.sendto(b"hello pool\n", (host, port))
    print("sent", flush=True)
except OSError as e:
    print("error", e.errno, flush=True)
time.sleep(float(os.environ.get("CLIENT_LINGER", "10")))
"""


class Pool:
    """A listener on loopback that records whether anything reached it."""

    def __init__(self, kind, host):
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.kind = kind
        self.sock = socket.socket(fam, socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        if kind == "tcp":
            self.sock.listen(16)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]

    def received(self, wait=0.3):
        """What reached it: a list of connections' first bytes (TCP) or of
        datagrams (UDP), after waiting `wait` s for stragglers."""
        time.sleep(wait)
        got = []
        while True:
            try:
                if self.kind == "udp":
                    got.append(self.sock.recv(4096))
                    continue
                c, _ = self.sock.accept()
            except BlockingIOError:
                return got
            c.settimeout(1)
            try:
                got.append(c.recv(4096))
            except OSError:
                got.append(b"")
            c.close()

    def close(self):
        self.sock.close()


@pytest.fixture
def pools():
    made = []

    def make(kind, host):
        p = Pool(kind, host)
        made.append(p)
        return p

    yield make
    for p in made:
        p.close()


def has_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def net_events(d, since=0):
    return d.find(lambda e: e.get("source") == "network", since=since)


def call(spawner, cg, kind, host, port, linger="0"):
    """Runs the client in cg; returns (Popen, stdout text). A client meant to
    be killed (linger) forks a child first, a descendant the kill must reach;
    others do not leave one behind in the scope."""
    env = {"CLIENT_LINGER": linger, "CLIENT_CHILD": "1" if float(linger) >= 10 else "0"}
    p, out, _, _ = spawner.run(cg, ["/usr/bin/python3", "-c", CLIENT, kind, host, str(port)],
                               env=env, timeout=30)
    return p, out.decode()


def assert_blocked(d, spawner, scope, pool, host, dest=None, since=0, kind=None):
    """The client in scope calling host gets EPERM, is killed with its child,
    the pool receives nothing, and the event names the destination."""
    kind = kind or pool.kind
    p, out = call(spawner, scope, kind, host, pool.port, linger="10")
    assert p.returncode == -9, f"client ended with {p.returncode}, said {out!r}\n{d.dump()}"
    # the kill may come before (or while) the client prints its EPERM
    assert f"error {errno.EPERM}\n".startswith(out), out
    assert pool.received() == [], "the pool received something"
    left = scope.wait_empty(3)
    assert not left, "survivors:\n" + scope.describe(left)
    ev = d.wait_for(lambda e: e.get("source") == "network" and e.get("pid") == p.pid,
                    since=since, what="the network event")
    assert ev["action"] == "killed", ev
    assert ev["destination"]["address"] == (dest or host), ev
    assert ev["destination"]["port"] == pool.port, ev
    assert ev["destination"]["protocol"] == kind, ev
    assert ev["call_refused"] is True, ev
    assert ev["descendants_killed"] >= 1, ev
    return ev


def config(banned, addrs=(), files=()):
    c = {"bannedCommandStrings": [banned], "bannedAddresses": list(addrs)}
    if files:
        c["bannedAddressFiles"] = list(files)
    return c


def test_tcp_v4_blocked_and_killed(start_daemon, scope, spawner, pools, banned):
    pool = pools("tcp", "127.0.0.2")
    port = free_port()
    d = start_daemon(config(banned, ["127.0.0.2"]),
                     args=["--metrics-listen", f"127.0.0.1:{port}"])
    assert d.started["features"]["detectors"]["network"]["variant"] == \
        "connect-kill+stratum-stop", d.started
    assert d.started["banned_addresses_ipv4"] == 1
    assert {"net_connect4", "net_connect6", "net_sendmsg4", "net_sendmsg6"} <= \
        set(d.started["features"]["programs"]), d.started
    ev = assert_blocked(d, spawner, scope, pool, "127.0.0.2")
    assert ev["destination"]["call"] == "connect"
    assert ev["banned_address"] == "127.0.0.2"
    assert ev["banned_address_at"].endswith("config.json:1")
    assert "python3" in ev["exe"]
    _, m = scrape(port)
    assert m['nomine_detector_info{detector="network",variant="connect-kill+stratum-stop"}'] == 1
    assert m['nomine_detector_refused{detector="network"}'] == 0
    assert m["nomine_network_calls_banned_total"] == 1
    assert m['nomine_network_detections_total{reason="banned_address"}'] == 1, m
    for r in ("pool_port", "scan", "stratum", "domain"):
        assert m[f'nomine_network_detections_total{{reason="{r}"}}'] == 0, m
    assert m["nomine_network_calls_checked_total"] >= 1
    assert m["nomine_network_events_lost_total"] == 0


@pytest.mark.skipif(not has_ipv6_loopback(), reason="no IPv6 loopback")
def test_tcp_v6_blocked(start_daemon, scope, spawner, pools, banned):
    pool = pools("tcp", "::1")
    d = start_daemon(config(banned, ["::1"]))
    assert_blocked(d, spawner, scope, pool, "::1")


def test_v4_mapped_ipv6_socket_checked_against_ipv4(start_daemon, scope, spawner, pools,
                                                    banned):
    """An AF_INET6 socket to ::ffff:127.0.0.2 reaches the IPv4 listener:
    connect6 must apply the IPv4 list."""
    pool = pools("tcp", "127.0.0.2")
    d = start_daemon(config(banned, ["127.0.0.2"]))
    ev = assert_blocked(d, spawner, scope, pool, "::ffff:127.0.0.2", dest="127.0.0.2")
    assert ev["destination"].get("v4_mapped") is True, ev


def test_udp_sendmsg_blocked(start_daemon, scope, spawner, pools, banned):
    pool = pools("udp", "127.0.0.2")
    d = start_daemon(config(banned, ["127.0.0.2"]))
    ev = assert_blocked(d, spawner, scope, pool, "127.0.0.2")
    assert ev["destination"]["call"] == "sendmsg"


def test_cidr_and_its_edges(start_daemon, scope, spawner, pools, banned):
    inside, outside = pools("tcp", "127.0.2.9"), pools("tcp", "127.0.3.9")
    d = start_daemon(config(banned, ["127.0.2.0/24"]))
    ev = assert_blocked(d, spawner, scope, inside, "127.0.2.9")
    assert ev["banned_address"] == "127.0.2.0/24"
    p, out = call(spawner, scope, "tcp", "127.0.3.9", outside.port)
    assert p.returncode == 0 and "sent" in out, (p.returncode, out)
    assert outside.received() == [b"hello pool\n"]


def test_address_file_glob_with_comments(start_daemon, scope, spawner, pools, banned, tmp_path):
    files = tmp_path / "pools"
    files.mkdir()
    (files / "a.list").write_text("# pools seen in the wild\n\n127.0.6.0/24  # one\n")
    (files / "b.list").write_text("# nothing here\n")
    (files / "c.txt").write_text("127.0.7.7\n")         # not matched by the glob
    pool, other = pools("tcp", "127.0.6.6"), pools("tcp", "127.0.7.7")
    d = start_daemon(config(banned, files=[str(files / "*.list")]))
    assert d.started["banned_address_files"] == 2, d.started
    ev = assert_blocked(d, spawner, scope, pool, "127.0.6.6")
    assert ev["banned_address_at"] == f"{files}/a.list:3"
    p, out = call(spawner, scope, "tcp", "127.0.7.7", other.port)
    assert p.returncode == 0 and "sent" in out, (p.returncode, out)


def test_address_file_change_reloads(start_daemon, scope, spawner, pools, banned, tmp_path):
    """An address file is watched like a config file: a ConfigMap-style
    update of its directory reloads, and the new networks are in force."""
    import os
    files = tmp_path / "pools"
    files.mkdir()
    (files / "a.list").write_text("127.0.9.1\n")
    pool = pools("tcp", "127.0.9.2")
    d = start_daemon(config(banned, files=[str(files / "*.list")]))
    p, out = call(spawner, scope, "tcp", "127.0.9.2", pool.port)
    assert p.returncode == 0 and "sent" in out, (p.returncode, out)
    assert pool.received() == [b"hello pool\n"]
    mark = d.mark()
    tmp = files / ".tmp"
    tmp.write_text("127.0.9.1\n127.0.9.2\n")
    os.rename(tmp, files / "a.list")
    ev = d.wait_for(lambda e: e.get("event") == "Config reloaded", since=mark,
                    what="the reload an address file caused")
    assert ev["banned_addresses_ipv4"] == 2, ev
    assert_blocked(d, spawner, scope, pool, "127.0.9.2", since=mark)


def test_bad_address_file_refused_with_its_line(nomine_bin, scope, tmp_path, banned):
    import subprocess
    (tmp_path / "x.list").write_text("127.0.0.1\n\n127.0.0.300\n")
    cfg = tmp_path / "c.json"
    import json
    cfg.write_text(json.dumps(config(banned, files=[str(tmp_path / "*.list")])))
    r = subprocess.run([str(nomine_bin), "run", "--config", str(cfg), "--scope-cgroup",
                        scope.name], capture_output=True, timeout=30)
    assert r.returncode == 2, r
    assert f"{tmp_path}/x.list:3: not an IPv4 address".encode() in r.stdout + r.stderr


def test_200k_entries_load_and_block(start_daemon, scope, spawner, pools, banned, tmp_path):
    n = 200_000
    lines = [f"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}" for i in range(n - 2)]
    lines += ["2001:db8::/32", "127.0.8.8"]
    (tmp_path / "big.list").write_text("\n".join(lines) + "\n")
    pool = pools("tcp", "127.0.8.8")
    t0 = time.monotonic()
    d = start_daemon(config(banned, files=[str(tmp_path / "big.list")]))
    took = time.monotonic() - t0
    assert d.started["banned_addresses_ipv4"] == n - 1, d.started
    assert d.started["banned_addresses_ipv6"] == 1
    loaded = d.wait_for(lambda e: "networks loaded in" in e.get("message", e.get("event", "")),
                        what="the load time")
    print(f"200k networks: daemon up in {took:.2f} s; {loaded}")
    assert_blocked(d, spawner, scope, pool, "127.0.8.8")


def test_out_of_scope_untouched(start_daemon, make_cgroup, spawner, pools, banned):
    pool = pools("tcp", "127.0.0.2")
    d = start_daemon(config(banned, ["127.0.0.2"]))
    outside = make_cgroup("outside")
    p, out = call(spawner, outside, "tcp", "127.0.0.2", pool.port)
    assert p.returncode == 0 and "sent" in out, (p.returncode, out)
    assert pool.received() == [b"hello pool\n"]
    time.sleep(0.3)
    assert not net_events(d), d.dump()


def test_audit_mode_allows_and_reports(start_daemon, scope, spawner, pools, banned):
    pool = pools("tcp", "127.0.0.2")
    d = start_daemon(config(banned, ["127.0.0.2"]), args=["--audit"])
    p, out = call(spawner, scope, "tcp", "127.0.0.2", pool.port)
    assert p.returncode == 0 and "sent" in out, (p.returncode, out)
    assert pool.received() == [b"hello pool\n"]
    ev = d.wait_for(lambda e: e.get("source") == "network", what="the audit event")
    assert ev["action"] == "audit" and ev["call_refused"] is False, ev


def test_unscoped_attaches_at_the_root(start_daemon, scope, spawner, pools, banned):
    """Without --scope-cgroup (a DaemonSet's default) the network detector's
    programs attach at the cgroup v2 root: every process is seen. Run in
    audit mode only (nothing is refused or killed machine-wide), the
    connect and the packet programs both load and a banned call from any
    cgroup is reported."""
    pool = pools("tcp", "127.0.0.2")
    d = start_daemon(config(banned, ["127.0.0.2"]), args=["--audit"], scopes=[])
    net = d.started["features"]["detectors"]["network"]
    assert net["variant"] == "connect-kill+stratum-stop", d.started
    p, out = call(spawner, scope, "tcp", "127.0.0.2", pool.port)
    assert p.returncode == 0 and "sent" in out, (p.returncode, out)
    ev = d.wait_for(lambda e: e.get("source") == "network" and e.get("pid") == p.pid,
                    what="the audit event")
    assert ev["action"] == "audit" and ev["call_refused"] is False, ev


def test_allowed_executable_spared(start_daemon, scope, spawner, pools, banned):
    """allowedExecutables applies as for the RandomX detector: the call is
    still refused (the kernel cannot ask), the process lives."""
    import os
    pool = pools("tcp", "127.0.0.2")
    exe = os.path.realpath("/usr/bin/python3")
    d = start_daemon({**config(banned, ["127.0.0.2"]), "allowedExecutables": [exe]})
    p, out = call(spawner, scope, "tcp", "127.0.0.2", pool.port, linger="1")
    assert p.returncode == 0 and f"error {errno.EPERM}" in out, (p.returncode, out)
    assert pool.received() == []
    ev = d.wait_for(lambda e: e.get("source") == "network", what="the spared event")
    assert ev["action"] == "spared" and ev["allowedby"] == exe, ev


def test_reload_swaps_the_networks(start_daemon, scope, spawner, pools, banned):
    a, b = pools("tcp", "127.0.5.1"), pools("tcp", "127.0.5.2")
    d = start_daemon(config(banned, ["127.0.5.1"]))
    p, out = call(spawner, scope, "tcp", "127.0.5.2", b.port)
    assert p.returncode == 0, out
    assert b.received() == [b"hello pool\n"]

    mark = d.mark()
    d.write_config("config.json", config(banned, ["127.0.5.2"]))
    d.wait_for(lambda e: e.get("event") == "Config reloaded", since=mark, what="the reload")
    assert_blocked(d, spawner, scope, b, "127.0.5.2", since=mark)
    p, out = call(spawner, scope, "tcp", "127.0.5.1", a.port)
    assert p.returncode == 0 and "sent" in out, (p.returncode, out)
    assert a.received() == [b"hello pool\n"]

    # a bad address: refused, the networks in force stay
    mark = d.mark()
    d.write_config("config.json", {**config(banned, ["127.0.5.1"]),
                                   "bannedAddresses": ["127.0.5.1", "127.0.5.256"]})
    ev = d.wait_for(lambda e: e.get("event", "").startswith("Config reload refused"),
                    since=mark, what="the refusal")
    assert "config.json:1: bannedAddresses items must be IPv4 or IPv6" in ev["error"], ev
    assert_blocked(d, spawner, scope, b, "127.0.5.2", since=mark)


def test_unattributed_variant_still_refuses(start_daemon, scope, spawner, pools, banned):
    """Kernels whose cgroup programs cannot name the caller: the call is
    refused and reported by cgroup, nobody is killed."""
    pool = pools("tcp", "127.0.0.2")
    d = start_daemon(config(banned, ["127.0.0.2"]), env={"NOMINE_TEST_NET_NO_CALLER": "1"})
    net = d.started["features"]["detectors"]["network"]
    assert net["variant"] == "connect-deny+stratum-stop" and net["why"], net
    p, out = call(spawner, scope, "tcp", "127.0.0.2", pool.port)
    assert p.returncode == 0 and f"error {errno.EPERM}" in out, (p.returncode, out)
    assert pool.received() == []
    ev = d.wait_for(lambda e: e.get("source") == "network", what="the refusal event")
    assert ev["action"] == "refused" and ev["cgroup_id"] > 0, ev
    assert ev["destination"]["address"] == "127.0.0.2"


def test_disabled(start_daemon, scope, spawner, pools, banned):
    pool = pools("tcp", "127.0.0.2")
    d = start_daemon(config(banned, ["127.0.0.2"]), args=["--disable", "network"])
    assert d.started["features"]["detectors"]["network"]["variant"] == "disabled"
    p, out = call(spawner, scope, "tcp", "127.0.0.2", pool.port)
    assert p.returncode == 0 and "sent" in out, (p.returncode, out)
