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
    p, out, _, _ = spawner.run(cg, ["/usr/bin/python3", "-c", CLIENT, host, str(port),
                                    data.hex()],
                               env={"MODE": mode, "LINGER": linger}, timeout=30)
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
    assert "python3" in ev.get("exe", ev.get("comm", "")), ev
    return ev


def test_xmrig_login_v4_dropped_and_killed(start_daemon, scope, spawner, pools, banned):
    pool = pools("127.0.0.1")
    port = free_port()
    d = start_daemon(config(banned), args=["--metrics-listen", f"127.0.0.1:{port}"])
    net = d.started["features"]["detectors"]["network"]
    assert net["variant"] == "connect-kill+stratum-kill", net
    assert "wire_egress" in d.started["features"]["programs"], d.started
    ev = assert_stratum_blocked(d, spawner, scope, pool, "127.0.0.1")
    assert ev["destination"]["v4_mapped"] is False, ev
    assert ev["killed_in_kernel"] is True, ev
    assert '"method":"login"' in ev["matched"], ev
    _, m = scrape(port)
    assert m["nomine_network_stratum_matches_total"] >= 1
    assert m["nomine_network_packets_inspected_total"] >= 1
    assert m["nomine_network_packet_events_lost_total"] == 0
