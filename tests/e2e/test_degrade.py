# SPDX-License-Identifier: BSD-2-Clause
"""A program the verifier refuses costs only its own variant: the exec
detector falls back to capturing argv for a user-space verdict, the other
detectors load as usual, and the refusal is said once, with the verifier's
own words, in the log, the start-up line and /metrics. Under
NOMINE_REQUIRE_BPF (CI) the same refusal is fatal."""
import os
import signal
import subprocess
import time

from conftest import assert_killed
from test_metrics import free_port, scrape

# A real refusal: the test hook gives the verdict program an index mask past
# its map value, which the verifier rejects.
REFUSE = {"NOMINE_TEST_REFUSE_VERDICT": "1", "NOMINE_REQUIRE_BPF": "0"}


def test_refused_verdict_program_falls_back_to_capture(start_daemon, scope, spawner, banned):
    port = free_port()
    d = start_daemon({"bannedCommandStrings": [banned]}, env=REFUSE,
                     args=["--metrics-listen", f"127.0.0.1:{port}"])
    det = d.started["features"]["detectors"]
    assert det["exec"]["variant"] == "capture", d.started
    assert det["exec"]["refused"] is True
    assert "verifier refused handle_exec" in det["exec"]["why"], det
    assert "unbounded memory access" in det["exec"]["why"], det   # the verifier's words
    # the other detectors are untouched by the refusal
    assert det["lineage"]["variant"] == "task-storage", det
    assert det["randomx"]["variant"] == "mxcsr", det
    programs = d.started["features"]["programs"]
    assert "handle_exec_capture" in programs and "handle_exec" not in programs, programs
    assert d.started["verdict"] == "user"
    warnings = d.find(lambda e: "exec verdict in the kernel unavailable" in str(e.get("event")))
    assert len(warnings) == 1, d.dump()
    _, m = scrape(port)
    assert m['nomine_detector_info{detector="exec",variant="capture"}'] == 1
    assert m['nomine_detector_refused{detector="exec"}'] == 1
    assert m['nomine_detector_refused{detector="randomx"}'] == 0
    # and it still kills, after the exec
    p, *_, elapsed = spawner.run(scope, ["sh", "-c", f"sleep 5; : {banned}"])
    assert_killed(p, elapsed)
    ev = d.wait_kill(p.pid)
    assert ev["kill_in_kernel"] is False


def test_refusal_is_fatal_when_bpf_is_required(nomine_bin, scope, banned, tmp_path):
    cfg = tmp_path / "c.json"
    cfg.write_text('{"bannedCommandStrings": ["%s"]}' % banned)
    r = subprocess.run([str(nomine_bin), "run", "--config", str(cfg), "--scope-cgroup",
                        scope.name], env={"NOMINE_TEST_REFUSE_VERDICT": "1",
                                          "NOMINE_REQUIRE_BPF": "1", "PATH": "/usr/bin:/bin"},
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert "NOMINE_REQUIRE_BPF is set and the exec detector" in r.stderr, r.stderr
    assert "verifier refused handle_exec" in r.stderr, r.stderr
    # the operator's jq sees it too
    assert '"level":"error"' in r.stdout and "NOMINE_REQUIRE_BPF" in r.stdout, r.stdout


def test_exec_without_a_kernel_verdict_is_held_for_user_space(start_daemon, scope, spawner,
                                                               banned):
    """A walk that cannot finish (test hook: none does) holds the process
    before its first instruction: user space kills the banned one and lets
    the other go on."""
    d = start_daemon({"bannedCommandStrings": [banned]},
                     env={"NOMINE_TEST_UNJUDGED": "1", "NOMINE_REQUIRE_BPF": "0"})
    assert d.started["verdict"] == "kernel", d.started
    p, *_, elapsed = spawner.run(scope, ["sh", "-c", f"echo started; : {banned}"])
    assert_killed(p, elapsed)
    ev = d.wait_kill(p.pid)
    assert ev["frozen_in_kernel"] is True and ev["kill_in_kernel"] is False, ev
    # held before it ran: it never printed a byte
    p2, out, _, elapsed = spawner.run(scope, ["sh", "-c", "echo ok; exit 7"])
    assert p2.returncode == 7 and out == b"ok\n", (p2.returncode, out)
    assert elapsed < 3, elapsed
    assert not d.find(lambda e: e.get("pid") == p2.pid), d.dump()


def proc_state(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def test_lost_records_hold_the_exec_for_user_space(start_daemon, scope, spawner, banned,
                                                   user_verdict_flag):
    """With the ring buffer full (the daemon stopped, a flood of 1 MiB
    argvs), an exec whose records are lost is held before its first
    instruction and judged from /proc once the daemon reads again."""
    d = start_daemon({"bannedCommandStrings": [banned]}, args=[user_verdict_flag])
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    os.kill(d.proc.pid, signal.SIGSTOP)
    pad = ["y" * 4095] * 4          # 16 KiB: a whole record
    try:
        fillers = [spawner.spawn(scope, ["/bin/true"] + ["y" * 4095] * 256, **quiet)
                   for _ in range(12)]
        # then records of 16 KiB until one does not fit: the ring is full
        # for anything of that size
        for _ in range(200):
            fillers.append(spawner.spawn(scope, ["/bin/true"] + pad, **quiet))
            time.sleep(0.02)
            if proc_state(fillers[-1].pid) == "T":
                break
        assert proc_state(fillers[-1].pid) == "T", "the ring buffer never filled"
        bad = spawner.spawn(scope, ["sh", "-c", f"echo started; : {banned}"] + pad)
        good = spawner.spawn(scope, ["sh", "-c", "echo ok; exit 7"] + pad)
        time.sleep(0.3)
        # held, not running: neither has written anything yet
        assert proc_state(bad.pid) == "T" and proc_state(good.pid) == "T"
    finally:
        os.kill(d.proc.pid, signal.SIGCONT)
    out, _ = bad.communicate(timeout=10)
    assert bad.returncode == -signal.SIGKILL and out == b"", (bad.returncode, out)
    out, _ = good.communicate(timeout=10)
    assert good.returncode == 7 and out == b"ok\n", (good.returncode, out)
    for f in fillers:
        assert f.wait(timeout=10) == 0
    assert d.find(lambda e: "records lost" in str(e.get("event"))), d.dump()


def test_disabled_detectors_do_not_run_and_do_not_block_readiness(start_daemon, scope, spawner,
                                                                  banned):
    """--disable (the chart's detectors.<name>.enabled: false) turns a
    detector off: nothing of it loads, a banned command runs to its end (no
    exec program, no sweep), the start-up line and /metrics say "disabled",
    and /readyz is still ready."""
    import urllib.request
    # a banned process already running: the start-up sweep would kill it
    pre = spawner.spawn(scope, ["sh", "-c", f"sleep 2; true {banned}"])
    port = free_port()
    d = start_daemon({"bannedCommandStrings": [banned]},
                     args=["--disable", "exec", "--disable", "randomx",
                           "--metrics-listen", f"127.0.0.1:{port}"])
    det = d.started["features"]["detectors"]
    assert det["exec"] == {"variant": "disabled", "why": "disabled (--disable exec)"}, det
    assert det["randomx"] == {"variant": "disabled", "why": "disabled (--disable randomx)"}, det
    assert det["lineage"]["variant"] == "task-storage", det
    assert not any(p in d.started["features"]["programs"]
                   for p in ("handle_exec", "handle_exec_capture", "fpu_switch_out")), d.started
    p, _, _, _ = spawner.run(scope, ["sh", "-c", f"true {banned}"])
    assert p.returncode == 0, d.dump()
    assert pre.wait(timeout=10) == 0, d.dump()
    assert not d.find(lambda e: e.get("action") in ("killed", "missed-kill")), d.dump()
    _, m = scrape(port)
    assert m['nomine_detector_info{detector="exec",variant="disabled"}'] == 1
    assert m['nomine_detector_info{detector="randomx",variant="disabled"}'] == 1
    assert m["nomine_ready"] == 1
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as r:
        assert r.status == 200
