# SPDX-License-Identifier: BSD-2-Clause
"""Prometheus /metrics, and the switch to user-space verdicts when the
kernel tables do not fit their cap (said once in the log and as a gauge)."""
import secrets
import shutil
import socket
import subprocess
import urllib.request

from conftest import assert_killed


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        assert r.headers["Content-Type"].startswith("text/plain")
        text = r.read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return text, values


def test_metrics_count_kills_and_pass_promtool(start_daemon, scope, spawner, banned, tmp_path):
    port = free_port()
    d = start_daemon({"bannedCommandStrings": [banned]},
                     args=["--metrics-listen", f"127.0.0.1:{port}"])
    _, before = scrape(port)
    assert before["nomine_kernel_verdict"] == 1
    assert before["nomine_exec_detector_up"] == 1
    # each detector's variant, none refused, and the verifier's cost of
    # every program the start-up line lists
    assert before['nomine_detector_info{detector="exec",variant="kernel-verdict"}'] == 1
    assert before['nomine_detector_info{detector="lineage",variant="task-storage"}'] == 1
    assert before['nomine_detector_refused{detector="exec"}'] == 0
    programs = d.started["features"]["programs"]
    assert "handle_exec" in programs, d.started
    for name, cost in programs.items():
        assert before[f'nomine_bpf_verified_instructions{{program="{name}"}}'] == \
            cost["verified_insns"]
        assert 0 < before[f'nomine_bpf_load_seconds{{program="{name}"}}'] < 60
        assert before[f'nomine_bpf_recursion_misses_total{{program="{name}"}}'] >= 0
    # what the kernel programs count is served too
    for name in ("nomine_exec_argv_read_failures_total", "nomine_exec_lineage_failures_total",
                 "nomine_fork_lineage_failures_total", "nomine_randomx_switches_total",
                 "nomine_randomx_observations_total", "nomine_randomx_reports_total"):
        assert name in before, name
    assert before["nomine_exec_argv_read_failures_total"] == 0
    # both fork hooks of the lineage tracker are loaded
    assert {"handle_fork", "handle_newtask", "dump_lineage"} <= set(programs), programs
    p, *_, elapsed = spawner.run(scope, ["sh", "-c", f"sleep 5; : {banned}"])
    assert_killed(p, elapsed)
    d.wait_kill(p.pid)
    text, after = scrape(port)
    key = 'nomine_processes_killed_total{in_kernel="true"}'
    assert after[key] == before[key] + 1, text
    assert after["nomine_execs_total"] > before["nomine_execs_total"]
    promtool = shutil.which("promtool")
    assert promtool, "promtool (Debian package prometheus) is missing"
    f = tmp_path / "metrics.txt"
    f.write_text(text)
    r = subprocess.run([promtool, "check", "metrics"], stdin=open(f), capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_tables_over_the_cap_fall_back_to_user_space(start_daemon, scope, spawner, banned):
    port = free_port()
    many = [banned] + ["nmq" + secrets.token_hex(20) for _ in range(30000)]
    d = start_daemon({"bannedCommandStrings": many},
                     args=["--kernel-table-mib", "1", "--metrics-listen", f"127.0.0.1:{port}"])
    assert d.started["verdict"] == "user", d.started
    assert "cap" in d.started["verdict_why"], d.started
    warn = d.find(lambda e: "verdicts taken in user space" in str(e.get("event")))
    assert len(warn) == 1, d.dump()
    _, m = scrape(port)
    assert m["nomine_kernel_verdict"] == 0 and m["nomine_kernel_tables_bytes"] == 0
    assert m["nomine_banned_strings"] == 30001
    p, *_, elapsed = spawner.run(scope, ["sh", "-c", f"sleep 5; : {banned}"])
    assert_killed(p, elapsed)
    ev = d.wait_kill(p.pid)
    assert ev["kill_in_kernel"] is False
