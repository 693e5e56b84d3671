/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* lineage.bpf.h - where each task's lineage lives, declared by every BPF
 * object that reads or extends it; user space makes them share one map.
 *
 * Two homes, chosen before load by lineage_kind: task-local storage (5.11+),
 * freed with the task, with lineage_spill for the tasks it could not be
 * created for; or, on older kernels, a hash keyed by thread id that
 * lineage.bpf.c empties at each thread's exit. The maps of the other kind
 * are never created, and their code is dead for the verifier. */
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

/* With task storage: the tasks it could not be created for. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NM_LINEAGE_SPILL_MAX);
	__type(key, __u32);
	__type(value, struct lineage_spill);
} lineage_spill SEC(".maps");

/* Task storage creations that failed and went to lineage_spill. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lineage_spills SEC(".maps");

/* The spilled lineage of p (created empty when create is set), or NULL. */
static __always_inline struct lineage *lineage_spilled(struct task_struct *p, bool create)
{
	struct lineage_spill *sp, fresh = {};
	__u32 pid = BPF_CORE_READ(p, pid), zero = 0;
	__u64 start = BPF_CORE_READ(p, start_boottime), *n;

	sp = bpf_map_lookup_elem(&lineage_spill, &pid);
	if (sp && sp->start_ns == start)
		return &sp->l;
	if (!create)
		return NULL;
	fresh.start_ns = start;
	bpf_map_update_elem(&lineage_spill, &pid, &fresh, BPF_ANY);
	n = bpf_map_lookup_elem(&lineage_spills, &zero);
	if (n)
		*n += 1;
	sp = bpf_map_lookup_elem(&lineage_spill, &pid);
	return sp && sp->start_ns == start ? &sp->l : NULL;
}

/* The lineage of task p, created empty when create is set; NULL if it has
 * none (or the map is full). */
static __always_inline struct lineage *lineage_get(struct task_struct *p, bool create)
{
	struct lineage *l, empty = {};
	__u32 pid;

	if (lineage_kind == NM_LINEAGE_TASK_STORAGE) {
		l = bpf_task_storage_get(&lineage, p, 0,
					 create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
		return l ? l : lineage_spilled(p, create);
	}
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
