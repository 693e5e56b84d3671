# SPDX-License-Identifier: BSD-2-Clause
"""A program the verifier refuses costs only its own variant: the exec
detector falls back to capturing argv for a user-space verdict, the other
detectors load as usual, and the refusal is said once, with the verifier's
own words, in the log, the start-up line and /metrics. Under
NOMINE_REQUIRE_BPF (CI) the same refusal is fatal."""
import subprocess

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
