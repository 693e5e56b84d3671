# SPDX-License-Identifier: BSD-2-Clause
"""The network detector on the wire: the first data of a TCP connection in
scope that opens a Stratum (mining pool) session is dropped in the kernel,
its owner killed, the event names owner, destination and the matched bytes.
All traffic goes to loopback: local listeners out of scope play the pool
and record what they receive."""
import socket
import threading
import time

import pytest

from test_metrics import free_port, scrape
from test_network import has_ipv6_loopback

XMRIG_LOGIN = (b'{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":'
               b'"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2'
               b'VBBEt7f2wfn3RVGQBEP3A","pass":"x","agent":"XMRig/6.21.0 (Linux x86_64) '
               b'libuv/1.44.2 gcc/12.2.0","algo":["rx/0","cn/r"]}}\n')
SUBSCRIBE = b'{ "id" : 1 , "method" :\n "mining.subscribe", "params": ["cpuminer/2.5.1"]}\n'
HTTP = b"GET / HTTP/1.1\r\nHost: pool\r\nUser-Agent: curl\r\n\r\n"

# The client: connects, sends its line, says how it went, lingers so that a
# kill shows as SIGKILL. MODE "thread": a second thread sends on the
# socket; "child": a forked child sends on the parent's socket.
CLIENT = r"""
import os, socket, sys, threading, time
host, port, data = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3])
data = data or bytes(range(256)) * int(os.environ.get("BULK", "0"))
mode = os.environ.get("MODE", "")
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
s.settimeout(5)
s.connect((host, port))
print("connected", flush=True)
def send():
    s.sendall(data)
    print("sent", flush=True)
if mode == "thread":
    t = threading.Thread(target=send); t.start(); t.join()
elif mode == "child":
    if os.fork() == 0:
        send()
        time.sleep(float(os.environ.get("LINGER", "5")))
        os._exit(0)
    os.wait()
elif mode == "twice":
    # a second session at once: stopped in the kernel again (a repeat)
    send()
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect((host, port))
    send()
else:
    send()
time.sleep(float(os.environ.get("LINGER", "5")))
"""


class Pool:
    """A TCP listener on loopback (the test's own process, out of scope)
    that keeps everything each connection sends."""

    def __init__(self, host):
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(fam, socket.SOCK_STREAM)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.got = []
        self.lock = threading.Lock()
        self.stop = False
        self.t = threading.Thread(target=self.serve, daemon=True)
        self.t.start()

    def serve(self):
        self.sock.settimeout(0.1)
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self.read, args=(c,), daemon=True).start()

    def read(self, c):
        c.settimeout(0.2)
        buf = b""
        deadline = time.monotonic() + 20
        while not self.stop and time.monotonic() < deadline:
            try:
                b = c.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
            if not b:
                break
            buf += b
            with self.lock:
                self.got.append(b)
        c.close()

    def received(self, wait=0.5):
        time.sleep(wait)
        with self.lock:
            return b"".join(self.got)

    def close(self):
        self.stop = True
        self.t.join(timeout=2)
        self.sock.close()


@pytest.fixture
def pools():
    made = []

    def make(host):
        p = Pool(host)
        made.append(p)
        return p

    yield make
    for p in made:
        p.close()


def config(banned, **kw):
    return {"bannedCommandStrings": [banned], **kw}


def send(spawner, cg, host, port, data, mode="", linger="5"):
    """Runs the client in cg sending data (too long for argv: made by the
    client, which sends bytes(range(256)) repeated)."""
    bulk = str(len(data) // 256) if len(data) > 65536 else "0"
    p, out, _, _ = spawner.run(cg, ["/usr/bin/python3", "-c", CLIENT, host, str(port),
                                    "" if bulk != "0" else data.hex()],
                               env={"MODE": mode, "LINGER": linger, "BULK": bulk}, timeout=30)
    return p, out.decode()


def stratum_event(d, pid, since=0):
    return d.wait_for(lambda e: e.get("source") == "network" and e.get("reason") == "stratum"
                      and e.get("pid") == pid, since=since, what="the Stratum event")


def assert_stratum_blocked(d, spawner, scope, pool, host, data=XMRIG_LOGIN, dest=None,
                           since=0):
    p, out = send(spawner, scope, host, pool.port, data)
    assert p.returncode == -9, f"client ended with {p.returncode}, said {out!r}\n{d.dump()}"
    assert pool.received() == b"", "the pool received something"
    ev = stratum_event(d, p.pid, since)
    assert ev["destination"]["address"] == (dest or host), ev
    assert ev["destination"]["port"] == pool.port, ev
    assert ev["destination"]["protocol"] == "tcp", ev
    assert ev["dropped"] is True, ev
    assert "python3" in ev["exe"], ev
    return ev


def test_xmrig_login_v4_dropped_and_killed(start_daemon, scope, spawner, pools, banned):
    pool = pools("127.0.0.1")
    port = free_port()
    d = start_daemon(config(banned), args=["--metrics-listen", f"127.0.0.1:{port}"])
    net = d.started["features"]["detectors"]["network"]
    assert net["variant"] == "connect-kill+stratum-stop", net
    assert "wire_egress" in d.started["features"]["programs"], d.started
    ev = assert_stratum_blocked(d, spawner, scope, pool, "127.0.0.1")
    assert ev["destination"]["v4_mapped"] is False, ev
    assert ev["stopped_in_kernel"] is True, ev
    assert ev["action"] == "killed", ev
    assert '"method":"login"' in ev["matched"], ev
    _, m = scrape(port)
    assert m["nomine_network_stratum_matches_total"] >= 1
    assert m['nomine_network_detections_total{reason="stratum"}'] >= 1, m
    assert m['nomine_network_detections_total{reason="banned_address"}'] == 0, m
    assert m["nomine_network_packets_inspected_total"] >= 1
    assert m["nomine_network_packet_events_lost_total"] == 0


@pytest.mark.skipif(not has_ipv6_loopback(), reason="no IPv6 loopback")
def test_xmrig_login_v6_dropped(start_daemon, scope, spawner, pools, banned):
    pool = pools("::1")
    d = start_daemon(config(banned))
    ev = assert_stratum_blocked(d, spawner, scope, pool, "::1")
    assert ev["destination"]["v4_mapped"] is False, ev


def test_v4_mapped_socket_dropped_and_flagged(start_daemon, scope, spawner, pools, banned):
    """An AF_INET6 socket to ::ffff:127.0.0.1 sends IPv4 packets: the
    program sees IPv4 and says the socket was IPv6."""
    pool = pools("127.0.0.1")
    d = start_daemon(config(banned))
    ev = assert_stratum_blocked(d, spawner, scope, pool, "::ffff:127.0.0.1", dest="127.0.0.1")
    assert ev["destination"]["v4_mapped"] is True, ev


def test_subscribe_with_json_whitespace(start_daemon, scope, spawner, pools, banned):
    """Bitcoin-style mining.subscribe, spaces and a newline around the
    colon, to whatever port the pool listens on (no port list)."""
    pool = pools("127.0.0.1")
    d = start_daemon(config(banned))
    ev = assert_stratum_blocked(d, spawner, scope, pool, "127.0.0.1", data=SUBSCRIBE)
    assert "mining.subscribe" in ev["matched"], ev
    assert ev["matched"].startswith('{"id":1,"method":'), ev   # whitespace taken out


def test_agent_alone_matches(start_daemon, scope, spawner, pools, banned):
    pool = pools("127.0.0.1")
    d = start_daemon(config(banned))
    data = b'{"id":7,"method":"keepalived","params":{"agent":"xmr-stak/2.10.8"}}\n'
    ev = assert_stratum_blocked(d, spawner, scope, pool, "127.0.0.1", data=data)
    assert ev["matched"][ev["matched_at"]:].startswith("xmr-stak"), ev


def test_benign_traffic_untouched(start_daemon, scope, spawner, pools, banned):
    """HTTP, a JSON-RPC call that is not a pool's, and 8 MiB of bulk data go
    through byte for byte; no event."""
    pool = pools("127.0.0.1")
    d = start_daemon(config(banned))
    bulk = bytes(range(256)) * (8 << 12)
    for data in (HTTP, b'{"jsonrpc":"2.0","method":"getblocktemplate","id":1}\n', bulk):
        before = len(pool.received(wait=0))
        p, out = send(spawner, scope, "127.0.0.1", pool.port, data, linger="0")
        assert p.returncode == 0 and "sent" in out, (p.returncode, out)
        deadline = time.monotonic() + 10
        while len(pool.received(wait=0.05)) < before + len(data) and \
                time.monotonic() < deadline:
            pass
        assert pool.received(wait=0)[before:] == data
    time.sleep(0.3)
    assert not d.find(lambda e: e.get("source") == "network"), d.dump()


def test_audit_mode_lets_bytes_through_and_reports(start_daemon, scope, spawner, pools,
                                                   banned):
    pool = pools("127.0.0.1")
    d = start_daemon(config(banned), args=["--audit"])
    p, out = send(spawner, scope, "127.0.0.1", pool.port, XMRIG_LOGIN, linger="0")
    assert p.returncode == 0 and "sent" in out, (p.returncode, out)
    assert pool.received() == XMRIG_LOGIN
    ev = stratum_event(d, p.pid)
    assert ev["action"] == "audit", ev
    assert ev["dropped"] is False and ev["stopped_in_kernel"] is False, ev


def test_stratum_detection_off_and_reload(start_daemon, scope, spawner, pools, banned):
    pool = pools("127.0.0.1")
    d = start_daemon(config(banned, stratumDetection=False))
    p, out = send(spawner, scope, "127.0.0.1", pool.port, XMRIG_LOGIN, linger="0")
    assert p.returncode == 0 and "sent" in out, (p.returncode, out)
    assert pool.received() == XMRIG_LOGIN
    assert not d.find(lambda e: e.get("source") == "network"), d.dump()
    # flipped on by a reload: the program stays attached, a map flag turns
    mark = d.mark()
    d.write_config("config.json", config(banned, stratumDetection=True))
    d.wait_for(lambda e: e.get("event") == "Config reloaded", since=mark, what="the reload")
    pool2 = pools("127.0.0.1")
    assert_stratum_blocked(d, spawner, scope, pool2, "127.0.0.1", since=mark)
    # and off again
    mark = d.mark()
    d.write_config("config.json", config(banned, stratumDetection=False))
    d.wait_for(lambda e: e.get("event") == "Config reloaded", since=mark, what="the reload")
    pool3 = pools("127.0.0.1")
    p, out = send(spawner, scope, "127.0.0.1", pool3.port, XMRIG_LOGIN, linger="0")
    assert p.returncode == 0 and "sent" in out, (p.returncode, out)
    assert pool3.received() == XMRIG_LOGIN


def test_out_of_scope_untouched(start_daemon, make_cgroup, spawner, pools, banned):
    pool = pools("127.0.0.1")
    d = start_daemon(config(banned))
    outside = make_cgroup("outside")
    p, out = send(spawner, outside, "127.0.0.1", pool.port, XMRIG_LOGIN, linger="0")
    assert p.returncode == 0 and "sent" in out, (p.returncode, out)
    assert pool.received() == XMRIG_LOGIN
    time.sleep(0.3)
    assert not d.find(lambda e: e.get("source") == "network"), d.dump()


def test_thread_sender_is_the_owner(start_daemon, scope, spawner, pools, banned):
    """A thread of the process that connected sends: same process, stopped
    in the kernel, killed."""
    pool = pools("127.0.0.1")
    d = start_daemon(config(banned))
    p, out = send(spawner, scope, "127.0.0.1", pool.port, XMRIG_LOGIN, mode="thread")
    assert p.returncode == -9, (p.returncode, out)
    assert pool.received() == b""
    ev = stratum_event(d, p.pid)
    assert ev["stopped_in_kernel"] is True and "sender" not in ev, ev


def test_forked_child_sending_on_parents_socket(start_daemon, scope, spawner, pools, banned):
    """The owner is the process that connected: a child writing on the
    inherited socket is named as the sender, not stopped by the kernel
    (not the owner), and dies with the owner as its descendant."""
    pool = pools("127.0.0.1")
    d = start_daemon(config(banned))
    p, out = send(spawner, scope, "127.0.0.1", pool.port, XMRIG_LOGIN, mode="child")
    assert p.returncode == -9, (p.returncode, out)
    assert pool.received() == b""
    ev = stratum_event(d, p.pid)
    assert ev["sender"]["pid"] != p.pid and ev["sender"]["comm"] == "python3", ev
    assert ev["stopped_in_kernel"] is False, ev
    assert ev["action"] == "killed" and ev["descendants_killed"] >= 1, ev
    assert not scope.wait_empty(3)


def test_allowed_executable_resumed(start_daemon, scope, spawner, pools, banned):
    """Stopped by the kernel, spared by allowedExecutables: resumed; its
    Stratum stays dropped."""
    import os
    pool = pools("127.0.0.1")
    exe = os.path.realpath("/usr/bin/python3")
    d = start_daemon(config(banned, allowedExecutables=[exe]))
    p, out = send(spawner, scope, "127.0.0.1", pool.port, XMRIG_LOGIN, linger="1")
    assert p.returncode == 0 and "sent" in out, (p.returncode, out)
    assert pool.received() == b""
    ev = stratum_event(d, p.pid)
    assert ev["action"] == "spared" and ev["stopped_in_kernel"] is True, ev


def test_spared_process_stopped_twice_is_resumed_twice(start_daemon, scope, spawner, pools,
                                                        banned):
    """A spared process that opens a second Stratum session at once is
    stopped by the kernel again: that repeat is answered too (resumed), not
    left stopped for good."""
    import os
    pool = pools("127.0.0.1")
    exe = os.path.realpath("/usr/bin/python3")
    d = start_daemon(config(banned, allowedExecutables=[exe]))
    p, out = send(spawner, scope, "127.0.0.1", pool.port, XMRIG_LOGIN, mode="twice", linger="1")
    assert p.returncode == 0 and out.count("sent") == 2, (p.returncode, out, d.dump())
    assert pool.received() == b""
    d.wait_for(lambda e: e.get("reason") == "stratum" and e.get("pid") == p.pid and
               e.get("action") == "spared", what="the first spare")
    assert len(d.find(lambda e: e.get("reason") == "stratum" and e.get("pid") == p.pid and
                      e.get("stopped_in_kernel") is True)) == 2, d.dump()


def test_variant_without_signal(start_daemon, scope, spawner, pools, banned):
    """Kernels that refuse bpf_send_signal in cgroup_skb: dropped, named,
    killed from user space."""
    pool = pools("127.0.0.1")
    d = start_daemon(config(banned), env={"NOMINE_TEST_WIRE_NO_SIGNAL": "1"})
    net = d.started["features"]["detectors"]["network"]
    assert net["variant"] == "connect-kill+stratum-drop" and "NO_SIGNAL" in net["why"], net
    ev = assert_stratum_blocked(d, spawner, scope, pool, "127.0.0.1")
    assert ev["stopped_in_kernel"] is False and ev["action"] == "killed", ev


def test_variant_without_task_helpers(start_daemon, scope, spawner, pools, banned):
    """Kernels whose cgroup_skb programs cannot ask for the current task
    (5.10, 6.1): dropped in the kernel; user space finds the process of the
    socket's cgroup that holds the socket and kills it."""
    pool = pools("127.0.0.1")
    d = start_daemon(config(banned), env={"NOMINE_TEST_WIRE_NO_TASK": "1"})
    net = d.started["features"]["detectors"]["network"]
    assert net["variant"] == "connect-kill+stratum-drop-anon", net
    p, out = send(spawner, scope, "127.0.0.1", pool.port, XMRIG_LOGIN, mode="child")
    assert p.returncode == -9, (p.returncode, out)
    assert pool.received() == b""
    ev = stratum_event(d, p.pid)
    assert ev["owner_from"] == "proc" and ev["action"] == "killed", ev
    assert ev["descendants_killed"] >= 1 and "sender" not in ev, ev
