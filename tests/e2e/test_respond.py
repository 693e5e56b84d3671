# SPDX-License-Identifier: BSD-2-Clause
"""Responses after a kill, as a whole: they never delay a kill (a hub that
hangs, measured side by side), memory stays bounded under a flood of kills
(queues full, drops counted and logged once), audit mode only says what it
would do, bad settings fail at start-up with FILE:LINE and a reload keeps
the last good ones, and secrets (the hub token, webhook URLs) never reach a
log line. The hub, webhook, Alertmanager, hook and evidence responders each
have their own test file."""
import json
import os
import socket
import statistics
import time

import pytest

from containerd_env import banned_cmd, containerd, containers  # noqa: F401 (fixtures)
from test_metrics import free_port, scrape


class Silent:
    """A TCP listener that never accepts: connections complete in the
    backlog and every request then waits for an answer that never comes, as
    with a hung hub or webhook."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def close(self):
        self.sock.close()


@pytest.fixture
def silent():
    s = Silent()
    yield s
    s.close()


def secret_file(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text + "\n")
    p.chmod(0o600)
    return str(p)


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_hung_hub_delays_no_kill(start_daemon, containerd, containers, banned, silent,
                                 tmp_path):
    """Kills of a hub user's processes with a hub that never answers, and
    with no hub at all, alternated in one daemon (a reload flips it): the
    time from exec to death is the same. The hub's stop waits in its own
    queue (one per user: a flood stops a server once)."""
    token = secret_file(tmp_path, "token", "t0k3n-" + banned)
    base = {"bannedCommandStrings": [banned], "containerdStateDir": str(containerd.task_dir)}
    with_hub = dict(base, hubApiUrl=silent.url + "/hub/api", hubApiTokenFile=token,
                    responseTimeoutSeconds=30)
    d = start_daemon(base, args=["--user-verdict"])
    c = containers(env={"JUPYTERHUB_USER": "alice"})
    times = {"hub": [], "none": []}
    for rnd in range(3):
        for mode in ("hub", "none"):
            mark = d.mark()
            d.write_config("config.json", with_hub if mode == "hub" else base)
            d.wait_for(lambda e: e.get("event") == "Config reloaded", since=mark,
                       timeout=10, what="the reload")
            for _ in range(4):
                t0 = time.monotonic()
                rc, out = c.exec("/bin/sh", "-c", banned_cmd(banned, linger=True))
                times[mode].append(time.monotonic() - t0)
                assert "inner=137" in out, (rc, out, d.dump())
    hub, none = statistics.median(times["hub"]), statistics.median(times["none"])
    print(f"exec to death through ctr exec: median {hub * 1000:.1f} ms with a hung hub, "
          f"{none * 1000:.1f} ms without (ratio {hub / none:.3f})")
    assert hub < none * 1.5 + 0.05, times
    kills = [e for e in d.events if e.get("action") == "killed"]
    assert len(kills) == 24 and all(e.get("user") == "alice" for e in kills)
    # nothing came back from the hub, and nothing was given up yet
    assert not d.find(lambda e: e.get("action") in ("server-stopped", "response-dropped"))


def test_flood_keeps_memory_bounded(start_daemon, scope, spawner, banned, silent, tmp_path):
    """2,000 kills with every responder stuck (a hook that sleeps, a webhook
    and Alertmanager that never answer, evidence on): queues fill, the rest
    is dropped and counted, one line says so, and the daemon's memory stays
    within a few MiB of where it started."""
    hook = tmp_path / "hook.sh"
    hook.write_text("#!/bin/sh\nsleep 30\n")
    hook.chmod(0o755)
    url = secret_file(tmp_path, "url", silent.url + "/hook")
    port = free_port()
    d = start_daemon({"bannedCommandStrings": [banned], "commandHook": [str(hook)],
                      "commandHookTimeoutSeconds": 20, "commandHookConcurrency": 1,
                      "webhooks": [{"urlFile": url}], "alertmanagerUrl": silent.url,
                      "evidenceDir": str(tmp_path / "evidence"), "evidenceMaxRecords": 50,
                      "responseQueueLength": 20, "responseTimeoutSeconds": 60},
                     args=["--metrics-listen", f"127.0.0.1:{port}"])
    half = len(banned) // 2
    loop = (f'P={banned[:half]}; S={banned[half:]}; i=0; '
            f'while [ $i -lt 1000 ]; do sh -c "echo $P$S"; i=$((i+1)); done')
    before = rss_kib(d.proc.pid)
    for _ in range(2):
        spawner.run(scope, ["/bin/sh", "-c", loop], timeout=120)
    d.wait_for(lambda e: len([x for x in d.events if x.get("action") == "killed"]) >= 2000,
               timeout=60, what="2000 kill lines")
    after = rss_kib(d.proc.pid)
    print(f"RSS {before} KiB before, {after} KiB after 2000 kills with stuck responders")
    assert after - before < 16 * 1024, (before, after)
    _, m = scrape(port)
    hook_dropped = m['nomine_responses_total{responder="command-hook",outcome="dropped"}']
    assert hook_dropped > 1000, m
    full = [e for e in d.events if e.get("action") == "response-dropped"
            and e.get("responder") == "command-hook"]
    assert len(full) == 1, full     # logged once for the run of drops
    assert m['nomine_response_queue_length{responder="command-hook"}'] <= 20


def test_audit_says_what_it_would_do(start_daemon, scope, spawner, banned, tmp_path):
    """--audit: a would-be kill is followed by one line listing the
    responses; no record, no hook run, nothing sent."""
    ran = tmp_path / "ran"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ntouch {ran}\n")
    hook.chmod(0o755)
    got = []
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(8)
        srv.settimeout(0.1)
        url = secret_file(tmp_path, "url", f"http://127.0.0.1:{srv.getsockname()[1]}/x")
        evdir = tmp_path / "evidence"
        d = start_daemon({"bannedCommandStrings": [banned], "commandHook": [str(hook)],
                          "webhooks": [{"urlFile": url, "format": "slack"}],
                          "evidenceDir": str(evdir)}, args=["--audit"])
        p, _, _, _ = spawner.run(scope, ["/bin/sh", "-c", f"echo {banned}"])
        assert p.returncode == 0
        ev = d.wait_for(lambda e: e.get("action") == "would-respond", what="would-respond")
        assert ev["responses"] == ["evidence", "webhook 0", "command-hook"], ev
        time.sleep(1.5)
        try:
            got.append(srv.accept())
        except OSError:
            pass
    assert not got and not ran.exists() and not evdir.exists()


def test_bad_settings_fail_with_file_and_line(start_daemon, nomine_bin, scope, tmp_path,
                                              banned):
    """A missing token file stops the start (exit 2, FILE:LINE); on reload
    the last good settings stay."""
    import subprocess
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"bannedCommandStrings: [{banned}]\n"
                   "hubApiUrl: http://127.0.0.1:9/hub/api\n"
                   f"hubApiTokenFile: {tmp_path}/missing\n")
    r = subprocess.run([str(nomine_bin), "run", "--config", str(cfg), "--scope-cgroup",
                        scope.name], capture_output=True, timeout=60)
    assert r.returncode == 2, r
    assert f"{cfg}:3:" in r.stderr.decode(), r.stderr
    token = secret_file(tmp_path, "token", "secret-" + banned)
    good = {"bannedCommandStrings": [banned], "hubApiUrl": "http://127.0.0.1:9/hub/api",
            "hubApiTokenFile": token}
    d = start_daemon(good)
    mark = d.mark()
    d.write_config("config.json", dict(good, hubApiTokenFile=str(tmp_path / "gone")))
    ev = d.wait_for(lambda e: "reload refused" in e.get("event", ""), since=mark,
                    timeout=10, what="the refused reload")
    assert "config.json" in ev["error"] and "gone" in ev["error"], ev


def test_secrets_never_logged(start_daemon, scope, spawner, banned, tmp_path):
    """The hub's token and a webhook's URL (which carries its secret) appear
    in no line, whatever the targets answer (nothing listens: every attempt
    fails and is finally dropped)."""
    secret = "s3cr3t" + banned[::-1]
    port = free_port()
    token = secret_file(tmp_path, "token", secret)
    url = secret_file(tmp_path, "url", f"http://127.0.0.1:{port}/services/{secret}")
    d = start_daemon({"bannedCommandStrings": [banned],
                      "webhooks": [{"urlFile": url, "format": "slack"}],
                      "hubApiUrl": f"http://127.0.0.1:{port}/hub/api", "hubApiTokenFile": token,
                      "responseRetrySeconds": 2})
    p, _, _, _ = spawner.run(scope, ["/bin/sh", "-c", f"echo {banned}"])
    d.wait_for(lambda e: e.get("action") == "response-dropped"
               and e.get("responder") == "webhook 0", timeout=15, what="the webhook dropped")
    d.stop()
    raw = b"".join(e["_raw"] for e in d.events) + d.stderr
    assert secret.encode() not in raw
    assert str(port).encode() + b"/services" not in raw


def test_scan_waits_for_its_responses(nomine_bin, scope, spawner, banned, tmp_path):
    """`nomine scan` exits right after its kills: it waits for their
    responses first (the record written, the hook run)."""
    import subprocess
    ran = tmp_path / "ran"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\nsleep 0.5\ncat > {ran}\n")
    hook.chmod(0o755)
    evdir = tmp_path / "evidence"
    conf = tmp_path / "c.json"
    conf.write_text(json.dumps({"bannedCommandStrings": [banned], "commandHook": [str(hook)],
                                "evidenceDir": str(evdir)}))
    p = spawner.spawn(scope, ["sh", "-c", f"sleep 10; : {banned}"])
    time.sleep(0.3)
    r = subprocess.run([str(nomine_bin), "scan", "--config", str(conf), "--scope-cgroup",
                        scope.name], capture_output=True, timeout=60)
    assert r.returncode == 0, r
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    kill = next(e for e in lines if e.get("action") == "killed")
    assert kill["pid"] == p.pid
    assert os.path.exists(kill["evidence"]), kill
    assert json.loads(ran.read_text())["pid"] == p.pid
    assert any(e.get("action") == "hook-ran" for e in lines), r.stdout
