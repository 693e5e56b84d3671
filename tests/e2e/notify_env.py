# SPDX-License-Identifier: BSD-2-Clause
"""Receivers of nomine's notifications for the e2e tests, all on loopback:

- `receiver`: a webhook receiver, an HTTP server thread on 127.0.0.1 (random
  port) that records every request (method, path, headers, body) and can be
  told to answer errors first (`answer(500, 500)`) or to hang (`hang()`),
  for the failure tests;
- `alertmanager`: Debian's real prometheus-alertmanager on 127.0.0.1 random
  ports, no clustering, its storage in a temporary directory, a config that
  routes everything to a receiver that does nothing; `alerts()` reads what
  it holds through its own v2 API. Stopped by PID whatever happens.

Test modules use the fixtures by importing them:
    from notify_env import alertmanager, receiver"""
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import unavailable

ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
READY_TIMEOUT = 30
HANG_LIMIT = 120        # a hanging answer is released at stop, or after this


class Request:
    def __init__(self, method, path, headers, body, at):
        self.method, self.path, self.headers, self.body, self.at = \
            method, path, headers, body, at

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<{self.method} {self.path} {self.body[:200]!r}>"


class Receiver:
    """The webhook receiver. Every request is recorded when it arrives
    (before any hang), in self.requests."""

    def __init__(self):
        self.requests = []
        self.cond = threading.Condition()
        self.statuses = []              # answers to give first, then 200
        self.hanging = False
        self.release = threading.Event()
        self.server = None
        self.thread = None

    def start(self):
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _serve(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                with owner.cond:
                    owner.requests.append(Request(self.command, self.path,
                                                  dict(self.headers.items()), body,
                                                  time.monotonic()))
                    owner.cond.notify_all()
                    status = owner.statuses.pop(0) if owner.statuses else 200
                    hang = owner.hanging
                if hang:
                    owner.release.wait(HANG_LIMIT)
                reply = b'{"ok": true}' if status < 300 else b'{"error": "test"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            do_POST = do_PUT = do_GET = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def port(self):
        return self.server.server_address[1]

    def url(self, path="/hook"):
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, *statuses):
        """The next requests get these statuses, in order; then 200."""
        with self.cond:
            self.statuses[:] = list(statuses)

    def hang(self, on=True):
        """Requests from now on get no answer until stop() (or HANG_LIMIT)."""
        with self.cond:
            self.hanging = on
        if not on:
            self.release.set()

    def received(self, path=None):
        with self.cond:
            return [r for r in self.requests if path is None or r.path == path]

    def wait(self, n, timeout=10, path=None):
        """Waits for n requests (to path); returns them all."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                got = [r for r in self.requests if path is None or r.path == path]
                left = deadline - time.monotonic()
                if len(got) >= n or left <= 0:
                    break
                self.cond.wait(min(left, 0.1))
        assert len(got) >= n, f"the receiver got {len(got)} requests, not {n}: {got}"
        return got

    def stop(self):
        self.release.set()
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=5)


@pytest.fixture
def receiver():
    r = Receiver().start()
    try:
        yield r
    finally:
        r.stop()


def free_port():
    """A port free on 127.0.0.1 just now (the kernel's pick)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Alertmanager:
    def __init__(self, base):
        self.base = base
        self.proc = None
        self.port = None
        self.log = None

    def start(self):
        if not (os.path.isfile(ALERTMANAGER) and os.access(ALERTMANAGER, os.X_OK)):
            unavailable(f"{ALERTMANAGER} is not installed (Debian package "
                        "prometheus-alertmanager; scripts/deps.sh test installs it)", bpf=False)
        cfg = self.base / "alertmanager.yml"
        # group_wait 0: an alert is listed at once; the null receiver sends nothing
        cfg.write_text("route:\n  receiver: nowhere\n  group_wait: 0s\n"
                       "receivers:\n  - name: nowhere\n")
        (self.base / "data").mkdir()
        self.log = open(self.base / "alertmanager.log", "wb")
        for _ in range(3):      # a port taken between the pick and the bind: again
            self.port = free_port()
            self.proc = subprocess.Popen(
                [ALERTMANAGER, f"--config.file={cfg}", f"--storage.path={self.base / 'data'}",
                 f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address=",
                 "--log.level=info"],
                stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            if self._await_ready():
                return self
            self._halt()
        pytest.fail(f"alertmanager did not get ready within {READY_TIMEOUT} s:\n{self.logtext()}")

    def _await_ready(self):
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(self.url("/-/ready"), timeout=2) as r:
                    if r.status == 200:
                        return True
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.1)
        return False

    def logtext(self):
        return (self.base / "alertmanager.log").read_text(errors="replace")[-3000:]

    def url(self, path=""):
        return f"http://127.0.0.1:{self.port}{path}"

    def alerts(self, **filters):
        """GET /api/v2/alerts (filters: label=value matchers)."""
        q = "&".join("filter=" + urllib.parse.quote('%s="%s"' % kv) for kv in filters.items())
        with urllib.request.urlopen(self.url("/api/v2/alerts" + ("?" + q if q else "")),
                                    timeout=5) as r:
            return json.loads(r.read())

    def wait_alerts(self, n=1, timeout=10, **filters):
        deadline = time.monotonic() + timeout
        while True:
            got = self.alerts(**filters)
            if len(got) >= n or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert len(got) >= n, f"alertmanager holds {len(got)} alerts, not {n}: {got}"
        return got

    def _halt(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def stop(self):
        self._halt()
        if self.log:
            self.log.close()


@pytest.fixture
def alertmanager(tmp_path):
    base = tmp_path / "alertmanager"
    base.mkdir()
    am = Alertmanager(base)
    try:
        yield am.start()
    finally:
        am.stop()
        shutil.rmtree(base, ignore_errors=True)
