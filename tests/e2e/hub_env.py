# SPDX-License-Identifier: BSD-2-Clause
"""A real JupyterHub for the tests of nomine's hub responses: Debian's
`jupyterhub` (run with /usr/bin/python3) and its configurable-http-proxy,
both on 127.0.0.1 with free ports, in a temporary directory of their own
(sqlite db, cookie secret, proxy token, generated config).

The user servers are tiny (a user whose name starts with "slow" has a
spawn and a stop that take 4 s, so their pending states can be seen): a Spawner subclass, defined in the generated
config, starts `/usr/bin/python3 -m http.server` on a free loopback port (any
non-5xx answer is the hub's readiness check), so no system users are needed.

The config is the fixture's part followed by the hub snippet of
docs/responses.md, extracted from its one ```python block and loaded
verbatim: the docs cannot drift from what the tests run.

The proxy is started here (the hub is told not to start it), so this module
holds the PIDs of both; the hub runs in a session of its own and the user
servers it spawns stay in its process group. stop() ends the hub (SIGTERM,
which stops the servers), then kills its process group and the proxy by PID,
whatever state they are in.

Test modules use the fixture by importing it:
    from hub_env import hub"""
import ctypes
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import unavailable

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent.parent / "docs" / "responses.md"
JUPYTERHUB = "/usr/bin/jupyterhub"
PROXY = "/usr/bin/configurable-http-proxy"
PYTHON = "/usr/bin/python3"
START_TIMEOUT = 60
BLOCK_GROUP = "nomine-blocked"


def _die_with_parent():
    """preexec_fn: SIGKILL when the test process dies, however it dies."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def q(name):
    """A name as one path segment of the API."""
    return urllib.parse.quote(name, safe="")


def docs_snippet(path=DOCS):
    """The one ```python block of the "JupyterHub" section of docs/responses.md."""
    text = Path(path).read_text()
    section = re.search(r"^## JupyterHub\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert section, f"{path} has no '## JupyterHub' section"
    blocks = re.findall(r"^```python\n(.*?)^```", section.group(1), re.S | re.M)
    assert len(blocks) == 1, f"the JupyterHub section of {path} must hold one python block"
    return blocks[0]


# The fixture's part of jupyterhub_config.py; the snippet follows it.
CONFIG = r'''
import asyncio
import ctypes
import os
import signal
import subprocess
import socket
from jupyterhub.spawner import Spawner

c = get_config()  # noqa
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {proxy_port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.JupyterHub.db_url = "sqlite:///{base}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{base}/cookie_secret"
c.JupyterHub.cleanup_servers = {cleanup}
c.ConfigurableHTTPProxy.should_start = False
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.auth_token = {proxy_token!r}
c.JupyterHub.authenticator_class = "jupyterhub.auth.DummyAuthenticator"
c.JupyterHub.allow_named_servers = True
c.JupyterHub.last_activity_interval = 3600


class TinyServerSpawner(Spawner):
    """A user server that is only `python3 -m http.server` on loopback. Its
    pid and port are the spawner's state, so a hub started again finds the
    servers that outlived it (keep_servers)."""

    pid = 0
    port = 0

    def _port(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    def get_state(self):
        state = super().get_state()
        if self.pid:
            state.update(pid=self.pid, port=self.port)
        return state

    def load_state(self, state):
        super().load_state(state)
        self.pid = state.get("pid", 0)
        self.port = state.get("port", 0)

    def clear_state(self):
        super().clear_state()
        self.pid = self.port = 0

    async def start(self):
        if self.user.name.startswith("slow"):     # a spawn that stays pending
            await asyncio.sleep(4)
        self.port = self._port()
        # same process group as the hub: the fixture's killpg reaches it
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", "-m", "http.server", "--bind", "127.0.0.1",
             str(self.port), "--directory", "{base}/www"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=None if {keep_servers} else
            lambda: ctypes.CDLL(None).prctl(1, signal.SIGKILL))  # dies with the hub
        self.pid = self.proc.pid
        with open("{base}/server-pids", "a") as f:
            f.write(f"{{self.pid}}\n")
        return ("127.0.0.1", self.port)

    async def poll(self):
        proc = getattr(self, "proc", None)
        if proc is not None:            # our child: poll reaps it
            return proc.poll()
        if not self.pid:
            return 0
        try:                            # a server of an earlier hub
            os.kill(self.pid, 0)
            return None
        except ProcessLookupError:
            return 0

    async def stop(self, now=False):
        if self.user.name.startswith("slow"):     # a stop that stays pending
            await asyncio.sleep(4)
        proc = getattr(self, "proc", None)
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        elif proc is None and self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc = None


c.JupyterHub.spawner_class = TinyServerSpawner
# the API answers 202 for a spawn or stop still under way after 1 s
c.JupyterHub.tornado_settings = {{"slow_spawn_timeout": 1, "slow_stop_timeout": 1}}
c.Spawner.http_timeout = 20
c.Spawner.start_timeout = 20
c.JupyterHub.services = [{{"name": "test-admin", "api_token": {admin_token!r}}}]
c.JupyterHub.load_roles = [{{
    "name": "test-admin",
    "scopes": ["admin:users", "admin:servers", "admin:groups", "list:users", "read:users"],
    "services": ["test-admin"],
}}]
{extra}
# ---- docs/responses.md, verbatim ----
'''


class Answer:
    def __init__(self, status, body):
        self.status = status
        self.body = body

    def json(self):
        return json.loads(self.body) if self.body else None

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


class Hub:
    """One JupyterHub and its proxy. extra_tokens: {name: [scopes]}, each a
    service of that name with a role of exactly those scopes, whose token is
    in self.tokens[name] (and a file in self.token_files[name]).
    keep_servers: the user servers outlive the hub (as in a cluster, where
    the hub's pod restarts and the users' pods run on): stop_hub() leaves
    them running, restart_hub() finds them; stop() kills them by PID."""

    def __init__(self, base, extra_tokens=None, keep_servers=False):
        self.base = Path(base)
        self.keep_servers = keep_servers
        self.proxy_port = free_port()
        self.proxy_api_port = free_port()
        self.hub_port = free_port()
        self.admin_token = secrets.token_hex(32)
        self.proxy_token = secrets.token_hex(32)
        self.tokens = {"nomine": secrets.token_hex(32)}
        self.extra = dict(extra_tokens or {})
        for name in self.extra:
            self.tokens[name] = secrets.token_hex(32)
        self.token_files = {}
        self.hub = self.proxy = None
        self.hub_api_url = f"http://127.0.0.1:{self.hub_port}/hub/api"

    # -- life

    def config_text(self):
        extra = []
        for name, scopes in self.extra.items():
            extra.append(f"c.JupyterHub.services.append({{'name': {name!r}, "
                         f"'api_token': {self.tokens[name]!r}}})")
            extra.append(f"c.JupyterHub.load_roles.append({{'name': 'role-{name}', "
                         f"'scopes': {scopes!r}, 'services': [{name!r}]}})")
        return CONFIG.format(proxy_port=self.proxy_port, hub_port=self.hub_port,
                             proxy_api_port=self.proxy_api_port, base=self.base,
                             proxy_token=self.proxy_token, admin_token=self.admin_token,
                             extra="\n".join(extra), keep_servers=self.keep_servers,
                             cleanup=not self.keep_servers) + docs_snippet()

    def start(self):
        for tool in (JUPYTERHUB, PROXY):
            if not os.access(tool, os.X_OK):
                unavailable(f"{tool} is not installed (scripts/deps.sh test installs it)",
                            bpf=False)
        (self.base / "www").mkdir(parents=True, exist_ok=True)
        (self.base / "cookie_secret").write_text(secrets.token_hex(32))
        os.chmod(self.base / "cookie_secret", 0o600)
        for name, tok in self.tokens.items():
            p = self.base / f"token-{name}"
            p.write_text(tok + "\n")
            os.chmod(p, 0o600)
            self.token_files[name] = str(p)
        cfg = self.base / "jupyterhub_config.py"
        cfg.write_text(self.config_text())
        self.proxy_log = open(self.base / "proxy.log", "wb")
        self.proxy = subprocess.Popen(
            [PROXY, "--ip", "127.0.0.1", "--port", str(self.proxy_port),
             "--api-ip", "127.0.0.1", "--api-port", str(self.proxy_api_port),
             "--error-target", f"http://127.0.0.1:{self.hub_port}/hub/error"],
            env=self._env(), stdin=subprocess.DEVNULL, stdout=self.proxy_log,
            stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent)
        self._launch_hub("wb")
        return self

    def _env(self):
        return dict(os.environ, NODE_PATH="/usr/share/nodejs",
                    CONFIGPROXY_AUTH_TOKEN=self.proxy_token,
                    NOMINE_HUB_API_TOKEN=self.tokens["nomine"])

    def _launch_hub(self, log_mode):
        """Starts jupyterhub in a session of its own; returns once its API
        answers."""
        self.hub_log = open(self.base / "hub.log", log_mode)
        self.hub = subprocess.Popen(
            [PYTHON, JUPYTERHUB, "-f", str(self.base / "jupyterhub_config.py")],
            cwd=self.base, env=self._env(), stdin=subprocess.DEVNULL, stdout=self.hub_log,
            stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            for p, what in ((self.hub, "jupyterhub"), (self.proxy, "the proxy")):
                if p.poll() is not None:
                    raise AssertionError(f"{what} exited {p.returncode}\n{self.logtext()}")
            try:
                if self.api("GET", "/").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"jupyterhub did not answer within {START_TIMEOUT} s\n"
                             f"{self.logtext()}")

    def logtext(self, tail=4000):
        out = []
        for name in ("hub.log", "proxy.log"):
            p = self.base / name
            if p.exists():
                out.append(f"--- {name}\n" + p.read_text(errors="replace")[-tail:])
        return "\n".join(out)

    def _server_pids(self):
        p = self.base / "server-pids"
        return [int(x) for x in p.read_text().split()] if p.exists() else []

    def stop_hub(self):
        """Ends the hub: SIGTERM (it stops its servers, unless keep_servers),
        SIGKILL after 15 s; then, unless keep_servers, SIGKILL to its process
        group, sent before the hub is reaped, so the group's id cannot be
        anyone else's yet."""
        if self.hub is None or self.hub.returncode is not None:
            return
        pid = self.hub.pid
        alive = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT | os.WNOHANG) is None
        if alive:
            os.kill(pid, signal.SIGTERM)
            os.kill(pid, signal.SIGCONT)        # a paused hub too
        deadline = time.monotonic() + 15
        while os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT | os.WNOHANG) is None:
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                deadline += 3600
            time.sleep(0.05)
        if not self.keep_servers:
            os.killpg(pid, signal.SIGKILL)      # its session: pgid == pid
        self.hub.wait()
        self.hub_log.close()

    def _kill_servers(self):
        """Every user server still running, by PID: those whose command line
        names this hub's own directory."""
        mark = f"{self.base}/www".encode()
        for pid in self._server_pids():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if mark in f.read().split(b"\0"):
                        os.kill(pid, signal.SIGKILL)
            except (OSError, ProcessLookupError):
                pass

    def stop(self):
        try:
            self.stop_hub()
            self._kill_servers()
        finally:
            if self.proxy is not None:
                try:
                    os.killpg(self.proxy.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proxy.wait()
                self.proxy_log.close()

    def pause_hub(self):
        """A hub that hangs: its process stopped (SIGSTOP). Connections are
        still accepted by the kernel, and never answered."""
        os.kill(self.hub.pid, signal.SIGSTOP)

    def resume_hub(self):
        os.kill(self.hub.pid, signal.SIGCONT)

    def restart_hub(self):
        """Starts the hub again on the same ports and db (after stop_hub)."""
        self._launch_hub("ab")

    # -- API

    def api(self, method, path, body=None, token=None, timeout=30):
        """One call of the hub's REST API (admin token unless token);
        returns an Answer, whatever its status."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.hub_api_url + path, data=data, method=method,
                                     headers={"Authorization":
                                              f"token {token or self.admin_token}"})
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return Answer(r.status, r.read().decode(errors="replace"))
        except urllib.error.HTTPError as e:
            return Answer(e.code, e.read().decode(errors="replace"))

    def user(self, name):
        a = self.api("GET", f"/users/{q(name)}")
        assert a.status == 200, a
        return a.json()

    def add_user(self, name):
        a = self.api("POST", f"/users/{q(name)}")
        assert a.status in (201, 409), a

    def spawn(self, user, server=""):
        """Asks the hub to start user's (named) server; the hub's Answer."""
        path = f"/users/{q(user)}/server" + (f"s/{q(server)}" if server else "")
        return self.api("POST", path)

    def server_running(self, user, server=""):
        s = (self.user(user).get("servers") or {}).get(server)
        return bool(s and s.get("ready"))

    def wait_running(self, user, server="", timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.server_running(user, server):
                return
            time.sleep(0.1)
        raise AssertionError(f"{user}'s server {server!r} is not running\n{self.logtext()}")

    def groups_of(self, user):
        return sorted(self.user(user).get("groups") or [])

    def group_users(self, group):
        a = self.api("GET", f"/groups/{q(group)}")
        assert a.status == 200, a
        return sorted(a.json()["users"])


@pytest.fixture(scope="module")
def hub_factory(tmp_path_factory):
    """Starts hubs (each with its own extra tokens); all stopped at the end."""
    hubs = []

    def make(extra_tokens=None, keep_servers=False):
        h = Hub(tmp_path_factory.mktemp("hub"), extra_tokens, keep_servers)
        hubs.append(h)
        try:
            h.start()
        except BaseException:
            h.stop()
            raise
        return h

    yield make
    for h in hubs:
        h.stop()


@pytest.fixture
def hub(hub_factory):
    """A fresh hub: users alice and bob, each with a running default server
    (started through the API)."""
    h = hub_factory()
    for name in ("alice", "bob"):
        h.add_user(name)
        a = h.spawn(name)
        assert a.status in (201, 202), a
    for name in ("alice", "bob"):
        h.wait_running(name)
    return h
