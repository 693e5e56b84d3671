/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* lineage.bpf.h - where each task's lineage lives, declared by every BPF
 * object that reads or extends it; user space makes them share one map.
 *
 * Two homes, chosen before load by lineage_kind: task-local storage (5.11+),
 * freed with the task; or, on older kernels, a hash keyed by thread id that
 * lineage.bpf.c empties at each thread's exit. The map of the other kind is
 * never created, and its code is dead for the verifier. */
#ifndef NOMINE_LINEAGE_BPF_H
#define NOMINE_LINEAGE_BPF_H

#include "lineage_types.h"

const volatile __u32 lineage_kind = NM_LINEAGE_NONE;

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct lineage);
} lineage SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NM_LINEAGE_PID_MAX);
	__type(key, __u32);
	__type(value, struct lineage);
} lineage_pid SEC(".maps");

/* The lineage of task p, created empty when create is set; NULL if it has
 * none (or the map is full). */
static __always_inline struct lineage *lineage_get(struct task_struct *p, bool create)
{
	struct lineage *l, empty = {};
	__u32 pid;

	if (lineage_kind == NM_LINEAGE_TASK_STORAGE)
		return bpf_task_storage_get(&lineage, p, 0,
					    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	if (lineage_kind != NM_LINEAGE_PID_MAP)
		return NULL;
	pid = BPF_CORE_READ(p, pid);
	l = bpf_map_lookup_elem(&lineage_pid, &pid);
	if (l || !create)
		return l;
	bpf_map_update_elem(&lineage_pid, &pid, &empty, BPF_NOEXIST);
	return bpf_map_lookup_elem(&lineage_pid, &pid);
}

#endif
