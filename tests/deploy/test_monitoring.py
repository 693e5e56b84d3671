# SPDX-License-Identifier: BSD-2-Clause
"""The Grafana dashboard and the Prometheus alert rules (issue 11), checked
against what a running nomine serves: a real Prometheus scrapes a scoped
daemon that kills a banned command, and every dashboard expression, with its
variables filled in as Grafana would, must parse, read only metric names
that exist, and show the kill; the alert rules load there and stay quiet on
a healthy daemon, and the reload alert goes pending on a refused reload.
promtool checks and unit-tests the rules; Helm renders both into the chart,
off by default."""
import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml

import prometheus_server
import promql
from conftest import assert_killed

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "deploy" / "helm" / "nomine"
DASHBOARD = CHART / "files" / "nomine-dashboard.json"
RULES = CHART / "files" / "nomine-rules.yaml"
RULES_TEST = REPO / "deploy" / "prometheus" / "nomine-rules.test.yaml"
JOB = "nomine-test"
NODE = "test-node"           # the `node` target label the test's scrape config adds
# The labels a panel may group by: bounded sets only (no pid, no pod, no
# command line, no matched string, no pattern).
BOUNDED_LABELS = {"detector", "namespace", "source", "allowedby", "variant", "result",
                  "in_kernel", "le", "version", "job", "instance", "node", "kubernetes_node",
                  "responder", "outcome"}
# Grafana's own variables, as they come for a short time range.
BUILTINS = {"__rate_interval": "1m", "__range": "5m", "__interval": "15s"}


def dashboard():
    return json.loads(DASHBOARD.read_text())


def panels(d):
    """Every panel, also those inside collapsed rows."""
    for p in d["panels"]:
        yield p
        yield from p.get("panels", ())


def panel_exprs(d):
    """[(panel title, refId, expr)] of every query of every panel."""
    return [(p["title"], t["refId"], t["expr"])
            for p in panels(d) for t in p.get("targets", ()) if "expr" in t]


def variable_queries(d):
    """{variable name: (metric selector, label)} of the label_values() variables."""
    out = {}
    for v in d["templating"]["list"]:
        if v["type"] == "query":
            q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
            inner, _, label = q.strip()[len("label_values("):-1].rpartition(",")
            out[v["name"]] = (inner.strip(), label.strip())
    return out


def variable_sets(instance):
    """Values for every variable, as Grafana would fill them in: everything
    selected, one node by its instance, one node by a `node` target label."""
    return {
        "all": dict(BUILTINS, node_label="instance", job=".*", node=".*", namespace=".*"),
        "instance": dict(BUILTINS, node_label="instance", job=promql.regex_value(JOB),
                         node=promql.regex_value(instance), namespace=".*"),
        "node": dict(BUILTINS, node_label="node", job=promql.regex_value(JOB),
                     node=promql.regex_value(NODE), namespace=".*"),
    }


def rule_exprs():
    return [(r["alert"], r["expr"]) for g in yaml.safe_load(RULES.read_text())["groups"]
            for r in g["rules"]]


def promtool():
    path = shutil.which("promtool")
    assert path, "promtool (Debian package prometheus, scripts/deps.sh test) is missing"
    return path


# --------------------------------------------------------------------------
# without a daemon


def test_promql_scanner_finds_names_and_groupings():
    """The name check below is only as good as this scan."""
    names, by = promql.scan('sum by (detector) (rate(a_total{x="b c", le="1"}[1m])) '
                            'and on (job, instance) max_over_time(b[1d]) offset 5m '
                            '/ ignoring(le) group_left histogram_quantile(0.5, c_bucket)')
    assert names == {"a_total", "b", "c_bucket"}
    assert by == {"detector", "job", "instance", "le"}


def test_dashboard_is_importable_and_bounded():
    d = dashboard()
    assert 36 <= d["schemaVersion"] <= 41 and d["uid"] and d["title"]
    variables = {v["name"]: v for v in d["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    assert {"node_label", "job", "node", "namespace"} <= set(variables)
    assert "__inputs" not in d, "a provisioned dashboard cannot use __inputs: use ${datasource}"
    ids = [p["id"] for p in panels(d)]
    assert len(ids) == len(set(ids)), "panel ids repeat"
    for p in panels(d):
        if p["type"] == "row":
            continue
        # every query goes to the dashboard's data source variable, never a fixed uid
        for obj in [p] + p["targets"]:
            assert obj["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, p["title"]
        refs = [t["refId"] for t in p["targets"]]
        assert len(refs) == len(set(refs)), p["title"]
    for v in variables.values():
        if v["type"] == "query":
            assert v["datasource"]["uid"] == "${datasource}", v["name"]
    exprs = panel_exprs(d)
    assert len(exprs) >= 30
    values = variable_sets("127.0.0.1:12121")["all"]
    for title, ref, expr in exprs:
        _, by = promql.scan(promql.substitute(expr, values))
        assert by <= BOUNDED_LABELS, f"{title}/{ref} groups by {by - BOUNDED_LABELS}"
    # the panel set the issue asks for, and cryptnono's
    text = json.dumps([e for *_, e in exprs])
    for name in ("nomine_kills_total", "nomine_kill_latency_seconds_bucket",
                 "nomine_events_lost_total", "nomine_config_reloads_total",
                 "nomine_config_last_reload_successful", "nomine_detector_info", "nomine_ready",
                 "nomine_detector_refused", "cryptnono_execwhacker_processes_checked_total",
                 "cryptnono_execwhacker_processes_killed_total",
                 "cryptnono_execwhacker_processes_missed_total",
                 "cryptnono_execwhacker_processes_allowed_total", "nomine_responses_total",
                 "nomine_response_retries_total", "nomine_response_queue_length"):
        assert name in text, f"no panel reads {name}"


def test_dashboard_exprs_pass_promtool(tmp_path):
    """Every expression, variables filled in, as a recording rule: promtool
    parses it offline (no daemon needed), with all three variable sets."""
    rules = []
    for i, (title, ref, expr) in enumerate(panel_exprs(dashboard())):
        for name, values in variable_sets("127.0.0.1:12121").items():
            rules.append({"record": f"dashboard:panel{i}_{ref}:{name}",
                          "expr": promql.substitute(expr, values)})
    f = tmp_path / "panels.rules.yaml"
    f.write_text(yaml.safe_dump({"groups": [{"name": "panels", "rules": rules}]}))
    r = subprocess.run([promtool(), "check", "rules", str(f)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_rules_pass_promtool_check_and_unit_tests():
    r = subprocess.run([promtool(), "check", "rules", str(RULES)], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"SUCCESS: {len(rule_exprs())} rules found" in r.stdout, r.stdout
    r = subprocess.run([promtool(), "test", "rules", RULES_TEST.name], cwd=RULES_TEST.parent,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    # every alert has a unit test that expects it to fire, and one that expects quiet
    tests = yaml.safe_load(RULES_TEST.read_text())["tests"]
    fired, quiet = set(), set()
    for t in tests:
        for a in t.get("alert_rule_test", ()):
            (fired if a.get("exp_alerts") else quiet).add(a["alertname"])
    alerts = {name for name, _ in rule_exprs()}
    assert fired == alerts and quiet == alerts, (alerts - fired, alerts - quiet)


def test_one_copy_of_each_file():
    """deploy/grafana and deploy/prometheus point into the chart's files/,
    the one copy Helm can read."""
    for link, target in ((REPO / "deploy" / "grafana" / "nomine-dashboard.json", DASHBOARD),
                         (REPO / "deploy" / "prometheus" / "nomine-rules.yaml", RULES)):
        assert link.is_symlink() and link.resolve() == target.resolve(), link


# --------------------------------------------------------------------------
# against a running nomine and a real Prometheus


def test_dashboard_and_rules_against_running_nomine(start_daemon, scope, spawner, banned,
                                                    tmp_path):
    port = prometheus_server.free_port()
    instance = f"127.0.0.1:{port}"
    d = start_daemon({"bannedCommandStrings": [banned]},
                     args=["--metrics-listen", instance])
    with prometheus_server.running(tmp_path / "prom", [instance], JOB, {"node": NODE},
                                   [RULES]) as prom:
        scrapes = f'count_over_time(up{{job="{JOB}"}}[1h])'

        def scraped_up():
            v = prom.values(f'up{{job="{JOB}"}}')
            return v and all(x == 1 for x in v.values())
        prom.wait(scraped_up, 15, f"no successful scrape of {instance}")
        # a first scrape before the kill, so the counters' rates see it
        p, *_, elapsed = spawner.run(scope, ["sh", "-c", f"sleep 5; : {banned}"])
        assert_killed(p, elapsed)
        d.wait_kill(p.pid)
        after_kill = sum(prom.values(scrapes).values())
        prom.wait(lambda: sum(prom.values(scrapes).values()) >= after_kill + 2, 15,
                  "no two scrapes after the kill")

        names = set(prom.get("/api/v1/label/__name__/values")["data"])
        assert "nomine_build_info" in names, sorted(names)
        dash = dashboard()
        exprs = panel_exprs(dash)
        for set_name, values in variable_sets(instance).items():
            for title, ref, expr in exprs:
                q = promql.substitute(expr, values)
                r = prom.query(q)
                assert r["status"] == "success", f"{title}/{ref} [{set_name}]: {q}\n{r}"
                missing = promql.scan(q)[0] - names
                assert not missing, f"{title}/{ref} reads metrics nomine does not serve: {missing}"
                assert banned not in json.dumps(r), f"{title}/{ref} shows the banned string"
            check_kill_panels(prom, dash, values, set_name)
            check_variables(prom, dash, values, set_name, instance)

        # the check above can fail: Prometheus refuses a broken expression,
        # and the scan sees a name nothing serves
        assert prom.query("sum by (detector) (rate(nomine_kills_total[1m])")["status"] == "error"
        assert promql.scan("rate(nomine_no_such_metric_total[1m])")[0] - names

        # the rules: every name exists, all evaluate, none fires on a healthy daemon
        for alert, expr in rule_exprs():
            missing = promql.scan(expr)[0] - names
            assert not missing, f"alert {alert} reads metrics nomine does not serve: {missing}"
        rules = rule_states(prom)
        assert set(rules) == {a for a, _ in rule_exprs()}, rules
        assert all(r == ("ok", "inactive") for r in rules.values()), rules

        # a refused reload: the dashboard counts it and its alert goes pending
        # (firing would take its `for` of 5 minutes)
        mark = d.mark()
        d.write_config("config.json", '{"bannedCommandStrings": [')
        d.wait_for(lambda e: e.get("event") ==
                   "Config reload refused, keeping the previous config", 5, since=mark,
                   what="Config reload refused")
        prom.wait(lambda: rule_states(prom)["NomineConfigReloadRefused"] == ("ok", "pending"),
                  15, "NomineConfigReloadRefused did not go pending")
        refused = stat_value(prom, dash, "Last reload refused", variable_sets(instance)["node"])
        assert refused == 1
        others = {k: v for k, v in rule_states(prom).items() if k != "NomineConfigReloadRefused"}
        assert all(r == ("ok", "inactive") for r in others.values()), others


def stat_value(prom, dash, title, values):
    p = next(p for p in panels(dash) if p["title"] == title)
    (v,) = prom.values(promql.substitute(p["targets"][0]["expr"], values)).values()
    return v


def check_kill_panels(prom, dash, values, set_name):
    """The kill shows: counted in range (by detector and in total), and in the
    per-minute rates of nomine's and cryptnono's counters."""
    def by_label(title, label):
        p = next(p for p in panels(dash) if p["title"] == title)
        got = prom.values(promql.substitute(p["targets"][0]["expr"], values))
        return {dict(k).get(label, ""): v for k, v in got.items()}

    in_range = by_label("Kills in range by detector", "detector")
    assert in_range.get("exec", 0) >= 1, f"[{set_name}] {in_range}"
    assert stat_value(prom, dash, "Kills in range", values) >= 1, set_name
    rate = by_label("Kills per minute by detector", "detector")
    assert rate.get("exec", 0) > 0, f"[{set_name}] {rate}"
    cn = by_label("Processes killed per minute by source", "source")
    assert cn.get("execwhacker.bpf", 0) > 0, f"[{set_name}] {cn}"
    assert set(cn) <= {"execwhacker.bpf", "psutil.process_iter"}, cn


def check_variables(prom, dash, values, set_name, instance):
    """Each label_values() variable, asked as Grafana would, lists this
    daemon: its job, its node under the chosen node label."""
    want = {"job": JOB, "node": instance if values["node_label"] == "instance" else NODE}
    for name, (selector, label) in variable_queries(dash).items():
        sel = promql.substitute(selector, values)
        lab = promql.substitute(label, values)
        assert not promql.scan(sel)[0] - set(prom.get("/api/v1/label/__name__/values")["data"])
        got = {dict(k).get(lab, "") for k in prom.values(f"count by ({lab}) ({sel})")}
        assert got, f"variable {name} [{set_name}] lists nothing: {sel}"
        if name in want:
            assert want[name] in got, f"variable {name} [{set_name}]: {got}"


def rule_states(prom):
    """{alert name: (health, state)} of every loaded alerting rule."""
    r = prom.get("/api/v1/rules")
    assert r["status"] == "success", r
    return {rule["name"]: (rule["health"], rule["state"])
            for g in r["data"]["groups"] for rule in g["rules"] if rule["type"] == "alerting"}


# --------------------------------------------------------------------------
# the chart


def helm():
    r = subprocess.run([str(REPO / "scripts" / "fetch-helm")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def render(*sets):
    assert (CHART / "Chart.yaml").is_file(), f"the chart is missing: {CHART}/Chart.yaml"
    args = [helm(), "template", "t", str(CHART), "--namespace", "nomine"]
    for s in sets:
        args += ["--set", s]
    r = subprocess.run(args, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return [doc for doc in yaml.safe_load_all(r.stdout) if doc]


def test_chart_ships_dashboard_and_rules_off_by_default():
    def monitoring(docs):
        return ([x for x in docs if x["kind"] == "ConfigMap"
                 and x["metadata"].get("labels", {}).get("grafana_dashboard") == "1"],
                [x for x in docs if x["kind"] == "PrometheusRule"])

    assert monitoring(render()) == ([], [])
    cms, prs = monitoring(render("grafana.dashboard.enabled=true", "prometheusRule.enabled=true"))
    assert len(cms) == 1 and len(prs) == 1, (cms, prs)
    (data,) = cms[0]["data"].values()
    assert json.loads(data) == dashboard()
    assert prs[0]["apiVersion"] == "monitoring.coreos.com/v1"
    assert prs[0]["spec"] == yaml.safe_load(RULES.read_text())
    cms, prs = monitoring(render("grafana.dashboard.enabled=true"))
    assert len(cms) == 1 and prs == []
