/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* scope.bpf.h - --scope-cgroup in the kernel: the scopes user space fills in
 * before load, and the check every detector program makes.
 *
 * The cgroup ids are read from the task's cgroup through CO-RE rather than
 * with bpf_get_current_ancestor_cgroup_id() and bpf_get_current_cgroup_id():
 * tracing programs cannot call those on 5.10, and a walk of three pointers
 * costs nothing next to an exec (the RandomX program checks scope only on
 * its rare path). */
#ifndef NOMINE_SCOPE_BPF_H
#define NOMINE_SCOPE_BPF_H

#include "scope_types.h"

const volatile struct nm_scope scopes[NM_SCOPE_MAX];
const volatile unsigned int nscopes;

/* Before 6.0 a cgroup kept the ids of its ancestors, ancestor_ids[level];
 * since, pointers to the ancestors themselves. */
struct cgroup___ids {
	int level;
	__u64 ancestor_ids[];
} __attribute__((preserve_access_index));

/* The current task's cgroup in the unified (v2) hierarchy. */
static __always_inline struct cgroup *current_dfl_cgroup(void)
{
	struct task_struct *t = (void *)bpf_get_current_task();

	return BPF_CORE_READ(t, cgroups, dfl_cgrp);
}

/* The cgroup id (kernfs id) of the current task's unified cgroup. */
static __always_inline __u64 current_cgroup_id(void)
{
	return BPF_CORE_READ(current_dfl_cgroup(), kn, id);
}

/* ancestor_ids[level] of a cgroup of a kernel before 6.0. A function of
 * its own: inlined, the compiler may hoist its field address above the
 * branch that skips it, and on a newer kernel that address is a relocation
 * libbpf could not resolve, which the verifier must never reach. */
static __noinline __u64 ancestor_id_before_6_0(struct cgroup *cg, unsigned int level)
{
	__u64 id = 0;

	bpf_core_read(&id, sizeof(id), &((struct cgroup___ids *)cg)->ancestor_ids[level]);
	return id;
}

static __noinline __u64 ancestor_id(struct cgroup *cg, unsigned int level)
{
	struct cgroup *a = NULL;

	bpf_core_read(&a, sizeof(a), &cg->ancestors[level]);
	return BPF_CORE_READ(a, kn, id);
}

/* The id of the current task's ancestor cgroup at level (0: the root), or 0
 * when the task sits higher than that. */
static __always_inline __u64 current_ancestor_cgroup_id(struct cgroup *cg, unsigned int level)
{
	if (level > (unsigned int)BPF_CORE_READ(cg, level))
		return 0;
	if (bpf_core_field_exists(cg->ancestors))
		return ancestor_id(cg, level);
	return ancestor_id_before_6_0(cg, level);
}

/* True when the current task is in or below one of the scopes (or none
 * were given). */
static __always_inline bool in_scope(void)
{
	unsigned int n = nscopes;
	struct cgroup *cg;

	if (n == 0)
		return true;
	cg = current_dfl_cgroup();
	for (int i = 0; i < NM_SCOPE_MAX; i++) {
		if (i >= n)
			break;
		if (current_ancestor_cgroup_id(cg, scopes[i].level & 0xffff) == scopes[i].id)
			return true;
	}
	return false;
}

#endif
