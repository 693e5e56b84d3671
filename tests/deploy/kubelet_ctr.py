# SPDX-License-Identifier: BSD-2-Clause
"""One container of a rendered pod spec as `ctr run` flags, translated the
way the kubelet and containerd's CRI plugin would build its OCI spec: the
process (command/args over the image's entrypoint), the security context
(capabilities with `drop: [ALL]`, no new privileges, read-only root, the
RuntimeDefault seccomp profile), the host PID namespace, the volume mounts
(bind mounts with the read-only flag and propagation asked for), the memory
limit and CPU shares. Anything in the spec this does not know how to
translate is refused, so a chart change cannot slip past the pod test
unseen."""
import os
import re

# Linux capability names (include/uapi/linux/capability.h), for drop: [ALL]:
# ctr adds to and drops from its own default set, and has no "ALL".
ALL_CAPS = ["CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
            "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST",
            "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO",
            "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
            "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE",
            "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
            "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE"]
CAP_NUMBER = {name: i for i, name in enumerate(ALL_CAPS)}
# mountPropagation -> the bind option CRI gives runc
PROPAGATION = {None: "rprivate", "None": "rprivate", "HostToContainer": "rslave",
               "Bidirectional": "rshared"}
KNOWN_SECURITY = {"privileged", "allowPrivilegeEscalation", "readOnlyRootFilesystem",
                  "runAsUser", "runAsGroup", "runAsNonRoot", "capabilities", "seccompProfile"}
# what the kubelet acts on elsewhere (probes: the test asks /readyz itself)
KNOWN_CONTAINER = {"name", "image", "imagePullPolicy", "command", "args", "env", "ports",
                   "startupProbe", "livenessProbe", "readinessProbe", "resources",
                   "securityContext", "volumeMounts"}


def normalize_image(ref):
    """Docker's short names as containerd's CRI resolves them."""
    first = ref.split("/", 1)[0]
    if "/" not in ref:
        return f"docker.io/library/{ref}"
    if "." not in first and ":" not in first and first != "localhost":
        return f"docker.io/{ref}"
    return ref


def quantity(q):
    """A Kubernetes quantity ("256Mi", "10m", "1") as a number (CPU in cores)."""
    m = re.fullmatch(r"([0-9.]+)(Ki|Mi|Gi|Ti|k|M|G|T|m)?", str(q))
    assert m, f"quantity {q!r}"
    mult = {None: 1, "Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "k": 10 ** 3,
            "M": 10 ** 6, "G": 10 ** 9, "T": 10 ** 12, "m": 10 ** -3}[m.group(2)]
    return float(m.group(1)) * mult


def process_argv(container, entrypoint, cmd=()):
    """The kubelet's rule: command replaces the entrypoint (and drops the
    image's Cmd), args replace the image's Cmd."""
    command = container.get("command") or list(entrypoint)
    args = container.get("args")
    if args is None:
        args = [] if container.get("command") else list(cmd)
    return [*command, *args]


def capability_set(container):
    """The effective capability names the security context leaves root."""
    caps = container["securityContext"]["capabilities"]
    assert caps.get("drop") == ["ALL"], f"only drop: [ALL] is translated: {caps}"
    return list(caps.get("add", []))


def run_flags(pod, container, volume_dirs, host_pid_ns, cgroupns="private"):
    """ctr run flags for container of pod. volume_dirs: {volume name: host
    directory} for the volumes the kubelet fills (configMap, secret);
    hostPath volumes are the host's own paths. host_pid_ns: the path of the
    PID namespace that hostPID joins. cgroupns: "private" (containerd's CRI
    on a cgroup v2 node, for every container not privileged) or "host"
    (CRI on cgroup v1 or hybrid nodes)."""
    unknown = set(container) - KNOWN_CONTAINER
    assert not unknown, f"the pod test does not translate {unknown}: teach kubelet_ctr.py"
    sc = container["securityContext"]
    unknown = set(sc) - KNOWN_SECURITY
    assert not unknown, f"the pod test does not translate securityContext {unknown}"
    assert not sc.get("privileged"), "a privileged container is not what the chart may ask"
    assert not pod.get("hostNetwork") and not pod.get("hostIPC"), pod
    flags = []
    if sc.get("readOnlyRootFilesystem"):
        flags.append("--read-only")
    if sc.get("allowPrivilegeEscalation", True):
        flags.append("--allow-new-privs")       # ctr's default is no_new_privs
    assert sc.get("runAsUser", 0) == 0 and sc.get("runAsGroup", 0) == 0, sc
    add = capability_set(container)
    for cap in ALL_CAPS:
        flags += ["--cap-drop" if cap not in add else "--cap-add", f"CAP_{cap}"]
    profile = (sc.get("seccompProfile") or pod.get("securityContext", {}).get("seccompProfile")
               or {"type": "Unconfined"})      # the kubelet's default
    assert profile["type"] in ("RuntimeDefault", "Unconfined"), profile
    if profile["type"] == "RuntimeDefault":
        flags.append("--seccomp")
    if pod.get("hostPID"):
        flags += ["--with-ns", f"pid:{host_pid_ns}"]
    assert cgroupns in ("private", "host"), cgroupns
    if cgroupns == "private":
        flags += ["--with-ns", "cgroup:"]     # no path: a new namespace
    volumes = {v["name"]: v for v in pod["volumes"]}
    for m in container["volumeMounts"]:
        v = volumes[m["name"]]
        if "hostPath" in v:
            src = v["hostPath"]["path"]
            if v["hostPath"].get("type") == "Directory":    # the kubelet checks it
                assert os.path.isdir(src), f"hostPath {src} is not a directory"
            elif v["hostPath"].get("type") == "DirectoryOrCreate":   # or makes it
                os.makedirs(src, mode=0o755, exist_ok=True)
        else:
            assert "configMap" in v or "secret" in v, v
            src = volume_dirs[m["name"]]
        assert "subPath" not in m, m
        opts = ["rbind", "ro" if m.get("readOnly") else "rw",
                PROPAGATION[m.get("mountPropagation")]]
        flags += ["--mount", f"type=bind,src={src},dst={m['mountPath']},"
                             f"options={':'.join(opts)}"]
    for e in container.get("env", []):
        assert set(e) == {"name", "value"}, e
        flags += ["--env", f"{e['name']}={e['value']}"]
    res = container.get("resources", {})
    if "memory" in res.get("limits", {}):
        flags += ["--memory-limit", str(int(quantity(res["limits"]["memory"])))]
    if "cpu" in res.get("requests", {}):   # the kubelet: milli-CPU * 1024 / 1000, at least 2
        flags += ["--cpu-shares", str(max(2, int(quantity(res["requests"]["cpu"]) * 1024)))]
    return flags
