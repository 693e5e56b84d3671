# SPDX-License-Identifier: BSD-2-Clause
"""The chart as the deploy tests see it: deploy/helm/nomine rendered by a
real Helm 3 (scripts/fetch-helm), its DaemonSet's container, and the config
directories its ConfigMap and Secrets would put in the pod."""
import base64
import functools
import subprocess
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent.parent
CHART = REPO / "deploy" / "helm" / "nomine"
VALUES = Path(__file__).resolve().parent / "chart-values"


@functools.lru_cache(maxsize=1)
def helm():
    """Path of the pinned Helm binary (fetched once, then cached on disk)."""
    r = subprocess.run([str(REPO / "scripts" / "fetch-helm")], capture_output=True, text=True)
    assert r.returncode == 0, f"scripts/fetch-helm failed:\n{r.stderr}"
    return r.stdout.strip()


def run_helm(*args):
    return subprocess.run([helm(), *map(str, args)], capture_output=True, text=True)


def template(values=(), sets=()):
    """`helm template`: the CompletedProcess (returncode, stdout, stderr)."""
    args = ["template", "t", CHART, "--namespace", "nomine"]
    for v in values:
        args += ["-f", v]
    for s in sets:
        args += ["--set", s]
    return run_helm(*args)


def render(values=(), sets=()):
    """The rendered objects, as dicts; fails on a render error."""
    r = template(values, sets)
    assert r.returncode == 0, f"helm template failed:\n{r.stderr}"
    return [d for d in yaml.safe_load_all(r.stdout) if d]


def only(docs, kind, name_suffix=""):
    got = [d for d in docs if d["kind"] == kind and d["metadata"]["name"].endswith(name_suffix)]
    assert len(got) == 1, f"want one {kind} *{name_suffix}, got {[d['metadata']['name'] for d in got]}"
    return got[0]


def pod_spec(docs):
    return only(docs, "DaemonSet")["spec"]["template"]["spec"]


def container(docs):
    (c,) = pod_spec(docs)["containers"]
    return c


def volume_files(docs):
    """{volume name: {file name: text}}: what the kubelet puts in each
    configMap and secret volume of the pod, from the objects of the render
    (a volume of a Secret or ConfigMap the chart does not make is left out)."""
    by_name = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    out = {}
    for v in pod_spec(docs)["volumes"]:
        if "configMap" in v:
            obj = by_name.get(("ConfigMap", v["configMap"]["name"]))
            if obj is not None:
                out[v["name"]] = obj["data"]
        elif "secret" in v:
            obj = by_name.get(("Secret", v["secret"]["secretName"]))
            if obj is not None:
                out[v["name"]] = {k: base64.b64decode(x).decode()
                                  for k, x in obj["data"].items()}
    return out


def config_dirs(docs, root):
    """Writes what the pod would see of its config volumes under root (the
    path inside the container, /etc/nomine/..., re-rooted) and returns the
    --config arguments of the container, re-rooted the same way. Every
    --config must be a directory some ConfigMap or Secret of the render
    fills: a volume from a Secret the chart does not make (existingSecrets)
    is filled from `existing` below."""
    filled = volume_files(docs)
    for m in container(docs)["volumeMounts"]:
        files = filled.get(m["name"])
        if files is None:
            continue
        d = Path(root) / m["mountPath"].lstrip("/")
        d.mkdir(parents=True)
        for k, text in files.items():
            (d / k).write_text(text)
    args = container(docs)["args"]
    return [str(Path(root) / args[i + 1].lstrip("/"))
            for i, a in enumerate(args) if a == "--config"]
