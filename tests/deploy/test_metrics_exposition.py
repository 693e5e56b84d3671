# SPDX-License-Identifier: BSD-2-Clause
"""The metrics contract of issue 11, against a running nomine: every name
the dashboard and the alert rules read is served with its labels from the
start; cryptnono's counters move as cryptnono's would for a killed, an
allowed and a clean command; the kill is counted by detector and timed;
/healthz and /readyz answer; promtool finds nothing to say about the text;
and a refused reload shows in the gauge and the counter while the old
config keeps killing."""
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request

from conftest import assert_killed

SOURCES = ("execwhacker.bpf", "psutil.process_iter")
ALLOWEDBY = ("is-substring", "allowed-pattern", "no-match")
DETECTORS = ("exec", "randomx", "sweep", "executable", "network")
OUTCOMES = ("done", "failed", "dropped")
LATENCY_LE = ("0.0001", "0.001", "0.01", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10",
              "30", "60", "300", "+Inf")

# family: (TYPE, label keys, label sets that must be there from the start)
CONTRACT = {
    "cryptnono_execwhacker_processes_checked_total":
        ("counter", {"source"}, [{"source": s} for s in SOURCES]),
    "cryptnono_execwhacker_processes_killed_total":
        ("counter", {"source"}, [{"source": s} for s in SOURCES]),
    "cryptnono_execwhacker_processes_missed_total":
        ("counter", {"source"}, [{"source": s} for s in SOURCES]),
    "cryptnono_execwhacker_processes_allowed_total":
        ("counter", {"source", "allowedby"},
         [{"source": s, "allowedby": a} for s in SOURCES for a in ALLOWEDBY]),
    "cryptnono_execwhacker_unexpected_errors_total": ("counter", set(), [{}]),
    "cryptnono_execwhacker_log_and_kill_execution_seconds": ("histogram", set(), [{}]),
    "cryptnono_execwhacker_kill_if_needed_execution_seconds": ("histogram", set(), [{}]),
    "nomine_kills_total": ("counter", {"detector", "namespace"},
                           [{"detector": d, "namespace": ""} for d in DETECTORS]),
    "nomine_kill_latency_seconds": ("histogram", {"detector"},
                                    [{"detector": d} for d in ("exec", "randomx", "executable")]),
    "nomine_events_lost_total": ("counter", {"detector"},
                                 [{"detector": "exec"}, {"detector": "randomx"}]),
    "nomine_ready": ("gauge", set(), [{}]),
    "nomine_config_last_reload_successful": ("gauge", set(), [{}]),
    # nomine's own, kept as they were
    "nomine_build_info": ("gauge", {"version"}, []),
    "nomine_detector_info": ("gauge", {"detector", "variant"}, []),
    "nomine_detector_refused": ("gauge", {"detector"},
                                [{"detector": d} for d in ("exec", "lineage", "randomx")]),
    "nomine_config_reloads_total": ("counter", {"result"},
                                    [{"result": "ok"}, {"result": "refused"}]),
    "nomine_processes_killed_total": ("counter", {"in_kernel"},
                                      [{"in_kernel": "true"}, {"in_kernel": "false"}]),
    "nomine_exec_records_lost_total": ("counter", set(), [{}]),
    "nomine_randomx_reports_total": ("counter", set(), [{}]),
    "nomine_randomx_reports_lost_total": ("counter", set(), [{}]),
    # responses after a kill (issue 14): "all" (incidents dropped before
    # any responder) is there from the start, each configured responder too
    "nomine_responses_total": ("counter", {"responder", "outcome"},
                               [{"responder": "all", "outcome": o} for o in OUTCOMES]),
    "nomine_response_retries_total": ("counter", {"responder"}, [{"responder": "all"}]),
    "nomine_response_queue_length": ("gauge", {"responder"}, [{"responder": "all"}]),
}
SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)')


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    """(status, body) of GET path."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


class Exposition:
    """One scrape: TYPE per family, and every sample as (name, labels) -> value."""

    def __init__(self, text):
        self.text = text
        self.types = {}
        self.samples = {}
        for line in text.splitlines():
            if line.startswith("# TYPE "):
                _, _, name, kind = line.split(" ")
                assert name not in self.types, f"two TYPE lines for {name}"
                self.types[name] = kind
            elif line and not line.startswith("#"):
                m = SAMPLE_RE.match(line)
                assert m, f"not a sample line: {line!r}"
                name, labels, value = m.groups()
                pairs = LABEL_RE.findall(labels or "")
                assert ",".join(f'{k}="{v}"' for k, v in pairs) == (labels or ""), line
                key = (name, frozenset(pairs))
                assert key not in self.samples, f"sample twice: {line}"
                self.samples[key] = float(value)

    def value(self, name, **labels):
        key = (name, frozenset(labels.items()))
        assert key in self.samples, f"no sample {name}{labels}"
        return self.samples[key]

    def series(self, name):
        """Label dicts of every sample of exactly this name."""
        return [dict(ls) for n, ls in self.samples if n == name]


def scrape(port):
    status, text = get(port, "/metrics")
    assert status == 200
    return Exposition(text)


def check_contract(m):
    """Every family with its TYPE, exactly its label keys, the series it must
    have from the start, and histograms whole (buckets, +Inf, sum, count)."""
    for family, (kind, keys, required) in CONTRACT.items():
        assert m.types.get(family) == kind, f"{family}: TYPE {m.types.get(family)}, want {kind}"
        if kind == "histogram":
            for labels in required:
                buckets = sorted((s for s in m.series(family + "_bucket")
                                  if {k: v for k, v in s.items() if k != "le"} == labels),
                                 key=lambda s: float(s["le"]))
                les = [s["le"] for s in buckets]
                assert les and les[-1] == "+Inf", f"{family}{labels}: le {les}"
                counts = [m.value(family + "_bucket", **s) for s in buckets]
                assert counts == sorted(counts), f"{family}{labels}: buckets not cumulative"
                assert counts[-1] == m.value(family + "_count", **labels)
                m.value(family + "_sum", **labels)
                if family == "nomine_kill_latency_seconds":
                    assert tuple(les) == LATENCY_LE, les
            all_series = [{k: v for k, v in s.items() if k != "le"}
                          for s in m.series(family + "_bucket")]
        else:
            all_series = m.series(family)
            for labels in required:
                m.value(family, **labels)
        assert all_series, f"{family}: no series"
        for s in all_series:
            assert set(s) == keys, f"{family}: labels {sorted(s)}, want {sorted(keys)}"
    for s in m.series("cryptnono_execwhacker_processes_allowed_total"):
        assert s["allowedby"] in ALLOWEDBY and s["source"] in SOURCES, s
    for s in m.series("nomine_kills_total"):
        assert s["detector"] in DETECTORS, s
    for s in m.series("nomine_responses_total"):
        assert s["outcome"] in OUTCOMES, s
    assert {s["detector"] for s in m.series("nomine_kill_latency_seconds_count")} == \
        {"exec", "randomx", "executable"}


def promtool_check(text, tmp_path):
    promtool = shutil.which("promtool")
    assert promtool, "promtool (Debian package prometheus, scripts/deps.sh test) is missing"
    f = tmp_path / "metrics.txt"
    f.write_text(text)
    with open(f) as stdin:
        r = subprocess.run([promtool, "check", "metrics"], stdin=stdin, capture_output=True,
                           text=True, timeout=60)
    assert r.returncode == 0 and not (r.stdout + r.stderr).strip(), \
        f"promtool check metrics: rc {r.returncode}\n{r.stdout}{r.stderr}"


def cn(m, family, source="execwhacker.bpf", **labels):
    return m.value(f"cryptnono_execwhacker_processes_{family}_total", source=source, **labels)


def test_contract_served_and_moving(start_daemon, scope, spawner, banned, tmp_path):
    port = free_port()
    allowed_line = f"sh -c : {banned} nmt-allowed"
    d = start_daemon({"bannedCommandStrings": [banned], "allowedCommandPatterns": [allowed_line]},
                     args=["--metrics-listen", f"127.0.0.1:{port}"])
    d.wait_idle()
    m0 = scrape(port)
    check_contract(m0)
    assert m0.value("nomine_ready") == 1
    assert m0.value("nomine_config_last_reload_successful") == 1
    assert m0.value("nomine_kill_latency_seconds_count", detector="exec") == 0
    assert get(port, "/healthz") == (200, "ok\n")
    assert get(port, "/readyz") == (200, "ready\n")
    # the start-up sweep judged every process of the machine from /proc
    assert cn(m0, "checked", "psutil.process_iter") > 0
    assert cn(m0, "allowed", "psutil.process_iter", allowedby="no-match") > 0

    # a clean command: judged in the kernel, counted all the same
    p, *_ = spawner.run(scope, ["sh", "-c", "exit 0"])
    assert p.returncode == 0
    m1 = scrape(port)
    assert cn(m1, "checked") == cn(m0, "checked") + 1
    assert cn(m1, "allowed", allowedby="no-match") == cn(m0, "allowed", allowedby="no-match") + 1

    # an allowed one: spared, and said why (never which pattern)
    mark = d.mark()
    p, *_ = spawner.run(scope, ["sh", "-c", f": {banned} nmt-allowed"])
    assert p.returncode == 0
    d.wait_for(lambda e: e.get("pid") == p.pid and e.get("action") == "spared", since=mark)
    m2 = scrape(port)
    assert cn(m2, "checked") == cn(m1, "checked") + 1
    assert cn(m2, "allowed", allowedby="allowed-pattern") == \
        cn(m1, "allowed", allowedby="allowed-pattern") + 1
    assert cn(m2, "allowed", allowedby="no-match") == cn(m1, "allowed", allowedby="no-match")
    assert cn(m2, "killed") == cn(m1, "killed")

    # a banned one: killed at exec, counted by source, detector and namespace, timed
    p, *_, elapsed = spawner.run(scope, ["sh", "-c", f"sleep 5; : {banned}"])
    assert_killed(p, elapsed)
    d.wait_kill(p.pid)
    m3 = scrape(port)
    assert cn(m3, "checked") == cn(m2, "checked") + 1
    assert cn(m3, "killed") == cn(m2, "killed") + 1
    assert cn(m3, "missed") == cn(m2, "missed")
    assert m3.value("nomine_kills_total", detector="exec", namespace="") == \
        m2.value("nomine_kills_total", detector="exec", namespace="") + 1
    assert m3.value("nomine_kill_latency_seconds_count", detector="exec") == 1
    # killed in the kernel, before its first instruction: the first bucket
    assert m3.value("nomine_kill_latency_seconds_bucket", detector="exec", le="0.0001") == 1
    assert m3.value("cryptnono_execwhacker_log_and_kill_execution_seconds_count") == 1
    assert m3.value("cryptnono_execwhacker_kill_if_needed_execution_seconds_count") >= 2
    assert m3.value("cryptnono_execwhacker_unexpected_errors_total") == 0
    for detector in ("randomx", "sweep"):
        assert m3.value("nomine_kills_total", detector=detector, namespace="") == 0
    check_contract(m3)
    # the banned list is secret: no label, no help text carries it
    assert banned not in m3.text.lower()
    promtool_check(m3.text, tmp_path)
    assert get(port, "/readyz") == (200, "ready\n")


def test_user_verdict_kill_is_timed_from_the_exec(start_daemon, scope, spawner, banned):
    """With the verdict in user space, the latency is the exec's kernel
    timestamp to the kill: past the first bucket, within seconds."""
    port = free_port()
    d = start_daemon({"bannedCommandStrings": [banned]},
                     args=["--user-verdict", "--metrics-listen", f"127.0.0.1:{port}"])
    d.wait_idle()
    p, *_, elapsed = spawner.run(scope, ["sh", "-c", f"sleep 5; : {banned}"])
    assert_killed(p, elapsed)
    d.wait_kill(p.pid)
    m = scrape(port)
    assert cn(m, "killed") == 1
    assert m.value("nomine_processes_killed_total", in_kernel="false") == 1
    assert m.value("nomine_kill_latency_seconds_count", detector="exec") == 1
    assert m.value("nomine_kill_latency_seconds_bucket", detector="exec", le="0.0001") == 0
    assert 0 < m.value("nomine_kill_latency_seconds_sum", detector="exec") < elapsed
    # --user-verdict is a choice, not a refusal: still ready
    assert m.value("nomine_ready") == 1


def wait_metric(port, pred, what, timeout=5):
    deadline = time.monotonic() + timeout
    while True:
        m = scrape(port)
        if pred(m):
            return m
        assert time.monotonic() < deadline, f"/metrics never showed {what}"
        time.sleep(0.05)


def test_refused_reload_shows_and_old_config_kills(start_daemon, scope, spawner, banned,
                                                   tmp_path):
    port = free_port()
    conf = tmp_path / "confdir"
    conf.mkdir()
    (conf / "10-base.json").write_text(f'{{"bannedCommandStrings": ["{banned}"]}}')
    d = start_daemon(args=["--config", str(conf), "--metrics-listen", f"127.0.0.1:{port}"],
                     configs={})
    d.wait_idle()
    m0 = scrape(port)
    assert m0.value("nomine_config_last_reload_successful") == 1
    # a bad file lands in the watched directory (as a broken ConfigMap key would)
    mark = d.mark()
    tmp = conf / ".20-bad.json.tmp"
    tmp.write_text('{"bannedCommandStrings": [')
    os.rename(tmp, conf / "20-bad.json")
    d.wait_for(lambda e: e.get("event") == "Config reload refused, keeping the previous config",
               since=mark, what="a refused reload")
    m1 = scrape(port)
    assert m1.value("nomine_config_last_reload_successful") == 0
    assert m1.value("nomine_config_reloads_total", result="refused") == \
        m0.value("nomine_config_reloads_total", result="refused") + 1
    assert m1.value("nomine_config_reloads_total", result="ok") == \
        m0.value("nomine_config_reloads_total", result="ok")
    # refusing a config is not a detector problem
    assert m1.value("nomine_ready") == 1
    # the old config is in force
    p, *_, elapsed = spawner.run(scope, ["sh", "-c", f"sleep 5; : {banned}"])
    assert_killed(p, elapsed)
    d.wait_kill(p.pid)
    m2 = scrape(port)
    assert cn(m2, "killed") == cn(m1, "killed") + 1
    # the bad file gone, the next reload applies and the gauge says so
    (conf / "20-bad.json").unlink()
    m3 = wait_metric(port, lambda m: m.value("nomine_config_last_reload_successful") == 1,
                     "a successful reload")
    assert m3.value("nomine_config_reloads_total", result="ok") == \
        m0.value("nomine_config_reloads_total", result="ok") + 1


def test_randomx_kill_counted_and_timed(start_daemon, scope, spawner, helpers, banned):
    """A RandomX hasher's kill: nomine_kills_total{detector="randomx"} and its
    latency from the detector's first observation (at least the time its
    evidence spans); cryptnono's execwhacker counters do not move."""
    port = free_port()
    d = start_daemon({"bannedCommandStrings": [banned]},
                     args=["--metrics-listen", f"127.0.0.1:{port}"])
    d.wait_idle()
    m0 = scrape(port)
    p = spawner.spawn(scope, [helpers["kworker-sync"]],
                      env={"RX_WORKERS": "0", "RX_SECONDS": "25"})
    assert p.stdout.readline().decode().startswith("ready")
    p.wait(timeout=30)
    assert p.returncode == -9, d.dump()
    ev = d.wait_for(lambda e: e.get("source") == "monero" and e.get("action") == "killed",
                    what="a RandomX kill")
    m = scrape(port)
    assert m.value("nomine_kills_total", detector="randomx", namespace="") == 1
    assert m.value("nomine_kill_latency_seconds_count", detector="randomx") == 1
    assert ev["seconds_since_first"] <= \
        m.value("nomine_kill_latency_seconds_sum", detector="randomx") < 30
    assert cn(m, "killed") == cn(m0, "killed")
    assert m.value("cryptnono_execwhacker_log_and_kill_execution_seconds_count") == 0


def test_responses_counted_by_responder_and_outcome(start_daemon, scope, spawner, banned,
                                                    tmp_path):
    """A kill with an evidence directory and a webhook whose loopback port
    refuses connections: the evidence record is counted done, the webhook
    is retried once and, past responseRetrySeconds, dropped and logged (what the alert
    NomineResponsesDropped reads); every responder's series is there from
    the start, the queues drain, and promtool accepts responder names with
    a space in them."""
    port = free_port()
    dead = free_port()                  # closed again: connection refused
    d = start_daemon({"bannedCommandStrings": [banned], "evidenceDir": str(tmp_path / "ev"),
                      "webhooks": [{"url": f"http://127.0.0.1:{dead}/hook"}],
                      # the first retry 1 s on, the next (2 s later) past the window
                      "responseRetrySeconds": 2.5, "responseTimeoutSeconds": 0.5},
                     args=["--metrics-listen", f"127.0.0.1:{port}"])
    d.wait_idle()
    m0 = scrape(port)
    check_contract(m0)
    for responder in ("all", "evidence", "webhook 0"):
        for o in OUTCOMES:
            assert m0.value("nomine_responses_total", responder=responder, outcome=o) == 0
        assert m0.value("nomine_response_retries_total", responder=responder) == 0
        assert m0.value("nomine_response_queue_length", responder=responder) == 0
    p, *_, elapsed = spawner.run(scope, ["sh", "-c", f"sleep 5; : {banned}"])
    assert_killed(p, elapsed)
    d.wait_kill(p.pid)
    m = wait_metric(port, lambda m: m.value("nomine_responses_total", responder="webhook 0",
                                            outcome="dropped") == 1, "the webhook dropped", 15)
    assert m.value("nomine_responses_total", responder="evidence", outcome="done") == 1
    assert m.value("nomine_response_retries_total", responder="webhook 0") == 1
    ev = d.wait_for(lambda e: e.get("action") == "response-dropped", what="Response dropped")
    assert ev["responder"] == "webhook 0" and ev["attempts"] == 2, ev
    assert m.value("nomine_responses_total", responder="webhook 0", outcome="done") == 0
    assert m.value("nomine_responses_total", responder="all", outcome="dropped") == 0
    assert all(m.value("nomine_response_queue_length", **s) == 0
               for s in m.series("nomine_response_queue_length"))
    check_contract(m)
    promtool_check(m.text, tmp_path)
