# SPDX-License-Identifier: BSD-2-Clause
"""The network detector's banned domains: a DNS query (UDP, or the first
data of a TCP connection, to port 53) for a banned name or a name under it
is dropped in the kernel and the asker killed with its descendants.

The kernel keys on port 53, so the resolver this plays (a few lines of
Python that answer every query with an empty NOERROR and log what they
received) listens on 127.0.0.1:53 and [::1]:53 inside a network namespace
the test creates; the clients run in the scope cgroup and in that
namespace. Nothing leaves the namespace, and the machine's own resolver
(if any) is never touched."""
import errno
import os
import secrets
import signal
import subprocess
import time

import pytest

from test_metrics import free_port, scrape

# Answers each query (UDP and TCP, IPv4 and IPv6) with its own question and
# no answer, and logs "proto name" for each one received.
RESPONDER = r"""
import os, socket, struct, sys, threading
log = open(sys.argv[1], "a", buffering=1)
def qname(m):
    out, p = [], 12
    while p < len(m) and m[p]:
        out.append(m[p + 1:p + 1 + m[p]].decode("latin-1")); p += 1 + m[p]
    return ".".join(out), p + 5
def answer(m):
    name, end = qname(m)
    return name, m[:2] + b"\x81\x80" + m[4:6] + b"\0\0\0\0\0\0" + m[12:end]
def udp(fam, host):
    s = socket.socket(fam, socket.SOCK_DGRAM); s.bind((host, 53))
    while True:
        m, a = s.recvfrom(4096)
        name, r = answer(m); log.write("udp " + name + "\n"); s.sendto(r, a)
def tcp_one(c):
    with c:
        c.settimeout(5)
        try:
            n = struct.unpack("!H", c.recv(2))[0]; m = b""
            while len(m) < n:
                b = c.recv(n - len(m))
                if not b: return
                m += b
        except (OSError, struct.error):
            log.write("tcp-nothing\n"); return
        name, r = answer(m); log.write("tcp " + name + "\n")
        c.sendall(struct.pack("!H", len(r)) + r)
def tcp(fam, host):
    s = socket.socket(fam, socket.SOCK_STREAM); s.bind((host, 53)); s.listen(16)
    while True:
        c, _ = s.accept(); threading.Thread(target=tcp_one, args=(c,), daemon=True).start()
for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    for f in (udp, tcp):
        threading.Thread(target=f, args=(fam, host), daemon=True).start()
log.write("ready\n")
threading.Event().wait()
"""

# One query for argv's name (in hex: a pool's name on a command line is a
# banned command string of the built-in config) over argv's protocol to
# argv's resolver address, port 53; says "answered", "error ERRNO" or
# "timeout". A client
# meant to be killed forks a sleeping child first (a descendant the kill
# must reach) and lingers after.
CLIENT = r"""
import os, socket, struct, sys, time
proto, host, name = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3]).decode()
if os.environ.get("CLIENT_CHILD") == "1" and os.fork() == 0:
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 1); os.dup2(null, 2)
    time.sleep(30); os._exit(0)
q = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
for label in name.split("."):
    q += bytes([len(label)]) + label.encode()
q += b"\x00\x00\x01\x00\x01"
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
if os.environ.get("SERVE53"):
    # a resolver: it serves port 53 itself (and forwards what it is asked)
    srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind(("127.0.0.2", 53))
try:
    if proto == "udp":
        s = socket.socket(fam, socket.SOCK_DGRAM); s.settimeout(2)
        s.sendto(q, (host, 53))
        r = s.recv(4096)
    else:
        s = socket.socket(fam, socket.SOCK_STREAM); s.settimeout(2)
        split = os.environ.get("TCP_SPLIT", "")
        if split == "nodelay":
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.connect((host, 53))
        if os.environ.get("RAW"):
            s.sendall(bytes.fromhex(os.environ["RAW"]))
        elif split:
            # the length alone, then the message: after its ACK (Nagle
            # would hold the message until then anyway), or right away
            s.sendall(struct.pack("!H", len(q)))
            if split == "acked":
                time.sleep(0.3)
            s.sendall(q)
        else:
            s.sendall(struct.pack("!H", len(q)) + q)
        r = s.recv(4096)[2:]
    print("answered" if r[:2] == b"\x12\x34" else "bad answer", flush=True)
except socket.timeout:
    print("timeout", flush=True)
except OSError as e:
    print("error", e.errno, flush=True)
time.sleep(float(os.environ.get("CLIENT_LINGER", "0")))
"""


class Resolver:
    """A network namespace with loopback up and the responder in it."""

    def __init__(self, tmp_path):
        self.ns = "nmdns-" + secrets.token_hex(4)
        self.log = tmp_path / f"{self.ns}.log"
        self.log.write_text("")
        self.proc = None
        subprocess.run(["ip", "netns", "add", self.ns], check=True, timeout=10)
        try:
            subprocess.run(["ip", "-n", self.ns, "link", "set", "lo", "up"], check=True,
                           timeout=10)
            self.proc = subprocess.Popen(["ip", "netns", "exec", self.ns, "/usr/bin/python3",
                                          "-c", RESPONDER, str(self.log)],
                                         stdin=subprocess.DEVNULL)
            deadline = time.monotonic() + 10
            while "ready" not in self.log.read_text():
                assert self.proc.poll() is None, "the responder ended"
                assert time.monotonic() < deadline, "the responder did not start"
                time.sleep(0.05)
        except BaseException:
            self.close()
            raise
        self.seen = 1

    def received(self, wait=0.3):
        """Queries logged since the last call ("udp NAME", "tcp NAME",
        "tcp-nothing"), after waiting `wait` s for stragglers."""
        time.sleep(wait)
        lines = self.log.read_text().splitlines()
        new, self.seen = lines[self.seen:], len(lines)
        return new

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()        # by its own PID
            self.proc.wait(timeout=10)
        subprocess.run(["ip", "netns", "del", self.ns], timeout=10)


@pytest.fixture
def resolver(tmp_path):
    r = Resolver(tmp_path)
    yield r
    r.close()


def ask(spawner, cg, resolver, proto, host, name, linger="0", **extra):
    """Runs the client in cg and in the resolver's namespace; returns
    (Popen, stdout text). extra: TCP_SPLIT ("acked", "nodelay"), RAW (hex
    bytes to send instead of a query)."""
    env = {"CLIENT_LINGER": linger, "CLIENT_CHILD": "1" if float(linger) >= 10 else "0", **extra}
    p, out, _, _ = spawner.run(cg, ["ip", "netns", "exec", resolver.ns, "/usr/bin/python3",
                                    "-c", CLIENT, proto, host, name.encode().hex()], env=env,
                               timeout=30)
    return p, out.decode()


def pool_name():
    """A banned domain of this run."""
    return f"pool-{secrets.token_hex(4)}.test"


def config(banned, domains):
    return {"bannedCommandStrings": [banned], "bannedDomains": list(domains)}


def assert_answered(spawner, cg, resolver, proto, host, name):
    p, out = ask(spawner, cg, resolver, proto, host, name)
    assert p.returncode == 0 and out == "answered\n", (p.returncode, out)
    assert resolver.received() == [f"{proto} {name}"]


def assert_dropped(d, spawner, scope, resolver, proto, host, name, banned_entry, since=0,
                   **extra):
    """The query leaves nothing at the resolver, the client is killed with
    its child, and the event names the query and the banned entry."""
    p, out = ask(spawner, scope, resolver, proto, host, name, linger="10", **extra)
    assert p.returncode == -signal.SIGKILL, f"client ended {p.returncode}, said {out!r}\n{d.dump()}"
    if proto == "udp":
        # the kill may come before (or while) the client prints its EPERM
        assert f"error {errno.EPERM}\n".startswith(out), out
    got = resolver.received()
    assert not [g for g in got if g.startswith(f"{proto} ")], got
    left = scope.wait_empty(3)
    assert not left, "survivors:\n" + scope.describe(left)
    ev = d.wait_for(lambda e: e.get("source") == "network" and e.get("pid") == p.pid,
                    since=since, what="the DNS event")
    assert ev["reason"] == "domain", ev
    # killed by user space, or by the program itself (the sender was the
    # socket's owner); its descendants are gone either way (above)
    assert ev["action"] == "killed" or ev.get("killed_in_kernel") is True, ev
    assert ev["dropped"] is True, ev
    assert ev["destination"]["port"] == 53 and ev["destination"]["protocol"] == proto, ev
    assert ev["query_name"] == name.lower(), ev
    assert ev["banned_domain"] == banned_entry, ev
    assert ev["banned_domain_at"].endswith("config.json:1"), ev
    return ev


def test_udp_query_for_a_banned_name_and_names_under_it(start_daemon, scope, spawner,
                                                        resolver, banned):
    pool = pool_name()
    port = free_port()
    d = start_daemon(config(banned, [pool]), args=["--metrics-listen", f"127.0.0.1:{port}"])
    assert_dropped(d, spawner, scope, resolver, "udp", "127.0.0.1", pool, pool)
    assert_dropped(d, spawner, scope, resolver, "udp", "127.0.0.1", "xmr.EU1." + pool.upper(),
                   pool)
    # a name that only ends with the same letters, and an unrelated one
    assert_answered(spawner, scope, resolver, "udp", "127.0.0.1", "a" + pool)
    assert_answered(spawner, scope, resolver, "udp", "127.0.0.1", "pypi.org")
    assert d.started["banned_domains"] == 1, d.started
    _, m = scrape(port)
    assert m["nomine_network_dns_queries_banned_total"] == 2, m
    assert m['nomine_network_detections_total{reason="domain"}'] == 2, m
    assert m["nomine_network_packet_events_lost_total"] == 0, m


def test_udp_over_ipv6(start_daemon, scope, spawner, resolver, banned):
    pool = pool_name()
    d = start_daemon(config(banned, [pool]))
    assert_dropped(d, spawner, scope, resolver, "udp", "::1", "a." + pool, pool)
    assert_answered(spawner, scope, resolver, "udp", "::1", "example.org")


def test_tcp_query_dropped(start_daemon, scope, spawner, resolver, banned):
    """The first data of a TCP connection to port 53, past its length: the
    resolver gets the connection but not one byte of the query."""
    pool = pool_name()
    d = start_daemon(config(banned, [pool]))
    assert_dropped(d, spawner, scope, resolver, "tcp", "127.0.0.1", "b." + pool, pool)
    assert_answered(spawner, scope, resolver, "tcp", "127.0.0.1", "example.org")


@pytest.mark.parametrize("split", ["acked", "nodelay"])
def test_tcp_length_sent_apart(start_daemon, scope, spawner, resolver, banned, split):
    """The 2-byte length in a segment of its own: the query that follows
    (after the length was acked, or at once with TCP_NODELAY) is judged
    where it starts, and dropped."""
    pool = pool_name()
    d = start_daemon(config(banned, [pool]))
    assert_dropped(d, spawner, scope, resolver, "tcp", "127.0.0.1", "x." + pool, pool,
                   TCP_SPLIT=split)
    p, out = ask(spawner, scope, resolver, "tcp", "127.0.0.1", "example.org", TCP_SPLIT=split)
    assert p.returncode == 0 and out == "answered\n", (p.returncode, out)
    assert resolver.received() == ["tcp example.org"]


def test_stratum_to_port_53_still_caught(start_daemon, scope, spawner, resolver, banned):
    """A pool listening on port 53: a login that is no banned query goes on
    to the Stratum match."""
    login = (b'{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"x",'
             b'"pass":"x","agent":"XMRig/6.21.0"}}\n')
    d = start_daemon(config(banned, [pool_name()]))
    p, out = ask(spawner, scope, resolver, "tcp", "127.0.0.1", "unused.example", linger="10",
                 RAW=login.hex())
    assert p.returncode == -signal.SIGKILL, (p.returncode, out, d.dump())
    assert not [g for g in resolver.received() if g.startswith("tcp ")]
    ev = d.wait_for(lambda e: e.get("source") == "network" and e.get("pid") == p.pid,
                    what="the Stratum event")
    assert ev["reason"] == "stratum", ev


def test_audit_lets_the_query_through_and_reports(start_daemon, scope, spawner, resolver,
                                                  banned):
    pool = pool_name()
    d = start_daemon(config(banned, [pool]), args=["--audit"])
    p, out = ask(spawner, scope, resolver, "udp", "127.0.0.1", "c." + pool)
    assert p.returncode == 0 and out == "answered\n", (p.returncode, out)
    assert resolver.received() == [f"udp c.{pool}"]
    ev = d.wait_for(lambda e: e.get("source") == "network" and e.get("pid") == p.pid,
                    what="the audit event")
    assert ev["action"] == "audit" and ev["reason"] == "domain", ev
    assert ev["banned_domain"] == pool, ev


def test_reload_adds_a_domain(start_daemon, scope, spawner, resolver, banned):
    first, second = pool_name(), pool_name()
    d = start_daemon(config(banned, [first]))
    assert_answered(spawner, scope, resolver, "udp", "127.0.0.1", second)
    mark = d.mark()
    d.write_config("config.json", config(banned, [first, second]))
    d.wait_for(lambda e: e.get("event") == "Config reloaded", since=mark, what="the reload")
    assert_dropped(d, spawner, scope, resolver, "udp", "127.0.0.1", second, second,
                   since=mark)
    # a bad name: refused with file:line, the names in force stay
    mark = d.mark()
    d.write_config("config.json", config(banned, [first, "bad..name"]))
    ev = d.wait_for(lambda e: e.get("event", "").startswith("Config reload refused"),
                    since=mark, what="the refusal")
    assert "config.json:1: bannedDomains items must be domain names" in ev["error"], ev
    assert_dropped(d, spawner, scope, resolver, "udp", "127.0.0.1", second, second,
                   since=mark)


def test_out_of_scope_untouched(start_daemon, scope, make_cgroup, spawner, resolver, banned):
    pool = pool_name()
    outside = make_cgroup("out")
    d = start_daemon(config(banned, [pool]))
    mark = d.mark()
    assert_answered(spawner, outside, resolver, "udp", "127.0.0.1", pool)
    assert_answered(spawner, outside, resolver, "tcp", "127.0.0.1", pool)
    time.sleep(0.3)
    assert not d.find(lambda e: e.get("source") == "network", since=mark)


def test_builtin_list_bans_a_known_pool(start_daemon, scope, spawner, resolver):
    """No --config: the built-in bannedDomains."""
    d = start_daemon(None)
    p, out = ask(spawner, scope, resolver, "udp", "127.0.0.1", "pool.supportxmr.com",
                 linger="10")
    assert p.returncode == -signal.SIGKILL, (p.returncode, out, d.dump())
    assert resolver.received() == []
    ev = d.wait_for(lambda e: e.get("source") == "network" and e.get("pid") == p.pid,
                    what="the DNS event")
    assert ev["banned_domain"] == "supportxmr.com", ev


def test_a_resolver_forwarding_a_banned_name_is_not_killed(start_daemon, scope, spawner,
                                                           resolver, banned):
    """A resolver in scope (it serves port 53: CoreDNS, node-local-dns)
    forwarding a banned name a client out of scope asked it: its query is
    dropped and reported, but it is not stopped or killed: a banned name
    must not be a way to take the cluster's DNS down."""
    pool = pool_name()
    d = start_daemon(config(banned, [pool]))
    p, out = ask(spawner, scope, resolver, "udp", "127.0.0.1", "a." + pool, linger="1",
                 SERVE53="1")
    assert p.returncode == 0 and out == f"error {errno.EPERM}\n", (p.returncode, out, d.dump())
    assert resolver.received() == []
    ev = d.wait_for(lambda e: e.get("source") == "network" and e.get("pid") == p.pid,
                    what="the resolver's report")
    assert ev["resolver"] is True and ev["action"] == "dropped", ev
    assert ev["reason"] == "domain" and ev["dropped"] is True, ev
    assert ev["stopped_in_kernel"] is False, ev
    assert not d.find(lambda e: e.get("action") == "killed"), d.dump()
