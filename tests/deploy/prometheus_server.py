# SPDX-License-Identifier: BSD-2-Clause
"""A real Prometheus (the Debian package's /usr/bin/prometheus) for a test:
started on loopback with a config of the test's own, asked through its HTTP
API, and always stopped (by its PID) when the `with` block ends."""
import contextlib
import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import yaml


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Prometheus:
    def __init__(self, port, proc, log):
        self.base = f"http://127.0.0.1:{port}"
        self.proc = proc
        self.log = log

    def get(self, path, **params):
        """GET path?params; returns the decoded JSON body, also of an error
        answer (status "error", errorType, error)."""
        url = self.base + path + ("?" + urllib.parse.urlencode(params) if params else "")
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            return json.loads(e.read())

    def query(self, expr):
        """An instant query; the API's whole answer."""
        return self.get("/api/v1/query", query=expr)

    def values(self, expr):
        """{frozenset(labels): value} of an instant query that must succeed."""
        r = self.query(expr)
        assert r["status"] == "success", f"{expr}: {r}"
        return {frozenset(s["metric"].items()): float(s["value"][1])
                for s in r["data"]["result"]}

    def wait(self, pred, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = pred()
            if got:
                return got
            time.sleep(0.2)
        raise AssertionError(f"Prometheus: {what} within {timeout} s\n{self.tail()}")

    def tail(self):
        with open(self.log, errors="replace") as f:
            return "prometheus log:\n" + "".join(f.readlines()[-20:])


@contextlib.contextmanager
def running(workdir, targets, job, target_labels=None, rule_files=(), interval="1s"):
    """Runs Prometheus scraping targets ("host:port") as job, with
    target_labels added to them (as relabelling would) and rule_files
    loaded, every `interval`; yields a Prometheus once it is ready."""
    binary = shutil.which("prometheus")
    assert binary, "prometheus (Debian package prometheus, scripts/deps.sh test) is missing"
    workdir.mkdir(parents=True, exist_ok=True)
    config = {
        "global": {"scrape_interval": interval, "scrape_timeout": interval,
                   "evaluation_interval": interval},
        "rule_files": [str(p) for p in rule_files],
        "scrape_configs": [{"job_name": job, "static_configs": [
            {"targets": list(targets), "labels": dict(target_labels or {})}]}],
    }
    (workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    log = workdir / "prometheus.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [binary, f"--config.file={workdir / 'prometheus.yml'}",
             f"--storage.tsdb.path={workdir / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    try:
        prom = Prometheus(port, proc, log)

        def ready():
            assert proc.poll() is None, f"prometheus exited {proc.returncode}\n{prom.tail()}"
            try:
                with urllib.request.urlopen(prom.base + "/-/ready", timeout=2) as r:
                    return r.status == 200
            except OSError:
                return False
        prom.wait(ready, 30, "not ready")
        yield prom
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
