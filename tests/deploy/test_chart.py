# SPDX-License-Identifier: BSD-2-Clause
"""The Helm chart (deploy/helm/nomine), rendered and linted by a real Helm 3:
cryptnono's values files render, the files its ConfigMap and Secret put in
the pod make nomine give the verdicts their strings and patterns ask for
(so the files really merge), typos are refused by the schema with the path
of the typo, and the DaemonSet keeps its least-privilege shape (no
privileged, the exact capabilities, read-only host mounts, probes, the host
PID namespace, whole-directory config mounts). Nothing here runs the
daemon: `nomine check` judges one command line with the daemon's own code."""
import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

import chart
from chart import VALUES, container, pod_spec, render, template
from kubelet_volume import Volume

CRYPTNONO_VALUES = sorted(VALUES.glob("*.yaml"))
CAPABILITIES = ["BPF", "PERFMON", "KILL", "SYS_PTRACE", "DAC_READ_SEARCH", "SYS_NICE",
                "NET_ADMIN"]
BUILTIN_SELFTEST = "nomine-selftest-7d3f9c1a"     # config/default.yaml's test string


def check(nomine_bin, configs, argv):
    """nomine's verdict on argv under the given --config paths."""
    args = [str(nomine_bin), "check"]
    for c in configs:
        args += ["--config", c]
    r = subprocess.run(args + ["--"] + argv, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, f"nomine check {configs} refused the rendered config:\n{r.stderr}"
    return json.loads(r.stdout)


def literal_example(pattern):
    """A command line the allow pattern matches as a whole, for the simple
    patterns of the test values ('^literal( .*)?$', '^literal$'), checked
    with Python's re before use."""
    body = pattern.removeprefix("^").removesuffix("$").replace("( .*)?", "")
    example = re.sub(r"\\(.)", r"\1", body)
    assert re.fullmatch(pattern, example, re.IGNORECASE), (pattern, example)
    return example


def exec_configs(values):
    """Every configs.<name> and secretConfigs.<name> of a values file."""
    ew = values.get("detectors", {}).get("execwhacker", {})
    return list(ew.get("configs", {}).values()) + list(ew.get("secretConfigs", {}).values())


def assert_verdicts(nomine_bin, configs, values):
    """Each banned string of the values is killed, each allow pattern spares
    a command line that also holds a banned string of another config, and
    that line with a prefix the pattern's ^ does not allow is killed."""
    cfgs = exec_configs(values)
    banned = [s for c in cfgs for s in c.get("bannedCommandStrings", [])]
    patterns = [p for c in cfgs for p in c.get("allowedCommandPatterns", [])]
    assert banned and patterns, "a test values file without strings or patterns tests nothing"
    for s in banned:
        v = check(nomine_bin, configs, ["sh", "-c", f"echo {s}"])
        assert v == {"verdict": "kill", "matched": s}, (s, v)
    for p in patterns:
        line = literal_example(p)
        hit = [s for s in banned if s.lower() in line.lower()]
        assert hit, f"allow pattern {p} spares no banned string: it tests nothing"
        v = check(nomine_bin, configs, line.split(" "))
        assert v["verdict"] == "allow" and v["allowedby"] == p, (p, v)
        v = check(nomine_bin, configs, ["nmprefix"] + line.split(" "))
        assert v["verdict"] == "kill", (p, v)
    assert check(nomine_bin, configs, ["sh", "-c", "echo hello"]) == {"verdict": "allow"}


# --------------------------------------------------------------------------
# lint and render


def test_lint_is_clean_also_strict():
    for strict in ([], ["--strict"]):
        r = chart.run_helm("lint", chart.CHART, *strict)
        assert r.returncode == 0, r.stdout + r.stderr
        findings = [ln for ln in r.stdout.splitlines() if re.match(r"\[(WARNING|ERROR)\]", ln)]
        assert not findings, findings
        for f in CRYPTNONO_VALUES:
            r = chart.run_helm("lint", chart.CHART, *strict, "-f", f)
            assert r.returncode == 0, f"{f.name}: {r.stdout}{r.stderr}"


def test_defaults_give_nomines_builtin_indicators(nomine_bin, tmp_path):
    docs = render()
    configs = chart.config_dirs(docs, tmp_path)
    assert len(configs) == 1
    v = check(nomine_bin, configs, ["sh", "-c", f"sleep 1 && echo {BUILTIN_SELFTEST}"])
    assert v == {"verdict": "kill", "matched": BUILTIN_SELFTEST}
    assert check(nomine_bin, configs, ["./xmrig", "-o", "x"])["verdict"] == "kill"
    assert check(nomine_bin, configs, ["sh", "-c", "echo hello"]) == {"verdict": "allow"}
    assert not [d for d in docs if d["kind"] in ("Secret", "Service", "ServiceMonitor",
                                                    "PodMonitor")]


@pytest.mark.parametrize("values_file", CRYPTNONO_VALUES, ids=lambda p: p.stem)
def test_cryptnono_values_render_and_their_configs_merge(values_file, nomine_bin, tmp_path):
    values = yaml.safe_load(values_file.read_text())
    docs = render([values_file])
    configs = chart.config_dirs(docs, tmp_path)
    cm = chart.only(docs, "ConfigMap", "-config")["data"]
    names = values["detectors"]["execwhacker"]["configs"]
    assert len(names) >= 2
    assert {f"10-execwhacker-{n}.json" for n in names} <= set(cm)
    assert_verdicts(nomine_bin, configs, values)
    # nomine's built-in list comes along unless turned off
    assert check(nomine_bin, configs, ["xmrig"])["verdict"] == "kill"
    off = chart.config_dirs(render([values_file], ["nomine.builtinConfig=false"]),
                            tmp_path / "nobuiltin")
    assert check(nomine_bin, off, ["xmrig"]) == {"verdict": "allow"}


def test_secret_configs_merge_with_the_configmap(nomine_bin, tmp_path):
    values = {"detectors": {"execwhacker": {
        "configs": {"public": {"allowedCommandPatterns": ["^/opt/nmchart-tool --scan nmchart-secret-a$"]}},
        "secretConfigs": {"hidden": {"bannedCommandStrings": ["nmchart-secret-a", "nmchart-secret-b"]}},
        "existingSecrets": ["hub-banned-list"]}}}
    f = tmp_path / "v.yaml"
    f.write_text(yaml.safe_dump(values))
    docs = render([f])
    secret = chart.only(docs, "Secret", "-secret-config")
    assert list(secret["data"]) == ["20-secret-hidden.json"]
    cm = chart.only(docs, "ConfigMap", "-config")["data"]
    assert not any("nmchart-secret" in text and "banned" in text.lower() for text in cm.values())
    # the existing Secret is mounted as a directory of its own, read as one
    args = container(docs)["args"]
    assert "/etc/nomine/existing/hub-banned-list" in args
    (existing,) = [v for v in pod_spec(docs)["volumes"] if v.get("secret", {}).get("secretName")
                   == "hub-banned-list"]
    configs = chart.config_dirs(docs, tmp_path / "pod")
    assert len(configs) == 3
    configs.pop()                               # the existing Secret: not ours to fill
    assert_verdicts(nomine_bin, configs, values)


@pytest.mark.parametrize("value,detector", [("detectors.execwhacker.enabled", "exec"),
                                            ("detectors.monero.enabled", "randomx"),
                                            ("detectors.executable.enabled", "executable")])
def test_a_detector_switched_off_is_disabled(value, detector):
    """cryptnono's enabled: false becomes --disable (nomine then loads
    nothing of that detector); true, the default, adds nothing."""
    values = CRYPTNONO_VALUES[0]
    args = container(render([values], [f"{value}=false"]))["args"]
    pairs = [args[i + 1] for i, a in enumerate(args) if a == "--disable"]
    assert pairs == [detector], args
    assert "--disable" not in container(render([values], [f"{value}=true"]))["args"]


def test_settings_reach_nomines_config(nomine_bin, tmp_path):
    f = tmp_path / "v.yaml"
    f.write_text(yaml.safe_dump({
        "nomine": {"exemptNamespaces": ["kube-system"], "environmentVariables": ["JUPYTERHUB_USER"],
                   "randomx": {"threshold": 128, "windowSeconds": 2.5,
                               "allowedExecutables": ["/opt/hashcat/hashcat"]},
                   "containerKillAfter": 3, "matchMode": "substring"},
        "detectors": {"execwhacker": {"lookupEnvs": ["BINDER_REPO_URL"],
                                      "configs": {"a": {"bannedCommandStrings": ["nmsub"]}}}}}))
    docs = render([f])
    cm = chart.only(docs, "ConfigMap", "-config")["data"]
    settings = json.loads(cm["90-nomine.json"])
    assert settings == {
        "hostRoot": "/host",
        "containerdStateDir": "/run/containerd/io.containerd.runtime.v2.task",
        "exemptNamespaces": ["kube-system"], "moneroThreshold": 128,
        "moneroWindowSeconds": 2.5, "allowedExecutables": ["/opt/hashcat/hashcat"],
        "environmentVariables": ["BINDER_REPO_URL", "JUPYTERHUB_USER"],
        "containerKillAfter": 3}
    configs = chart.config_dirs(docs, tmp_path)
    # substring mode reached the configs file: a word character next to it no longer spares it
    assert check(nomine_bin, configs, ["echo", "xnmsubx"]) == {"verdict": "kill", "matched": "nmsub"}
    # the container kill writes cgroup.kill: only then is the cgroup fs writable
    (cg,) = [m for m in container(docs)["volumeMounts"] if m["name"] == "cgroup"]
    assert cg["readOnly"] is False


def pod_address_dir(root, name, files):
    """What the kubelet makes of a ConfigMap volume at
    /etc/nomine/addresses/<name> under root: the keys are symlinks into a
    hidden timestamped directory through ..data, as in a real pod."""
    d = Path(root) / "etc/nomine/addresses" / name
    data = d / "..2026_12_06_10_00_00.000000001"
    data.mkdir(parents=True)
    for k, text in files.items():
        (data / k).write_text(text)
        (d / k).symlink_to(Path("..data") / k)
    (d / "..data").symlink_to(data.name)
    return d


def test_address_configmaps_mounted_and_loaded(nomine_bin, tmp_path):
    """nomine.bannedAddressConfigMaps and cryptnono's bannedIpv4ConfigMaps
    (with tcpflowkiller enabled) are mounted read-only and listed in
    bannedAddressFiles; the files of such a volume, as the kubelet lays it
    out, are what nomine reads: a bad line fails at that file's own line."""
    f = tmp_path / "v.yaml"
    f.write_text(yaml.safe_dump({
        "nomine": {"bannedAddressConfigMaps": ["pool-ips", "shared.lists"]},
        "detectors": {"tcpflowkiller": {"enabled": True, "bannedIpv4ConfigMaps": {
            "old": "cryptnono-ips", "same": "pool-ips"}}}}))
    docs = render([f])
    names = ["pool-ips", "shared.lists", "cryptnono-ips"]
    settings = json.loads(chart.only(docs, "ConfigMap", "-config")["data"]["90-nomine.json"])
    assert settings["bannedAddressFiles"] == [f"/etc/nomine/addresses/{n}/*" for n in names]
    vols = {v["name"]: v for v in pod_spec(docs)["volumes"]}
    mounts = {m["name"]: m for m in container(docs)["volumeMounts"]}
    for i, n in enumerate(names):
        assert vols[f"addresses-{i}"] == {"name": f"addresses-{i}", "configMap": {"name": n}}
        assert mounts[f"addresses-{i}"] == {"name": f"addresses-{i}", "readOnly": True,
                                            "mountPath": f"/etc/nomine/addresses/{n}"}
    assert "addresses-3" not in vols

    root = tmp_path / "pod"
    configs = chart.config_dirs(docs, root)
    # the config names paths inside the pod: re-rooted like the volumes
    own = Path(configs[0]) / "90-nomine.json"
    own.write_text(own.read_text().replace('"/etc/nomine/', f'"{root}/etc/nomine/'))
    pod_address_dir(root, "pool-ips", {"v4.txt": "# pools\n198.51.100.7\n",
                                       "v6.txt": "2001:db8::/48  # one\n"})
    pod_address_dir(root, "shared.lists", {"a": "203.0.113.0/24\n"})
    bad = pod_address_dir(root, "cryptnono-ips", {"banned.txt": "198.51.100.9\n"})
    assert check(nomine_bin, configs, ["echo", "x"]) == {"verdict": "allow"}
    (bad / "..data" / "banned.txt").write_text("198.51.100.9\n\n198.51.100.999\n")
    r = subprocess.run([str(nomine_bin), "check", *[a for c in configs for a in ("--config", c)],
                        "--", "echo", "x"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2, r
    assert r.stderr.startswith(f"nomine: {bad}/banned.txt:3: "), r.stderr

    # cryptnono reads its ConfigMaps only with its detector on: so does the chart
    off = render([f], ["detectors.tcpflowkiller.enabled=false"])
    settings = json.loads(chart.only(off, "ConfigMap", "-config")["data"]["90-nomine.json"])
    assert settings["bannedAddressFiles"] == [f"/etc/nomine/addresses/{n}/*" for n in names[:2]]
    assert "addresses-2" not in {v["name"] for v in pod_spec(off)["volumes"]}
    # none named: no key, no volume
    assert "bannedAddressFiles" not in json.loads(
        chart.only(render(), "ConfigMap", "-config")["data"]["90-nomine.json"])


# --------------------------------------------------------------------------
# what the chart refuses


@pytest.mark.parametrize("sets,where,what", [
    (["detectors.execwhacker.bannedCommandStrings={xmrig}"], "detectors.execwhacker",
     "bannedCommandStrings"),
    (["detector.execwhacker.enabled=true"], "(root)", "detector"),
    (["detectors.execwhacker.configs.a.bannedCommandString={xmrig}"],
     "detectors.execwhacker.configs.a", "bannedCommandString"),
    (["detectors.execwhacker.metrics.prot=9000"], "detectors.execwhacker.metrics", "prot"),
    (["nomine.randomx.treshold=10"], "nomine.randomx", "treshold"),
], ids=["wrong-level", "detector", "config-key", "metrics", "nomine-key"])
def test_schema_refuses_typos_naming_them(sets, where, what):
    r = template(sets=sets)
    assert r.returncode != 0, f"{sets} was accepted"
    line = [ln for ln in r.stderr.splitlines() if what in ln]
    assert line and where in line[0] and "Additional property" in line[0], r.stderr


@pytest.mark.parametrize("sets,message", [
    (["nomine.kernelTableMib=3"], "kernelTableMib"),
    (["nomine.exemptNamespaces={Kube_System}"], "exemptNamespaces"),
    (["image.repository=quay.io/yuvipanda/cryptnono"], "cryptnono's image"),
    (["nomine.bannedAddressConfigMaps={Pool_IPs}"], "bannedAddressConfigMaps"),
    (["detectors.tcpflowkiller.bannedIpv4ConfigMaps.old=Bad_Name"], "bannedIpv4ConfigMaps"),
])
def test_chart_refuses_what_nomine_would_not_run(sets, message):
    r = template(sets=sets)
    assert r.returncode != 0 and message in r.stderr, r.stderr


def test_ignored_cryptnono_values_are_accepted():
    render(sets=["fetchKernelHeaders.image.repository=x", "fetchKernelHeaders.image.tag=y",
                 "detectors.execwhacker.threadpoolSize=20",
                 "containerSecurityContext.privileged=true",
                 "detectors.tcpflowkiller.enabled=true",
                 "detectors.tcpflowkiller.config.FlowKiller.unique_destinations_threshold=24",
                 "detectors.tcpflowkiller.bannedIpv4ConfigMaps.ips=banned.txt",
                 "detectors.monero.resources.limits.memory=128Mi",
                 "metrics.collector.enabled=true", "metrics.collector.port=12120",
                 "metrics.collector.image.tag=0.141.0", "image.name=old",
                 "detectors.execwhacker.metrics.enabled=true", "global.x=1", "enabled=true"])


# --------------------------------------------------------------------------
# the DaemonSet


@pytest.mark.parametrize("values_file", [None] + CRYPTNONO_VALUES,
                         ids=lambda p: p.stem if p else "defaults")
def test_daemonset_is_least_privilege(values_file):
    docs = render([values_file] if values_file else [])
    spec, c = pod_spec(docs), container(docs)
    sc = c["securityContext"]
    assert spec["hostPID"] is True
    assert "securityContext" not in spec or "privileged" not in spec["securityContext"]
    assert sc["privileged"] is False and sc["allowPrivilegeEscalation"] is False
    assert sc["readOnlyRootFilesystem"] is True and sc["runAsUser"] == 0
    assert sc["capabilities"] == {"drop": ["ALL"], "add": CAPABILITIES}
    assert sc["seccompProfile"] == {"type": "RuntimeDefault"}
    assert spec["automountServiceAccountToken"] is False
    volumes = {v["name"]: v for v in spec["volumes"]}
    mounts = c["volumeMounts"]
    for m in mounts:
        assert "subPath" not in m and "subPathExpr" not in m, m
        assert m["readOnly"] is True, m
    host = {volumes[m["name"]]["hostPath"]["path"]: m["mountPath"]
            for m in mounts if "hostPath" in volumes[m["name"]]}
    assert host.pop("/sys/fs/cgroup") == "/sys/fs/cgroup"
    assert host.pop("/sys/kernel/btf") == "/sys/kernel/btf"
    # what is left is runtime state, under the hostRoot nomine is told of
    settings = json.loads(chart.only(docs, "ConfigMap", "-config")["data"]["90-nomine.json"])
    assert host and all(inside == "/host" + path for path, inside in host.items())
    assert {settings[k] for k in settings if k.endswith("StateDir")} == set(host)
    assert settings["hostRoot"] == "/host"
    for m in mounts:
        if "hostPath" not in volumes[m["name"]]:
            assert {"configMap", "secret"} & set(volumes[m["name"]]), m


@pytest.mark.parametrize("values_file", [None] + CRYPTNONO_VALUES,
                         ids=lambda p: p.stem if p else "defaults")
def test_daemonset_probes_metrics_and_cryptnono_pod_settings(values_file):
    values = yaml.safe_load(values_file.read_text()) if values_file else {}
    docs = render([values_file] if values_file else [])
    spec, c = pod_spec(docs), container(docs)
    (port,) = c["ports"]
    assert port["name"] == "metrics" and port["containerPort"] == 12121
    args = c["args"]
    assert args[args.index("--metrics-listen") + 1] == ":12121"
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}
    assert c["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}
    ann = only_template(docs)["metadata"]["annotations"]
    assert {k: ann[k] for k in ann if k.startswith("prometheus.io/")} == {
        "prometheus.io/scrape": "true", "prometheus.io/port": "12121",
        "prometheus.io/path": "/metrics"}
    for k, v in values.get("podAnnotations", {}).items():
        assert ann[k] == v
    for key in ("nodeSelector", "tolerations", "imagePullSecrets", "priorityClassName"):
        if key in values:
            assert spec[key] == values[key], key
    assert spec.get("tolerations") == values.get("tolerations", [{"operator": "Exists"}])
    assert ("--debug" in args) == values.get("detectors", {}).get("execwhacker", {}).get(
        "debug", False)
    want = values.get("detectors", {}).get("execwhacker", {}).get("resources")
    assert c["resources"] == (want or {"requests": {"cpu": "10m", "memory": "64Mi"},
                                       "limits": {"memory": "256Mi"}})


def only_template(docs):
    return chart.only(docs, "DaemonSet")["spec"]["template"]


def test_metrics_port_audit_and_monitors_follow_values():
    docs = render(sets=["detectors.execwhacker.metrics.port=9101", "nomine.audit=true",
                        "metrics.serviceMonitor.enabled=true", "metrics.podMonitor.enabled=true",
                        "fullnameOverride=nm", "nomine.extraCapabilities={SYS_RESOURCE}"])
    c = container(docs)
    assert c["args"][c["args"].index("--metrics-listen") + 1] == ":9101"
    assert "--audit" in c["args"]
    assert c["ports"][0]["containerPort"] == 9101
    assert c["securityContext"]["capabilities"]["add"] == CAPABILITIES + ["SYS_RESOURCE"]
    svc = chart.only(docs, "Service")
    assert svc["spec"]["ports"][0]["port"] == 9101
    assert svc["spec"]["selector"] == chart.only(docs, "DaemonSet")["spec"]["selector"]["matchLabels"]
    assert chart.only(docs, "ServiceMonitor")["spec"]["endpoints"][0]["port"] == "metrics"
    assert chart.only(docs, "PodMonitor")["spec"]["podMetricsEndpoints"][0]["port"] == "metrics"
    assert all(d["metadata"]["name"].startswith("nm") for d in docs)
    bare = pod_spec(render(sets=["imagePullSecrets={regcred}"]))["imagePullSecrets"]
    assert bare == [{"name": "regcred"}]
    quiet = only_template(render(sets=["metrics.enabled=false"]))["metadata"]
    assert "prometheus.io/scrape" not in quiet.get("annotations", {})


def test_schema_knows_every_config_key(nomine_bin, tmp_path):
    """Each config file the chart renders is checked by the schema, which
    refuses keys it does not list: a key nomine gained and the schema did
    not would be refused at install. nomine's own list of keys is the one
    its "unknown key" error gives."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("nmNoSuchKey: 1\n")
    r = subprocess.run([str(nomine_bin), "check", "--config", str(bad), "--", "x"],
                       capture_output=True, text=True, timeout=30)
    m = re.search(r"valid keys: ([^)]*)\)", r.stderr)
    assert r.returncode == 2 and m, r.stderr
    keys = set(m.group(1).split(", "))
    schema = json.loads((chart.CHART / "values.schema.json").read_text())
    ew = schema["properties"]["detectors"]["properties"]["execwhacker"]["properties"]
    # where the runtimes keep their state: the chart sets these itself, from
    # containerdHostPath and dockerHostPath, with the host mounts to match
    chart_owned = {"hostRoot", "containerdStateDir", "crioStateDir", "dockerStateDir"}
    assert chart_owned <= keys
    for where in ("configs", "secretConfigs"):
        listed = set(ew[where]["additionalProperties"]["properties"])
        assert listed == keys - chart_owned, (where, sorted(keys - chart_owned - listed),
                                              sorted(listed - keys))



# --------------------------------------------------------------------------
# responses after a kill (nomine.responses, issue 14)

RESPONSES = {
    "hubApiUrl": "http://hub.jupyterhub.svc:8081/hub/api",
    "hubApiTokenSecret": {"name": "nomine-hub", "key": "token"},
    "hubBlockGroup": True,
    "webhooks": [{"urlSecret": {"name": "nomine-webhooks", "key": "slack"}, "format": "slack"},
                 {"urlSecret": {"name": "nomine-webhooks", "key": "zulip"}, "format": "zulip"},
                 {"urlSecret": {"name": "nomine-hub", "key": "generic"}},
                 {"url": "http://incidents.internal:8080/nomine", "format": "json"}],
    "alertmanagerUrl": "http://alertmanager.monitoring.svc:9093",
    "notifyDedupeSeconds": 600, "notifyBurst": 2, "notifyPerMinute": 0.5,
    "commandHook": ["/opt/hook/busybox", "sh", "/opt/hook/delete-pod.sh"],
    "commandHookTimeoutSeconds": 20, "commandHookConcurrency": 1,
    "evidence": {"enabled": True, "hostPath": "/var/lib/nomine/evidence"},
    "evidenceMaxRecords": 500, "evidenceMaxMiB": 256, "evidenceExecutableMaxMiB": 64,
    "responseTimeoutSeconds": 5, "responseRetrySeconds": 300, "responseQueueLength": 200,
}
HOOK_VOLUMES = {
    "extraVolumes": [{"name": "hook", "configMap": {"name": "nomine-hook", "defaultMode": 0o755}},
                     {"name": "hook-state", "hostPath": {"path": "/var/lib/nomine/hook",
                                                         "type": "DirectoryOrCreate"}}],
    "extraVolumeMounts": [{"name": "hook", "mountPath": "/opt/hook"},
                          {"name": "hook-state", "mountPath": "/var/lib/nomine/hook",
                           "readOnly": False}],
}


def responses_values(tmp_path, responses=RESPONSES, **nomine):
    f = tmp_path / "responses.yaml"
    f.write_text(yaml.safe_dump({"nomine": {"responses": responses, **nomine}}))
    return f


def run_check(nomine_bin, configs):
    return subprocess.run([str(nomine_bin), "check", *[a for c in configs for a in ("--config", c)],
                           "--", "echo", "x"], capture_output=True, text=True, timeout=30)


def test_responses_reach_nomines_config_with_secrets_mounted_whole(nomine_bin, tmp_path):
    """Every key of nomine.responses reaches the chart's config file under
    nomine's name; each Secret named (the hub token's, the webhooks': two
    keys of one Secret, and the token's Secret again) is mounted once,
    whole, read-only and 0400, and its keys are the files nomine is told of;
    the evidence hostPath is the one writable mount added; the extra
    volumes are there, read-only unless asked otherwise. Laid out as the
    kubelet lays them out, `nomine check` accepts that config, and refuses
    it, at the config's line, when the Secret lacks the key."""
    values = responses_values(tmp_path, **HOOK_VOLUMES)
    r = chart.run_helm("lint", chart.CHART, "--strict", "-f", values)
    assert r.returncode == 0 and not re.search(r"\[(WARNING|ERROR)\]", r.stdout), r.stdout
    docs = render([values])
    settings = json.loads(chart.only(docs, "ConfigMap", "-config")["data"]["90-nomine.json"])
    own = {k: v for k, v in RESPONSES.items() if k not in ("hubApiTokenSecret", "webhooks",
                                                            "evidence")}
    assert {k: settings[k] for k in own} == own
    assert settings["hubApiTokenFile"] == "/etc/nomine/secrets/nomine-hub/token"
    assert settings["webhooks"] == [
        {"urlFile": "/etc/nomine/secrets/nomine-webhooks/slack", "format": "slack"},
        {"urlFile": "/etc/nomine/secrets/nomine-webhooks/zulip", "format": "zulip"},
        {"urlFile": "/etc/nomine/secrets/nomine-hub/generic"},
        {"url": "http://incidents.internal:8080/nomine", "format": "json"}]
    assert settings["evidenceDir"] == "/var/lib/nomine/evidence"
    assert not any(k.endswith("Secret") or k == "evidence" for k in settings), settings

    spec, c = pod_spec(docs), container(docs)
    vols = {v["name"]: v for v in spec["volumes"]}
    mounts = {m["name"]: m for m in c["volumeMounts"]}
    for m in c["volumeMounts"]:
        assert "subPath" not in m and "subPathExpr" not in m, m
    secret_vols = {v["secret"]["secretName"]: v for v in spec["volumes"] if "secret" in v}
    assert set(secret_vols) == {"nomine-hub", "nomine-webhooks"}
    for name, v in secret_vols.items():
        assert v["secret"] == {"secretName": name, "defaultMode": 0o400}, v
        assert mounts[v["name"]] == {"name": v["name"], "mountPath": f"/etc/nomine/secrets/{name}",
                                     "readOnly": True}
    assert vols["evidence"]["hostPath"] == {"path": "/var/lib/nomine/evidence",
                                            "type": "DirectoryOrCreate"}
    assert mounts["evidence"] == {"name": "evidence", "mountPath": "/var/lib/nomine/evidence",
                                  "readOnly": False}
    for v in HOOK_VOLUMES["extraVolumes"]:
        assert vols[v["name"]] == v
    assert mounts["hook"] == {"name": "hook", "mountPath": "/opt/hook", "readOnly": True}
    assert mounts["hook-state"]["readOnly"] is False
    writable = {m["name"] for m in c["volumeMounts"] if not m.get("readOnly")}
    assert writable == {"evidence", "hook-state"}, writable
    # the hook runs as the daemon: posix_spawn needs no capability more
    assert c["securityContext"]["capabilities"] == {"drop": ["ALL"], "add": CAPABILITIES}

    # the pod's files: config volumes, the Secrets the kubelet's way, the evidence dir
    root = tmp_path / "pod"
    configs = chart.config_dirs(docs, root)
    cfg_file = Path(configs[0]) / "90-nomine.json"
    cfg_file.write_text(cfg_file.read_text()
                        .replace('"/etc/nomine/', f'"{root}/etc/nomine/')
                        .replace('"/var/lib/nomine/', f'"{root}/var/lib/nomine/'))
    (root / "var/lib/nomine/evidence").mkdir(parents=True)
    secrets = {name: Volume(root / "etc/nomine/secrets" / name, mode=v["secret"]["defaultMode"])
               for name, v in secret_vols.items()}
    secrets["nomine-hub"].write({"token": "nmtoken-0123456789abcdef\n",
                                 "generic": "http://incidents.internal:8080/generic\n"})
    secrets["nomine-webhooks"].write({"slack": "https://hooks.slack.invalid/services/T0/B0/x\n",
                                      "zulip": "https://zulip.invalid/api/v1/external/slack?k=1"})
    token = root / "etc/nomine/secrets/nomine-hub/token"
    assert token.is_symlink() and (token.stat().st_mode & 0o777) == 0o400
    r = run_check(nomine_bin, configs)
    assert r.returncode == 0 and json.loads(r.stdout) == {"verdict": "allow"}, r.stderr
    assert "nmtoken" not in r.stdout + r.stderr

    # a rotated Secret is the same path with new bytes (a ..data swap)
    secrets["nomine-hub"].write({"token": "nmtoken-rotated\n",
                                 "generic": "http://incidents.internal:8080/generic\n"})
    assert token.read_text() == "nmtoken-rotated\n"
    assert run_check(nomine_bin, configs).returncode == 0
    # the Secret without the key the values name: refused at the config's line
    secrets["nomine-webhooks"].write({"slack": "https://hooks.slack.invalid/services/T0/B0/x\n"})
    r = run_check(nomine_bin, configs)
    zulip = root / "etc/nomine/secrets/nomine-webhooks/zulip"
    assert r.returncode == 2, r
    assert re.match(rf"nomine: {re.escape(str(cfg_file))}:\d+: webhooks item urlFile "
                    rf"{re.escape(str(zulip))}: ", r.stderr), r.stderr


def test_responses_off_by_default_and_one_at_a_time():
    """Nothing of the responses without values; evidence alone adds its
    mount and key and no Secret; a webhook inline adds no volume."""
    docs = render()
    settings = json.loads(chart.only(docs, "ConfigMap", "-config")["data"]["90-nomine.json"])
    assert not set(settings) & (set(RESPONSES) | {"hubApiTokenFile", "evidenceDir"}), settings
    names = {v["name"] for v in pod_spec(docs)["volumes"]}
    assert not {n for n in names if n.startswith("response-") or n == "evidence"}, names
    docs = render(sets=["nomine.responses.evidence.enabled=true",
                        "nomine.responses.evidence.hostPath=/mnt/disks/evidence",
                        "nomine.responses.webhooks[0].url=http://127.0.0.1:8080/x"])
    settings = json.loads(chart.only(docs, "ConfigMap", "-config")["data"]["90-nomine.json"])
    assert settings["evidenceDir"] == "/mnt/disks/evidence"
    assert settings["webhooks"] == [{"url": "http://127.0.0.1:8080/x"}]
    assert "hubApiUrl" not in settings and "hubStopServer" not in settings
    vols = [v for v in pod_spec(docs)["volumes"] if "secret" in v or v["name"] == "evidence"]
    assert vols == [{"name": "evidence", "hostPath": {"path": "/mnt/disks/evidence",
                                                      "type": "DirectoryOrCreate"}}]


@pytest.mark.parametrize("sets,message", [
    (["nomine.responses.hubApiUrl=http://hub:8081/hub/api"], "hubApiTokenSecret"),
    (["nomine.responses.hubApiTokenSecret.name=s", "nomine.responses.hubApiTokenSecret.key=k"],
     "needs nomine.responses.hubApiUrl"),
    (["nomine.responses.hubApiUrl=http://hub:8081/hub/api",
      "nomine.responses.hubApiTokenSecret.name=s"], "hubApiTokenSecret.key"),
    (["nomine.responses.hubBlockGroup=true"], "hubBlockGroup needs"),
    (["nomine.responses.hubStopServer=false"], "hubStopServer needs"),
    (["nomine.responses.hubApiUrl=hub:8081"], "hubApiUrl"),
    (["nomine.responses.webhooks[0].url=http://x/",
      "nomine.responses.webhooks[0].urlSecret.name=s",
      "nomine.responses.webhooks[0].urlSecret.key=k"], "webhooks.0"),
    (["nomine.responses.webhooks[0].urlSecret.name=s"], "urlSecret: key is required"),
    (["nomine.responses.webhooks[0].urlSecret.name=Bad_Name",
      "nomine.responses.webhooks[0].urlSecret.key=k"], "webhooks.0.urlSecret.name"),
    (["nomine.responses.webhooks[0].url=http://x/", "nomine.responses.webhooks[0].format=teams"],
     "format"),
    (["nomine.responses.webhook[0].url=http://x/"], "webhook"),
    (["nomine.responses.commandHook={hook.sh}"], "commandHook.0"),
    (["nomine.responses.evidence.hostPath=evidence"], "evidence.hostPath"),
    (["nomine.responses.notifyBurst=0"], "notifyBurst"),
    (["nomine.extraVolumeMounts[0].name=x"], "mountPath"),
], ids=["url-no-token", "token-no-url", "token-no-key", "block-no-hub", "stop-no-hub",
        "bad-url", "url-and-secret", "secret-no-key", "secret-name", "format", "typo",
        "hook-relative", "evidence-relative", "burst", "mount-no-path"])
def test_chart_refuses_responses_nomine_would_not_run(sets, message):
    r = template(sets=sets)
    assert r.returncode != 0 and message in r.stderr, r.stderr


def test_documented_responses_values_render(tmp_path):
    """The values block of docs/responses.md ("With the Helm chart") passes
    the schema and lint, and gives the keys its comments say."""
    text = (chart.REPO / "docs" / "responses.md").read_text()
    section = re.search(r"^## With the Helm chart\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    (block,) = re.findall(r"^```yaml\n(.*?)^```", section.group(1), re.S | re.M)
    f = tmp_path / "documented.yaml"
    f.write_text(block)
    r = chart.run_helm("lint", chart.CHART, "--strict", "-f", f)
    assert r.returncode == 0 and not re.search(r"\[(WARNING|ERROR)\]", r.stdout), r.stdout
    docs = render([f])
    settings = json.loads(chart.only(docs, "ConfigMap", "-config")["data"]["90-nomine.json"])
    assert settings["hubApiTokenFile"] == "/etc/nomine/secrets/nomine-hub/token"
    assert settings["webhooks"][0] == {"urlFile": "/etc/nomine/secrets/nomine-webhooks/slack",
                                       "format": "slack"}
    assert settings["evidenceDir"] == "/var/lib/nomine/evidence"
    assert {m["mountPath"] for m in container(docs)["volumeMounts"]} >= {
        "/etc/nomine/secrets/nomine-hub", "/etc/nomine/secrets/nomine-webhooks",
        "/var/lib/nomine/evidence", "/opt/hook"}
