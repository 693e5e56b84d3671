/* SPDX-License-Identifier: BSD-2-Clause */
/* cgroup_kill.h - ends every process of one container's cgroup: cgroup.kill
 * on the unified hierarchy (Linux 5.14+); elsewhere freeze the cgroup
 * (cgroup.freeze, or the v1 freezer), SIGKILL each process of the subtree,
 * then thaw so the kills are delivered. A frozen cgroup cannot fork. */
#ifndef NOMINE_CGROUP_KILL_H
#define NOMINE_CGROUP_KILL_H

#include <stddef.h>

/* Finds the v1 freezer hierarchy's mount point in a mountinfo file. Returns
 * 0, or a negative errno (-ENOENT: none) as scope_find_mount does. */
int cgroup_find_freezer(const char *mountinfo, char *out, size_t n);

struct cgroup_kill_report {
	const char *method;      /* "cgroup.kill", "cgroup.freeze", "freezer" */
	int processes;           /* processes in the subtree when it was killed */
};

/* Kills the subtree at path (relative to its hierarchy): v2 on the unified
 * mount, else on the v1 freezer mount. Returns 0, or a negative errno with
 * err: -ENOENT (no such hierarchy mounted), -EINVAL (a path that is not
 * absolute and clean), -EPERM (nomine runs in it), -ETIMEDOUT (it did not
 * freeze), or the errno of the failed freeze. */
int cgroup_kill(const char *unified_mount, const char *freezer_mount, const char *path, int v2,
		struct cgroup_kill_report *r, char *err, size_t errlen);

#endif
