/* SPDX-License-Identifier: BSD-2-Clause */
/* cgroup_path.h - which container a cgroup path belongs to.
 *
 * Pure string work over the path shapes the runtimes and cgroup drivers
 * create, so it can be tested without them:
 *   systemd driver   .../kubepods-burstable-pod<UID>.slice/cri-containerd-<ID>.scope
 *                    .../crio-<ID>.scope, /system.slice/docker-<ID>.scope,
 *                    .../libpod-<ID>.scope
 *   cgroupfs driver  /kubepods/burstable/pod<UID>/<ID>, /docker/<ID>,
 *                    /buildkit/<ID>
 * The innermost container wins: a Docker container inside a BinderHub
 * docker-in-docker pod is that Docker container, not the pod. */
#ifndef NOMINE_CGROUP_PATH_H
#define NOMINE_CGROUP_PATH_H

#include <stddef.h>

#define CTR_ID_MAX 64
#define CTR_PATH_MAX 4096

/* Where the container's metadata lives. */
enum ctr_runtime {
	CTR_RT_NONE,
	CTR_RT_CONTAINERD,
	CTR_RT_CRIO,
	CTR_RT_DOCKER,
	CTR_RT_PODMAN,
	CTR_RT_BUILDKIT,
	CTR_RT_KUBE,          /* kubepods cgroupfs path: any CRI runtime */
};

struct ctr_ref {
	enum ctr_runtime runtime;
	char id[CTR_ID_MAX + 1];
	char pod_uid[40];     /* from the cgroup path, "" if not there */
	char cgroup[CTR_PATH_MAX]; /* the container's own cgroup (path prefix) */
	int v2;               /* cgroup is on the unified hierarchy */
};

/* cryptnono's "container_type" for a runtime: "cri", "docker", ... or NULL. */
const char *ctr_type_name(enum ctr_runtime rt);
/* The runtime's own name: "containerd", "cri-o", ... or NULL. */
const char *ctr_runtime_name(enum ctr_runtime rt);

/* Finds the innermost container in one cgroup path (starting with '/').
 * Returns 1 and fills out (v2 left 0), or 0 when the path is no container's. */
int ctr_from_path(const char *path, size_t len, struct ctr_ref *out);

/* Reads a /proc/PID/cgroup text. The unified ("0::") line is preferred,
 * then the v1 lines. Returns 1 (found), 0 (a host process) or -EINVAL when
 * the text is malformed or looks forged: a line that is not
 * "N:ctrls:/path", a hierarchy listed twice, or lines naming different
 * containers (a cgroup name may hold a newline; a forged line must not pick
 * the container). */
int ctr_from_proc_cgroup(const char *text, size_t len, struct ctr_ref *out);

#endif
